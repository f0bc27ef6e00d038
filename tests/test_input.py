"""Bad input gets a clear Chinese message (in `detail` and per field in `errors`) and changes
nothing: no order, no number, no event, no attachment, no file."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from PIL import Image

from chuangcheng.cases.models import Attachment, Case, CaseEvent
from chuangcheng.core.models import DailySequence, Setting
from chuangcheng.demo.city import DemoCity
from tests.conftest import INTAKE
from tests.test_engine import _fast_password_hashing, client_for, drive, new_case

__all__ = ["_fast_password_hashing"]

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def db_state() -> dict[str, Any]:
    return {
        "cases": list(Case.objects.order_by("pk").values()),
        "events": CaseEvent.objects.count(),
        "attachments": Attachment.objects.count(),
        "numbers": list(DailySequence.objects.values_list("series", "last")),
    }


def refused(resp: Any, field: str | None, text: str) -> None:
    assert resp.status_code == 400, resp.content
    body = resp.json()
    assert CHINESE.search(body["detail"]), body
    if field is None:
        assert text in body["detail"], body
    else:
        assert any(text in m for m in body["errors"][field]), body


def png(size: int = 8) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def upload(name: str, content: bytes) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


# ---------------------------------------------------------------- intake
@pytest.mark.parametrize(
    "change,field,text",
    [
        ({"title": ""}, "title", "请填写标题"),
        ({"content": "太短"}, "content", "诉求内容至少 5 个字"),
        ({"title": "长" * 201}, "title", "不能超过 200 字"),
        ({"channel": "fax"}, "channel", "受理渠道无效"),
        ({"appeal_type": ""}, "appeal_type", "请选择诉求类型"),
        ({"citizen_phone": "12345"}, "citizen_phone", "电话号码格式不正确"),
        ({"citizen_phone": "138123412345"}, "citizen_phone", "电话号码格式不正确"),
        ({"citizen_phone": "电话"}, "citizen_phone", "电话号码格式不正确"),
        ({"citizen_phone": ""}, "citizen_phone", "请填写联系电话"),
        ({"lat": 39.9042, "lng": 116.4074}, "lat", "坐标不在本市范围内"),  # 北京
        ({"lat": 40.81, "lng": None}, "lat", "经纬度必须同时填写"),
        ({"lat": None, "lng": 111.63}, "lat", "经纬度必须同时填写"),
        ({"lat": "北纬40度", "lng": 111.63}, "lat", "纬度必须是数字"),
        ({"category": "999999"}, "category", "分类编码「999999」不存在"),
        ({"urgency": "asap"}, "urgency", "紧急程度无效"),
    ],
)
def test_bad_intake(city: DemoCity, change: dict[str, Any], field: str, text: str) -> None:
    before = db_state()
    body = {k: v for k, v in {**INTAKE, **change}.items() if v is not None}
    resp = client_for("operator").post("/api/v1/cases", body, format="json")
    refused(resp, field, text)
    assert resp.json()["detail"].startswith("输入有误：")
    assert db_state() == before


def test_empty_intake_lists_every_missing_field(city: DemoCity) -> None:
    before = db_state()
    resp = client_for("operator").post("/api/v1/cases", {}, format="json")
    assert resp.status_code == 400
    errors = resp.json()["errors"]
    assert {"channel", "appeal_type", "title", "content"} <= set(errors)
    assert all(CHINESE.search(m) for msgs in errors.values() for m in msgs), errors
    assert db_state() == before


@pytest.mark.parametrize(
    "raw,content_type",
    [
        (b"{not json", "application/json"),
        (b'["a list"]', "application/json"),
        (b"<xml/>", "application/xml"),
    ],
)
def test_unparseable_bodies(city: DemoCity, raw: bytes, content_type: str) -> None:
    before = db_state()
    resp = client_for("operator").generic("POST", "/api/v1/cases", raw, content_type)
    assert resp.status_code in (400, 415), resp.content
    assert CHINESE.search(resp.json()["detail"])
    assert db_state() == before


def test_anonymous_intake_needs_no_phone(city: DemoCity) -> None:
    body = {**INTAKE, "citizen_phone": "", "citizen_name": "", "anonymous": True}
    resp = client_for("operator").post("/api/v1/cases", body, format="json")
    assert resp.status_code == 201, resp.content


def test_landline_and_formatted_mobile_are_phones(city: DemoCity) -> None:
    for phone in ("0471-6612345", "138 1234 1234", "+8613812341234"):
        resp = client_for("operator").post(
            "/api/v1/cases", {**INTAKE, "citizen_phone": phone}, format="json"
        )
        assert resp.status_code == 201, (phone, resp.content)


# ---------------------------------------------------------------- dispatch
@pytest.mark.parametrize(
    "data,field,text",
    [
        ({}, "lead_unit", "请选择主办单位"),
        ({"lead_unit": 999999}, "lead_unit", "承办单位不存在或已停用"),
        ({"lead_unit": "城管局"}, "lead_unit", "承办单位不存在或已停用"),
        ({"lead_unit": "LEAD", "co_units": ["LEAD"]}, "co_units", "协办单位不能与主办单位相同"),
        ({"lead_unit": "LEAD", "co_units": [999999]}, "co_units", "协办单位不存在或已停用"),
        ({"lead_unit": "INACTIVE"}, "lead_unit", "承办单位不存在或已停用"),
    ],
)
def test_bad_dispatch(city: DemoCity, data: dict[str, Any], field: str, text: str) -> None:
    lead = city.units["D-CG"]
    inactive = city.units["D-SW"]
    inactive.active = False
    inactive.save()
    swap = {"LEAD": lead.pk, "INACTIVE": inactive.pk}
    data = {
        k: ([swap.get(x, x) for x in v] if isinstance(v, list) else swap.get(v, v))
        for k, v in data.items()
    }
    case = drive(city, new_case(), "reviewed")
    before = db_state()
    resp = client_for("dispatcher").post(
        f"/api/v1/cases/{case.pk}/actions/dispatch", data, format="json"
    )
    refused(resp, field, text)
    assert db_state() == before


# ---------------------------------------------------------------- extension
@pytest.mark.parametrize(
    "data,field,text",
    [
        ({"days": 31, "reason": "需要协调"}, "days", "延期天数不能超过 30"),
        ({"days": 0, "reason": "需要协调"}, "days", "延期天数至少为 1"),
        ({"days": "三天", "reason": "需要协调"}, "days", ""),
        ({"days": 3}, "reason", "请填写理由"),
        ({"days": 11, "reason": "需要协调"}, "days", "最多还可延期 10 个工作日"),
    ],
)
def test_bad_extension_request(city: DemoCity, data: dict[str, Any], field: str, text: str) -> None:
    case = drive(city, new_case(), "handling")
    before = db_state()
    resp = client_for("handler_zsxl").post(
        f"/api/v1/cases/{case.pk}/actions/request_extension", data, format="json"
    )
    refused(resp, field, text)
    assert db_state() == before


def test_extensions_add_up_to_the_limit(city: DemoCity) -> None:
    Setting.objects.create(key="hotline.max_extension_workdays", value=5)
    case = drive(city, new_case(), "handling")
    handler, dispatcher = client_for("handler_zsxl"), client_for("dispatcher")
    url = f"/api/v1/cases/{case.pk}/actions/"
    assert (
        handler.post(
            url + "request_extension", {"days": 3, "reason": "协调"}, format="json"
        ).status_code
        == 200
    )
    assert dispatcher.post(url + "approve_extension", {}, format="json").status_code == 200
    before = db_state()
    resp = handler.post(url + "request_extension", {"days": 3, "reason": "再协调"}, format="json")
    refused(resp, "days", "最多还可延期 2 个工作日")
    assert "不能超过 5 个工作日" in resp.json()["detail"]
    assert db_state() == before
    assert (
        handler.post(
            url + "request_extension", {"days": 2, "reason": "再协调"}, format="json"
        ).status_code
        == 200
    )


# ---------------------------------------------------------------- callback
@pytest.mark.parametrize(
    "data,field,text",
    [
        ({"contacted": "true", "resolution": "resolved"}, "satisfaction", "必须选择满意度"),
        ({"contacted": "true", "satisfaction": "satisfied"}, "resolution", "必须选择解决情况"),
        ({"resolution": "resolved", "satisfaction": "satisfied"}, "contacted", "请选择是否联系上"),
        (
            {"contacted": "true", "resolution": "resolved", "satisfaction": "very"},
            "satisfaction",
            "",
        ),
    ],
)
def test_bad_callback(city: DemoCity, data: dict[str, Any], field: str, text: str) -> None:
    case = drive(city, new_case(), "callback")
    before = db_state()
    resp = client_for("callback").post(
        f"/api/v1/cases/{case.pk}/actions/callback", data, format="json"
    )
    refused(resp, field, text)
    assert db_state() == before


@pytest.mark.parametrize("contacted,status", [(True, "closed"), (False, "callback")])
def test_callback_accepts_json_booleans(city: DemoCity, contacted: bool, status: str) -> None:
    """A JSON client sends true/false, not the strings a form posts."""
    case = drive(city, new_case(), "callback")
    data: dict[str, Any] = {"contacted": contacted}
    if contacted:
        data |= {"resolution": "resolved", "satisfaction": "satisfied"}
    resp = client_for("callback").post(
        f"/api/v1/cases/{case.pk}/actions/callback", data, format="json"
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == status
    assert resp.json()["contacted"] is contacted


# ---------------------------------------------------------------- uploads
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"PE\x00\x00"
BAD_FILES = [
    ("note.txt", "小区门口有流动摊贩。".encode(), "不是图片或 PDF"),
    ("photo.jpg", EXE, "不是图片或 PDF"),  # an .exe renamed: checked by content
    ("photo.png", png()[:40], "不是图片或 PDF"),  # a truncated image
    ("empty.jpg", b"", "空文件"),
]


def _feedback_ready(city: DemoCity) -> Case:
    from chuangcheng.cases.services import case_transition
    from tests.conftest import actor

    case = drive(city, new_case(), "handling")
    return case_transition(
        case_id=case.pk, action="contact", actor=actor("handler_zsxl"), data={"note": "已联系"}
    )


@pytest.mark.parametrize("name,content,text", BAD_FILES)
def test_bad_upload_on_feedback(
    city: DemoCity, name: str, content: bytes, text: str, settings: Any
) -> None:
    case = _feedback_ready(city)
    before = db_state()
    resp = client_for("handler_zsxl").post(
        f"/api/v1/cases/{case.pk}/actions/feedback",
        {"result": "已清理摊贩并设置禁停标识", "after": upload(name, content)},
        format="multipart",
    )
    refused(resp, "attachments", text)
    assert db_state() == before
    assert not (settings.MEDIA_ROOT / "cases").exists()


def test_too_large_upload_on_feedback(city: DemoCity, settings: Any) -> None:
    settings.CC_UPLOAD_MAX_BYTES = 100
    case = _feedback_ready(city)
    before = db_state()
    resp = client_for("handler_zsxl").post(
        f"/api/v1/cases/{case.pk}/actions/feedback",
        {"result": "已清理摊贩并设置禁停标识", "after": upload("after.png", png(64))},
        format="multipart",
    )
    refused(resp, "attachments", "超过上限")
    assert "太大" in resp.json()["detail"]
    assert db_state() == before


def test_good_uploads_on_feedback(city: DemoCity, settings: Any) -> None:
    case = _feedback_ready(city)
    resp = client_for("handler_zsxl").post(
        f"/api/v1/cases/{case.pk}/actions/feedback",
        {
            "result": "已清理摊贩并设置禁停标识",
            "after": upload("现场.png", png()),
            "attachments": upload("report.pdf", b"%PDF-1.4\n%test\n"),
        },
        format="multipart",
    )
    assert resp.status_code == 200, resp.content
    rows = {a.label: a for a in Attachment.objects.filter(case=case)}
    assert rows["after"].content_type == "image/png"
    assert rows["other"].content_type == "application/pdf"
    assert rows["after"].file.name.endswith(".png")


def test_files_on_an_action_without_files(city: DemoCity) -> None:
    case = drive(city, new_case(), "dispatched")
    before = db_state()
    resp = client_for("handler_zsxl").post(
        f"/api/v1/cases/{case.pk}/actions/accept",
        {"after": upload("a.png", png())},
        format="multipart",
    )
    refused(resp, None, "不能上传附件")
    assert db_state() == before


@pytest.mark.parametrize("name,content,text", BAD_FILES)
def test_bad_upload_on_intake(
    city: DemoCity, name: str, content: bytes, text: str, settings: Any
) -> None:
    before = db_state()
    body = {**INTAKE, "before": upload(name, content)}
    resp = client_for("operator").post("/api/v1/cases", body, format="multipart")
    refused(resp, "attachments", text)
    assert db_state() == before
    assert not (settings.MEDIA_ROOT / "cases").exists()


def test_too_large_upload_on_intake(city: DemoCity, settings: Any) -> None:
    settings.CC_UPLOAD_MAX_BYTES = 100
    before = db_state()
    body = {**INTAKE, "before": upload("before.png", png(64))}
    resp = client_for("operator").post("/api/v1/cases", body, format="multipart")
    refused(resp, "attachments", "超过上限")
    assert db_state() == before


def test_good_upload_on_intake(city: DemoCity) -> None:
    body = {**INTAKE, "before": upload("before.png", png())}
    resp = client_for("operator").post("/api/v1/cases", body, format="multipart")
    assert resp.status_code == 201, resp.content
    att = Attachment.objects.get(case_id=resp.json()["id"])
    assert att.label == "before" and att.content_type == "image/png"
    assert att.event.action == "open"


# ---------------------------------------------------------------- hostile input (item 8)
def _api_refused(resp: Any) -> None:
    assert resp.status_code == 400, resp.content
    assert resp["Content-Type"].startswith("application/json")
    assert CHINESE.search(resp.json()["detail"]), resp.json()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cases?q=a%00b",
        "/api/v1/cases?status=received%00",
        "/api/v1/callers?phone=1381234%001234",
        "/api/v1/units?q=%00",
        "/api/v1/indicators/hotline?month=2026-10%00",
        "/api/v1/repeats?title=%00&content=x",
    ],
)
def test_nul_byte_in_a_query_is_400(city: DemoCity, url: str) -> None:
    _api_refused(client_for("admin").get(url))


def test_nul_byte_in_a_body_is_400_and_changes_nothing(city: DemoCity) -> None:
    case = new_case()
    before = db_state()
    api = client_for("admin")
    _api_refused(api.post("/api/v1/cases", {**INTAKE, "title": "占道\x00经营"}, format="json"))
    _api_refused(api.post("/api/v1/cases", {**INTAKE, "content": "x\x00" * 5}, format="multipart"))
    _api_refused(
        api.post(f"/api/v1/cases/{case.pk}/actions/review", {"note": "\x00"}, format="json")
    )
    assert db_state() == before


def test_nul_byte_on_pages_is_a_chinese_400(city: DemoCity) -> None:
    from django.test import Client

    page = Client()
    assert page.login(username="operator", password="cc-demo-2026")
    resp = page.get("/hotline/cases/", {"q": "a\x00"})
    assert resp.status_code == 400 and "NUL" in resp.content.decode()
    before = db_state()
    resp = page.post("/hotline/intake/", {**INTAKE, "title": "占道\x00经营"})
    assert resp.status_code == 400 and "输入有误" in resp.content.decode()
    assert db_state() == before
    assert Client().get("/m/track/", {"number": "\x00"}).status_code == 400


@pytest.mark.parametrize(
    "page", ["99999999999999999999", "9223372036854775808", "0", "-1", "1e3", "一"]
)
def test_page_numbers_out_of_range_are_400(city: DemoCity, page: str) -> None:
    resp = client_for("dispatcher").get(f"/api/v1/cases?page={page}")
    _api_refused(resp)
    assert "页码" in resp.json()["detail"]


def test_pages_clamp_a_page_past_bigint(city: DemoCity) -> None:
    from django.test import Client

    page = Client()
    assert page.login(username="dispatcher", password="cc-demo-2026")
    assert page.get("/hotline/cases/", {"page": "9" * 30}).status_code == 200


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e999", "Infinity"])
def test_infinite_coordinates_are_400(city: DemoCity, value: str) -> None:
    before = db_state()
    resp = client_for("operator").get(f"/api/v1/repeats?title=占道经营&lat={value}&lng=111.6")
    _api_refused(resp)
    resp = client_for("operator").post(
        "/api/v1/cases", {**INTAKE, "lat": value}, format="multipart"
    )
    _api_refused(resp)
    assert db_state() == before


def test_nan_in_a_json_body_is_400(city: DemoCity) -> None:
    raw = b'{"title": "x", "lat": NaN, "lng": Infinity}'
    resp = client_for("operator").generic("POST", "/api/v1/cases", raw, "application/json")
    _api_refused(resp)


@pytest.mark.parametrize(
    "field,value",
    [
        ("title", ["占道经营", "油烟"]),
        ("content", {"text": "流动摊贩占道经营"}),
        ("citizen_name", ["王先生"]),
        ("appeal_type", ["help"]),
        ("address", [["回民区"]]),
    ],
)
def test_a_list_where_a_string_belongs_is_400_not_its_repr(
    city: DemoCity, field: str, value: Any
) -> None:
    before = db_state()
    resp = client_for("operator").post("/api/v1/cases", {**INTAKE, field: value}, format="json")
    _api_refused(resp)
    assert resp.json()["errors"][field] == ["应为单个值，不能是列表或对象"]
    assert db_state() == before


def test_a_list_in_an_action_or_a_batch_item_is_400(city: DemoCity) -> None:
    case = new_case()
    before = db_state()
    resp = client_for("dispatcher").post(
        f"/api/v1/cases/{case.pk}/actions/review", {"note": ["a", "b"]}, format="json"
    )
    _api_refused(resp)
    batch = client_for("operator").post(
        "/api/v1/cases/batch", {"cases": [{**INTAKE, "title": ["a", "b"]}]}, format="json"
    )
    assert batch.status_code == 200
    assert batch.json()["results"][0]["status"] == 400
    assert "title" in batch.json()["results"][0]["errors"]
    assert db_state() == before
    # a form field sent twice is the same mistake
    resp = client_for("dispatcher").post(
        f"/api/v1/cases/{case.pk}/actions/review", "note=a&note=b", content_type=FORM
    )
    _api_refused(resp)


FORM = "application/x-www-form-urlencoded"


def test_every_api_error_is_json(city: DemoCity) -> None:
    api = client_for("dispatcher")
    for resp, status in (
        (api.get("/api/v1/nothing-here"), 404),
        (api.get("/api/nothing"), 404),
        (api.delete("/api/v1/cases"), 405),
        (client_for(None).get("/api/v1/cases"), 401),
    ):
        assert resp.status_code == status
        assert resp["Content-Type"].startswith("application/json"), resp.content
        assert CHINESE.search(resp.json()["detail"])


def test_server_errors_are_json_under_api_and_a_chinese_page_elsewhere(city: DemoCity) -> None:
    from django.test import RequestFactory
    from django.urls import get_callable

    from config import urls

    handler = get_callable(urls.handler500)
    api = handler(RequestFactory().get("/api/v1/cases"))
    assert api.status_code == 500 and api["Content-Type"].startswith("application/json")
    assert api.content.decode("utf-8").count("服务器内部错误") == 1
    page = handler(RequestFactory().get("/hotline/cases/"))
    html = page.content.decode()
    assert page.status_code == 500 and "服务器内部错误" in html
    assert "Traceback" not in html


def test_unknown_page_is_a_chinese_404(city: DemoCity) -> None:
    from django.test import Client

    resp = Client().get("/no/such/page/")
    assert resp.status_code == 404 and "未找到" in resp.content.decode()
    assert "Page not found" not in resp.content.decode()


def test_the_demo_runs_with_debug_off() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("CC_")}
    env |= {"CC_ENV": "demo", "CC_DATABASE_URL": "sqlite:////tmp/cc-apiscope-none.sqlite3"}
    out = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; "
            "print(settings.DEBUG, settings.WHITENOISE_USE_FINDERS)",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # the last line: Django's shell may first report the objects it imported
    assert out.stdout.strip().splitlines()[-1].split() == ["False", "True"], out.stdout + out.stderr


def test_schema_lists_coded_values_and_error_responses(city: DemoCity) -> None:
    schema = client_for("citizen").get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    assert components["AppealTypeEnum"]["enum"] == [
        "consult",
        "help",
        "complaint",
        "report",
        "suggestion",
        "praise",
        "other",
    ]
    assert "fax" not in components["ChannelEnum"]["enum"]
    assert set(components["UrgencyEnum"]["enum"]) == {"normal", "urgent", "emergency"}
    assert set(components["ResolutionEnum"]["enum"]) == {"resolved", "partly", "unresolved"}
    assert "satisfied" in components["SatisfactionEnum"]["enum"]
    assert {"received", "closed", "merged"} <= set(components["StatusEnum"]["enum"])
    intake = components["Intake"]["properties"]

    def ref(prop: dict[str, Any]) -> str:
        return str(prop.get("$ref") or prop["allOf"][0]["$ref"])

    assert ref(intake["appeal_type"]).endswith("/AppealTypeEnum")
    assert ref(intake["channel"]).endswith("/ChannelEnum")
    assert ref(intake["urgency"]).endswith("/UrgencyEnum")
    assert set(components["Error"]["properties"]) >= {"detail", "code"}
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            for code in ("400", "401", "403", "404", "500"):
                assert code in op["responses"], (method, path, code)
            error = op["responses"]["400"]["content"]["application/json"]["schema"]
            assert error["$ref"].endswith("/Error"), (method, path)


# ---------------------------------------------------------------- fuzz: no 500 anywhere
HOSTILE = [
    "\x00",
    "9" * 30,
    "-1",
    "inf",
    "NaN",
    "1e999",
    "'; DROP TABLE x; --",
    "𠮷" * 300,
]
PARAMS = [
    "page",
    "page_size",
    "unit",
    "status",
    "overdue",
    "q",
    "phone",
    "citizen_phone",
    "lat",
    "lng",
    "month",
    "group_by",
    "title",
    "content",
    "address",
    "number",
    "street",
    "category",
    "since",
    "done",
    "tab",
    "next",
]
BODY_FIELDS = [*INTAKE, "note", "reason", "result", "rating", "lead_unit", "co_units", "into"]


def _urls(case_id: int) -> list[str]:
    """Every API endpoint and page URL of the site (admin and API docs aside), with the path
    arguments filled in."""
    from django.urls import URLPattern, URLResolver, get_resolver

    out: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if route.startswith(("admin/", "api/docs", "api/redoc", "logout/")):
                continue
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                url = "/" + route
                url = url.replace("<int:case_id>", str(case_id))
                url = url.replace("<str:action>", "review").replace("<str:token>", "nope")
                out.append(url)

    walk(get_resolver().url_patterns, "")
    return out


def test_fuzz_every_url_with_hostile_values_never_500(city: DemoCity, settings: Any) -> None:
    from django.test import Client

    case = new_case()
    urls = _urls(case.pk)
    assert "/api/v1/cases" in urls and "/m/track/" in urls and "/hotline/dashboard/" in urls
    api = client_for("admin")
    api.raise_request_exception = False  # a 500 is recorded, not raised: list them all
    page = Client(raise_request_exception=False)
    assert page.login(username="admin", password="cc-demo-2026")
    citizen_page = Client(raise_request_exception=False)
    assert citizen_page.login(username="citizen", password="cc-demo-2026")
    failures: list[tuple[str, str, Any, int]] = []

    def check(method: str, url: str, payload: Any, resp: Any) -> None:
        if resp.status_code >= 500:
            failures.append((method, url, payload, resp.status_code))
        if url.startswith("/api/") and resp.status_code >= 400:
            assert resp["Content-Type"].startswith("application/json"), (url, resp.status_code)

    for url in urls:
        for value in HOSTILE:
            query = {name: value for name in PARAMS}
            web = citizen_page if url.startswith("/m/") else page
            client = api if url.startswith("/api/") else web
            check("GET", url, value, client.get(url, query))
            check("POST", url, value, client.post(url, query))
            if url.startswith("/api/"):
                body = {name: value for name in BODY_FIELDS}
                check("POST json", url, value, api.post(url, body, format="json"))
        if url.startswith("/api/"):
            for shape in (["a", "b"], {"a": 1}, 10**30, -(10**30), None, True):
                body = {name: shape for name in BODY_FIELDS}
                check("POST json", url, shape, api.post(url, body, format="json"))
                check("POST json", url, shape, api.post(url, [shape], format="json"))
    assert failures == []

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

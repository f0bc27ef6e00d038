"""The server-rendered pages: who may open what (anonymous, wrong role, other unit, right unit,
supervisor), refused posts change nothing, Chinese errors with the right status codes, constant
query counts on the handler's queue, and the login throttle."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from chuangcheng.cases.models import Attachment, Case, CaseClock, CaseEvent, ContactReveal
from chuangcheng.cases.services import case_transition
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.hotline.models import HotlineOrder
from chuangcheng.hotline.selectors import suggest_unit
from chuangcheng.hotline.services import hotline_intake
from chuangcheng.web import formatting
from tests.conftest import INTAKE, actor

STAFF_PAGES = {
    # url: (a role that may open it, a role that may not)
    "/hotline/intake/": ("operator", "handler_zsxl"),
    "/hotline/dispatch/": ("dispatcher", "operator"),
    "/hotline/queue/": ("handler_zsxl", "dispatcher"),
    "/hotline/callbacks/": ("callback", "handler_zsxl"),
    "/hotline/supervision/": ("supervisor", "callback"),
    "/hotline/dashboard/": ("leader", "operator"),
    "/hotline/cases/": ("supervisor", "handler_zsxl"),
    "/m/submit/": ("citizen", "operator"),
    "/m/cases/": ("citizen", "dispatcher"),
}
PUBLIC_PAGES = ["/login/", "/m/", "/m/track/"]


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    caches["default"].clear()


def login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def png(name: str = "photo.png", color: str = "red") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def new_case(**overrides: Any) -> Case:
    case, _ = hotline_intake(actor=actor("operator"), data={**INTAKE, **overrides})
    return case


def dispatched_case(city: Any, unit_code: str = "S-150103004", **overrides: Any) -> Case:
    case = new_case(**overrides)
    dispatcher = actor("dispatcher")
    case_transition(case_id=case.pk, action="review", actor=dispatcher, data={"category": "060103"})
    return case_transition(
        case_id=case.pk,
        action="dispatch",
        actor=dispatcher,
        data={"lead_unit": city.units[unit_code].pk},
    )


def events(case: Case) -> int:
    return CaseEvent.objects.filter(case=case).count()


# ------------------------------------------------------------------ who may open what
@pytest.mark.parametrize("url", list(STAFF_PAGES))
def test_anonymous_is_sent_to_login(city: Any, url: str) -> None:
    resp = Client().get(url)
    assert resp.status_code == 302
    assert resp["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_open_without_login(city: Any, url: str) -> None:
    resp = Client().get(url)
    assert resp.status_code == 200
    assert '<html lang="zh-hans">' in resp.content.decode()


@pytest.mark.parametrize("url", list(STAFF_PAGES))
def test_right_role_gets_the_page(city: Any, url: str) -> None:
    right, _wrong = STAFF_PAGES[url]
    resp = login(right).get(url)
    assert resp.status_code == 200, resp.content.decode()[:500]


@pytest.mark.parametrize("url", list(STAFF_PAGES))
def test_wrong_role_gets_a_chinese_403(city: Any, url: str) -> None:
    _right, wrong = STAFF_PAGES[url]
    resp = login(wrong).get(url)
    assert resp.status_code == 403
    assert "无权访问" in resp.content.decode()


@pytest.mark.parametrize("username", ["leader", "supervisor", "dispatcher"])
def test_dashboard_roles(city: Any, username: str) -> None:
    assert login(username).get("/hotline/dashboard/").status_code == 200


def test_home_redirects_by_role(city: Any) -> None:
    assert Client().get("/")["Location"] == "/login/"
    expected = {
        "operator": "/hotline/intake/",
        "dispatcher": "/hotline/dispatch/",
        "handler_zsxl": "/hotline/queue/",
        "callback": "/hotline/callbacks/",
        "supervisor": "/hotline/supervision/",
        "leader": "/hotline/dashboard/",
        "citizen": "/m/",
    }
    for username, url in expected.items():
        assert login(username).get("/")["Location"] == url, username


def test_navigation_shows_the_links_the_roles_allow(city: Any) -> None:
    html = login("dispatcher").get("/hotline/dispatch/").content.decode()
    assert "李强" in html and "派单员" in html
    assert 'href="/hotline/dashboard/"' in html and 'href="/hotline/intake/"' not in html
    html = login("handler_zsxl").get("/hotline/queue/").content.decode()
    assert 'href="/hotline/dashboard/"' not in html and 'href="/hotline/queue/"' in html


def test_case_detail_scope(city: Any, make_handler: Any) -> None:
    case = dispatched_case(city)
    url = f"/hotline/cases/{case.pk}/"
    assert Client().get(url).status_code == 302
    resp = login("handler_zsxl").get(url)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert case.number in html and "138****1234" in html and "13812341234" not in html
    assert "签收" in html and 'data-action="accept"' in html
    assert "{% block intelligence %}" not in html
    assert login("handler_cg").get(url).status_code == 404  # another unit
    assert login(make_handler("D-SJ")).get(url).status_code == 404
    assert login("citizen").get(url).status_code == 403  # wrong role
    resp = login("supervisor").get(url)
    assert resp.status_code == 200 and 'data-action="supervise"' in resp.content.decode()
    assert login("dispatcher").get("/hotline/cases/999999/").status_code == 404


def test_detail_shows_dates_countdowns_and_suggested_unit(city: Any) -> None:
    case = new_case()
    dispatcher = actor("dispatcher")
    case_transition(case_id=case.pk, action="review", actor=dispatcher, data={"category": "060103"})
    html = login("dispatcher").get(f"/hotline/cases/{case.pk}/").content.decode()
    assert "年" in html and "月" in html and "日" in html
    # 060103 占道经营 → 城管局 in the 派单目录
    assert suggest_unit(Case.objects.get(pk=case.pk)) == city.units["D-CG"]
    assert re.search(rf'<option value="{city.units["D-CG"].pk}"[^>]*\bselected\b', html)
    case = dispatched_case(city)
    html = login("handler_zsxl").get(f"/hotline/cases/{case.pk}/").content.decode()
    assert 'class="countdown' in html and "剩余" in html


def test_suggest_unit_prefers_the_street_rule(city: Any) -> None:
    case = new_case()
    case_transition(
        case_id=case.pk, action="review", actor=actor("dispatcher"), data={"category": "090104"}
    )  # 邻里纠纷 → the street office
    assert suggest_unit(Case.objects.get(pk=case.pk)) == city.units["S-150103004"]


# ------------------------------------------------------------------ actions through pages
def test_action_post_walks_the_loop(city: Any) -> None:
    case = new_case()
    dispatcher = login("dispatcher")
    resp = dispatcher.post(
        f"/hotline/cases/{case.pk}/do/review/",
        {"category": "060103", "appeal_type": "help", "urgency": "normal"},
    )
    assert resp.status_code == 302
    resp = dispatcher.post(
        f"/hotline/cases/{case.pk}/do/dispatch/",
        {"lead_unit": city.units["S-150103004"].pk},
        follow=True,
    )
    assert resp.status_code == 200 and "「派单」已完成" in resp.content.decode()
    handler = login("handler_zsxl")
    assert handler.post(f"/hotline/cases/{case.pk}/do/accept/").status_code == 302
    assert (
        handler.post(f"/hotline/cases/{case.pk}/do/contact/", {"note": "已电话联系"}).status_code
        == 302
    )
    resp = handler.post(
        f"/hotline/cases/{case.pk}/do/feedback/",
        {
            "result": "已清理占道摊贩。",
            "before": png("before.png"),
            "after": png("after.png", "green"),
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:800]
    labels = sorted(Attachment.objects.filter(case=case).values_list("label", flat=True))
    assert labels == ["after", "before"]
    html = handler.get(f"/hotline/cases/{case.pk}/").content.decode()
    assert "处置前" in html and "/attachments/" in html
    assert Case.objects.get(pk=case.pk).status == "fed_back"


def test_refused_posts_change_nothing(city: Any) -> None:
    case = dispatched_case(city)
    before = events(case)
    # another unit: not visible → 404
    assert login("handler_cg").post(f"/hotline/cases/{case.pk}/do/accept/").status_code == 404
    # wrong role → 403 with the Chinese message on the page
    resp = login("dispatcher").post(f"/hotline/cases/{case.pk}/do/accept/")
    assert resp.status_code == 403 and "您的角色不能执行「签收」" in resp.content.decode()
    # wrong state → 409
    resp = login("dispatcher").post(f"/hotline/cases/{case.pk}/do/approve_feedback/")
    assert resp.status_code == 409 and "当前状态" in resp.content.decode()
    # anonymous → login
    assert Client().post(f"/hotline/cases/{case.pk}/do/accept/").status_code == 302
    # a citizen cannot reach staff actions at all
    assert login("citizen").post(f"/hotline/cases/{case.pk}/do/accept/").status_code == 403
    assert events(case) == before
    assert Case.objects.get(pk=case.pk).status == "dispatched"


def test_invalid_action_input_is_400_with_the_form_kept(city: Any) -> None:
    case = new_case()
    client = login("dispatcher")
    client.post(f"/hotline/cases/{case.pk}/do/review/", {"category": "060103"})
    before = events(case)
    resp = client.post(f"/hotline/cases/{case.pk}/do/dispatch/", {"note": "请尽快处理"})
    html = resp.content.decode()
    assert resp.status_code == 400
    assert "请选择主办单位" in html and "请尽快处理" in html and "data-autoopen" in html
    resp = client.post(f"/hotline/cases/{case.pk}/do/review/", {"category": "999999"})
    assert resp.status_code == 400 and "分类编码「999999」不存在" in resp.content.decode()
    resp = client.post(f"/hotline/cases/{case.pk}/do/review/", {"category": "060103"})
    assert resp.status_code == 409  # already reviewed
    assert events(case) == before


def test_feedback_refuses_a_fake_photo(city: Any) -> None:
    case = dispatched_case(city)
    handler = login("handler_zsxl")
    handler.post(f"/hotline/cases/{case.pk}/do/accept/")
    handler.post(f"/hotline/cases/{case.pk}/do/contact/", {"note": "已联系"})
    before = events(case)
    fake = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    resp = handler.post(
        f"/hotline/cases/{case.pk}/do/feedback/", {"result": "已经处理完毕。", "before": fake}
    )
    assert resp.status_code == 400
    assert "只能上传图片" in resp.content.decode()
    assert events(case) == before


def test_contact_reveal_is_audited_and_role_checked(city: Any) -> None:
    case = dispatched_case(city)
    resp = login("handler_zsxl").post(f"/hotline/cases/{case.pk}/contact/", HTTP_HX_REQUEST="true")
    assert resp.status_code == 200 and "13812341234" in resp.content.decode()
    assert ContactReveal.objects.filter(case=case).count() == 1
    resp = login("leader").post(f"/hotline/cases/{case.pk}/contact/", HTTP_HX_REQUEST="true")
    assert resp.status_code == 403 and "13812341234" not in resp.content.decode()
    assert login("handler_cg").post(f"/hotline/cases/{case.pk}/contact/").status_code == 404
    assert ContactReveal.objects.filter(case=case).count() == 1


def test_attachments_are_served_only_to_those_who_see_the_case(city: Any) -> None:
    case = dispatched_case(city)
    handler = actor("handler_zsxl")
    case_transition(case_id=case.pk, action="accept", actor=handler)
    case_transition(case_id=case.pk, action="contact", actor=handler, data={"note": "ok"})
    case_transition(
        case_id=case.pk,
        action="feedback",
        actor=handler,
        data={"result": "已处理完毕。"},
        attachments=[(png(), "after")],
    )
    token = Attachment.objects.get(case=case).token
    url = f"/attachments/{token}"
    assert Client().get(url).status_code == 302
    resp = login("handler_zsxl").get(url)
    assert resp.status_code == 200 and resp["Content-Type"] == "image/png"
    assert b"".join(resp.streaming_content).startswith(b"\x89PNG")
    assert login("dispatcher").get(url).status_code == 200
    assert login("supervisor").get(url).status_code == 200
    assert login("handler_cg").get(url).status_code == 404
    assert login("citizen").get(url).status_code == 404
    assert login("dispatcher").get("/attachments/nope").status_code == 404


# ------------------------------------------------------------------ intake
def test_intake_errors_are_chinese_and_400(city: Any) -> None:
    client = login("operator")
    count = Case.objects.count()
    resp = client.post(
        "/hotline/intake/",
        {"channel": "phone", "appeal_type": "help", "title": "路灯", "content": "坏"},
    )
    html = resp.content.decode()
    assert resp.status_code == 400
    assert "诉求内容至少 5 个字" in html and "请填写联系电话（或选择匿名）" in html
    assert 'value="路灯"' in html  # the form is kept
    resp = client.post("/hotline/intake/", {**INTAKE, "lat": 30.0, "lng": 120.0})
    assert resp.status_code == 400 and "坐标不在本市范围内" in resp.content.decode()
    assert Case.objects.count() == count


def test_intake_creates_and_shows_the_number(city: Any) -> None:
    client = login("operator")
    resp = client.post("/hotline/intake/", INTAKE)
    assert resp.status_code == 302 and "?done=" in resp["Location"]
    case = Case.objects.latest("id")
    html = client.get(resp["Location"]).content.decode()
    assert case.number in html and "受理成功" in html


def test_intake_answer_now_closes_a_consultation(city: Any) -> None:
    client = login("operator")
    data = {
        **INTAKE,
        "appeal_type": "consult",
        "title": "社保卡办理地点",
        "content": "请问社保卡在哪里办理？",
        "answer_now": "on",
        "answer": "可到各区政务服务大厅社保窗口办理。",
    }
    resp = client.post("/hotline/intake/", data)
    assert resp.status_code == 302
    case = Case.objects.latest("id")
    assert case.status == "closed" and "政务服务大厅" in case.hotline.result
    resp = client.post("/hotline/intake/", {**data, "appeal_type": "help"})
    assert resp.status_code == 400 and "只有咨询类诉求可以直接办结" in resp.content.decode()
    resp = client.post("/hotline/intake/", {**data, "answer": ""})
    assert resp.status_code == 400 and "请填写答复内容" in resp.content.decode()


def test_caller_history_partial(city: Any) -> None:
    case = new_case()
    resp = login("operator").get("/hotline/intake/history/", {"citizen_phone": "138 1234 1234"})
    assert resp.status_code == 200 and case.number in resp.content.decode()
    resp = login("operator").get("/hotline/intake/history/", {"citizen_phone": "13900000000"})
    assert "没有历史工单" in resp.content.decode()
    assert login("handler_zsxl").get("/hotline/intake/history/").status_code == 403


# ------------------------------------------------------------------ lists
def test_dispatch_tabs(city: Any) -> None:
    case = new_case()
    html = login("dispatcher").get("/hotline/dispatch/").content.decode()
    assert case.number in html and "待复核" in html and "延期待审" in html
    html = login("dispatcher").get("/hotline/dispatch/?tab=reviewed").content.decode()
    assert case.number not in html


def _queue_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get("/hotline/queue/")
    assert resp.status_code == 200
    return len(ctx.captured_queries)


def test_handler_queue_query_count_is_constant(
    city: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(5):
        dispatched_case(city)
    client = login("handler_zsxl")
    few = _queue_queries(client)
    for _ in range(25):
        dispatched_case(city)
    many = _queue_queries(client)
    assert many == few
    with django_assert_max_num_queries(few):
        html = client.get("/hotline/queue/").content.decode()
    assert html.count('class="countdown') == 30


def make_overdue(case: Case) -> None:
    """办结 long past its due, as a repair in SQL would: the clock row, the engine's next_due
    and the hotline's copy (ADR 0012, 0013)."""
    due = case.created_at.replace(year=2020)
    CaseClock.objects.filter(case=case, name="finish").update(due_at=due)
    Case.objects.filter(pk=case.pk).update(next_due=due)
    HotlineOrder.objects.filter(case=case).update(finish_due=due)


def test_handler_queue_paginates_and_marks_overdue(city: Any) -> None:
    case = dispatched_case(city)
    make_overdue(case)
    html = login("handler_zsxl").get("/hotline/queue/").content.decode()
    assert "row-overdue" in html and "已超期" in html


def test_case_list_filters(city: Any) -> None:
    a = new_case(title="井盖缺失很危险")
    b = new_case(title="噪音扰民严重")
    client = login("supervisor")
    html = client.get("/hotline/cases/", {"q": "井盖"}).content.decode()
    assert a.number in html and b.number not in html
    html = client.get("/hotline/cases/", {"status": "closed"}).content.decode()
    assert a.number not in html
    assert client.get("/hotline/cases/", {"overdue": "1", "unit": "1"}).status_code == 200


def test_callback_and_supervision_inline_forms(city: Any) -> None:
    case = dispatched_case(city)
    h, d = actor("handler_zsxl"), actor("dispatcher")
    case_transition(case_id=case.pk, action="accept", actor=h)
    case_transition(case_id=case.pk, action="contact", actor=h, data={"note": "ok"})
    case_transition(case_id=case.pk, action="feedback", actor=h, data={"result": "处理完毕了。"})
    case_transition(case_id=case.pk, action="approve_feedback", actor=d)
    client = login("callback")
    html = client.get("/hotline/callbacks/").content.decode()
    assert case.number in html and f"/hotline/cases/{case.pk}/do/callback/" in html
    resp = client.post(
        f"/hotline/cases/{case.pk}/do/callback/",
        {
            "contacted": "true",
            "resolution": "resolved",
            "satisfaction": "satisfied",
            "next": "/hotline/callbacks/",
        },
    )
    assert resp.status_code == 302 and resp["Location"] == "/hotline/callbacks/"
    assert Case.objects.get(pk=case.pk).status == "closed"

    late = dispatched_case(city)
    make_overdue(late)
    client = login("supervisor")
    html = client.get("/hotline/supervision/").content.decode()
    assert late.number in html and f"/hotline/cases/{late.pk}/do/supervise/" in html
    resp = client.post(
        f"/hotline/cases/{late.pk}/do/supervise/",
        {"level": "key", "note": "请三日内办结", "next": "https://evil.example/"},
    )
    assert resp.status_code == 302 and resp["Location"] == f"/hotline/cases/{late.pk}/"
    assert Case.objects.get(pk=late.pk).hotline.supervision_level == "key"
    html = client.get("/hotline/supervision/?tab=supervised").content.decode()
    assert late.number in html


def test_dashboard_month_and_formats(city: Any) -> None:
    import datetime as dt

    import time_machine

    # seen in November (with no orders the page offers last month): a fixed date, not today's
    with time_machine.travel(dt.datetime(2026, 11, 23, 4, tzinfo=dt.UTC), tick=False):
        client = login("leader")
        html = client.get("/hotline/dashboard/").content.decode()
        assert "年" in html and "chart-data" in html and "echarts.min.js" in html
        html = client.get(
            "/hotline/dashboard/", {"month": "2026-10", "group_by": "street"}
        ).content.decode()
        assert "2026年10月" in html
        assert client.get("/hotline/dashboard/", {"month": "nonsense"}).status_code == 200


def test_formatting() -> None:
    assert formatting.percent(0.85294) == "85.29%"
    assert formatting.cn_number(137287) == "137,287"
    assert formatting.cn_month("2026-10") == "2026年10月"
    import datetime as dt

    now = dt.datetime(2026, 11, 23, 14, 5, tzinfo=dt.UTC)
    assert formatting.countdown_text(now + dt.timedelta(days=2, hours=3, minutes=5), now) == (
        "剩余 2天3小时",
        "ok",
    )
    assert formatting.countdown_text(now - dt.timedelta(hours=5), now) == (
        "已超期 5小时",
        "overdue",
    )
    assert formatting.countdown_text(now + dt.timedelta(hours=5), now)[1] == "soon"
    assert formatting.cn_datetime(now) == "2026年11月23日 22:05"


# ------------------------------------------------------------------ citizen pages
def test_citizen_submits_tracks_and_rates(city: Any) -> None:
    client = login("citizen")
    resp = client.post(
        "/m/submit/",
        {
            "appeal_type": "help",
            "title": "楼道灯坏了",
            "content": "小区3号楼楼道灯坏了一个月了。",
            "citizen_name": "周杰",
            "citizen_phone": "13900001111",
            "address": "中山西路海亮社区",
            "lat": "40.8146",
            "lng": "111.6389",
            "photo": png(),
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:1000]
    case = Case.objects.latest("id")
    assert case.citizen_user_id is not None and case.channel == "app"
    assert Attachment.objects.filter(case=case).count() == 1
    html = client.get(resp["Location"]).content.decode()
    assert case.number in html and "提交成功" in html
    assert case.number in client.get("/m/cases/").content.decode()
    # public tracking: number + phone; nothing without the right phone
    resp = Client().post("/m/track/", {"number": case.number, "phone": "13900001111"})
    assert resp.status_code == 200 and "诉求已受理" in resp.content.decode()
    resp = Client().post("/m/track/", {"number": case.number, "phone": "13900002222"})
    assert resp.status_code == 404 and "没有找到该工单" in resp.content.decode()
    # another citizen's order is not theirs
    other = new_case()
    assert client.get(f"/m/cases/{other.pk}/").status_code == 404
    # rate once closed
    d, h, cb = actor("dispatcher"), actor("handler_zsxl"), actor("callback")
    case_transition(case_id=case.pk, action="review", actor=d)
    case_transition(
        case_id=case.pk,
        action="dispatch",
        actor=d,
        data={"lead_unit": city.units["S-150103004"].pk},
    )
    case_transition(case_id=case.pk, action="accept", actor=h)
    case_transition(case_id=case.pk, action="contact", actor=h, data={"note": "内部备注：电话沟通"})
    case_transition(case_id=case.pk, action="feedback", actor=h, data={"result": "已更换楼道灯。"})
    case_transition(case_id=case.pk, action="approve_feedback", actor=d)
    case_transition(
        case_id=case.pk,
        action="callback",
        actor=cb,
        data={"contacted": "true", "resolution": "resolved", "satisfaction": "satisfied"},
    )
    html = (
        Client().post("/m/track/", {"number": case.number, "phone": "13900001111"}).content.decode()
    )
    assert "已更换楼道灯" in html and "内部备注" not in html and "handler_zsxl" not in html
    html = client.get(f"/m/cases/{case.pk}/").content.decode()
    assert 'data-testid="rate-form"' in html
    before = events(case)
    resp = client.post(f"/m/cases/{case.pk}/rate/", {"rating": "9"})
    assert resp.status_code == 400 and "评分为 1–5 星" in resp.content.decode()
    assert events(case) == before
    assert client.post(f"/m/cases/{case.pk}/rate/", {"rating": "5"}).status_code == 302
    assert Case.objects.get(pk=case.pk).hotline.citizen_rating == 5
    assert client.post(f"/m/cases/{case.pk}/rate/", {"rating": "4"}).status_code == 409


def test_citizen_submit_errors(city: Any) -> None:
    client = login("citizen")
    fake = SimpleUploadedFile("x.png", b"GIF89a-but-not-really", content_type="image/png")
    resp = client.post(
        "/m/submit/",
        {
            "appeal_type": "help",
            "title": "楼道灯坏了",
            "content": "小区3号楼楼道灯坏了。",
            "citizen_phone": "13900001111",
            "photo": fake,
        },
    )
    assert resp.status_code == 400 and "只能上传图片" in resp.content.decode()
    resp = client.post("/m/submit/", {"appeal_type": "help", "title": "x"})
    assert resp.status_code == 400 and "标题至少 2 个字" in resp.content.decode()


# ------------------------------------------------------------------ login
def test_login_page_is_chinese_and_logs_in(city: Any) -> None:
    client = Client()
    assert "用户名" in client.get("/login/").content.decode()
    resp = client.post("/login/", {"username": "dispatcher", "password": "wrong"})
    assert resp.status_code == 400 and "用户名或密码错误" in resp.content.decode()
    resp = client.post("/login/", {"username": "dispatcher", "password": DEMO_PASSWORD})
    assert resp.status_code == 302
    assert client.get("/").status_code == 302
    assert client.post("/logout/").status_code == 302
    assert client.get("/hotline/dispatch/").status_code == 302


def test_login_throttle(city: Any) -> None:
    """Five wrong passwords lock the account (django-axes; tests/test_security.py covers the
    addresses, the proxies, the token endpoint and the admin)."""
    client = Client(REMOTE_ADDR="10.0.0.7")
    for i in range(5):
        resp = client.post("/login/", {"username": "dispatcher", "password": "wrong"})
        assert resp.status_code == (429 if i == 4 else 400)
    resp = client.post("/login/", {"username": "dispatcher", "password": DEMO_PASSWORD})
    assert resp.status_code == 429
    assert "登录失败次数过多" in resp.content.decode()
    assert "_auth_user_id" not in client.session
    # another username from the same address is not locked out
    assert (
        client.post("/login/", {"username": "operator", "password": DEMO_PASSWORD}).status_code
        == 302
    )

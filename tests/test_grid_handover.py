"""网格化 and the other loops, through the engine's hand-over (cases.handover):

- up: an escalated 网格事件 goes to 数字城管 (转数字城管), is closed there by 城管's own steps, and
  comes back to 待评价 (the grid still asks the residents); not taken up → back to 待研判;
- down: a 12345 order's handling unit and the 数字城管 dispatcher hand a case down to the grid of
  its place (下派网格); the grid's worker fixes it, the residents rate it, and the origin gets the
  result and goes on through its own checks (12345: feedback, review, 回访; 城管: 核查, 结案);
- a visit's need becomes a 网格事件 with the visit (a resend makes no second one);
- who may do what (expected answers written out), a refused request changes nothing, and the
  other case's link is shown in full only to who may see it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from chuangcheng.cases.models import Attachment, Case, CaseEvent, CaseLink
from chuangcheng.cases.selectors import verify_chain
from chuangcheng.cases.services import case_transition
from chuangcheng.citymgmt import geo
from chuangcheng.citymgmt.demo_data import build_citymgmt_demo, unit_grids_for
from chuangcheng.citymgmt.models import CityCase
from chuangcheng.citymgmt.services import citymgmt_report
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.grid.events import event_report
from chuangcheng.grid.models import GridEvent, Visit
from chuangcheng.grid.registers import visit_plan
from chuangcheng.grid.seed import build_grid_demo
from chuangcheng.org.models import Membership, Region, Unit
from chuangcheng.org.services import region_create
from tests.conftest import INTAKE, actor
from tests.test_grid_ledger import login

RML = "150105001"  # 人民路街道, where 仕奇社区 lies


def photo() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 90, 60)).save(buf, format="JPEG")
    return SimpleUploadedFile("现场.jpg", buf.getvalue(), content_type="image/jpeg")


def member(username: str, role: str, unit: str) -> None:
    user = get_user_model().objects.create_user(username, password=DEMO_PASSWORD)
    Membership.objects.create(user=user, role=role, unit=Unit.objects.get(code=unit))


@pytest.fixture
def hv(city: Any) -> dict[str, Any]:
    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    geo.clear_cache()
    build_citymgmt_demo(components=20)
    unit_grids_for(RML)
    member("cm_dp", "cm_dispatcher", "C-12345")
    member("cm_sh", "cm_shift", "C-12345")
    member("cm_op", "cm_operator", "C-12345")
    member("cm_jd", "cm_inspector", f"S-{RML}")
    member("cm_hw", "cm_handler", "D-HW")
    member("handler_rml", "handler", f"S-{RML}")
    grids = list(
        Region.objects.filter(parent__name="仕奇社区", level=Region.Level.GRID).order_by("code")
    )
    return {"grids": grids}


def act(client: Any, case_id: int, action: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/v1/cases/{case_id}/actions/{action}", data or {}, format="multipart")


def go(case_id: int, action: str, who: str, **data: Any) -> Case:
    files = data.pop("files", ())
    return case_transition(
        case_id=case_id, action=action, actor=actor(who), data=data, attachments=files
    )


def escalated(grid: Region, key: str = "up-1", who: str = "gd_sq05") -> Case:
    """An event of 仕奇社区第5网格 (or another: `who` is its worker), escalated. The grids in the
    middle of the community lie in 城管's unit grids (demo geometry)."""
    case, _ = event_report(
        actor=actor(who),
        grid_id=grid.pk,
        category="SJ04",
        scale="01",
        title="路边垃圾堆积",
        content="5号楼东侧路边生活垃圾成堆",
        lat=grid.lat,
        lng=grid.lng,
        client_key=key,
        files=[(photo(), "before")],
    )
    return go(case.pk, "escalate", who, reason="需城管清运，网格无法处置")


def snapshot(case_id: int) -> tuple[Any, ...]:
    case = Case.objects.get(pk=case_id)
    return (
        case.status,
        case.event_count,
        CaseLink.objects.count(),
        Case.objects.count(),
    )


def last(case_id: int) -> CaseEvent:
    event = CaseEvent.objects.filter(case_id=case_id).order_by("-seq").first()
    assert event is not None
    return event


# ---------------------------------------------------------------- up: 网格事件 → 数字城管


def test_an_escalated_event_is_closed_in_citymgmt_and_rated_in_the_grid(
    hv: dict[str, Any], api: Any
) -> None:
    event = escalated(hv["grids"][4])
    community = api("gd_sq")
    detail = community.get(f"/api/v1/cases/{event.pk}").json()
    assert "to_citymgmt" in {a["name"] for a in detail["allowed_actions"]}
    assert "citymgmt_done" not in {a["name"] for a in detail["allowed_actions"]}
    # the page's dialog offers the 城管 小类 guessed from the event's class (环境卫生)
    page = login("gd_sq").get(f"/hotline/cases/{event.pk}/")
    assert page.status_code == 200 and "200507" in page.content.decode()

    resp = act(community, event.pk, "to_citymgmt", {"subclass": "200507"})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["status"] == "citymgmt" and body["status_label"] == "城管办理中"
    (link,) = body["links"]
    assert link["number"].startswith("CG") and link["loop"] == "数字城管"
    assert link["visible"] is False and "id" not in link  # community staff hold no 城管 role
    cm = Case.objects.get(number=link["number"])
    own = CityCase.objects.get(case=cm)
    assert own.source == "grid" and own.hotline_case_id is None
    assert own.subclass.full_code == "200507" and "生活垃圾成堆" in cm.content
    assert Attachment.objects.filter(case=cm).count() == 1  # the event's photo, copied
    # a second hand-over while the 城管 case runs: refused, nothing changes
    before = snapshot(event.pk)
    assert act(community, event.pk, "to_citymgmt", {"subclass": "200507"}).status_code == 409
    assert snapshot(event.pk) == before

    # 城管 walks its own steps: 网格上报 goes to 立案 without 核实
    go(cm.pk, "file_case", "cm_sh")
    go(cm.pk, "dispatch", "cm_dp", unit=Unit.objects.get(code="D-HW").pk)
    go(cm.pk, "feedback", "cm_hw", note="垃圾已清运，路面冲洗干净", files=[(photo(), "after")])
    go(cm.pk, "check_pass", "cm_jd")
    assert Case.objects.get(pk=event.pk).status == "citymgmt"  # still waiting
    go(cm.pk, "close", "cm_sh", close_type="normal")

    back = Case.objects.get(pk=event.pk)
    assert back.status == "rating"
    step = last(event.pk)
    assert step.action == "citymgmt_done" and step.actor_id is None
    assert cm.number in step.note and "垃圾已清运" in step.note
    # the grid still records what the residents say
    resp = act(community, event.pk, "rate", {"satisfaction": "satisfied", "note": "居民满意"})
    assert resp.status_code == 200 and resp.json()["status"] == "closed"
    assert GridEvent.objects.get(case=event).satisfaction == "satisfied"
    assert verify_chain(Case.objects.get(pk=event.pk)) and verify_chain(Case.objects.get(pk=cm.pk))
    # the 城管 shift sees the grid event's number and state, not the event itself
    (back_link,) = api("cm_sh").get(f"/api/v1/cases/{cm.pk}").json()["links"]
    assert back_link["direction"] == "in" and back_link["visible"] is False
    assert back_link["status_label"] == "已办结"
    assert api("cm_sh").get(f"/api/v1/cases/{event.pk}").status_code == 404


def test_not_taken_up_by_citymgmt_the_event_goes_back_to_be_weighed(
    hv: dict[str, Any], api: Any
) -> None:
    event = escalated(hv["grids"][5], who="gd_sq06")
    assert act(api("gd_rml"), event.pk, "to_citymgmt", {"subclass": "200507"}).status_code == 200
    cm = CaseLink.objects.get(from_case=event).to_case
    go(cm.pk, "reject", "cm_sh", reason="属物业管理范围，不予立案")
    back = Case.objects.get(pk=event.pk)
    assert back.status == "escalated"
    step = last(event.pk)
    assert step.action == "citymgmt_back" and "属物业管理范围" in step.note
    # the community goes on: a department with a deadline
    resp = act(
        api("gd_sqzz"),
        event.pk,
        "assign_department",
        {"unit": Unit.objects.get(code="D-CG").pk, "days": 5},
    )
    assert resp.status_code == 200 and resp.json()["status"] == "department"


# literal answers: the worker who reported it may not send it on; another grid's worker, the
# department, 12345 and 城管 people and a citizen do not see it; community, 综治, street may
TO_CITYMGMT = {"gd_sq05": 403, "gd_sq02": 404, "gd_sqld": 404, "gd_cg": 404, "dispatcher": 404,
               "handler_rml": 404, "cm_dp": 404, "cm_jd": 404, "citizen": 404, None: 401,
               "gd_sq": 200, "gd_sqzz": 200, "gd_rml": 200}  # fmt: skip


@pytest.mark.parametrize("who", list(TO_CITYMGMT))
def test_who_may_send_an_event_to_citymgmt(hv: dict[str, Any], api: Any, who: str | None) -> None:
    event = escalated(hv["grids"][4], key=f"m-{who}")
    before = snapshot(event.pk)
    resp = act(api(who), event.pk, "to_citymgmt", {"subclass": "200507"})
    assert resp.status_code == TO_CITYMGMT[who], resp.content
    if resp.status_code != 200:
        assert snapshot(event.pk) == before
    # nobody takes the engine's own step
    if who is not None:
        done = act(api(who), event.pk, "citymgmt_done", {"outcome": "done", "number": "x"})
        assert done.status_code in (403, 404)


# ---------------------------------------------------------------- down: 12345 → 网格


def order_in_handling(api: Any, grid: Region) -> int:
    data = {**INTAKE, "lat": grid.lat, "lng": grid.lng, "address": "仕奇社区5号楼"}
    resp = api("operator").post("/api/v1/cases", data, format="json")
    assert resp.status_code == 201, resp.content
    order_id = int(resp.json()["id"])
    dispatcher = api("dispatcher")
    assert act(dispatcher, order_id, "review", {"category": "020103"}).status_code == 200
    unit = Unit.objects.get(code=f"S-{RML}").pk
    assert act(dispatcher, order_id, "dispatch", {"lead_unit": unit}).status_code == 200
    assert act(api("handler_rml"), order_id, "accept").status_code == 200
    return order_id


def test_a_12345_order_handed_down_fixed_by_the_grid_and_called_back(
    hv: dict[str, Any], api: Any
) -> None:
    grid = hv["grids"][2]
    order_id = order_in_handling(api, grid)
    handler = api("handler_rml")
    resp = act(handler, order_id, "hand_down_grid", {"event_class": "SJ04", "note": "请现场核处"})
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "grid"
    event = CaseLink.objects.get(from_case_id=order_id).to_case
    own = GridEvent.objects.get(case=event)
    assert own.grid == grid and own.event_class == "SJ04"  # the grid the place lies in
    assert event.source == "12345热线下派" or event.source.endswith("下派")
    # assigned by name to the grid's worker, who is told and sees it; another grid's does not
    worker = "gd_sq03"
    assert last(event.pk).action == "handed_in"
    assert CaseEvent.objects.filter(case=event, action="receive").get().data["workers"] == [worker]
    assert api(worker).get(f"/api/v1/cases/{event.pk}").status_code == 200
    assert api("gd_sq01").get(f"/api/v1/cases/{event.pk}").status_code == 404
    assert login(worker).get("/grid/events/?status=all").context["rows"]
    # the worker fixes it on the spot and asks the residents
    w = api(worker)
    resp = act(w, event.pk, "fix_on_spot", {"note": "已协调物业清运", "before": photo()})
    assert resp.status_code == 200, resp.content
    # the order still waits
    assert Case.objects.get(pk=order_id).status == "grid"
    assert act(w, event.pk, "rate", {"satisfaction": "basic"}).status_code == 200

    back = Case.objects.get(pk=order_id)
    assert back.status == "handling"
    step = last(order_id)
    assert step.action == "grid_done" and step.actor_id is None
    assert event.number in step.note and "已协调物业清运" in step.note and "基本满意" in step.note
    # …and goes on through its own loop: contact the caller, feedback, review, 回访
    assert act(handler, order_id, "contact", {"note": "已电话告知处理情况"}).status_code == 200
    assert (
        act(handler, order_id, "feedback", {"result": "经网格员现场处置已清运"}).status_code == 200
    )
    assert act(api("dispatcher"), order_id, "approve_feedback").status_code == 200
    resp = act(
        api("callback"),
        order_id,
        "callback",
        {"contacted": "true", "resolution": "resolved", "satisfaction": "satisfied"},
    )
    assert resp.status_code == 200 and resp.json()["status"] == "closed"
    assert verify_chain(Case.objects.get(pk=order_id))
    assert verify_chain(Case.objects.get(pk=event.pk))
    # the 12345 handler sees the event's number and state only
    (link,) = handler.get(f"/api/v1/cases/{order_id}").json()["links"]
    assert link["visible"] is False and link["status_label"] == "已办结"


# literal answers: the order's handling unit may; another street's handler does not see it;
# the 12345 dispatcher sees it but is not its handler; grid, 城管 people and a citizen do not see it
HAND_DOWN_12345 = {"handler_zsxl": 404, "dispatcher": 403, "leader": 403, "gd_sq03": 404,
                   "gd_sq": 404, "gd_sqzz": 404, "gd_rml": 404, "gd_cg": 404, "cm_dp": 404,
                   "cm_jd": 404, "citizen": 404, None: 401, "handler_rml": 200}  # fmt: skip


@pytest.mark.parametrize("who", list(HAND_DOWN_12345))
def test_who_may_hand_a_12345_order_down(hv: dict[str, Any], api: Any, who: str | None) -> None:
    order_id = order_in_handling(api, hv["grids"][2])
    before = snapshot(order_id)
    resp = act(api(who), order_id, "hand_down_grid", {"event_class": "SJ06"})
    assert resp.status_code == HAND_DOWN_12345[who], resp.content
    if resp.status_code != 200:
        assert snapshot(order_id) == before


def test_hand_down_only_within_the_senders_scope(hv: dict[str, Any], api: Any) -> None:
    order_id = order_in_handling(api, hv["grids"][2])
    handler = api("handler_rml")
    before = snapshot(order_id)
    # a grid under another street is not the sender's to pick
    other_street = Region.objects.filter(level=Region.Level.STREET).exclude(code=RML).first()
    assert other_street is not None
    far = region_create(
        code="150103004099001", name="外街道网格", level=Region.Level.GRID, parent=other_street
    )
    resp = act(handler, order_id, "hand_down_grid", {"event_class": "SJ06", "grid": far.pk})
    assert resp.status_code == 400 and "不在本单位辖区内" in resp.json()["detail"]
    bad = act(handler, order_id, "hand_down_grid", {"event_class": "XX"})
    assert bad.status_code == 400 and "事件类别" in bad.json()["detail"]
    assert snapshot(order_id) == before
    # picking one of its own grids works, whatever the place says
    pick = hv["grids"][5]
    resp = act(handler, order_id, "hand_down_grid", {"event_class": "SJ06", "grid": pick.pk})
    assert resp.status_code == 200
    assert GridEvent.objects.get(case__number=resp.json()["links"][0]["number"]).grid == pick


def test_the_community_voids_a_handed_down_order_and_the_unit_gets_it_back(
    hv: dict[str, Any], api: Any
) -> None:
    order_id = order_in_handling(api, hv["grids"][2])
    assert (
        act(api("handler_rml"), order_id, "hand_down_grid", {"event_class": "SJ06"}).status_code
        == 200
    )
    event = CaseLink.objects.get(from_case_id=order_id).to_case
    go(event.pk, "void", "gd_sqzz", reason="不属网格事项，系企业劳资纠纷")
    back = Case.objects.get(pk=order_id)
    assert back.status == "handling" and last(order_id).action == "grid_back"
    assert "企业劳资纠纷" in last(order_id).note


# ---------------------------------------------------------------- down: 城管 → 网格


def cm_case(grid: Region, key: str = "cm-case-0001") -> Case:
    case, _ = citymgmt_report(
        actor=actor("cm_jd"),
        data={
            "subclass": "200201",
            "lat": grid.lat,
            "lng": grid.lng,
            "description": "单元门口非法小广告",
            "client_key": key,
        },
        files=[(photo(), "near")],
    )
    return go(case.pk, "file_case", "cm_sh")


def test_a_citymgmt_case_handed_down_then_checked_and_closed_by_citymgmt(
    hv: dict[str, Any], api: Any
) -> None:
    grid = hv["grids"][3]
    cm = cm_case(grid)
    assert cm.status == "dispatching"
    resp = act(api("cm_dp"), cm.pk, "hand_down_grid", {"event_class": "SJ04"})
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "gridding"
    event = CaseLink.objects.get(from_case=cm).to_case
    assert GridEvent.objects.get(case=event).grid == grid
    assert Attachment.objects.filter(case=event).count() == 1
    worker = "gd_sq04"
    # a case 数字城管 handed down is not sent back up: the grid voids it instead
    go(event.pk, "escalate", worker, reason="需研判")
    detail = api("gd_sq").get(f"/api/v1/cases/{event.pk}").json()
    assert "to_citymgmt" not in {a["name"] for a in detail["allowed_actions"]}
    assert act(api("gd_sq"), event.pk, "to_citymgmt", {"subclass": "200201"}).status_code == 409
    go(event.pk, "back_to_grid", "gd_sq", reason="网格可自行处置")
    go(event.pk, "fix_on_spot", worker, note="小广告已铲除", files=[(photo(), "after")])
    go(event.pk, "rate", worker, satisfaction="satisfied")

    back = Case.objects.get(pk=cm.pk)
    assert back.status == "checking" and last(cm.pk).action == "grid_done"
    assert "小广告已铲除" in last(cm.pk).note
    go(cm.pk, "check_pass", "cm_jd")
    assert go(cm.pk, "close", "cm_sh", close_type="normal").status == "closed"
    assert verify_chain(Case.objects.get(pk=cm.pk))


def test_a_citymgmt_case_the_grid_voids_goes_back_to_dispatch(hv: dict[str, Any], api: Any) -> None:
    cm = cm_case(hv["grids"][3], key="cm-case-0002")
    assert act(api("cm_dp"), cm.pk, "hand_down_grid", {"event_class": "SJ04"}).status_code == 200
    event = CaseLink.objects.get(from_case=cm).to_case
    go(event.pk, "void", "gd_sq", reason="位置不在本社区")
    assert Case.objects.get(pk=cm.pk).status == "dispatching"
    resp = act(api("cm_dp"), cm.pk, "dispatch", {"unit": Unit.objects.get(code="D-HW").pk})
    assert resp.status_code == 200 and resp.json()["status"] == "handling"


# literal answers: the dispatcher may; the shift leader, operator and inspector see it but may not;
# the department (not dispatched to it), grid people, 12345 people and a citizen do not see it
HAND_DOWN_CM = {"cm_sh": 403, "cm_op": 403, "cm_jd": 403, "cm_hw": 404, "gd_sq": 404,
                "gd_sq04": 404, "gd_sqzz": 404, "gd_rml": 404, "gd_cg": 404, "dispatcher": 404,
                "handler_rml": 404, "citizen": 404, None: 401, "cm_dp": 200}  # fmt: skip


@pytest.mark.parametrize("who", list(HAND_DOWN_CM))
def test_who_may_hand_a_citymgmt_case_down(hv: dict[str, Any], api: Any, who: str | None) -> None:
    cm = cm_case(hv["grids"][3], key=f"cm-case-{who}")
    before = snapshot(cm.pk)
    resp = act(api(who), cm.pk, "hand_down_grid", {"event_class": "SJ04"})
    assert resp.status_code == HAND_DOWN_CM[who], resp.content
    if resp.status_code != 200:
        assert snapshot(cm.pk) == before


def test_pages_offer_the_hand_overs_only_to_who_may(hv: dict[str, Any], api: Any) -> None:
    event = escalated(hv["grids"][4], key="page-1")
    # the action's form through the page endpoint: the worker is refused, the community may
    url = f"/hotline/cases/{event.pk}/do/to_citymgmt/"
    before = snapshot(event.pk)
    assert login("gd_sq05").post(url, {"subclass": "200507"}).status_code == 403
    assert login("gd_sq02").post(url, {"subclass": "200507"}).status_code == 404
    assert snapshot(event.pk) == before
    assert "转数字城管" not in login("gd_sq05").get(f"/hotline/cases/{event.pk}/").content.decode()
    resp = login("gd_sq").post(url, {"subclass": "200507"})
    assert resp.status_code in (200, 302)
    assert Case.objects.get(pk=event.pk).status == "citymgmt"
    cm = CaseLink.objects.get(from_case=event).to_case
    # the link: number for the community, a link to the 城管 case only for who may see it
    page = login("gd_sq").get(f"/hotline/cases/{event.pk}/").content.decode()
    assert cm.number in page and f"/hotline/cases/{cm.pk}/" not in page
    page = login("cm_sh").get(f"/hotline/cases/{cm.pk}/").content.decode()
    assert event.number in page and f"/hotline/cases/{event.pk}/" not in page
    assert login("cm_sh").get(f"/hotline/cases/{event.pk}/").status_code == 404


def test_the_hand_down_page_action(hv: dict[str, Any], api: Any) -> None:
    order_id = order_in_handling(api, hv["grids"][2])
    url = f"/hotline/cases/{order_id}/do/hand_down_grid/"
    before = snapshot(order_id)
    assert login("dispatcher").post(url, {"event_class": "SJ06"}).status_code == 403
    assert login("gd_sq03").post(url, {"event_class": "SJ06"}).status_code == 404
    assert snapshot(order_id) == before
    page = login("handler_rml").get(f"/hotline/cases/{order_id}/").content.decode()
    assert "下派网格" in page and "按问题位置确定" in page
    assert login("handler_rml").post(url, {"event_class": "SJ06"}).status_code in (200, 302)
    event = CaseLink.objects.get(from_case_id=order_id).to_case
    # the grid worker sees the event and, on it, the order's number but no link to it
    page = login("gd_sq03").get(f"/hotline/cases/{event.pk}/").content.decode()
    order = Case.objects.get(pk=order_id)
    assert order.number in page and f"/hotline/cases/{order_id}/" not in page
    assert "现场处置" in page


# ---------------------------------------------------------------- a visit's need


def test_a_visits_need_becomes_an_event_once(hv: dict[str, Any], api: Any) -> None:
    plan = visit_plan(actor("gd_sq01"))
    assert plan
    person = plan[0].person
    body = {
        "method": "home",
        "found": "独居老人，行动不便",
        "needs": "楼道灯坏了，夜里上下楼不安全",
        "need_to": "event",
        "need_class": "SJ05",
        "client_key": "need-1",
    }
    client = api("gd_sq01")
    first = client.post(f"/api/v1/grid/people/{person.pk}/visits", body, format="json")
    assert first.status_code == 201, first.content
    number = first.json()["event"]
    event = Case.objects.get(number=number)
    assert event.kind == "gridevent" and event.status == "reported"
    assert GridEvent.objects.get(case=event).event_class == "SJ05"
    visit = Visit.objects.get(client_key="need-1")
    assert visit.need_case_id == event.pk and "楼道灯" in event.content
    again = client.post(f"/api/v1/grid/people/{person.pk}/visits", body, format="json")
    assert again.status_code == 200 and again.json()["event"] == number
    assert Case.objects.filter(kind="gridevent", title__startswith="探访需求").count() == 1
    # a need to route needs its text
    bad = client.post(
        f"/api/v1/grid/people/{person.pk}/visits",
        {**body, "needs": "", "client_key": "need-2"},
        format="json",
    )
    assert bad.status_code == 400 and "需求" in bad.json()["detail"]
    # community staff record visits, but an event is filed by the grid's worker: refused whole
    staff = api("gd_sq").post(
        f"/api/v1/grid/people/{person.pk}/visits", {**body, "client_key": "need-3"}, format="json"
    )
    assert staff.status_code == 403
    assert not Visit.objects.filter(client_key__in=["need-2", "need-3"]).exists()
    # the person page shows the event's number with a link for who may see it
    page = login("gd_sq01").get(f"/grid/people/{person.pk}/").content.decode()
    assert number in page
    # the page form: the same, once
    form = {**body, "client_key": "need-page"}
    assert login("gd_sq01").post(f"/grid/people/{person.pk}/visits/", form).status_code == 302
    assert Visit.objects.get(client_key="need-page").need_case is not None


def test_the_demo_hand_overs_walk_every_way_and_their_history_verifies(
    hv: dict[str, Any],
) -> None:
    from chuangcheng.grid.demo_handover import build_grid_handovers

    made = build_grid_handovers(now=timezone.now(), password=DEMO_PASSWORD)
    assert made == {"up": 3, "down_12345": 3, "down_citymgmt": 2}
    links = CaseLink.objects.select_related("from_case", "to_case")
    up = [lk for lk in links if lk.from_case.kind == "gridevent"]
    assert {lk.from_case.status for lk in up} == {"closed", "citymgmt"}
    down = [lk for lk in links if lk.to_case.kind == "gridevent"]
    assert {lk.from_case.status for lk in down} >= {"closed", "callback", "grid", "gridding"}
    for lk in links:
        assert verify_chain(Case.objects.get(pk=lk.from_case_id))
        assert verify_chain(Case.objects.get(pk=lk.to_case_id))
    assert build_grid_handovers(now=timezone.now(), password=DEMO_PASSWORD)["up"] == 0  # once

"""转数字城管: a 12345 order in a city-management category handed over to the 数字城管 loop,
through the API. The order waits for the 城管 case; when it is 结案 the order goes on to 回访
with the 城管 result, when it is 不予立案 it goes back to the dispatcher with the reason. Both
histories show the link; who may hand over (and who may not: nothing changes); a 城管 user
without 12345 rights sees the origin's number, not the caller; 50 racing hand-overs give one
城管 case."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from chuangcheng.cases.models import Case, CaseClock, CaseEvent, CaseLink
from chuangcheng.cases.selectors import verify_chain
from chuangcheng.cases.services import case_transition
from chuangcheng.citymgmt.models import CityCase
from chuangcheng.core.errors import Conflict
from chuangcheng.org.models import Membership, Unit
from tests.conftest import INTAKE, actor
from tests.test_citymgmt_loop import loop  # noqa: F401  (fixture)
from tests.test_concurrency import assert_history_consistent, race

GARBAGE_CATEGORY = "020103"  # 12345 垃圾清运, mapped to 城管 200102 暴露垃圾 (demo seed)
NOT_CITY = "050101"  # 拖欠工资: no 城管 subclass


def act(client: Any, case_id: int, action: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/v1/cases/{case_id}/actions/{action}", data or {}, format="json")


def png() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 200, 30)).save(buf, format="PNG")
    return SimpleUploadedFile("p.png", buf.getvalue(), content_type="image/png")


def order(api: Any, grid: Any, category: str = GARBAGE_CATEGORY) -> int:
    """A 12345 order at the grid's centre, reviewed into `category`."""
    data = {**INTAKE, "lat": grid.center_lat, "lng": grid.center_lng}
    resp = api("operator").post("/api/v1/cases", data, format="json")
    assert resp.status_code == 201, resp.content
    case_id = resp.json()["id"]
    assert act(api("dispatcher"), case_id, "review", {"category": category}).status_code == 200
    return int(case_id)


def cm_user(username: str, role: str, unit: str) -> Any:
    user = get_user_model().objects.create_user(username, password="cc-demo-2026")
    Membership.objects.create(user=user, role=role, unit=Unit.objects.get(code=unit))
    return user


def snapshot(case_id: int) -> tuple[Any, ...]:
    case = Case.objects.get(pk=case_id)
    return (
        case.status,
        case.event_count,
        CaseLink.objects.filter(from_case_id=case_id).count(),
        CityCase.objects.count(),
    )


def test_transfer_then_citymgmt_closes_and_the_order_goes_to_callback(
    loop: dict[str, Any],  # noqa: F811
    api: Any,
) -> None:
    order_id = order(api, loop["grid"])
    dispatcher = api("dispatcher")
    detail = dispatcher.get(f"/api/v1/cases/{order_id}").json()
    assert "transfer_citymgmt" in {a["name"] for a in detail["allowed_actions"]}
    # a step only the engine takes is never offered
    assert "citymgmt_done" not in {a["name"] for a in detail["allowed_actions"]}

    resp = act(dispatcher, order_id, "transfer_citymgmt", {"subclass": "200102"})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["status"] == "transferred"
    (link,) = body["links"]
    assert link["direction"] == "out" and link["number"].startswith("CG")
    assert link["status_label"] == "待立案" and link["loop"] == "数字城管"
    # the 12345 dispatcher holds no 数字城管 role: number and state only
    assert link["visible"] is False and "id" not in link and "lights" not in link
    # the 12345 办结 clock runs from the transfer: the order still owes the caller an answer
    assert body["deadlines"]["finish_due"] is not None

    cm = Case.objects.get(number=link["number"])
    own = CityCase.objects.get(case=cm)
    assert own.source == "hotline" and own.hotline_case_id == order_id
    assert own.subclass.full_code == "200102" and cm.content == INTAKE["content"]
    # its 立案 clock runs from the transfer (open_starts)
    assert CaseClock.objects.get(case=cm, name="filing").due_at is not None
    # both histories show the link, with the other's number
    transfer = CaseEvent.objects.get(case_id=order_id, action="transfer_citymgmt")
    assert transfer.data["handed_over_to"] == cm.number
    handed_in = CaseEvent.objects.get(case=cm, action="handed_in")
    assert handed_in.data["from"] == Case.objects.get(pk=order_id).number
    assert verify_chain(cm) and verify_chain(Case.objects.get(pk=order_id))

    # the 城管 side: a 值班长 without any 12345 role sees the origin's number, not the caller
    cm_user("cm_shift_t", "cm_shift", "C-12345")
    shift = api("cm_shift_t")
    cm_detail = shift.get(f"/api/v1/cases/{cm.pk}").json()
    assert cm_detail["loop"]["hotline_case"] == link_number_of(order_id)
    (back,) = cm_detail["links"]
    assert back["direction"] == "in" and back["number"] == link_number_of(order_id)
    assert back["visible"] is False
    assert cm_detail["citizen"]["phone"] == "" and "1381234" not in str(cm_detail)
    assert shift.get(f"/api/v1/cases/{order_id}").status_code == 404

    # 城管 walks the case: 核实 (12345 reports are verified first), 立案, 派遣, 处置, 核查, 结案
    go = lambda action, who, **data: case_transition(  # noqa: E731
        case_id=cm.pk, action=action, actor=who, data=data, attachments=data.pop("files", ())
    )
    go("send_verify", loop["operator"])
    with pytest.raises(Conflict):
        go("file_case", loop["shift"])  # not verified yet
    go("verify", loop["inspector"], result="exists")
    go("file_case", loop["shift"])
    go("dispatch", loop["dispatcher"], unit=Unit.objects.get(code="D-HW").pk)
    go("feedback", loop["hw"], note="垃圾已清运完毕，路面已冲洗。", files=[(png(), "处置后")])
    go("check_pass", loop["inspector"])
    assert Case.objects.get(pk=order_id).status == "transferred"  # still waiting
    go("close", loop["shift"], close_type="normal")

    # the order moved on in the same transaction: to 回访, with the 城管 result
    done = Case.objects.get(pk=order_id)
    assert done.status == "callback"
    assert cm.number in done.hotline.result and "垃圾已清运完毕" in done.hotline.result
    step = CaseEvent.objects.filter(case=done).order_by("-seq").first()
    assert step is not None and step.action == "citymgmt_done" and step.actor_id is None
    assert done.hotline.finish_at is not None
    assert assert_history_consistent(order_id)
    resp = act(
        api("callback"),
        order_id,
        "callback",
        {"contacted": "true", "resolution": "resolved", "satisfaction": "satisfied"},
    )
    assert resp.status_code == 200 and resp.json()["status"] == "closed"
    # the dispatcher's view of the link now shows the 城管 case closed
    (link,) = dispatcher.get(f"/api/v1/cases/{order_id}").json()["links"]
    assert link["status_label"] == "已结案" and link["final"] is True


def link_number_of(case_id: int) -> str:
    return Case.objects.get(pk=case_id).number


def test_rejected_by_citymgmt_the_order_goes_back_to_the_dispatcher(
    loop: dict[str, Any],  # noqa: F811
    api: Any,
) -> None:
    order_id = order(api, loop["grid"])
    dispatcher = api("dispatcher")
    assert act(dispatcher, order_id, "transfer_citymgmt", {"subclass": "200102"}).status_code == 200
    # while the 城管 case is open the order cannot be transferred again
    assert act(dispatcher, order_id, "transfer_citymgmt", {"subclass": "200102"}).status_code == 409
    cm = CaseLink.objects.get(from_case_id=order_id).to_case
    case_transition(
        case_id=cm.pk, action="reject", actor=loop["shift"], data={"reason": "不属于城管职责范围"}
    )
    back = Case.objects.get(pk=order_id)
    assert back.status == "reviewed"
    step = CaseEvent.objects.filter(case=back).order_by("-seq").first()
    assert step is not None and step.action == "citymgmt_back"
    assert "不属于城管职责范围" in step.note and cm.number in step.note
    # the dispatcher goes on: dispatch it to a unit (or transfer it again)
    detail = dispatcher.get(f"/api/v1/cases/{order_id}").json()
    assert {"dispatch", "transfer_citymgmt"} <= {a["name"] for a in detail["allowed_actions"]}
    assert detail["links"][0]["status_label"] == "不予立案"
    assert_history_consistent(order_id)


def test_who_may_transfer(loop: dict[str, Any], api: Any) -> None:  # noqa: F811
    order_id = order(api, loop["grid"])
    before = snapshot(order_id)
    # expected answers, written out: a handler and a citizen do not see the order (404), a
    # 12345 leader and a callback clerk see it but may not transfer (403); anonymous 401
    for username, expected in [
        ("handler_zsxl", 404),
        ("citizen", 404),
        ("leader", 403),
        ("callback", 403),
        (None, 401),
    ]:
        resp = act(api(username), order_id, "transfer_citymgmt", {"subclass": "200102"})
        assert resp.status_code == expected, (username, resp.content)
        assert snapshot(order_id) == before
    # a person may never take the engine's own step
    resp = act(api("dispatcher"), order_id, "citymgmt_done", {"outcome": "done"})
    assert resp.status_code == 403 and snapshot(order_id) == before


def test_bad_input_and_categories_outside_the_table(loop: dict[str, Any], api: Any) -> None:  # noqa: F811
    dispatcher = api("dispatcher")
    order_id = order(api, loop["grid"])
    before = snapshot(order_id)
    resp = act(dispatcher, order_id, "transfer_citymgmt", {"subclass": "99"})
    assert resp.status_code == 400 and "小类" in resp.json()["detail"]
    resp = act(dispatcher, order_id, "transfer_citymgmt", {"subclass": "200102", "lat": "北"})
    assert resp.status_code == 400
    assert snapshot(order_id) == before

    other = order(api, loop["grid"], category=NOT_CITY)
    detail = dispatcher.get(f"/api/v1/cases/{other}").json()
    assert "transfer_citymgmt" not in {a["name"] for a in detail["allowed_actions"]}
    before = snapshot(other)
    resp = act(dispatcher, other, "transfer_citymgmt", {"subclass": "200102"})
    assert resp.status_code == 409 and "分类" in resp.json()["detail"]
    assert snapshot(other) == before


@pytest.mark.django_db(transaction=True)
def test_fifty_racing_transfers_make_one_citymgmt_case(loop: dict[str, Any], api: Any) -> None:  # noqa: F811
    order_id = order(api, loop["grid"])
    who = actor("dispatcher")

    def attempt(i: int) -> Any:
        return case_transition(
            case_id=order_id, action="transfer_citymgmt", actor=who, data={"subclass": "200102"}
        )

    results = race(50, attempt)
    wins = [r for r in results if not isinstance(r, BaseException)]
    assert len(wins) == 1
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, BaseException))
    assert CityCase.objects.filter(hotline_case_id=order_id).count() == 1
    assert CaseLink.objects.filter(from_case_id=order_id).count() == 1
    assert assert_history_consistent(order_id).status == "transferred"


def test_the_pages_show_the_link_within_scope(loop: dict[str, Any], api: Any) -> None:  # noqa: F811
    from tests.test_citymgmt_pages import login

    order_id = order(api, loop["grid"])
    dispatcher = login("dispatcher")
    page = dispatcher.get(f"/hotline/cases/{order_id}/").content.decode()
    assert "转数字城管" in page and 'name="subclass"' in page
    assert 'value="200102"' in page  # the 小类 suggested from the category table
    resp = dispatcher.post(
        f"/hotline/cases/{order_id}/do/transfer_citymgmt/", {"subclass": "200102"}
    )
    assert resp.status_code in (200, 302), resp.content
    cm = CaseLink.objects.get(from_case_id=order_id).to_case
    page = dispatcher.get(f"/hotline/cases/{order_id}/").content.decode()
    assert 'data-testid="links"' in page and cm.number in page and "待立案" in page
    assert f'href="/hotline/cases/{cm.pk}/"' not in page  # no 城管 role: number and state only

    cm_user("cm_shift_p", "cm_shift", "C-12345")
    shift = login("cm_shift_p")
    page = shift.get(f"/hotline/cases/{cm.pk}/").content.decode()
    number = link_number_of(order_id)
    assert number in page and "12345转办" in page and f"来源：12345工单 {number}" in page
    assert f'href="/hotline/cases/{order_id}/"' not in page and "1381234" not in page
    assert shift.get(f"/hotline/cases/{order_id}/").status_code == 404

    # someone who works in both loops gets the links both ways
    both = cm_user("both_p", "cm_shift", "C-12345")
    Membership.objects.create(user=both, role="dispatcher", unit=Unit.objects.get(code="C-12345"))
    both_client = login("both_p")
    page = both_client.get(f"/hotline/cases/{cm.pk}/").content.decode()
    assert f'href="/hotline/cases/{order_id}/"' in page
    page = both_client.get(f"/hotline/cases/{order_id}/").content.decode()
    assert f'href="/hotline/cases/{cm.pk}/"' in page


def test_the_demo_transfers_orders_through_the_real_action(loop: dict[str, Any]) -> None:  # noqa: F811
    import datetime as dt

    from django.utils import timezone

    from chuangcheng.citymgmt.demo_cases import build_citymgmt_transfers

    now = timezone.now()
    stats = build_citymgmt_transfers(now=now, password="cc-demo-2026", count=12)
    assert stats["transferred"] == 12 and 0 < stats["closed"] < 12
    links = CaseLink.objects.select_related("from_case", "to_case")
    assert links.count() == 12
    statuses = {link.from_case.status for link in links}
    assert "closed" in statuses and statuses <= {"closed", "reviewed", "transferred", "callback"}
    for link in links:
        assert link.to_case.created_at < now - dt.timedelta(minutes=30)
        assert assert_history_consistent(link.from_case_id)
    assert build_citymgmt_transfers(now=now, password="cc-demo-2026") == {
        "transferred": 0,
        "closed": 0,
    }

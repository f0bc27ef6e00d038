"""消息提醒: each step's notice reaches exactly the people it should (by the same rule that
decides who sees the case), once, and people find, read and follow them in pages and the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from chuangcheng.cases.models import Case, CaseEvent, Notification
from chuangcheng.cases.tasks import notify_event
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.hotline.roles import DISPATCHER
from chuangcheng.org.models import Membership, Unit
from tests.conftest import INTAKE


def act(client: Any, case_id: int, action: str, data: dict[str, Any] | None = None) -> Any:
    resp = client.post(f"/api/v1/cases/{case_id}/actions/{action}", data or {}, format="json")
    assert resp.status_code == 200, resp.content
    return resp


def deliver(case_id: int, action: str) -> int:
    """Run the notify task of the case's latest event of this action, as the worker would."""
    event = CaseEvent.objects.filter(case_id=case_id, action=action).order_by("-seq").first()
    assert event is not None
    return notify_event.call(event.pk)


def told(case_id: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for username, text in Notification.objects.filter(case_id=case_id).values_list(
        "user__username", "text"
    ):
        out.setdefault(username, []).append(text)
    return out


def make_user(username: str, role: str, unit_code: str, *, active: bool = True) -> Any:
    user = get_user_model().objects.create_user(username, password=DEMO_PASSWORD)
    user.is_active = active
    user.save()
    Membership.objects.create(user=user, role=role, unit=Unit.objects.get(code=unit_code))
    return user


@pytest.fixture
def dispatched(city: Any, api: Any) -> int:
    """An order in 中山西路街道, dispatched to its street office with 城管局 as co-handler."""
    case_id = api("operator").post("/api/v1/cases", INTAKE, format="json").json()["id"]
    dispatcher = api("dispatcher")
    act(dispatcher, case_id, "review", {"category": "060103"})
    act(
        dispatcher,
        case_id,
        "dispatch",
        {"lead_unit": city.units["S-150103004"].pk, "co_units": [city.units["D-CG"].pk]},
    )
    return case_id


def test_dispatch_tells_the_lead_units_handlers_and_nobody_else(dispatched: int) -> None:
    assert deliver(dispatched, "dispatch") == 1
    number = Case.objects.get(pk=dispatched).number
    assert told(dispatched) == {
        "handler_zsxl": [f"新工单 {number}「小区门口占道经营」已派至贵单位，请及时签收"]
    }


def test_a_request_reaches_only_dispatchers_who_can_see_the_order(
    dispatched: int, api: Any, city: Any
) -> None:
    make_user("disp_zsxl", DISPATCHER, "S-150103004")  # dispatcher of this order's street
    other_street = next(c for c in city.units if c.startswith("S-") and c != "S-150103004")
    make_user("disp_other", DISPATCHER, other_street)  # another street: cannot see it
    make_user("disp_gone", DISPATCHER, "C-12345", active=False)  # left the centre
    handler = api("handler_zsxl")
    act(handler, dispatched, "request_return", {"reason": "不属于本单位职责"})
    assert deliver(dispatched, "request_return") == 2
    number = Case.objects.get(pk=dispatched).number
    assert told(dispatched) == {
        "dispatcher": [f"工单 {number} 有退单申请待审批"],
        "disp_zsxl": [f"工单 {number} 有退单申请待审批"],
    }


def test_the_person_who_acted_is_not_told(dispatched: int, api: Any) -> None:
    # a handler who is also a dispatcher asks for a return: the other dispatcher is told, not him
    user = get_user_model().objects.get(username="handler_zsxl")
    Membership.objects.create(user=user, role=DISPATCHER, unit=Unit.objects.get(code="C-12345"))
    act(api("handler_zsxl"), dispatched, "request_return", {"reason": "不属于本单位职责"})
    deliver(dispatched, "request_return")
    assert set(told(dispatched)) == {"dispatcher"}


def test_a_rerun_of_the_task_tells_nobody_twice(dispatched: int) -> None:
    assert deliver(dispatched, "dispatch") == 1
    assert deliver(dispatched, "dispatch") == 0
    assert Notification.objects.filter(case_id=dispatched).count() == 1


def test_steps_without_a_notice_tell_nobody(dispatched: int, api: Any) -> None:
    act(api("handler_zsxl"), dispatched, "accept")
    assert deliver(dispatched, "accept") == 0
    assert not Notification.objects.exists()


def login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def test_pages(dispatched: int, api: Any) -> None:
    deliver(dispatched, "dispatch")
    act(api("supervisor"), dispatched, "supervise", {"level": "general", "note": "请尽快办理"})
    deliver(dispatched, "supervise")
    handler = login("handler_zsxl")
    home = handler.get("/hotline/queue/").content.decode()
    assert 'data-testid="bell"' in home
    assert 'data-testid="bell-count">2<' in handler.get("/notifications/count/").content.decode()
    page = handler.get("/notifications/").content.decode()
    assert "已被督办" in page and "已派至贵单位" in page
    first = Notification.objects.filter(user__username="handler_zsxl").order_by("pk").first()
    assert first is not None
    resp = handler.post(f"/notifications/{first.pk}/open/")
    assert resp.status_code == 302 and resp["Location"] == f"/hotline/cases/{dispatched}/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert 'data-testid="bell-count">1<' in handler.get("/notifications/count/").content.decode()
    assert handler.post("/notifications/read-all/").status_code == 302
    assert not Notification.objects.filter(user__username="handler_zsxl", read_at=None).exists()
    assert "bell-count" not in handler.get("/notifications/count/").content.decode()


def test_nobody_reads_or_marks_anyone_elses_messages(dispatched: int, api: Any) -> None:
    deliver(dispatched, "dispatch")
    mine = Notification.objects.get(user__username="handler_zsxl")
    for username in ("handler_cg", "dispatcher", "leader", "citizen"):
        other = login(username)
        assert other.post(f"/notifications/{mine.pk}/open/").status_code == 404
        assert "已派至贵单位" not in other.get("/notifications/").content.decode()
        client = api(username)
        assert client.post(f"/api/v1/notifications/{mine.pk}/read").status_code == 404
        assert client.post("/api/v1/notifications/read-all").json() == {"marked": 0}
        assert client.get("/api/v1/notifications").json()["results"] == []
    mine.refresh_from_db()
    assert mine.read_at is None


def test_anonymous_gets_nothing(dispatched: int) -> None:
    deliver(dispatched, "dispatch")
    anon = Client()
    assert anon.get("/notifications/").status_code == 302
    assert anon.get("/notifications/count/").status_code == 302
    mine = Notification.objects.get()
    assert anon.post(f"/notifications/{mine.pk}/open/").status_code == 302
    assert anon.get("/api/v1/notifications").status_code == 401
    assert anon.post(f"/api/v1/notifications/{mine.pk}/read").status_code == 401
    mine.refresh_from_db()
    assert mine.read_at is None


def test_api_list_and_read(dispatched: int, api: Any) -> None:
    deliver(dispatched, "dispatch")
    client = api("handler_zsxl")
    body = client.get("/api/v1/notifications").json()
    assert body["unread"] == 1 and len(body["results"]) == 1
    item = body["results"][0]
    assert item["case"] == dispatched and item["read_at"] is None
    assert client.post(f"/api/v1/notifications/{item['id']}/read").json() == {"marked": 1}
    assert client.get("/api/v1/notifications?unread=1").json()["results"] == []
    assert client.get("/api/v1/notifications?page=x").status_code == 400
    assert client.post("/api/v1/notifications/99999999999999999999/read").status_code == 404


def test_the_caller_is_told_when_the_order_closes(city: Any, api: Any) -> None:
    """A citizen who submitted on the phone pages hears of the outcome, and the message leads
    to the phone page of the order."""
    from tests.test_hotline_flow import act as step

    citizen = api("citizen")
    case_id = citizen.post("/api/v1/cases", {**INTAKE, "channel": "app"}, format="json").json()[
        "id"
    ]
    assert Case.objects.get(pk=case_id).citizen_user is not None
    dispatcher, handler = api("dispatcher"), api("handler_zsxl")
    step(dispatcher, case_id, "review", {"category": "060103"})
    step(dispatcher, case_id, "dispatch", {"lead_unit": city.units["S-150103004"].pk})
    step(handler, case_id, "accept")
    step(handler, case_id, "contact", {"note": "已联系"})
    step(handler, case_id, "feedback", {"result": "已清理占道摊贩。"})
    step(dispatcher, case_id, "approve_feedback")
    step(
        api("callback"),
        case_id,
        "callback",
        {"contacted": "true", "resolution": "resolved", "satisfaction": "satisfied"},
    )
    deliver(case_id, "callback")
    number = Case.objects.get(pk=case_id).number
    assert told(case_id)["citizen"] == [f"您反映的诉求 {number} 当前状态：已办结"]
    phone = login("citizen")
    note = Notification.objects.get(user__username="citizen")
    assert phone.post(f"/notifications/{note.pk}/open/")["Location"] == f"/m/cases/{case_id}/"

"""网格事件 on the case engine: recorded on the phone (a resend never doubles), then one of three
roads — 现场处置, 协商议事, 上报 (the community or street hands it to a department with a deadline,
or back to the grid) — each ending with the residents' satisfaction; who sees and may do what."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from chuangcheng.cases.models import Case, CaseClock, CaseEvent, Notification
from chuangcheng.cases.services import case_transition
from chuangcheng.cases.tasks import notify_event
from chuangcheng.core.errors import NotFound, PermissionDenied
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.grid.events import event_report
from chuangcheng.grid.models import GridEvent
from chuangcheng.grid.seed import build_grid_demo
from chuangcheng.org.models import Region, Unit
from tests.conftest import actor
from tests.test_grid_ledger import login


@pytest.fixture
def grids(city: Any) -> list[Region]:
    stats = build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    assert stats["events"] == 9
    return list(
        Region.objects.filter(parent__name="仕奇社区", level=Region.Level.GRID).order_by("code")
    )


def photo() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 90, 60)).save(buf, format="JPEG")
    return SimpleUploadedFile("现场.jpg", buf.getvalue(), content_type="image/jpeg")


def report(grid: Region, who: str = "gd_sq01", key: str = "e-1") -> Case:
    case, _ = event_report(
        actor=actor(who),
        grid_id=grid.pk,
        category="SJ04",
        scale="01",
        title="楼道堆物",
        content="2单元楼道堆放纸箱",
        lat=grid.lat,
        lng=grid.lng,
        client_key=key,
    )
    return case


def go(case: Case, action: str, who: str, **data: Any) -> Case:
    """One step, and its notices delivered as the task worker would after the commit."""
    done = case_transition(case_id=case.pk, action=action, actor=actor(who), data=data)
    event = CaseEvent.objects.filter(case_id=case.pk).order_by("-seq").first()
    assert event is not None
    notify_event.call(event.pk)
    return done


def test_the_demo_events_walked_every_road_and_their_history_verifies(grids: list[Region]) -> None:
    states = set(Case.objects.filter(kind="gridevent").values_list("status", flat=True))
    assert {"closed", "agreed", "escalated", "department", "rating", "reported"} <= states
    call_command("verify_history", stdout=io.StringIO())


def test_recorded_on_the_phone_once_with_its_photo(grids: list[Region]) -> None:
    client = login("gd_sq01")
    form = {
        "grid": grids[0].pk,
        "category": "SJ05",
        "scale": "01",
        "title": "单元门禁损坏",
        "content": "3号楼1单元门禁无法关闭",
        "lat": grids[0].lat,
        "lng": grids[0].lng,
        "client_key": "phone-key-1",
    }
    before = Case.objects.filter(kind="gridevent").count()
    resp = client.post("/grid/events/new/", {**form, "before": photo()})
    assert resp.status_code == 302
    case = Case.objects.get(title="单元门禁损坏")
    assert case.number.startswith("WG") and case.status == "reported"
    assert case.gridevent.grid == grids[0] and case.attachments.count() == 1
    assert CaseClock.objects.get(case=case, name="respond").due_at is not None
    again = client.post("/grid/events/new/", form)  # a resend: the same case
    assert again["Location"] == resp["Location"]
    assert Case.objects.filter(kind="gridevent").count() == before + 1
    bad = [
        ({"category": ""}, "请选择事件类别"),
        ({"title": ""}, "请填写事件标题"),
        ({"grid": grids[1].pk}, "请选择您负责的网格"),
        ({"lat": 39.9, "lng": 116.4}, "不在本市范围内"),
    ]
    for change, message in bad:
        resp = client.post("/grid/events/new/", {**form, **change, "client_key": f"bad-{message}"})
        assert resp.status_code == 400 and message in resp.content.decode()
    assert Case.objects.filter(kind="gridevent").count() == before + 1
    for who in ("gd_sq", "gd_rml", "dispatcher", "citizen"):
        assert login(who).post("/grid/events/new/", {**form, "client_key": who}).status_code == 403
    assert Case.objects.filter(kind="gridevent").count() == before + 1


def test_road_one_fixed_on_the_spot_then_rated(grids: list[Region]) -> None:
    case = report(grids[0])
    with pytest.raises(NotFound):  # another grid's worker does not even see it
        go(case, "fix_on_spot", "gd_sq02", note="x")
    with pytest.raises(PermissionDenied):  # the community does not fix on the spot
        go(case, "fix_on_spot", "gd_sq", note="x")
    go(case, "fix_on_spot", "gd_sq01", note="已清理")
    case = go(case, "rate", "gd_sq", satisfaction="satisfied", note="住户表示满意")
    assert case.status == "closed" and case.closed_at is not None
    event = GridEvent.objects.get(case=case)
    assert (event.road, event.satisfaction) == ("on_spot", "satisfied")
    assert CaseClock.objects.get(case=case, name="respond").stopped_at is not None


def test_road_two_a_meeting_then_done(grids: list[Region]) -> None:
    case = report(grids[0])
    go(case, "consult", "gd_sq", attendees="两户住户、物业", agreement="周五前清理")
    event = GridEvent.objects.get(case=case)
    assert event.road == "consult" and event.agreement == "周五前清理"
    go(case, "implement", "gd_sq01", note="已清理完毕")
    assert go(case, "rate", "gd_sq01", satisfaction="basic").status == "closed"


def test_road_three_escalated_to_a_department_with_a_deadline(grids: list[Region]) -> None:
    case = report(grids[0])
    go(case, "escalate", "gd_sq01", reason="需城管清运")
    assert Notification.objects.filter(case=case, user__username="gd_sq").exists()
    assert not Notification.objects.filter(case=case, user__username="gd_sq02").exists()
    cg = Unit.objects.get(code="D-CG")
    with pytest.raises(PermissionDenied):
        go(case, "assign_department", "gd_sq01", unit=cg.pk, days=3)
    case = go(case, "assign_department", "gd_rml", unit=cg.pk, days=3)
    assert case.status == "department" and case.lead_unit == cg
    clock = CaseClock.objects.get(case=case, name="department")
    assert clock.due_at is not None and clock.started_at is not None
    assert (clock.due_at - clock.started_at).days >= 3  # three working days, weekends skipped
    assert Notification.objects.filter(case=case, user__username="gd_cg").exists()
    # the department sees it in its list; a worker of another grid does not
    assert case.number in login("gd_cg").get("/grid/events/").content.decode()
    assert case.number not in login("gd_sq02").get("/grid/events/").content.decode()
    go(case, "department_done", "gd_cg", note="已清运")
    assert go(case, "rate", "gd_sq01", satisfaction="satisfied").status == "closed"
    assert CaseClock.objects.get(case=case, name="department").stopped_at is not None


def test_back_to_the_grid_and_void(grids: list[Region]) -> None:
    case = report(grids[0])
    go(case, "escalate", "gd_sq01", reason="需上级协调")
    case = go(case, "back_to_grid", "gd_sq", reason="社区可协调物业处理")
    assert case.status == "reported"
    assert Notification.objects.filter(case=case, user__username="gd_sq01").exists()
    with pytest.raises(PermissionDenied):
        go(case, "void", "gd_sq01", reason="x")
    assert go(case, "void", "gd_sqzz", reason="重复登记").status == "void"


# who lists which events (stated here): the worker what they filed; community/street all
LIST = {"gd_sq01": "own", "gd_sq02": "own", "gd_sq": "all", "gd_sqzz": "all", "gd_rml": "all",
        "gd_cg": "assigned", "dispatcher": None, "citizen": None}  # fmt: skip


@pytest.mark.parametrize("who", list(LIST))
def test_the_event_list_matrix(grids: list[Region], who: str) -> None:
    resp = login(who).get("/grid/events/?status=all")
    if LIST[who] is None:
        assert resp.status_code == 403
        return
    assert resp.status_code == 200
    shown = {r["case"].pk for r in resp.context["rows"]}
    every = Case.objects.filter(kind="gridevent")
    expected = {
        "own": set(every.filter(created_by__username=who).values_list("pk", flat=True)),
        "all": set(every.values_list("pk", flat=True)),
        "assigned": set(every.filter(lead_unit__code="D-CG").values_list("pk", flat=True)),
    }[LIST[who]]
    assert shown == expected and shown


def test_other_loops_see_no_grid_event(grids: list[Region]) -> None:
    case = report(grids[0])
    assert login("dispatcher").get(f"/hotline/cases/{case.pk}/").status_code == 404
    assert login("gd_sq01").get(f"/hotline/cases/{case.pk}/").status_code == 200
    api = login("gd_sq02").get("/api/v1/cases?kind=gridevent").json()
    assert case.number not in str(api)


def test_the_api_takes_an_event_once_and_gives_the_visit_plan(
    grids: list[Region], api: Any
) -> None:
    body = {
        "grid": grids[0].pk,
        "category": "SJ02",
        "title": "单元门口聚集饮酒",
        "content": "深夜多人在 5 号楼门口聚集饮酒喧哗",
        "lat": grids[0].lat,
        "lng": grids[0].lng,
        "client_key": "app-1",
    }
    client = api("gd_sq01")
    first = client.post("/api/v1/grid/events", body, format="json")
    assert first.status_code == 201 and first.json()["number"].startswith("WG")
    again = client.post("/api/v1/grid/events", body, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    bad = client.post(
        "/api/v1/grid/events", {**body, "client_key": "app-2", "lat": "x"}, format="json"
    )
    assert bad.status_code == 400 and "纬度" in bad.json()["detail"]
    for who, status in (("gd_sq", 403), ("dispatcher", 403), (None, 401)):
        assert (
            api(who)
            .post("/api/v1/grid/events", {**body, "client_key": f"k{who}"}, format="json")
            .status_code
            == status
        )
    assert Case.objects.filter(title="单元门口聚集饮酒").count() == 1
    plan = client.get("/api/v1/grid/visits/plan").json()
    assert plan and {p["grid"] for p in plan} == {grids[0].code}
    assert api("dispatcher").get("/api/v1/grid/visits/plan").status_code == 403
    person = plan[0]["person"]
    visit = {"method": "home", "found": "在家，状态良好", "client_key": "api-visit-1"}
    assert (
        client.post(f"/api/v1/grid/people/{person}/visits", visit, format="json").status_code == 201
    )
    assert (
        client.post(f"/api/v1/grid/people/{person}/visits", visit, format="json").status_code == 200
    )
    other = api("gd_sq02").post(
        f"/api/v1/grid/people/{person}/visits", {**visit, "client_key": "x"}, format="json"
    )
    assert other.status_code == 404


def test_an_event_found_on_a_patrol_belongs_to_it(grids: list[Region]) -> None:
    from chuangcheng.grid.patrols import patrol_end, patrol_start

    without = report(grids[0], key="before-walk")  # no patrol open: none
    assert without.gridevent.patrol is None
    walk, _ = patrol_start(
        actor=actor("gd_sq01"), grid_id=grids[0].pk, lat=grids[0].lat, lng=grids[0].lng,
        client_key="walk-1",
    )  # fmt: skip
    found = report(grids[0], key="on-walk")
    assert found.gridevent.patrol == walk
    patrol_end(actor=actor("gd_sq01"), patrol_id=walk.pk, lat=grids[0].lat, lng=grids[0].lng)
    after = report(grids[0], key="after-walk")
    assert after.gridevent.patrol is None

    # the patrol list counts it and links to the events found on that patrol, for those who see it
    day = timezone.localdate(walk.started_at).isoformat()
    rows = login("gd_sq").get(f"/grid/patrols/?day={day}").context["rows"]
    assert {r.pk: r.found for r in rows}[walk.pk] == 1
    listed = login("gd_sq").get(f"/grid/events/?patrol={walk.pk}").context["rows"]
    assert [r["case"].pk for r in listed] == [found.pk]
    assert login("gd_sq02").get(f"/grid/events/?patrol={walk.pk}").context["rows"] == []
    assert login("gd_sq").get("/grid/events/?patrol=x1").status_code == 400


def test_todays_work_lists_the_events_waiting_for_the_grid(grids: list[Region]) -> None:
    mine = report(grids[0], key="wait-1")  # 待处置 in grid 1
    agreed = go(
        report(grids[0], key="wait-2"), "consult", "gd_sq01", attendees="业主", agreement="清理"
    )
    gone_up = go(report(grids[0], key="wait-3"), "escalate", "gd_sq01", reason="需部门处理")
    other = report(grids[1], who="gd_sq02", key="wait-4")
    shown = login("gd_sq01").get("/grid/today/").context["waiting"]
    numbers = {r["case"].number for r in shown}
    assert {mine.number, agreed.number} <= numbers
    assert gone_up.number not in numbers  # the community's turn now, not the grid's
    assert other.number not in numbers  # another grid's
    assert all(r["state"] in ("待处置", "落实中", "待评价") for r in shown)
    assert {r["case"].number for r in login("gd_sq02").get("/grid/today/").context["waiting"]} >= {
        other.number
    }


def event_form(grid: Region, key: str, title: str) -> dict[str, Any]:
    return {
        "grid": grid.pk,
        "category": "SJ04",
        "scale": "01",
        "title": title,
        "content": "楼道内堆放纸箱、旧家具",
        "lat": grid.lat,
        "lng": grid.lng,
        "client_key": key,
    }


def test_the_phones_queue_gets_json_and_a_resend_with_its_photo_is_the_same_event(
    grids: list[Region],
) -> None:
    """queue.js sends the kept form as multipart with Accept: application/json: the first send
    is 201, the same key again (a lost answer) 200 with the same event and no second photo; a bad
    form is a 400 whose Chinese reason the phone shows, nothing written."""
    client = login("gd_sq01")
    form = event_form(grids[0], "queued-1", "暂存后上报")
    before = Case.objects.filter(kind="gridevent").count()
    first = client.post(
        "/grid/events/new/", {**form, "before": photo()}, HTTP_ACCEPT="application/json"
    )
    again = client.post(
        "/grid/events/new/", {**form, "before": photo()}, HTTP_ACCEPT="application/json"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    case = Case.objects.get(title="暂存后上报")
    assert first.json() == {
        "id": case.pk,
        "number": case.number,
        "url": f"/hotline/cases/{case.pk}/",
        "created": True,
    }
    assert again.json()["id"] == case.pk and again.json()["created"] is False
    assert case.attachments.count() == 1
    bad = client.post(
        "/grid/events/new/",
        {**form, "client_key": "queued-2", "grid": grids[1].pk, "before": photo()},
        HTTP_ACCEPT="application/json",
    )
    assert bad.status_code == 400 and "请选择您负责的网格" in bad.json()["detail"]
    refused = login("gd_sq").post(
        "/grid/events/new/", {**form, "client_key": "queued-3"}, HTTP_ACCEPT="application/json"
    )
    assert refused.status_code == 403 and refused.json()["detail"]
    assert Case.objects.filter(kind="gridevent").count() == before + 1


@pytest.mark.django_db(transaction=True)
def test_two_sends_of_one_queued_event_racing_make_one_event_with_one_photo(
    grids: list[Region],
) -> None:
    from tests.test_concurrency import race

    clients = [login("gd_sq01"), login("gd_sq01")]
    form = event_form(grids[0], "race-event-1", "并发上报的事件")
    before = Case.objects.filter(kind="gridevent").count()

    def send(i: int) -> tuple[int, int]:
        resp = clients[i].post(
            "/grid/events/new/", {**form, "before": photo()}, HTTP_ACCEPT="application/json"
        )
        return resp.status_code, resp.json()["id"]

    results = race(2, send)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(status for status, _id in results) == [200, 201]
    assert len({pk for _status, pk in results}) == 1
    assert Case.objects.filter(kind="gridevent").count() == before + 1
    case = Case.objects.get(title="并发上报的事件")
    assert case.attachments.count() == 1

"""登记群众需求 (站/所 staff record a need heard door to door as an order, reviewed by them on
the spot), 派单 offering only the teams the order may go to, and 自动结单 of orders nobody
rated in time (未评价, never a default rating). ADR 0032."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from chuangcheng.cases.models import Case, CaseContact, CaseEvent
from chuangcheng.cases.services import case_transition
from chuangcheng.core.errors import PermissionDenied
from chuangcheng.core.settings_store import setting_set
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.org.access import SYSTEM
from chuangcheng.org.models import Membership, Unit
from chuangcheng.volunteer import needs
from chuangcheng.volunteer.models import ServiceOrder, Station, Team
from chuangcheng.volunteer.roles import LEADER, STATION
from chuangcheng.volunteer.seed import build_volunteer_demo
from tests.conftest import actor

PEOPLE = [
    "vol_jm",
    "vol_zhan",
    "zhan2",
    "vol_suo",
    "vol_dz",
    "vol_zyz",
    "dispatcher",
    "gridworker",
    "leader",
    None,
]


@pytest.fixture
def world(city: Any) -> dict[str, Any]:
    build_volunteer_demo(DEMO_PASSWORD)
    users = get_user_model().objects
    Membership.objects.create(
        user=users.create(username="zhan2"),
        role=STATION,
        unit=Station.objects.get(name="海亮社区新时代文明实践站").unit,
    )
    Membership.objects.create(
        user=users.create(username="gridworker"),
        role="gd_worker",
        unit=Unit.objects.get(name="仕奇社区居委会"),
    )
    home = Station.objects.get(name="中山西路社区新时代文明实践站")
    return {"home": home, "other": Station.objects.get(name="海亮社区新时代文明实践站")}


def client(username: str | None) -> Client:
    c = Client()
    if username:
        c.force_login(get_user_model().objects.get(username=username))
    return c


def api(username: str | None) -> APIClient:
    c = APIClient()
    if username:
        c.force_authenticate(get_user_model().objects.get(username=username))
    return c


def form(station: Station, key: str = "door-1", **over: str) -> dict[str, Any]:
    return {
        "station": str(station.pk),
        "item": str(station.menu.get(name="代购").pk),
        "source": "敲门行动",
        "name": "张大爷",
        "phone": "13904712345",
        "address": "中山西路 12 号 3 单元 501",
        "content": "独居老人，腿脚不便，每周需要代买米面油",
        "client_key": key,
        **over,
    }


def staff_orders() -> int:
    return Case.objects.filter(kind="vorder", external_id__startswith="staff:").count()


def test_a_need_recorded_door_to_door_is_an_order_reviewed_on_the_spot(world: Any) -> None:
    home = world["home"]
    c = client("vol_zhan")
    queue = c.get("/volunteer/orders/").content.decode()
    assert "登记需求" in queue and "/volunteer/needs/new/" in queue
    page = c.get("/volunteer/needs/new/")
    assert page.status_code == 200 and "敲门行动" in page.content.decode()
    body = form(home)
    resp = c.post("/volunteer/needs/new/", body)
    assert resp.status_code == 302
    again = c.post("/volunteer/needs/new/", body)  # a resend: the same order
    assert again.status_code == 302 and again["Location"] == resp["Location"]
    case = Case.objects.get(kind="vorder", external_id__startswith="staff:")
    assert resp["Location"] == f"/hotline/cases/{case.pk}/"
    # opened in the first state, then 审核通过 by the recorder, through the engine
    steps = list(
        CaseEvent.objects.filter(case=case).order_by("seq").values_list("action", "to_status")
    )
    assert steps == [("open", "review"), ("accept", "pending")]
    assert case.status == "pending" and case.source == "敲门行动"
    assert case.created_by.username == "vol_zhan" and case.citizen_user_id is None
    assert case.region_id == home.unit.region_id
    order = ServiceOrder.objects.get(pk=case.pk)
    assert order.station == home and order.item.name == "代购"
    contact = CaseContact.objects.get(case=case)
    assert (contact.name, contact.phone) == ("张大爷", "13904712345")
    # the resident's phone is masked on the order's page
    detail = c.get(f"/hotline/cases/{case.pk}/").content.decode()
    assert "13904712345" not in detail and "139****2345" in detail and "敲门行动" in detail
    # the 站's queue lists it, awaiting 派单
    assert case.number in c.get("/volunteer/orders/?status=pending").content.decode()


def test_the_institute_records_for_its_stations_and_nobody_for_anothers(world: Any) -> None:
    home, other = world["home"], world["other"]
    suo = client("vol_suo")
    assert suo.post("/volunteer/needs/new/", form(other, key="suo-1")).status_code == 302
    assert Case.objects.get(external_id__endswith=":suo-1").vorder.station == other
    before = staff_orders()
    # a 站 records for its own 站 only: another's is not found, and nothing is written
    resp = client("zhan2").post("/volunteer/needs/new/", form(home, key="z2"))
    assert resp.status_code == 404 and staff_orders() == before
    # an item of another 站's menu is refused
    wrong = form(home, key="z3", item=str(other.menu.get(name="代购").pk))
    resp = client("vol_zhan").post("/volunteer/needs/new/", wrong)
    assert resp.status_code == 400 and "服务菜单中选择" in resp.content.decode()
    assert staff_orders() == before


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"name": " "}, "请填写群众姓名"),
        ({"phone": "12"}, "请填写正确的联系电话"),
        ({"content": ""}, "请填写需求内容"),
        ({"source": "微信"}, "需求来源只能是"),
        ({"item": "x"}, "服务菜单中选择"),
        ({"client_key": ""}, "缺少客户端编号"),
    ],
)
def test_bad_needs_are_refused_in_chinese(world: Any, over: dict[str, str], message: str) -> None:
    before = Case.objects.count()
    resp = client("vol_zhan").post("/volunteer/needs/new/", form(world["home"], **over))
    assert resp.status_code == 400 and message in resp.content.decode()
    assert Case.objects.count() == before


def test_who_may_record_a_need(world: Any) -> None:
    home = world["home"]
    expected_page = {p: 403 for p in PEOPLE} | {"vol_zhan": 200, "vol_suo": 200, None: 302}
    expected_page["zhan2"] = 200  # their own 站's form
    got = {who: client(who).get("/volunteer/needs/new/").status_code for who in PEOPLE}
    assert got == expected_page
    before = Case.objects.count()
    expected_post = {p: 403 for p in PEOPLE} | {None: 302, "zhan2": 404}
    expected_post |= {"vol_zhan": 302, "vol_suo": 302}
    got = {
        who: client(who).post("/volunteer/needs/new/", form(home, key=f"p-{who}")).status_code
        for who in PEOPLE
    }
    assert got == expected_post
    assert Case.objects.count() == before + 2  # 站 and 所 only


def test_the_needs_endpoint(world: Any) -> None:
    home = world["home"]
    body = form(home, key="api-1")
    expected = {p: 403 for p in PEOPLE} | {None: 401, "zhan2": 404}
    before = Case.objects.count()
    got = {
        who: api(who).post("/api/v1/volunteer/needs", body, format="json").status_code
        for who in PEOPLE
        if who != "vol_zhan" and who != "vol_suo"
    }
    assert got == {k: v for k, v in expected.items() if k not in ("vol_zhan", "vol_suo")}
    assert Case.objects.count() == before
    first = api("vol_zhan").post("/api/v1/volunteer/needs", body, format="json")
    assert first.status_code == 201 and first.json()["status"] == "pending"
    assert first.json()["item"] == "代购" and first.json()["created"] is True
    again = api("vol_zhan").post("/api/v1/volunteer/needs", body, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    bad = api("vol_suo").post(
        "/api/v1/volunteer/needs", {**body, "client_key": "api-2", "phone": "x"}, format="json"
    )
    assert bad.status_code == 400 and "联系电话" in bad.json()["detail"]
    assert Case.objects.count() == before + 1


@pytest.mark.django_db(transaction=True)
def test_racing_resends_record_one_order(city: Any) -> None:
    build_volunteer_demo(DEMO_PASSWORD)
    home = Station.objects.get(name="中山西路社区新时代文明实践站")
    body = form(home, key="race-1")
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def send() -> None:
        try:
            barrier.wait()
            case, created = needs.need_record(
                actor=actor("vol_zhan"),
                station_id=body["station"],
                item_id=body["item"],
                content=body["content"],
                name=body["name"],
                phone=body["phone"],
                source=body["source"],
                client_key=body["client_key"],
            )
            results.append((case.pk, created))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and len({pk for pk, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, True]
    case = Case.objects.get(external_id__endswith=":race-1")
    assert case.status == "pending"
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1


# ---------------------------------------------------------------- 派单 offers only its teams


def test_dispatch_offers_only_the_teams_of_the_station_and_its_institute(world: Any) -> None:
    home = world["home"]
    case, _ = needs.need_record(actor=actor("vol_zhan"), **_kw(form(home, key="d-1")))
    page = client("vol_zhan").get(f"/hotline/cases/{case.pk}/")
    dispatch = next(f for f in page.context["action_forms"] if f.action.name == "dispatch")
    offered = {t.name for t in dispatch.form.fields["team"].queryset}
    mine = set(Team.objects.filter(station=home, active=True).values_list("name", flat=True))
    institute = set(
        Team.objects.filter(station=home.parent, active=True).values_list("name", flat=True)
    )
    assert offered == mine | institute
    assert "中山西路社区志愿服务队" in offered and "海亮社区志愿服务队" not in offered
    html = page.content.decode()
    assert "海亮社区志愿服务队" not in html
    # through the engine's action endpoint, another 站's team is a 400 and changes nothing
    elsewhere = Team.objects.get(name="海亮社区志愿服务队")
    events = CaseEvent.objects.filter(case=case).count()
    resp = api("vol_zhan").post(
        f"/api/v1/cases/{case.pk}/actions/dispatch", {"team": elsewhere.pk}, format="json"
    )
    assert resp.status_code == 400 and "只能派给本站" in resp.json()["detail"]
    case.refresh_from_db()
    assert case.status == "pending" and CaseEvent.objects.filter(case=case).count() == events
    ok = api("vol_zhan").post(
        f"/api/v1/cases/{case.pk}/actions/dispatch",
        {"team": Team.objects.get(name="中山西路社区志愿服务队").pk},
        format="json",
    )
    assert ok.status_code == 200


def _kw(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "station_id": body["station"],
        "item_id": body["item"],
        "content": body["content"],
        "name": body["name"],
        "phone": body["phone"],
        "address": body["address"],
        "source": body["source"],
        "client_key": body["client_key"],
    }


# ---------------------------------------------------------------- 自动结单


def _completed_on(case: Case, when: dt.datetime) -> None:
    """Walk an order to 待评价 with its 服务完成 at `when`."""
    team = Team.objects.get(name="中山西路社区志愿服务队")
    case_transition(
        case_id=case.pk,
        action="dispatch",
        actor=actor("vol_zhan"),
        data={"team": team.pk},
        now=when,
    )
    case_transition(case_id=case.pk, action="take", actor=actor("vol_dz"), now=when)
    members = [str(v.pk) for v in team.members.all()[:1]]
    case_transition(
        case_id=case.pk,
        action="complete",
        actor=actor("vol_dz"),
        data={"note": "已送到", "volunteers": members, "hours": "1"},
        now=when,
    )


def test_orders_nobody_rated_close_as_unrated_after_the_setting(world: Any) -> None:
    home = world["home"]
    now = timezone.now()
    old, _ = needs.need_record(actor=actor("vol_zhan"), **_kw(form(home, key="old")))
    new, _ = needs.need_record(actor=actor("vol_zhan"), **_kw(form(home, key="new")))
    _completed_on(old, now - dt.timedelta(days=8))
    _completed_on(new, now - dt.timedelta(days=2))
    waiting = set(Case.objects.filter(kind="vorder", status="rating").values_list("pk", flat=True))
    assert {old.pk, new.pk} <= waiting
    # nobody but the engine may take the step
    with pytest.raises(PermissionDenied):
        case_transition(case_id=old.pk, action="auto_close", actor=actor("vol_zhan"))
    page = client("vol_zhan").get(f"/hotline/cases/{old.pk}/").content.decode()
    assert "自动结单" not in page
    due = set(needs.unrated_due(now).values_list("pk", flat=True))
    assert old.pk in due and new.pk not in due
    closed = needs.close_unrated(now)
    assert closed == len(due)
    old.refresh_from_db()
    assert old.status == "closed" and old.closed_at is not None
    order = ServiceOrder.objects.get(pk=old.pk)
    assert order.stars is None and order.comment == ""  # 未评价: no default rating
    last = CaseEvent.objects.filter(case=old).order_by("-seq").first()
    assert last is not None and last.action == "auto_close" and last.actor_id is None
    assert "未评价" in last.note and "7 天" in last.note
    new.refresh_from_db()
    assert new.status == "rating"
    assert needs.close_unrated(now) == 0  # nothing twice
    # a city that gives one day closes the younger one too
    setting_set(actor=None, key="volunteer.rate_days", value=1)
    assert needs.close_unrated(now) >= 1
    new.refresh_from_db()
    assert new.status == "closed" and ServiceOrder.objects.get(pk=new.pk).stars is None


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_close_an_order_once(city: Any) -> None:
    build_volunteer_demo(DEMO_PASSWORD)
    home = Station.objects.get(name="中山西路社区新时代文明实践站")
    case, _ = needs.need_record(actor=actor("vol_zhan"), **_kw(form(home, key="twice")))
    now = timezone.now()
    _completed_on(case, now - dt.timedelta(days=9))
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def run() -> None:
        try:
            barrier.wait()
            counts.append(needs.close_unrated(now))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert CaseEvent.objects.filter(case=case, action="auto_close").count() == 1
    case.refresh_from_db()
    assert case.status == "closed"
    assert SYSTEM.is_superuser


def test_the_periodic_task_is_queued_once(world: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    from chuangcheng.volunteer import tasks

    assert tasks.schedule_auto_close() is True
    assert tasks.schedule_auto_close() is False
    path = tasks.close_unrated_orders.module_path
    assert DBTaskResult.objects.filter(task_path=path, status="READY").count() == 1
    # a run closes what is due and leaves one next run pending, not two
    assert tasks.close_unrated_orders.call() == {"closed": 0}
    assert DBTaskResult.objects.filter(task_path=path, status="READY").count() == 1


def test_a_team_leader_of_another_station_is_not_offered_either(world: Any) -> None:
    # the leader's role changes nothing to what 派单 offers: it is the order's 站 that counts
    Membership.objects.create(
        user=get_user_model().objects.get(username="vol_zhan"),
        role=LEADER,
        unit=Team.objects.get(name="海亮社区志愿服务队").unit,
    )
    case, _ = needs.need_record(actor=actor("vol_zhan"), **_kw(form(world["home"], key="l-1")))
    page = client("vol_zhan").get(f"/hotline/cases/{case.pk}/")
    dispatch = next(f for f in page.context["action_forms"] if f.action.name == "dispatch")
    assert "海亮社区志愿服务队" not in {t.name for t in dispatch.form.fields["team"].queryset}


def test_the_demo_needs_are_made_once_through_the_services(city: Any) -> None:
    from chuangcheng.grid.seed import build_grid_demo
    from chuangcheng.volunteer.seed_needs import build_needs_demo

    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    build_volunteer_demo(DEMO_PASSWORD)
    assert build_needs_demo(DEMO_PASSWORD) == {"needs": 2, "visit_orders": 1}
    assert build_needs_demo(DEMO_PASSWORD) == {"needs": 0, "visit_orders": 0}
    staff = Case.objects.filter(kind="vorder", external_id__startswith="staff:")
    assert sorted(staff.values_list("source", "status")) == [
        ("敲门行动", "pending"),
        ("电话", "pending"),
    ]
    visit = Case.objects.get(kind="vorder", external_id="visit:demo-visit-order")
    assert visit.status == "review" and visit.vorder.station.name == "仕奇社区新时代文明实践站"

"""转志愿服务 (issue 12 item 6, ADR 0032): a grid worker's visit hands a need to the 文明实践站 of
the visited person's community as a service order, in one action (one transaction; a resend
never doubles). The order carries only what the 站 needs (name, masked phone, address, the
need); the visit shows the order's number and state; only the person's own grid worker may."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from chuangcheng.cases.models import Case, CaseContact
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.grid import registers
from chuangcheng.grid.models import Person, Visit
from chuangcheng.grid.seed import build_grid_demo
from chuangcheng.org.models import Membership, Region
from chuangcheng.volunteer.models import MenuItem, ServiceOrder, Station
from chuangcheng.volunteer.roles import STATION
from chuangcheng.volunteer.seed import build_volunteer_demo
from tests.conftest import actor
from tests.test_grid_ledger import login


def _build() -> dict[str, Any]:
    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    build_volunteer_demo(DEMO_PASSWORD)
    sq = Station.objects.get(name="仕奇社区新时代文明实践站")
    Membership.objects.create(
        user=get_user_model().objects.create(username="zhan_sq"), role=STATION, unit=sq.unit
    )
    grids = list(
        Region.objects.filter(parent__name="仕奇社区", level=Region.Level.GRID).order_by("code")
    )
    return {"station": sq, "grids": grids}


@pytest.fixture
def world(city: Any) -> dict[str, Any]:
    return _build()


def living_in(grid: Region) -> Person:
    person = (
        Person.objects.filter(
            care__isnull=False,
            residences__home__building__grid=grid,
            residences__end__isnull=True,
        )
        .exclude(phone_index="")
        .first()
    )
    assert person is not None
    return person


def visit_form(item: MenuItem, key: str = "v-1") -> dict[str, Any]:
    return {
        "method": "home",
        "found": "独居，患慢性病，情绪低落",
        "needs": "每周代买米面油",
        "need_to": "order",
        "need_item": str(item.pk),
        "client_key": key,
    }


def orders() -> int:
    return Case.objects.filter(kind="vorder").count()


def test_a_visits_need_becomes_an_order_of_the_communitys_station(world: Any) -> None:
    sq, grid = world["station"], world["grids"][0]
    person = living_in(grid)
    item = sq.menu.get(name="代购")
    phone = login("gd_sq01")
    page = phone.get(f"/grid/people/{person.pk}/").content.decode()
    assert "转志愿服务" in page and sq.name in page and "代购" in page
    visits, before = Visit.objects.count(), orders()
    body = visit_form(item)
    resp = phone.post(f"/grid/people/{person.pk}/visits/", body)
    assert resp.status_code == 302
    again = phone.post(f"/grid/people/{person.pk}/visits/", body)  # a resend: nothing doubles
    assert again.status_code == 302
    assert Visit.objects.count() == visits + 1 and orders() == before + 1
    visit = Visit.objects.get(client_key="v-1")
    case = visit.need_case
    assert case is not None and case.kind == "vorder" and visit.need_to == "order"
    assert case.status == "review"  # the 站 reviews it
    assert case.source == "网格走访" and case.created_by.username == "gd_sq01"
    order = ServiceOrder.objects.get(pk=case.pk)
    assert order.station == sq and order.item == item
    contact = CaseContact.objects.get(case=case)
    assert contact.name == person.name and contact.phone == person.phone.replace(" ", "")
    # only what the 站 needs: the need, never what the visit found or the care register
    assert case.content == "每周代买米面油" and "慢性病" not in case.content
    assert "仕奇社区" in case.address
    # the visit shows the order's number and state
    page = phone.get(f"/grid/people/{person.pk}/").content.decode()
    assert f"志愿服务订单 {case.number}（待审核）" in page
    # the 站 finds it in its queue, the phone masked, and may review it
    staff = login("zhan_sq")
    assert case.number in staff.get("/volunteer/orders/").content.decode()
    detail = staff.get(f"/hotline/cases/{case.pk}/").content.decode()
    assert person.phone_masked in detail and person.phone not in detail
    assert person.id_masked not in detail and "慢性病" not in detail
    # another community's 站 does not see it
    assert login("vol_zhan").get(f"/hotline/cases/{case.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"need_item": ""}, "本社区新时代文明实践站的服务菜单"),
        ({"needs": ""}, "请填写需求内容"),
        ({"need_to": "mars"}, "转志愿服务"),
    ],
)
def test_bad_order_needs_are_refused_and_nothing_is_kept(
    world: Any, over: dict[str, str], message: str
) -> None:
    sq, grid = world["station"], world["grids"][0]
    person = living_in(grid)
    body = {**visit_form(sq.menu.get(name="代购"), key="bad"), **over}
    visits, before = Visit.objects.count(), orders()
    resp = login("gd_sq01").post(f"/grid/people/{person.pk}/visits/", body)
    assert resp.status_code == 400 and message in resp.content.decode()
    assert Visit.objects.count() == visits and orders() == before


def test_an_item_of_another_communitys_station_is_refused(world: Any) -> None:
    person = living_in(world["grids"][0])
    foreign = Station.objects.get(name="中山西路社区新时代文明实践站").menu.get(name="代购")
    visits, before = Visit.objects.count(), orders()
    resp = login("gd_sq01").post(f"/grid/people/{person.pk}/visits/", visit_form(foreign))
    assert resp.status_code == 400 and "本社区新时代文明实践站的服务菜单" in resp.content.decode()
    assert Visit.objects.count() == visits and orders() == before


def test_who_may_hand_a_need_to_the_station(world: Any) -> None:
    sq, grids = world["station"], world["grids"]
    person = living_in(grids[0])
    item = sq.menu.get(name="代购")
    visits, before = Visit.objects.count(), orders()
    # stated here: the grid worker of another grid does not find the person; community staff
    # may visit but only a posted grid worker hands the need on; the rest may not visit at all
    expected = {
        "gd_sq02": 404,
        "gd_sq": 403,
        "gd_sqzz": 403,
        "gd_rml": 403,
        "dispatcher": 403,
        "citizen": 403,
        "zhan_sq": 403,
        "vol_zhan": 403,
        "vol_jm": 403,
    }
    got = {
        who: login(who)
        .post(f"/grid/people/{person.pk}/visits/", visit_form(item, key=f"w-{who}"))
        .status_code
        for who in expected
    }
    assert got == expected
    assert Visit.objects.count() == visits and orders() == before
    anonymous = APIClient().post(
        f"/api/v1/grid/people/{person.pk}/visits", visit_form(item, key="anon"), format="json"
    )
    assert anonymous.status_code == 401
    assert Visit.objects.count() == visits and orders() == before


def test_the_visit_endpoint_hands_a_need_on(world: Any) -> None:
    sq, grid = world["station"], world["grids"][0]
    person = living_in(grid)
    api = APIClient()
    api.force_authenticate(get_user_model().objects.get(username="gd_sq01"))
    body = {**visit_form(sq.menu.get(name="陪诊"), key="api-1"), "need_item": None}
    body["need_item"] = sq.menu.get(name="陪诊").pk
    first = api.post(f"/api/v1/grid/people/{person.pk}/visits", body, format="json")
    assert first.status_code == 201
    case = Visit.objects.get(client_key="api-1").need_case
    assert case is not None
    assert first.json()["order"] == {"number": case.number, "state": "待审核"}
    assert first.json()["event"] is None
    again = api.post(f"/api/v1/grid/people/{person.pk}/visits", body, format="json")
    assert again.status_code == 200 and again.json()["order"]["number"] == case.number
    bad = api.post(
        f"/api/v1/grid/people/{person.pk}/visits",
        {**body, "client_key": "api-2", "need_item": 999999},
        format="json",
    )
    assert bad.status_code == 400 and "服务菜单" in bad.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_racing_resends_make_one_visit_and_one_order(city: Any) -> None:
    world = _build()
    sq, grid = world["station"], world["grids"][0]
    person = living_in(grid)
    item = sq.menu.get(name="代购")
    before = orders()
    barrier = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait()
            visit, created = registers.visit_record(
                actor=actor("gd_sq01"),
                person_id=person.pk,
                method="home",
                found="x",
                needs="代买米面油",
                need_to="order",
                need_item=item.pk,
                client_key="race",
            )
            results.append((visit.pk, created))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len({pk for pk, _ in results}) == 1
    assert sorted(c for _, c in results) == [False, True]
    assert orders() == before + 1
    assert Visit.objects.filter(client_key="race").count() == 1

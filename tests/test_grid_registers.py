"""The care register and its visit plan (tiers, allowed methods, a change asking for a visit
within 24 hours), visits from the phone (a resend never doubles, also when racing), and the
control register that only the grid's 专职网格员 and the community's 综治专干 may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.grid import registers
from chuangcheng.grid.models import (
    CareEntry,
    CareTier,
    ControlEntry,
    Person,
    PersonRead,
    Residence,
    Visit,
    VisitMethod,
)
from chuangcheng.grid.seed import build_grid_demo
from chuangcheng.org.models import Region
from tests.conftest import actor
from tests.test_grid_ledger import login

TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: str, hour: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TZ)


def entry(tier: str, since: str = "2026-10-01", changed: dt.datetime | None = None) -> CareEntry:
    return CareEntry(
        tier=tier, category="dibao", since=dt.date.fromisoformat(since), changed_at=changed
    )


def visit(when: dt.datetime, method: str = VisitMethod.HOME) -> Visit:
    return Visit(at=when, method=method)


def test_next_visit_by_tier_method_and_change(settings: Any) -> None:
    settings.TIME_ZONE = "Asia/Shanghai"
    # 重点: monthly, counted from registration until a first visit
    tier, due, last, _why = registers.next_visit([entry(CareTier.KEY)], [])
    assert (tier, due, last) == ("key", at("2026-10-31"), None)
    # a 上门走访 counts; a 服务热线 call does not count for 重点 (not an allowed method)
    visits = [visit(at("2026-11-10", 9)), visit(at("2026-11-20", 9), VisitMethod.HOTLINE)]
    assert registers.next_visit([entry(CareTier.KEY)], visits)[1] == at("2026-12-10", 9)
    # 一般: quarterly, and every method counts
    assert registers.next_visit([entry(CareTier.GENERAL)], visits)[1] == at(
        "2026-11-20", 9
    ) + dt.timedelta(days=91)
    # the strictest tier of a person's entries decides: 高风险 weekly, 上门 only
    tier, due, _last, _why = registers.next_visit(
        [entry(CareTier.GENERAL), entry(CareTier.HIGH)], visits
    )
    assert (tier, due) == ("high", at("2026-11-17", 9))
    # a change after the last visit asks for a visit within 24 hours
    changed = at("2026-11-12", 15)
    tier, due, _last, why = registers.next_visit([entry(CareTier.HIGH, changed=changed)], visits)
    assert due == at("2026-11-13", 15) and "24 小时" in why
    # a change already visited after does not
    early = at("2026-11-09", 15)
    assert registers.next_visit([entry(CareTier.HIGH, changed=early)], visits)[1] == at(
        "2026-11-17", 9
    )


@pytest.fixture
def grids(city: Any) -> list[Region]:
    stats = build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    assert stats["care"] == 164 and stats["control"] == 15
    return list(
        Region.objects.filter(parent__name="仕奇社区", level=Region.Level.GRID).order_by("code")
    )


def cared_in(grid: Region) -> Person:
    person = Person.objects.filter(
        care__isnull=False,
        residences__home__building__grid=grid,
        residences__end__isnull=True,
    ).first()
    assert person is not None
    return person


def test_the_plan_is_scoped_and_lists_the_overdue(grids: list[Region]) -> None:
    plan = registers.visit_plan(actor("gd_sq01"))
    assert plan and {d.grid.pk for d in plan} == {grids[0].pk}
    whole = registers.visit_plan(actor("gd_sq"))
    assert len(whole) == 164 and len({d.grid.pk for d in whole}) > 1
    page = login("gd_sq").get("/grid/visits/?overdue=1")
    assert page.status_code == 200
    now = timezone.now()
    overdue = [d for d in whole if d.due <= now]
    assert overdue  # the demo has some
    assert len(page.context["rows"]) == len(overdue)
    assert all(r["light"] == "red" for r in page.context["rows"])
    assert page.context["overdue_total"] == len(overdue)
    for who in ("dispatcher", "citizen", "leader"):
        assert login(who).get("/grid/visits/").status_code == 403


def test_a_visit_takes_a_person_off_the_overdue_list_and_a_resend_never_doubles(
    grids: list[Region],
) -> None:
    now = timezone.now()
    overdue = next(d for d in registers.visit_plan(actor("gd_sq01")) if d.due <= now)
    person = overdue.person
    client = login("gd_sq01")
    form = {
        "method": "home",
        "found": "独居，身体尚可，冰箱空了",
        "needs": "助餐",
        "client_key": "phone-1",
    }
    before = Visit.objects.count()
    resp = client.post(f"/grid/people/{person.pk}/visits/", form, HTTP_ACCEPT="application/json")
    assert resp.status_code == 201
    again = client.post(f"/grid/people/{person.pk}/visits/", form, HTTP_ACCEPT="application/json")
    assert again.status_code == 200 and again.json()["created"] is False
    assert Visit.objects.count() == before + 1
    still = [d for d in registers.visit_plan(actor("gd_sq01")) if d.person.pk == person.pk]
    assert still and still[0].due > now
    page = client.get(f"/grid/people/{person.pk}/").content.decode()
    assert "冰箱空了" in page and "助餐" in page


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"method": "fax", "found": "x"}, "请选择探访方式"),
        ({"method": "home", "found": " "}, "请填写探访情况"),
        ({"method": "home", "found": "x", "at": "2099-01-01T10:00"}, "不能晚于现在"),
        ({"method": "home", "found": "x", "at": "昨天"}, "格式不对"),
        ({"method": "home", "found": "x", "client_key": ""}, "缺少客户端编号"),
    ],
)
def test_bad_visits_are_refused_in_chinese(
    grids: list[Region], form: dict[str, str], message: str
) -> None:
    person = cared_in(grids[0])
    before = Visit.objects.count()
    resp = login("gd_sq01").post(f"/grid/people/{person.pk}/visits/", {"client_key": "k", **form})
    assert resp.status_code == 400 and message in resp.content.decode()
    assert Visit.objects.count() == before


def test_who_may_record_a_visit_of_whom(grids: list[Region]) -> None:
    elsewhere = cared_in(grids[1])
    form = {"method": "home", "found": "x", "client_key": "k-1"}
    before = Visit.objects.count()
    assert login("gd_sq01").post(f"/grid/people/{elsewhere.pk}/visits/", form).status_code == 404
    for who in ("gd_rml", "dispatcher", "citizen"):
        assert login(who).post(f"/grid/people/{elsewhere.pk}/visits/", form).status_code == 403
    assert Visit.objects.count() == before
    assert login("gd_sq02").post(f"/grid/people/{elsewhere.pk}/visits/", form).status_code == 302
    assert Visit.objects.count() == before + 1


# who opens the control register, and whose entries (stated here, not read from code)
CONTROL = {"gd_sq01": "own", "gd_sqzz": "all", "gd_sq": None, "gd_sqld": None, "gd_rml": None,
           "gd_sq02": "own", "dispatcher": None, "citizen": None}  # fmt: skip


@pytest.mark.parametrize("who", list(CONTROL))
def test_the_control_register_matrix(grids: list[Region], who: str) -> None:
    living = {
        r.person_id: r.home.building.grid_id
        for r in Residence.objects.filter(end__isnull=True).select_related("home__building")
    }
    entries = {
        e.person_id: living[e.person_id]
        for e in ControlEntry.objects.all()
        if e.person_id in living
    }
    reads = PersonRead.objects.count()
    resp = login(who).get("/grid/control/")
    if CONTROL[who] is None:
        assert resp.status_code == 403
        assert PersonRead.objects.count() == reads
        return
    assert resp.status_code == 200
    shown = {e.person_id for e, _g in resp.context["rows"]}
    number = int(who[-2:]) if who.startswith("gd_sq0") else None
    expected = {p for p, g in entries.items() if number is None or g == grids[number - 1].pk}
    assert shown == expected
    assert PersonRead.objects.count() == reads + len(shown)  # every look logged


def test_a_persons_page_shows_control_only_to_the_few(grids: list[Region]) -> None:
    entry = ControlEntry.objects.select_related("person").first()
    assert entry is not None
    person = entry.person
    community = login("gd_sq").get(f"/grid/people/{person.pk}/").content.decode()
    assert entry.get_type_display() not in community
    assert not PersonRead.objects.filter(person=person, what="管控信息").exists()
    zongzhi = login("gd_sqzz").get(f"/grid/people/{person.pk}/").content.decode()
    assert entry.get_type_display() in zongzhi
    assert PersonRead.objects.filter(
        person=person, what="管控信息", user__username="gd_sqzz"
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_two_resends_racing_make_one_visit(grids: list[Region]) -> None:
    from tests.test_concurrency import race

    person = cared_in(grids[0])
    results = race(
        4,
        lambda _i: registers.visit_record(
            actor=actor("gd_sq01"),
            person_id=person.pk,
            method="home",
            found="在家",
            client_key="same",
        ),
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(1 for _v, created in results if created) == 1
    assert Visit.objects.filter(client_key="same").count() == 1

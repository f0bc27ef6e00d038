"""城管考核 aggregated in SQL gives, field by field, what the first version (which reads every case
of the month into Python, kept as citymgmt.indicators_python for SQLite) gives: over a year of
cases walked through the loop by the demo generator, for every month, every area level and
people of different scopes; and with the 核实/核查 limits set in every unit (hours, days,
working days, working hours, zero): the SQL version reads whether each step came in time from
the engine's record of the clock's stop (`ClockStop`), the first version judges the events."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chuangcheng.cases.models import CaseEvent, ClockStop, TimeLimit
from chuangcheng.citymgmt import geo
from chuangcheng.citymgmt import indicators_python as before
from chuangcheng.citymgmt.demo_cases import build_citymgmt_history
from chuangcheng.citymgmt.demo_data import build_citymgmt_demo
from chuangcheng.citymgmt.indicators import citymgmt_indicators
from chuangcheng.citymgmt.models import CityCase
from chuangcheng.citymgmt.seed import ensure_seeded
from chuangcheng.citymgmt.selectors import city_cases
from chuangcheng.demo.city import DemoCity
from chuangcheng.org.access import Actor
from tests.conftest import actor

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 16, 0, tzinfo=SH)
MONTHS = [f"{y}-{m:02d}" for y, m in [(2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 12)]]


@pytest.fixture
def year(city: DemoCity) -> dict[str, Actor]:
    ensure_seeded()
    geo.clear_cache()
    build_citymgmt_demo(components=40)
    stats = build_citymgmt_history(now=NOW, password="x-test-pass-1", cases=260, seed=5)
    assert stats["cases"] == 260 and stats["closed"] > 200
    return {
        "leader": actor("cm_ld"),
        "shift": actor("cm_zbz"),
        "inspector": actor("cm_jdy01"),
        "handler": actor("cm_hw"),
        "other_street": actor("cm_jdy02"),
    }


def _filed_subclass_counts(who: Actor, month: str, level: str) -> dict[Any, Counter[Any]]:
    start, end = before.month_bounds(month)
    key = {"street": "grid__street_id", "community": "grid__community_id", "grid": "grid_id"}
    filed = CaseEvent.objects.filter(
        case__in=city_cases(who), action="file_case", created_at__gte=start, created_at__lt=end
    ).values("case_id")
    counts: dict[Any, Counter[Any]] = {}
    for gid, name in CityCase.objects.filter(case_id__in=filed).values_list(
        key[level], "subclass__name"
    ):
        counts.setdefault(gid, Counter())[name] += 1
    return counts


def assert_same(who: Actor, month: str, level: str) -> dict[str, Any]:
    old = before.citymgmt_indicators_python(who, month, level=level)
    new = citymgmt_indicators(who, month, level=level)
    assert new.keys() == old.keys()
    assert (new["month"], new["level"]) == (old["month"], old["level"])
    assert new["departments"] == old["departments"], month
    assert new["inspectors"] == old["inspectors"], month
    # the three most frequent subclasses: equal counts may come in any order in the old
    # version (the order rows came from the database); the new one breaks ties by name
    counts = _filed_subclass_counts(who, month, level)
    for n, o in zip(new["regions"], old["regions"], strict=True):
        top_n, top_o = n.pop("top_subclasses"), o.pop("top_subclasses")
        assert n == o, month
        c = counts[n["id"]]
        assert [c[s] for s in top_n] == [c[s] for s in top_o]
        assert top_n == sorted(top_n, key=lambda s: (-c[s], s is None, s or ""))
    return new


def test_every_month_and_level_as_before(year: dict[str, Actor]) -> None:
    seen = {"departments": 0, "regions": 0, "inspectors": 0}
    for month in MONTHS:
        for level in ("street", "community", "grid"):
            data = assert_same(year["leader"], month, level)
            for part in seen:
                seen[part] += len(data[part])
    assert all(seen.values()), seen
    # the year holds what the figures are about: returns, 缓办, 返工, 核实, checks
    actions = set(CaseEvent.objects.values_list("action", flat=True))
    assert {"approve_return", "approve_suspend", "check_fail", "verify", "check_pass"} <= actions


def test_people_of_narrower_scopes_as_before(year: dict[str, Actor]) -> None:
    for who in ("shift", "inspector", "handler", "other_street"):
        for month in ("2026-06", "2026-10", "2026-11"):
            assert_same(year[who], month, "community")


@pytest.mark.parametrize(
    "verify, check",
    [
        ((3, "hours"), (1, "days")),
        ((2, "workdays"), (1, "workhours")),
        ((0, "workhours"), (0, "days")),
    ],
)
def test_limits_in_every_unit_as_before(
    city: DemoCity, verify: tuple[int, str], check: tuple[int, str]
) -> None:
    """核实/核查 limits in each unit the calendar knows (办理时限 rows: the loop declares working
    hours, a deployment may set others): the engine's record of each stop (`ClockStop.met`,
    read by the SQL version) agrees with the first version's judgement from the events."""
    for clock, (amount, unit) in (("verify", verify), ("check", check)):
        TimeLimit.objects.create(kind="citymgmt", clock=clock, amount=amount, unit=unit)
    ensure_seeded()
    geo.clear_cache()
    build_citymgmt_demo(components=20)
    build_citymgmt_history(now=NOW, password="x-test-pass-1", cases=120, seed=11)
    leader = actor("cm_ld")
    checked = 0
    for month in MONTHS:
        data = assert_same(leader, month, "grid")
        checked += sum(r["checked"] + r["verified"] for r in data["inspectors"])
    assert checked > 60
    if check[0] > 0:
        assert ClockStop.objects.filter(kind="citymgmt", name="check", met=True).exists()
    late = ClockStop.objects.filter(kind="citymgmt", name__in=["verify", "check"], met=False)
    if verify[0] == 0:  # nothing is done at the moment it was given
        assert late.count() > 30


def test_a_month_with_nothing(year: dict[str, Actor]) -> None:
    data = assert_same(year["leader"], "2024-02", "community")
    assert data["departments"] == data["regions"] == data["inspectors"] == []


def test_the_planner_settings_stay_inside_the_indicators(year: dict[str, Actor]) -> None:
    """The month's statements run with nested loops off (SET LOCAL); the caller's transaction
    (here the test's) gets its settings back afterwards."""
    from django.db import connection

    def setting(name: str) -> str:
        with connection.cursor() as cur:
            cur.execute(f"SHOW {name}")
            return str(cur.fetchone()[0])

    before = (setting("enable_nestloop"), setting("work_mem"))
    assert_same(year["leader"], "2026-10", "community")
    assert (setting("enable_nestloop"), setting("work_mem")) == before == ("on", before[1])

"""城管考核 aggregated in SQL gives, field by field, what the first version (which reads every case
of the month into Python, kept as citymgmt.indicators_python for SQLite) gives: over a year of
cases walked through the loop by the demo generator, for every month, every area level and
people of different scopes; and with the 核实/核查 limits counted in every unit (hours, days,
working days, working hours, none, zero, and one beyond the calendar the SQL carries)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chuangcheng.cases.models import CaseClock, CaseEvent
from chuangcheng.citymgmt import geo, indicators
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


def test_limits_in_every_unit_as_before(
    year: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    """核实/核查 limits in each unit the calendar knows (set on the clock rows directly: the
    loop declares working hours, a deployment may declare others)."""
    clocks = list(
        CaseClock.objects.filter(name__in=["verify", "check"]).order_by("case_id", "name")
    )
    assert len(clocks) > 60
    units = [
        (3, "hours"),
        (1, "days"),
        (2, "workdays"),
        (1, "workhours"),
        (0, "workhours"),
        (None, ""),
        (7, "workhours"),
        (400, "workdays"),
        (0, "days"),
        (1, "workdays"),
    ]
    for i, clock in enumerate(clocks):
        clock.limit_amount, clock.limit_unit = units[i % len(units)]
    CaseClock.objects.bulk_update(clocks, ["limit_amount", "limit_unit"])
    checked = 0
    for month in MONTHS:
        data = assert_same(year["leader"], month, "grid")
        checked += sum(r["checked"] + r["verified"] for r in data["inspectors"])
    assert checked > 150
    # dues beyond the calendar the SQL carries are judged in Python: with no days after the
    # month in it, every late step near the month's end takes that way
    monkeypatch.setattr(indicators, "AHEAD", dt.timedelta(0))
    in_python: list[Any] = []

    def add_duration(*args: Any) -> dt.datetime:
        in_python.append(args)
        return before.add_duration(*args)

    monkeypatch.setattr(indicators, "add_duration", add_duration)
    for month in MONTHS:
        assert_same(year["leader"], month, "grid")
    assert in_python  # at least one


def test_a_month_with_nothing(year: dict[str, Actor]) -> None:
    data = assert_same(year["leader"], "2024-02", "community")
    assert data["departments"] == data["regions"] == data["inspectors"] == []

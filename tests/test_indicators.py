"""The 三率 and 综合得分 per unit and per street, computed by hand from orders built through
the real transitions at known times in October 2026.

Time limits (demo 办理时限): respond 24 hours, finish 5 working days after dispatch.
Orders are taken in on Mon 2026-10-12 10:00 and dispatched at 11:00, so respond_due is
Oct 13 11:00 and finish_due Oct 19 11:00.

中山西路街道 (S-150103004, street 中山西路街道):
  a1 contacted in time, resolved, satisfied            → valid
  a2 contacted in time, resolved, basically satisfied  → valid
  a3 contacted late, fed back late, unresolved, unsatisfied, closed by the dispatcher → valid
  a4 callback did not reach the caller, closed         → not a valid callback
  a5 still being handled (past its deadline by November)
  (and it returned r1, approved in October)
城管局 (D-CG), orders located in 海拉尔东路街道:
  b1, b2 contacted in time, resolved, satisfied        → valid
  r1 returned by 中山西路街道, re-dispatched here, still open
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chuangcheng.cases.models import Case
from chuangcheng.cases.services import case_transition
from chuangcheng.core.models import Setting
from chuangcheng.demo.city import DemoCity
from chuangcheng.hotline.indicators import IndicatorRow, hotline_indicators, hotline_trend
from chuangcheng.hotline.models import HotlineOrder
from chuangcheng.org.models import Region
from tests.conftest import actor
from tests.test_engine import _fast_password_hashing, client_for, new_case

__all__ = ["_fast_password_hashing"]

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 10, 12, 10, 0, tzinfo=SH)
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SH)
TASK_TABLE = "django_tasks_database_dbtaskresult"
SATISFIED = {"contacted": "true", "resolution": "resolved", "satisfaction": "satisfied"}
BASIC = {"contacted": "true", "resolution": "resolved", "satisfaction": "basic"}
UNHAPPY = {"contacted": "true", "resolution": "unresolved", "satisfaction": "unsatisfied"}
NOT_REACHED = {"contacted": "false"}
HANDLER = {"S-150103004": "handler_zsxl", "D-CG": "handler_cg"}


def h(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def go(
    case: Case, action: str, who: str, when: dt.datetime, data: dict[str, Any] | None = None
) -> Case:
    return case_transition(
        case_id=case.pk, action=action, actor=actor(who), data=data or {}, now=when
    )


def taken_in(**over: Any) -> Case:
    with time_machine.travel(T0, tick=False):
        return new_case(**over)


def dispatched(city: DemoCity, unit: str, **over: Any) -> Case:
    case = taken_in(**over)
    go(case, "review", "dispatcher", h(0.5))
    go(case, "dispatch", "dispatcher", h(1), {"lead_unit": city.units[unit].pk})
    return go(case, "accept", HANDLER[unit], h(2))


def finished(
    city: DemoCity,
    unit: str,
    *,
    contact_h: float,
    feedback_h: float,
    outcome: dict[str, str],
    **over: Any,
) -> Case:
    case = dispatched(city, unit, **over)
    who = HANDLER[unit]
    go(case, "contact", who, h(contact_h), {"note": "已电话联系"})
    go(case, "feedback", who, h(feedback_h), {"result": "已处理完毕并回复群众"})
    go(case, "approve_feedback", "dispatcher", h(feedback_h + 1))
    case = go(case, "callback", "callback", h(feedback_h + 2), outcome)
    if case.status != "closed":
        case = go(
            case, "close", "dispatcher", h(feedback_h + 3), {"no_callback_reason": "unreachable"}
        )
    assert case.status == "closed"
    return case


@pytest.fixture
def october(city: DemoCity) -> dict[str, Case]:
    xinchun = Region.objects.get(name="新春社区")  # 海拉尔东路街道
    elsewhere = {"lat": xinchun.lat, "lng": xinchun.lng, "address": "新城区新春社区"}
    orders = {
        "a1": finished(city, "S-150103004", contact_h=3, feedback_h=5, outcome=SATISFIED),
        "a2": finished(city, "S-150103004", contact_h=3, feedback_h=5, outcome=BASIC),
        "a3": finished(city, "S-150103004", contact_h=30, feedback_h=9 * 24, outcome=UNHAPPY),
        "a4": finished(city, "S-150103004", contact_h=3, feedback_h=5, outcome=NOT_REACHED),
        "a5": dispatched(city, "S-150103004"),
        "b1": finished(city, "D-CG", contact_h=4, feedback_h=6, outcome=SATISFIED, **elsewhere),
        "b2": finished(city, "D-CG", contact_h=4, feedback_h=6, outcome=SATISFIED, **elsewhere),
    }
    r1 = dispatched(city, "S-150103004", **elsewhere)
    go(r1, "request_return", "handler_zsxl", h(3), {"reason": "属于城管局职责"})
    go(r1, "approve_return", "dispatcher", h(4))
    orders["r1"] = go(r1, "dispatch", "dispatcher", h(5), {"lead_unit": city.units["D-CG"].pk})
    # noise that must not count for October: taken in and closed in November
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, tzinfo=SH), tick=False):
        nov = new_case()
    for action, who, data in [
        ("review", "dispatcher", {}),
        ("dispatch", "dispatcher", {"lead_unit": city.units["D-CG"].pk}),
        ("accept", "handler_cg", {}),
        ("contact", "handler_cg", {}),
        ("feedback", "handler_cg", {"result": "已处理完毕"}),
        ("approve_feedback", "dispatcher", {}),
        ("callback", "callback", UNHAPPY),
        ("close", "dispatcher", {}),
    ]:
        go(nov, action, who, dt.datetime(2026, 11, 2, 11, tzinfo=SH), data)
    return orders


def by_name(rows: list[IndicatorRow]) -> dict[str, IndicatorRow]:
    return {r.name: r for r in rows}


def test_three_rates_score_and_rank_per_unit(october: dict[str, Case]) -> None:
    assert october["a3"].hotline.finish_at > october["a3"].hotline.finish_due  # really late
    rows = hotline_indicators("2026-10", "unit", now=NOW)
    assert [r.name for r in rows][:2] == ["市城市管理综合执法局", "中山西路街道办事处"]
    a = by_name(rows)["中山西路街道办事处"]
    assert (a.received, a.returned, a.in_progress, a.completed, a.valid_callbacks) == (
        5,
        1,
        1,
        4,
        3,
    )
    assert a.overdue == 2  # a3 closed late, a5 open past its deadline
    assert a.response_rate == pytest.approx(2 / 3)
    assert a.resolution_rate == pytest.approx(2 / 3)
    assert a.satisfaction_rate == pytest.approx((1 + 0.9) / 3)
    assert a.score == pytest.approx(100 * (0.1 * 2 / 3 + 0.5 * 2 / 3 + 0.4 * 1.9 / 3))
    assert a.score == pytest.approx(65.3333, abs=1e-3)
    assert a.rank == 2
    b = by_name(rows)["市城市管理综合执法局"]
    assert (b.received, b.returned, b.in_progress, b.completed, b.valid_callbacks) == (
        3,
        0,
        1,
        2,
        2,
    )
    assert b.overdue == 1  # r1, open past its deadline
    assert (b.response_rate, b.resolution_rate, b.satisfaction_rate) == (1.0, 1.0, 1.0)
    assert b.score == pytest.approx(100.0)
    assert b.rank == 1


def test_three_rates_per_street(october: dict[str, Case]) -> None:
    rows = by_name(hotline_indicators("2026-10", "street", now=NOW))
    zs = rows["中山西路街道"]
    assert (zs.received, zs.completed, zs.valid_callbacks) == (5, 4, 3)
    assert zs.score == pytest.approx(65.3333, abs=1e-3) and zs.rank == 2
    hl = rows["海拉尔东路街道"]
    # r1 is located in 海拉尔东路街道; its return counts for that street
    assert (hl.received, hl.returned, hl.completed, hl.valid_callbacks) == (3, 1, 2, 2)
    assert hl.score == pytest.approx(100.0) and hl.rank == 1


def test_other_months_do_not_mix_in(october: dict[str, Case]) -> None:
    rows = hotline_indicators("2026-11", "unit", now=NOW)
    cg = by_name(rows)["市城市管理综合执法局"]
    assert (cg.received, cg.completed, cg.valid_callbacks) == (1, 1, 1)
    assert cg.score == pytest.approx(100 * (0.1 * 1 + 0.5 * 0 + 0.4 * 0))
    assert hotline_indicators("2026-09", "unit", now=NOW) == []


def test_weights_and_factor_are_settings(october: dict[str, Case]) -> None:
    Setting.objects.create(
        key="hotline.score_weights",
        value={"response": 0.3, "resolution": 0.35, "satisfaction": 0.35},
    )
    a = by_name(hotline_indicators("2026-10", "unit", now=NOW))["中山西路街道办事处"]
    assert a.score == pytest.approx(100 * (0.3 * 2 / 3 + 0.35 * 2 / 3 + 0.35 * 1.9 / 3))
    Setting.objects.create(key="hotline.basic_satisfaction_factor", value=0.8)
    a = by_name(hotline_indicators("2026-10", "unit", now=NOW))["中山西路街道办事处"]
    assert a.satisfaction_rate == pytest.approx(1.8 / 3)


def test_excluded_orders_do_not_count(october: dict[str, Case]) -> None:
    HotlineOrder.objects.filter(case=october["a3"]).update(excluded_from_scoring=True)  # 申诉成功
    a = by_name(hotline_indicators("2026-10", "unit", now=NOW))["中山西路街道办事处"]
    assert a.valid_callbacks == 2 and a.completed == 4
    assert a.score == pytest.approx(100 * (0.1 + 0.5 + 0.4 * 1.9 / 2))


@pytest.mark.parametrize("group_by", ["unit", "street"])
def test_the_api_returns_the_same_numbers(october: dict[str, Case], group_by: str) -> None:
    resp = client_for("leader").get(f"/api/v1/indicators/hotline?month=2026-10&group_by={group_by}")
    assert resp.status_code == 200
    body = resp.json()
    assert body["month"] == "2026-10" and body["group_by"] == group_by
    expected = [r.as_dict() for r in hotline_indicators("2026-10", group_by)]
    assert body["results"] == [
        {k: (pytest.approx(v) if isinstance(v, float) else v) for k, v in row.items()}
        for row in expected
    ]
    top = body["results"][0]
    assert top["rank"] == 1 and top["score"] == pytest.approx(100.0)


@pytest.mark.parametrize(
    "query",
    [
        "month=2026-13",
        "month=abc",
        "month=",
        "month=2026-10-01",
        "month=9999-12",
        "month=0-1",
        "month=2026-10&group_by=district",
    ],
)
def test_bad_month_or_grouping_is_a_chinese_400(city: DemoCity, query: str) -> None:
    resp = client_for("leader").get(f"/api/v1/indicators/hotline?{query}")
    assert resp.status_code == 400, resp.content
    detail = resp.json()["detail"]
    assert "YYYY-MM" in detail or "只能是" in detail, detail


def test_a_unit_that_only_returned_orders_still_shows_its_returns(
    city: DemoCity, make_handler: Any
) -> None:
    HANDLER["D-SJ"] = make_handler("D-SJ")
    try:
        case = dispatched(city, "D-SJ")
    finally:
        del HANDLER["D-SJ"]
    go(case, "request_return", "h_d_sj", h(3), {"reason": "不属于市场监管职责"})
    go(case, "approve_return", "dispatcher", h(4))
    go(case, "dispatch", "dispatcher", h(5), {"lead_unit": city.units["D-CG"].pk})
    rows = by_name(hotline_indicators("2026-10", "unit", now=NOW))
    assert rows["市市场监督管理局"].returned == 1
    assert rows["市市场监督管理局"].rank is None  # no valid callbacks: not ranked
    assert rows["市城市管理综合执法局"].received == 1


def test_the_trend_adds_up_the_ranking_of_each_month(october: dict[str, Case]) -> None:
    months = ["2026-09", "2026-10", "2026-11"]
    trend = {t["month"]: t for t in hotline_trend(months, now=NOW)}
    assert list(trend) == months
    for month in months:
        rows = hotline_indicators(month, "unit", now=NOW)
        valid = sum(r.valid_callbacks for r in rows)
        t = trend[month]
        assert t["received"] == sum(r.received for r in rows)
        assert t["completed"] == sum(r.completed for r in rows)
        assert t["valid_callbacks"] == valid
        for attr in ("response_rate", "resolution_rate", "satisfaction_rate", "score"):
            if not valid:
                assert t[attr] is None, (month, attr)
                continue
            expected = sum((getattr(r, attr) or 0) * r.valid_callbacks for r in rows) / valid
            assert t[attr] == pytest.approx(expected), (month, attr)
    # by hand: 5 valid callbacks in October, 4 responded in time, 4 resolved, 3 + 0.9 satisfied
    october_ = trend["2026-10"]
    assert (october_["received"], october_["completed"], october_["valid_callbacks"]) == (8, 6, 5)
    assert october_["satisfaction_rate"] == pytest.approx(3.9 / 5)
    assert trend["2026-09"]["received"] == 0 and trend["2026-09"]["score"] is None


def test_the_trend_is_two_queries_and_ended_months_come_from_the_cache(
    october: dict[str, Case], city: DemoCity
) -> None:
    months = [f"2025-{m:02d}" for m in range(12, 13)] + [f"2026-{m:02d}" for m in range(1, 12)]
    with CaptureQueriesContext(connection) as first:
        before = hotline_trend(months, now=NOW)
    # two grouped queries for all twelve months, two for the score settings (and, on this
    # first miss, five to queue the worker's warming of the cache: a savepoint, the lock that
    # keeps it to one pending run (core/periodic.py), a look, the insert, the release)
    queuing = (TASK_TABLE, "pg_advisory_xact_lock", "SAVEPOINT")
    counting = [q["sql"] for q in first if not any(m in q["sql"] for m in queuing)]
    assert len(counting) == 4, [q[:80] for q in counting]
    assert len(first) - len(counting) == 5
    # an order closed in October after the first look (an admin's correction, say) does not
    # show while October is cached; November, the current month, is always counted afresh
    Case.objects.filter(pk=october["a5"].pk).update(
        status="closed", closed_at=dt.datetime(2026, 10, 30, tzinfo=SH)
    )
    Case.objects.filter(pk=october["r1"].pk).update(
        status="closed", closed_at=dt.datetime(2026, 11, 20, tzinfo=SH)
    )
    with CaptureQueriesContext(connection) as second:
        after = {t["month"]: t for t in hotline_trend(months, now=NOW)}
    assert len(second) == 4  # the current month's two queries and the settings
    assert after["2026-10"] == {t["month"]: t for t in before}["2026-10"]
    assert after["2026-11"]["completed"] == 2
    # the weights are applied on every call, cached months included
    Setting.objects.create(
        key="hotline.score_weights",
        value={"response": 0.3, "resolution": 0.35, "satisfaction": 0.35},
    )
    rescored = {t["month"]: t for t in hotline_trend(months, now=NOW)}["2026-10"]
    assert rescored["score"] == pytest.approx(
        100 * (0.3 * rescored["response_rate"] + 0.35 * rescored["resolution_rate"]
               + 0.35 * rescored["satisfaction_rate"])
    )  # fmt: skip
    assert rescored["score"] != after["2026-10"]["score"]


def test_an_ended_months_ranking_keeps_its_counts_but_counts_the_open_orders_afresh(
    october: dict[str, Case], city: DemoCity
) -> None:
    """What an ended month keeps (受理, 办结, the 三率's counts, 退回) is cached (ADR 0007,
    addendum 2); 在办 and the open orders' 超期 are counted on every call: an order of October
    that closes in November leaves October's 在办 at once."""
    first = by_name(hotline_indicators("2026-10", "unit", now=NOW))
    a = first["中山西路街道办事处"]
    assert (a.received, a.completed, a.in_progress, a.overdue) == (5, 4, 1, 2)
    # a5 closes in November (through the workflow: its October figures do not move) ...
    Case.objects.filter(pk=october["a5"].pk).update(
        status="closed", closed_at=dt.datetime(2026, 11, 20, tzinfo=SH)
    )
    # ... and an outside correction to October (不计入考核) shows only once recounted
    HotlineOrder.objects.filter(case=october["a3"]).update(excluded_from_scoring=True)
    with CaptureQueriesContext(connection) as warm:
        second = by_name(hotline_indicators("2026-10", "unit", now=NOW))
    assert not any("approve_return" in q["sql"] or "closed_at" in q["sql"] for q in warm)
    a = second["中山西路街道办事处"]
    assert (a.received, a.completed, a.in_progress, a.overdue) == (5, 4, 0, 1)
    assert (a.valid_callbacks, a.returned) == (3, 1)
    cg = city.units["D-CG"].name
    assert second[cg] == first[cg]
    # the current month is never cached; refresh recounts
    a = by_name(hotline_indicators("2026-10", "unit", now=NOW, refresh=True))["中山西路街道办事处"]
    assert (a.valid_callbacks, a.completed, a.in_progress) == (2, 4, 0)
    assert hotline_indicators("2026-10", "unit", now=dt.datetime(2026, 10, 31, tzinfo=SH))


def test_the_worker_warms_last_months_ranking(october: dict[str, Case], city: DemoCity) -> None:
    from chuangcheng.hotline.tasks import warm_now

    by_name(hotline_indicators("2026-10", "street", now=NOW))  # cached
    HotlineOrder.objects.filter(case=october["a3"]).update(excluded_from_scoring=True)
    warm_now(now=NOW)
    for group_by in ("unit", "street"):
        with CaptureQueriesContext(connection) as warm:
            rows = hotline_indicators("2026-10", group_by, now=NOW)
        assert not any("approve_return" in q["sql"] for q in warm)
        assert sum(r.valid_callbacks for r in rows) == 4


def test_the_trend_of_a_jurisdiction_is_cached_apart(october: dict[str, Case]) -> None:
    street = Region.objects.get(name="中山西路街道")
    city_wide = hotline_trend(["2026-10"], now=NOW)[0]
    own = hotline_trend(["2026-10"], base=Case.objects.filter(street=street), now=NOW)[0]
    nothing = hotline_trend(["2026-10"], base=Case.objects.none(), now=NOW)[0]
    assert (city_wide["received"], own["received"], nothing["received"]) == (8, 5, 0)
    assert own["valid_callbacks"] == 3 and own["score"] == pytest.approx(65.3333, abs=1e-3)
    assert nothing["score"] is None


def test_the_worker_keeps_the_trend_warm(october: dict[str, Case], city: DemoCity) -> None:
    """A cold trend queues one warming run 5 hours later; the run recounts every ended month of
    every dashboard jurisdiction, so the next dashboard reads only the current month (here none:
    the default trend ends last month) and shows corrections made since."""
    from django_tasks_db.models import DBTaskResult

    from chuangcheng.hotline.indicators import trend_months
    from chuangcheng.hotline.selectors import figures_base
    from chuangcheng.hotline.tasks import WARM_EVERY, dashboard_scopes, warm_dashboards, warm_now

    months = trend_months(now=NOW)
    assert (months[0], months[-1], len(months)) == ("2025-11", "2026-10", 12)
    leader = figures_base(actor("leader"))
    before = {t["month"]: t for t in hotline_trend(months, base=leader, now=NOW)}
    hotline_trend(months, base=leader, now=NOW)  # warm now: queues nothing more
    waiting = DBTaskResult.objects.ready().filter(task_path=warm_dashboards.module_path)
    assert waiting.count() == 1
    assert waiting.get().run_after == NOW + WARM_EVERY
    # leader, supervisor and dispatcher of the demo city all see the whole city: one scope
    assert len(dashboard_scopes()) == 1
    Case.objects.filter(pk=october["a5"].pk).update(
        status="closed", closed_at=dt.datetime(2026, 10, 30, tzinfo=SH)
    )
    assert warm_now(now=NOW) == {"scopes": 1, "months": 12}
    with CaptureQueriesContext(connection) as warm:
        after = {t["month"]: t for t in hotline_trend(months, base=leader, now=NOW)}
    assert len(warm) == 2  # the score settings only
    assert after["2026-10"]["completed"] == before["2026-10"]["completed"] + 1
    # the task itself warms and queues its next run (the one waiting still counts as queued)
    result = warm_dashboards.call()
    assert result == {"scopes": 1, "months": 12} and waiting.count() == 1


def test_each_jurisdiction_is_warmed(october: dict[str, Case], city: DemoCity) -> None:
    from django.contrib.auth import get_user_model

    from chuangcheng.hotline.indicators import trend_months
    from chuangcheng.hotline.selectors import figures_base
    from chuangcheng.hotline.tasks import dashboard_scopes, warm_now
    from chuangcheng.org.models import Membership

    street_leader = get_user_model().objects.create(username="leader_zsxl")
    Membership.objects.create(user=street_leader, role="leader", unit=city.units["S-150103004"])
    inactive = get_user_model().objects.create(username="leader_gone", is_active=False)
    Membership.objects.create(user=inactive, role="leader", unit=city.units["D-CG"])
    assert len(dashboard_scopes()) == 2  # the city, 中山西路街道; not the inactive account
    assert warm_now(now=NOW)["scopes"] == 2
    own = figures_base(actor("leader_zsxl"))
    with CaptureQueriesContext(connection) as warm:
        trend = {t["month"]: t for t in hotline_trend(trend_months(now=NOW), base=own, now=NOW)}
    assert len(warm) == 2
    assert trend["2026-10"]["received"] == 5  # a1-a5 were taken in 中山西路街道


def test_the_warm_command(october: dict[str, Case], city: DemoCity) -> None:
    import io

    from django.core.management import call_command

    from chuangcheng.hotline.selectors import figures_base

    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("warm_dashboards", stdout=out)
    text = out.getvalue()
    assert "已预热 1 个管辖范围、各 12 个月的趋势" in text and "每 5 小时" in text
    leader = figures_base(actor("leader"))
    with CaptureQueriesContext(connection) as warm, time_machine.travel(NOW, tick=False):
        hotline_trend(
            [f"2025-{m:02d}" for m in (11, 12)] + [f"2026-{m:02d}" for m in range(1, 11)],
            base=leader,
            now=NOW,
        )
    assert len(warm) == 2


def test_city_wide_figures_are_counted_without_a_scoping_subquery(city: Any) -> None:
    """A city-wide leader sees every order: the indicators endpoint then counts them straight
    from the table (the covering index), not through `case_id IN (SELECT … every order)`,
    which cost the endpoint 2.5× at 200k orders (bench/README.md). A street's leader still
    gets their street only (tests/test_permissions.py)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.test_engine import client_for

    client = client_for("leader")
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get("/api/v1/indicators/hotline?month=2026-10&group_by=unit")
    assert resp.status_code == 200
    counting = [q["sql"] for q in ctx.captured_queries if "cases_case" in q["sql"]]
    assert counting and not any("IN (SELECT" in sql.upper() for sql in counting), counting


def test_the_orders_keep_the_rankings_keys_of_their_case(
    october: dict[str, Case], city: DemoCity
) -> None:
    """The engine's `on_save` hook copies the ranking's keys onto the order's row at open and
    in every step (dispatch, return and re-dispatch, close, merge): the close time unless
    merged, the lead unit, the street; the city-wide ranking reads them (one index-only scan)
    and gives what the scoped path, over the case's own columns, gives."""
    from chuangcheng.hotline.indicators import (
        _city_closed_counts,
        _closed_counts,
        _closed_in,
        month_bounds,
    )

    merged = new_case(title="同一问题又一位来电")
    case_transition(
        case_id=merged.pk,
        action="merge",
        actor=actor("dispatcher"),
        data={"into": october["a5"].number},
        now=NOW,
    )
    rows = list(
        HotlineOrder.objects.values_list(
            "rank_closed_at", "rank_unit", "rank_street",
            "case__closed_at", "case__status", "case__lead_unit_id", "case__street_id",
        )
    )  # fmt: skip
    assert len(rows) >= 9
    for closed, unit, street, case_closed, status, case_unit, case_street in rows:
        assert closed == (None if status == "merged" else case_closed)
        assert (unit, street) == (case_unit, case_street)
    assert any(r[4] == "merged" and r[3] is not None for r in rows)
    start, end = month_bounds("2026-10")
    closed = Case.objects.filter(kind="hotline").filter(_closed_in(start, end))
    for key in ("lead_unit_id", "street_id"):
        city = sorted(_city_closed_counts(start, end, key), key=lambda r: r[key] or 0)
        scoped = sorted(_closed_counts(closed, key), key=lambda r: r[key] or 0)
        assert city == scoped and sum(r["completed"] for r in city) == 6

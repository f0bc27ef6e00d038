"""综合评价 of the 数字城管 loop, by month (DOMAIN-LOOPS §1.7; formulas and weights as settings).

- 专业部门: 应处置 (cases dispatched to it in the month), 按期处置率 (处置 clock met), 结案率 and
  按期结案率 (缓办 cases out of the denominator), 返工率, 回退率, mean handling time; 综合指标值 =
  立案数分值×10% + 结案率×30% + 按期处置率×30% + (1 − 返工率)×30%.
- 区域 (street, community, unit grid): 立案数 (filed in the month), 结案率, 按期结案率, the most
  frequent subclasses; 综合指标值 = 监督举报率分值×10% + 立案数分值×20% + 结案率×30% +
  按期结案率×40% (the source's 10 % for the last sums to 70 %: 40 % intended, §1.7).
- 监督员: 上报数, 有效上报率 (立案 or 自处理结案), 按时核实率, 按时核查率 (each task against its
  clock's due, as the engine recorded it when the step stopped the clock); 综合指标值 =
  有效上报率×40% + 漏报率分值×20% + 按时核实率×20% + 按时核查率×20% (漏报 is not recorded yet:
  full marks).
- Grades: A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, E below. Rankings by 综合指标值 within the month.

Every figure is over the cases the asking person may see (citymgmt.selectors.city_cases).

Computed in SQL (GROUP BY with FILTER, like hotline.indicators): a month holds ~80,000 cases at
a million, too many to read into Python. Each table reads only the loop's own rows, by their
考核键 (`CityCase.eval_*`: copies of the case's columns, of its 处置 clock row and of its 立案
time, kept by the loop's hooks in every step: citymgmt.eval_keys, ADR 0026), one index-only
range scan of the month; whether a 核实/核查 step came in time was recorded by the engine when
the step stopped the clock (`cases.ClockStop`, ADR 0023): a count over an index.
tests/test_citymgmt_indicators_sql.py compares every figure with the first version, which read
the month into Python (and judges each step from the events): it is kept
(citymgmt.indicators_python) for databases other than PostgreSQL (the SQLite demo)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Count,
    QuerySet,
)
from django.utils import timezone

from chuangcheng.cases.models import Case, CaseEvent
from chuangcheng.cases.selectors import sees_every_case_of
from chuangcheng.citymgmt.models import Source, Subclass, UnitGrid
from chuangcheng.citymgmt.settings_keys import (
    DEPT_WEIGHTS,
    INSPECTOR_WEIGHTS,
    REGION_WEIGHTS,
)
from chuangcheng.core.settings_store import get_setting
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Region, Unit


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """'2026-10' → aware [start, end) in local time; a ValueError in Chinese otherwise."""
    try:
        year, mon = (int(x) for x in month.split("-"))
        start = dt.datetime(year, mon, 1)
        end = dt.datetime(year + (mon == 12), mon % 12 + 1, 1)
    except (ValueError, TypeError, OverflowError):
        raise ValueError("月份格式应为 YYYY-MM，例如 2026-10") from None
    tz = timezone.get_current_timezone()
    return start.replace(tzinfo=tz), end.replace(tzinfo=tz)


def grade(score: float | None) -> str:
    if score is None:
        return ""
    for letter, floor in (("A", 90), ("B", 75), ("C", 60), ("D", 40)):
        if score >= floor:
            return letter
    return "E"


def dept_filed_points(n: int) -> float:
    """立案数分值 of a department (0–100; fewer cases is better)."""
    for limit, points in ((50, 100.0), (100, 90.0), (200, 75.0), (500, 60.0), (1000, 40.0)):
        if n <= limit:
            return points
    return 0.0


def region_filed_points(n: int) -> float:
    """区域立案数分值 per area and period (一类区域 bands)."""
    for limit, points in ((0, 100.0), (2, 90.0), (4, 75.0), (6, 60.0), (8, 40.0)):
        if n <= limit:
            return points
    return 0.0


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den > 0 else None


def _pct(rate: float | None, empty: float = 1.0) -> float:
    return 100.0 * (empty if rate is None else rate)


def _ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows.sort(key=lambda r: (-(r["score"] or 0), r["name"]))
    for i, row in enumerate(rows, 1):
        row["rank"] = i
        row["grade"] = grade(row["score"])
    return rows


def _scope(base: QuerySet[Case] | None, column: str) -> tuple[str, list[Any]]:
    """`AND <column> IN (the visible cases)`, or nothing for the whole city."""
    if base is None:
        return "", []
    sql, params = base.values("id").query.sql_with_params()
    return f"AND {column} IN ({sql})", list(params)


def _rows(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        names = [c.name for c in cur.description or ()]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


# The month's cases are read from the loop's own row alone: its 考核键 (`CityCase.eval_*`, kept
# by the loop's hooks in every step: citymgmt.eval_keys, ADR 0026) are the case's columns, the
# 处置 clock row's and the 立案 time, and each table has its covering index (an index-only range
# scan of the month: `citycase_eval_dispatched`, `citycase_eval_filed`, `citycase_eval_reported`).
_MET = "cc.eval_handle_stopped <= cc.eval_handle_due"  # no stop or no due: not met
_SPAN = "cc.eval_handle_stopped - cc.eval_handle_started"


def departments(
    base: QuerySet[Case] | None, start: dt.datetime, end: dt.datetime
) -> list[dict[str, Any]]:
    from chuangcheng.citymgmt.workflow import KIND

    scope, scope_params = _scope(base, "cc.case_id")
    groups = _rows(
        f"""SELECT cc.eval_unit AS lead_unit_id, count(*) AS n,
  count(*) FILTER (WHERE cc.eval_closed) AS closed,
  count(*) FILTER (WHERE cc.suspend_count > 0) AS suspended,
  count(*) FILTER (WHERE cc.rework_count > 0) AS reworked,
  count(*) FILTER (WHERE {_MET}) AS handled_on_time,
  count(*) FILTER (WHERE {_MET} AND cc.eval_closed) AS closed_on_time,
  count({_SPAN}) AS spans, sum({_SPAN}) AS span_sum
FROM citymgmt_citycase cc
WHERE cc.eval_dispatched_at >= %s AND cc.eval_dispatched_at < %s
  AND cc.eval_unit IS NOT NULL {scope}
GROUP BY cc.eval_unit ORDER BY cc.eval_unit""",
        [start, end, *scope_params],
    )
    returns: dict[Any, int] = {}
    events = CaseEvent.objects.filter(
        action="approve_return", created_at__gte=start, created_at__lt=end
    )
    events = events.filter(case__kind=KIND) if base is None else events.filter(case__in=base)
    for r in events.values("data__returned_by").annotate(n=Count("id")).order_by():
        returns[r["data__returned_by"]] = r["n"]
    names = dict(
        Unit.objects.filter(pk__in=[g["lead_unit_id"] for g in groups]).values_list("pk", "name")
    )
    weights = get_setting(DEPT_WEIGHTS)
    out = []
    for g in groups:
        n, suspended, closed = g["n"], g["suspended"], g["closed"]
        returned = returns.get(g["lead_unit_id"], 0)
        row: dict[str, Any] = {
            "unit_id": g["lead_unit_id"],
            "name": names[g["lead_unit_id"]],
            "due": n,  # 应处置
            "handled_on_time_rate": _rate(g["handled_on_time"], n),
            "closed": closed,
            "closed_rate": _rate(closed, n - suspended),
            "closed_on_time_rate": _rate(g["closed_on_time"], n - suspended),
            "suspended": suspended,
            "rework_rate": _rate(g["reworked"], n),
            "returned": returned,
            "return_rate": _rate(returned, n + returned),
            "mean_hours": (
                round(g["span_sum"].total_seconds() / 3600 / g["spans"], 1) if g["spans"] else None
            ),
        }
        row["score"] = round(
            dept_filed_points(n) * weights["filed"]
            + _pct(row["closed_rate"]) * weights["closed"]
            + _pct(row["handled_on_time_rate"]) * weights["ontime"]
            + (100 - _pct(row["rework_rate"], 0.0)) * weights["rework"],
            1,
        )
        out.append(row)
    return _ranked(out)


# level → the unit grid's column that names the area (its own id for the grid level)
LEVELS = {"street": "street_id", "community": "community_id", "grid": "id"}


def regions(
    base: QuerySet[Case] | None, start: dt.datetime, end: dt.datetime, level: str = "community"
) -> list[dict[str, Any]]:
    scope, scope_params = _scope(base, "cc.case_id")
    # counted per unit grid and subclass (integer keys: a hash aggregate, no join per case for
    # names), then summed per area here; names come from the small reference tables
    rows = _rows(
        f"""SELECT cc.grid_id AS grid, cc.subclass_id AS subclass, count(*) AS n,
  count(*) FILTER (WHERE cc.eval_closed) AS closed,
  count(*) FILTER (WHERE cc.suspend_count > 0) AS suspended,
  count(*) FILTER (WHERE {_MET} AND cc.eval_closed) AS closed_on_time,
  count(*) FILTER (WHERE cc.source <> %s) AS public
FROM citymgmt_citycase cc
WHERE cc.eval_filed_at >= %s AND cc.eval_filed_at < %s {scope}
GROUP BY cc.grid_id, cc.subclass_id""",
        [Source.INSPECTOR, start, end, *scope_params],
    )
    grids: dict[int, dict[str, Any]] = {
        g["id"]: dict(g)
        for g in UnitGrid.objects.filter(pk__in={r["grid"] for r in rows}).values(
            "id", "street_id", "community_id", "code"
        )
    }
    column = LEVELS[level]
    if level == "grid":
        names = {g["id"]: g["code"] for g in grids.values()}
    else:
        names = dict(
            Region.objects.filter(pk__in={g[column] for g in grids.values()}).values_list(
                "pk", "name"
            )
        )
    subclass_names = dict(
        Subclass.objects.filter(pk__in={r["subclass"] for r in rows}).values_list("pk", "name")
    )
    areas: dict[Any, dict[str, Any]] = {}
    for r in rows:
        gid = grids[r["grid"]][column]
        a = areas.setdefault(
            gid, {"name": names.get(gid), "subs": Counter(), **dict.fromkeys(FIGURES, 0)}
        )
        for f in FIGURES:
            a[f] += r[f]
        a["subs"][subclass_names.get(r["subclass"])] += r["n"]
    weights = get_setting(REGION_WEIGHTS)
    out = []
    for gid, a in areas.items():
        n, suspended = a["n"], a["suspended"]
        top = sorted(a["subs"].items(), key=lambda nc: (-nc[1], nc[0] is None, nc[0] or ""))
        row: dict[str, Any] = {
            "id": gid,
            "name": a["name"],
            "filed": n,
            "closed_rate": _rate(a["closed"], n - suspended),
            "closed_on_time_rate": _rate(a["closed_on_time"], n - suspended),
            "public_rate": _rate(a["public"], n),
            "top_subclasses": [name for name, _c in top[:3]],
        }
        row["score"] = round(
            (100 - _pct(row["public_rate"], 0.0)) * weights["supervision"]
            + region_filed_points(n) * weights["filed"]
            + _pct(row["closed_rate"]) * weights["closed"]
            + _pct(row["closed_on_time_rate"]) * weights["ontime"],
            1,
        )
        out.append(row)
    return _ranked(out)


FIGURES = ("n", "closed", "suspended", "closed_on_time", "public")


# The timed tasks of an inspector: (clock, the step that gives the task, the steps that do it)
TIMED = (
    ("verify", "send_verify", ("verify",)),
    ("check", "feedback", ("check_pass", "check_fail")),
)


def _timely(
    base: QuerySet[Case] | None, start: dt.datetime, end: dt.datetime
) -> dict[str, dict[int, tuple[int, int]]]:
    """Per task (verify, check) and actor: (done in the month, done on time). The engine
    records, when a step stops a clock, whether its due was met (`cases.ClockStop`, ADR 0023):
    a count over the index `clockstop_kind_name_stopped`, no window over the steps and no
    working-day arithmetic."""
    from chuangcheng.citymgmt.workflow import KIND

    scope, scope_params = _scope(base, "s.case_id")
    done = {d: c for c, _g, dones in TIMED for d in dones}
    out: dict[str, dict[int, tuple[int, int]]] = {c: {} for c, _g, _d in TIMED}
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT s.actor_id, s.name, s.action, count(*), count(*) FILTER (WHERE s.met)
FROM cases_clockstop s
WHERE s.kind = %s AND s.name IN ({", ".join(["%s"] * len(TIMED))})
  AND s.stopped_at >= %s AND s.stopped_at < %s AND s.actor_id IS NOT NULL {scope}
GROUP BY 1, 2, 3""",
            [KIND, *(c for c, _g, _d in TIMED), start, end, *scope_params],
        )
        for actor_id, clock, action, n, on_time in cur.fetchall():
            if done.get(action) != clock:
                continue  # stopped by another step (e.g. the case voided while waiting)
            had, had_on_time = out[clock].get(actor_id, (0, 0))
            out[clock][actor_id] = (had + n, had_on_time + on_time)
    return out


def inspectors(
    base: QuerySet[Case] | None, start: dt.datetime, end: dt.datetime
) -> list[dict[str, Any]]:
    scope, scope_params = _scope(base, "cc.case_id")
    # 有效: filed (a 立案 step, in any month) or handled by the inspector; counted per reporter
    # id, the names read afterwards from the small user table
    reports = _rows(
        f"""SELECT cc.eval_reporter AS created_by_id, count(*) AS reported,
  count(*) FILTER (WHERE cc.self_handled OR cc.eval_filed_at IS NOT NULL) AS valid
FROM citymgmt_citycase cc
WHERE cc.eval_reported_at >= %s AND cc.eval_reported_at < %s AND cc.source = %s {scope}
GROUP BY cc.eval_reporter ORDER BY cc.eval_reporter""",
        [start, end, Source.INSPECTOR, *scope_params],
    )
    timely = _timely(base, start, end)
    weights = get_setting(INSPECTOR_WEIGHTS)
    others = (set(timely["verify"]) | set(timely["check"])) - {r["created_by_id"] for r in reports}
    names = {
        u["pk"]: u["first_name"] or u["username"]
        for u in get_user_model()
        .objects.filter(pk__in={r["created_by_id"] for r in reports} | others)
        .values("pk", "first_name", "username")
    }
    people: dict[int, dict[str, Any]] = {}
    for r in reports:
        uid = r["created_by_id"]
        people[uid] = {
            "user_id": uid,
            "name": names.get(uid),
            "reported": r["reported"],
            "valid": r["valid"],
        }
    for uid in sorted(others):
        people[uid] = {"user_id": uid, "name": names[uid], "reported": 0, "valid": 0}
    out = []
    for uid, p in people.items():
        verified, verified_on_time = timely["verify"].get(uid, (0, 0))
        checked, checked_on_time = timely["check"].get(uid, (0, 0))
        row: dict[str, Any] = {
            **p,
            "valid_rate": _rate(p["valid"], p["reported"]),
            "verified": verified,
            "verify_on_time_rate": _rate(verified_on_time, verified),
            "checked": checked,
            "check_on_time_rate": _rate(checked_on_time, checked),
        }
        row["score"] = round(
            _pct(row["valid_rate"]) * weights["valid"]
            + 100 * weights["missed"]
            + _pct(row["verify_on_time_rate"]) * weights["verify"]
            + _pct(row["check_on_time_rate"]) * weights["check"],
            1,
        )
        out.append(row)
    return _ranked(out)


def citymgmt_indicators(actor: Actor, month: str, *, level: str = "community") -> dict[str, Any]:
    """The month's tables over what the actor may see; a bad month is a ValueError (Chinese)."""
    from chuangcheng.citymgmt.selectors import city_cases
    from chuangcheng.citymgmt.workflow import KIND

    if level not in LEVELS:
        raise ValueError("区域层级只能是 street（街道）、community（社区）或 grid（单元网格）")
    if connection.vendor != "postgresql":  # the SQLite demo: a few thousand cases
        from chuangcheng.citymgmt.indicators_python import citymgmt_indicators_python

        return citymgmt_indicators_python(actor, month, level=level)
    start, end = month_bounds(month)
    # None: the whole city (the same cases as the scoping conditions give, at a lower cost)
    base = None if sees_every_case_of(actor, KIND) else city_cases(actor)
    return {
        "month": month,
        "departments": departments(base, start, end),
        "regions": regions(base, start, end, level),
        "inspectors": inspectors(base, start, end),
        "level": level,
    }

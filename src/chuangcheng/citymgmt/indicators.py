"""综合评价 of the 数字城管 loop, by month (DOMAIN-LOOPS §1.7; formulas and weights as settings).

- 专业部门: 应处置 (cases dispatched to it in the month), 按期处置率 (处置 clock met), 结案率 and
  按期结案率 (缓办 cases out of the denominator), 返工率, 回退率, mean handling time; 综合指标值 =
  立案数分值×10% + 结案率×30% + 按期处置率×30% + (1 − 返工率)×30%.
- 区域 (street, community, unit grid): 立案数 (filed in the month), 结案率, 按期结案率, the most
  frequent subclasses; 综合指标值 = 监督举报率分值×10% + 立案数分值×20% + 结案率×30% +
  按期结案率×40% (the source's 10 % for the last sums to 70 %: 40 % intended, §1.7).
- 监督员: 上报数, 有效上报率 (立案 or 自处理结案), 按时核实率, 按时核查率 (each task against its
  clock's limit from the step that gave it); 综合指标值 = 有效上报率×40% + 漏报率分值×20% +
  按时核实率×20% + 按时核查率×20% (漏报 is not recorded yet: full marks).
- Grades: A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, E below. Rankings by 综合指标值 within the month.

Every figure is over the cases the asking person may see (citymgmt.selectors.city_cases)."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Count,
    DurationField,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone

from chuangcheng.cases.models import Case, CaseEvent
from chuangcheng.citymgmt.models import Source
from chuangcheng.citymgmt.settings_keys import (
    DEPT_WEIGHTS,
    INSPECTOR_WEIGHTS,
    REGION_WEIGHTS,
)
from chuangcheng.core.calendar import add_duration, is_workday, work_hours
from chuangcheng.core.settings_store import get_setting
from chuangcheng.org.access import Actor


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


HANDLE_CLOCK = "handle"  # 处置


def _with_handle(qs: QuerySet[Case]) -> QuerySet[Case]:
    """The case's 处置 clock row (one per case and name) joined as `handle`."""
    return qs.annotate(handle=FilteredRelation("clocks", condition=Q(clocks__name=HANDLE_CLOCK)))


# the 处置 clock stopped within its due (a clock with no stop or no due is not met)
MET = Q(handle__stopped_at__lte=F("handle__due_at"))
CLOSED = Q(status="closed")


def departments(base: QuerySet[Case], start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    groups = (
        _with_handle(
            base.filter(dispatched_at__gte=start, dispatched_at__lt=end, lead_unit__isnull=False)
        )
        .values("lead_unit_id", "lead_unit__name")
        .annotate(
            n=Count("id"),
            closed=Count("id", filter=CLOSED),
            suspended=Count("id", filter=Q(citycase__suspend_count__gt=0)),
            reworked=Count("id", filter=Q(citycase__rework_count__gt=0)),
            handled_on_time=Count("id", filter=MET),
            closed_on_time=Count("id", filter=MET & CLOSED),
            spans=Count(
                "id",
                filter=Q(handle__stopped_at__isnull=False, handle__started_at__isnull=False),
            ),
            span_sum=Sum(
                F("handle__stopped_at") - F("handle__started_at"), output_field=DurationField()
            ),
        )
        .order_by("lead_unit_id")
    )
    returns = {
        r["data__returned_by"]: r["n"]
        for r in CaseEvent.objects.filter(
            case__in=base, action="approve_return", created_at__gte=start, created_at__lt=end
        )
        .values("data__returned_by")
        .annotate(n=Count("id"))
        .order_by()
    }
    weights = get_setting(DEPT_WEIGHTS)
    out = []
    for g in groups:
        n, suspended, closed = g["n"], g["suspended"], g["closed"]
        returned = returns.get(g["lead_unit_id"], 0)
        row: dict[str, Any] = {
            "unit_id": g["lead_unit_id"],
            "name": g["lead_unit__name"],
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


LEVELS = {
    "street": ("citycase__grid__street_id", "citycase__grid__street__name"),
    "community": ("citycase__grid__community_id", "citycase__grid__community__name"),
    "grid": ("citycase__grid_id", "citycase__grid__code"),
}


def regions(
    base: QuerySet[Case], start: dt.datetime, end: dt.datetime, level: str = "community"
) -> list[dict[str, Any]]:
    key, label = LEVELS[level]
    filed_ids = CaseEvent.objects.filter(
        case__in=base, action="file_case", created_at__gte=start, created_at__lt=end
    ).values("case_id")
    filed = Case.objects.filter(id__in=filed_ids, citycase__isnull=False)
    groups = (
        _with_handle(filed)
        .values(key, label)
        .annotate(
            n=Count("id"),
            closed=Count("id", filter=CLOSED),
            suspended=Count("id", filter=Q(citycase__suspend_count__gt=0)),
            closed_on_time=Count("id", filter=MET & CLOSED),
            public=Count("id", filter=~Q(citycase__source=Source.INSPECTOR)),
        )
        .order_by(key)
    )
    subclasses: dict[Any, list[tuple[int, str]]] = defaultdict(list)
    for r in filed.values(key, "citycase__subclass__name").annotate(c=Count("id")).order_by():
        subclasses[r[key]].append((r["c"], r["citycase__subclass__name"]))
    weights = get_setting(REGION_WEIGHTS)
    out = []
    for g in groups:
        n, suspended = g["n"], g["suspended"]
        top = sorted(subclasses[g[key]], key=lambda cn: (-cn[0], cn[1] is None, cn[1] or ""))
        row: dict[str, Any] = {
            "id": g[key],
            "name": g[label],
            "filed": n,
            "closed_rate": _rate(g["closed"], n - suspended),
            "closed_on_time_rate": _rate(g["closed_on_time"], n - suspended),
            "public_rate": _rate(g["public"], n),
            "top_subclasses": [name for _c, name in top[:3]],
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


# The timed tasks of an inspector: (clock, the step that gives the task, the steps that do it)
TIMED = (
    ("verify", "send_verify", ("verify",)),
    ("check", "feedback", ("check_pass", "check_fail")),
)
LOOKBACK = dt.timedelta(days=7)  # a task given up to a week before the month counts in it
AHEAD = dt.timedelta(days=60)  # the calendar in SQL reaches this far past the month's end
_US = 1_000_000


def _us(t: dt.time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US + t.microsecond


def _calendar(first: dt.date, last: dt.date) -> tuple[list[bool], list[int], list[dt.date]]:
    """For the days first..last: whether each is a working day, how many working days lie
    before each (from `first`; one more entry for the day after `last`), the working days."""
    workday: list[bool] = []
    before = [0]
    dates: list[dt.date] = []
    day = first
    while day <= last:
        w = is_workday(day)
        workday.append(w)
        before.append(before[-1] + w)
        if w:
            dates.append(day)
        day += dt.timedelta(days=1)
    return workday, before, dates


def _timed_sql(scope: str) -> str:
    """Per actor and task (核实, 核查): how many done in the month, how many within the clock's
    limit from the step that gave the task. The due is `core.calendar.add_duration` computed in
    SQL over the calendar arrays of `cal` (working days, working hours of CC_WORK_HOURS); a due
    beyond the arrays comes back NULL and its rows are listed (`later`) for Python to judge."""
    windows = [(_us(a), _us(b)) for a, b in work_hours()]
    day_len = sum(b - a for a, b in windows)
    within = " + ".join(f"LEAST(GREATEST(x.tod - {a}, 0), {b - a})" for a, b in windows)
    whens, done = [], 0
    for a, b in windows:
        whens.append(f"WHEN y.rem <= {done + b - a} THEN {a - done} + y.rem")
        done += b - a
    tasks = ", ".join(f"'{given}'" for _c, given, _d in TIMED)
    steps = ", ".join(f"'{s}'" for _c, given, dones in TIMED for s in (given, *dones))
    task_of = " ".join(
        f"WHEN s.action IN ({', '.join(map(repr, d))}) THEN '{c}'" for c, _g, d in TIMED
    )
    given_seq = " ".join(
        f"WHEN '{c}' THEN max(s.seq) FILTER (WHERE s.action = '{g}') OVER w" for c, g, _d in TIMED
    )
    return f"""
WITH cal AS (
  SELECT %s::boolean[] AS workday, %s::int[] AS before, %s::date[] AS dates,
         %s::date AS first, %s::text AS tz
), steps AS MATERIALIZED (
  SELECT e.case_id, e.seq, e.action, e.actor_id, e.created_at
  FROM cases_caseevent e
  WHERE e.action IN ({steps}) AND e.created_at >= %s AND e.created_at < %s
    AND (e.action IN ({tasks}) OR e.created_at >= %s) AND e.case_id IN ({scope})
), marked AS (
  SELECT s.case_id, s.actor_id, s.created_at AS done_at, t.task,
         CASE t.task {given_seq} END AS given_seq
  FROM steps s CROSS JOIN LATERAL (SELECT CASE {task_of} END AS task) t
  WINDOW w AS (PARTITION BY s.case_id ORDER BY s.seq)
), done AS (
  SELECT m.actor_id, m.task, m.done_at, g.created_at AS given_at, c.limit_amount AS amount,
         NULLIF(c.limit_unit, '') AS unit
  FROM marked m
  LEFT JOIN steps g ON g.case_id = m.case_id AND g.seq = m.given_seq
  LEFT JOIN cases_caseclock c ON c.case_id = m.case_id AND c.name = m.task
  WHERE m.task IS NOT NULL AND m.actor_id IS NOT NULL
), timed AS (
  SELECT d.*, CASE
    WHEN d.given_at IS NULL OR d.unit IS NULL THEN NULL
    WHEN d.amount = 0 THEN d.given_at
    WHEN d.unit = 'hours' THEN d.given_at + d.amount * interval '1 hour'
    WHEN d.unit = 'days' THEN d.given_at + d.amount * interval '24 hours'
    WHEN d.unit = 'workdays'
      THEN (cal.dates[cal.before[x.day + 1] + d.amount] + x.local::time) AT TIME ZONE cal.tz
    WHEN d.unit = 'workhours'
      THEN (cal.dates[y.k + 1] + (CASE {" ".join(whens)} END) * interval '1 microsecond')
           AT TIME ZONE cal.tz
    END AS due
  FROM done d CROSS JOIN cal
  CROSS JOIN LATERAL (SELECT d.given_at AT TIME ZONE cal.tz AS local) l
  CROSS JOIN LATERAL (
    SELECT l.local, l.local::date - cal.first + 1 AS day,
           (extract(epoch FROM l.local::time) * {_US})::bigint AS tod
  ) x
  CROSS JOIN LATERAL (
    SELECT cal.before[x.day]::bigint * {day_len}
           + CASE WHEN cal.workday[x.day] THEN {within} ELSE 0 END
           + d.amount::bigint * {3600 * _US} AS target
  ) z
  CROSS JOIN LATERAL (SELECT (z.target + {day_len - 1}) / {day_len} - 1 AS k) k
  CROSS JOIN LATERAL (SELECT k.k, z.target - k.k * {day_len} AS rem) y
)
SELECT actor_id, task, count(*) AS n,
       count(*) FILTER (WHERE given_at IS NULL OR unit IS NULL OR done_at <= due) AS on_time,
       jsonb_agg(jsonb_build_array(given_at, amount, unit, done_at))
         FILTER (WHERE given_at IS NOT NULL AND unit IS NOT NULL AND due IS NULL) AS later
FROM timed GROUP BY actor_id, task
"""


def _timely(
    scope: QuerySet[Case], start: dt.datetime, end: dt.datetime
) -> dict[str, dict[int, tuple[int, int]]]:
    """Per task (verify, check) and actor: (done in the month, done on time)."""
    tz = timezone.get_current_timezone()
    first = (start - LOOKBACK).astimezone(tz).date() - dt.timedelta(days=1)
    last = (end + AHEAD).astimezone(tz).date()
    workday, before, dates = _calendar(first, last)
    scope_sql, scope_params = scope.values("id").query.sql_with_params()
    params = [workday, before, dates, first, str(tz), start - LOOKBACK, end, start, *scope_params]
    out: dict[str, dict[int, tuple[int, int]]] = {c: {} for c, _g, _d in TIMED}
    with connection.cursor() as cur:
        cur.execute(_timed_sql(scope_sql), params)
        for actor_id, task, n, on_time, later in cur.fetchall():
            # (jsonb comes back as text: Django decodes JSON in its fields)
            for given_at, amount, unit, done_at in json.loads(later) if later else ():
                due = add_duration(dt.datetime.fromisoformat(given_at), amount, unit)
                on_time += dt.datetime.fromisoformat(done_at) <= due
            out[task][actor_id] = (n, on_time)
    return out


def inspectors(base: QuerySet[Case], start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    filed = CaseEvent.objects.filter(case_id=OuterRef("id"), action="file_case")
    reports = (
        base.filter(created_at__gte=start, created_at__lt=end, citycase__source=Source.INSPECTOR)
        .values("created_by_id", "created_by__first_name", "created_by__username")
        .annotate(
            reported=Count("id"),
            valid=Count("id", filter=Q(Exists(filed)) | Q(citycase__self_handled=True)),
        )
        .order_by("created_by_id")
    )
    timely = _timely(base, start, end)
    weights = get_setting(INSPECTOR_WEIGHTS)
    people: dict[int, dict[str, Any]] = {}
    for r in reports:
        uid = r["created_by_id"]
        people[uid] = {
            "user_id": uid,
            "name": r["created_by__first_name"] or r["created_by__username"],
            "reported": r["reported"],
            "valid": r["valid"],
        }
    others = (set(timely["verify"]) | set(timely["check"])) - set(people)
    for u in (
        get_user_model()
        .objects.filter(pk__in=others)
        .order_by("pk")
        .values("pk", "first_name", "username")
    ):
        people[u["pk"]] = {
            "user_id": u["pk"],
            "name": u["first_name"] or u["username"],
            "reported": 0,
            "valid": 0,
        }
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

    if level not in LEVELS:
        raise ValueError("区域层级只能是 street（街道）、community（社区）或 grid（单元网格）")
    start, end = month_bounds(month)
    base = city_cases(actor)
    return {
        "month": month,
        "departments": departments(base, start, end),
        "regions": regions(base, start, end, level),
        "inspectors": inspectors(base, start, end),
        "level": level,
    }

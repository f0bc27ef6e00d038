"""The 三率 (北京 style): 响应率, 解决率, 满意率 and 综合得分, per unit or per street, per month.

Denominator: valid callbacks = orders closed in the month that were called back and reached
(contacted) and are not excluded from scoring (申诉成功).
  响应率 = valid callbacks whose caller was contacted by the respond deadline / valid callbacks
  解决率 = valid callbacks with resolution "resolved" / valid callbacks
  满意率 = (satisfied + factor × basically satisfied) / valid callbacks
  综合得分 = 100 × (w_r × 响应率 + w_s × 解决率 + w_m × 满意率)
Weights and factor are settings (defaults 0.1/0.5/0.4 and 0.9, see DOMAIN.md).
Counts per group: 受理 (created in month), 退回 (returns approved in month), 在办 (open now),
办结 (closed in month), 超期 (open past deadline now, or closed late in month).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from chuangcheng.cases.models import Case, CaseEvent
from chuangcheng.core.settings_store import get_setting
from chuangcheng.hotline.models import HotlineOrder
from chuangcheng.hotline.workflow import KIND
from chuangcheng.org.models import Unit


@dataclass
class IndicatorRow:
    group_id: int | None
    name: str
    received: int = 0
    returned: int = 0
    in_progress: int = 0
    completed: int = 0
    overdue: int = 0
    valid_callbacks: int = 0
    response_rate: float | None = None
    resolution_rate: float | None = None
    satisfaction_rate: float | None = None
    score: float | None = None
    rank: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """'2026-10' → aware [start, end) in local time."""
    try:
        year, mon = (int(x) for x in month.split("-"))
        start = dt.datetime(year, mon, 1)
        end = dt.datetime(year + (mon == 12), mon % 12 + 1, 1)  # 9999-12 has no end
    except (ValueError, TypeError):
        raise ValueError("月份格式应为 YYYY-MM，例如 2026-10") from None
    tz = timezone.get_current_timezone()
    return start.replace(tzinfo=tz), end.replace(tzinfo=tz)


def _group_field(group_by: str) -> tuple[str, Any]:
    """The order's column to group on and the model that names the groups. The counts group
    on the id alone and the names are read afterwards in one small query: joining every
    order of the month to its unit's name cost a third of each count at 1M orders."""
    if group_by == "unit":
        return "lead_unit_id", Unit
    if group_by == "street":
        from chuangcheng.org.models import Region

        return "street_id", Region
    raise ValueError("group_by 只能是 unit 或 street")


# The conditions behind each figure, shared by the counts and by the lists of orders a
# figure drills down to (`indicator_cases`), so that a list always has as many orders as its
# figure says. Those on closed orders apply to the orders closed in the month.
# The order's own fields are on its row (`hotline.HotlineOrder`, joined by primary key).
VALID_Q = Q(hotline__contacted=True, hotline__excluded_from_scoring=False)
CLOSED_LATE_Q = Q(hotline__finish_at__gt=F("hotline__finish_due"))
RESPONDED_Q = VALID_Q & (
    Q(hotline__respond_at__lte=F("hotline__respond_due")) | Q(hotline__respond_due__isnull=True)
)
RESOLVED_Q = VALID_Q & Q(hotline__resolution="resolved")
SATISFIED_Q = VALID_Q & Q(hotline__satisfaction="satisfied")
BASIC_Q = VALID_Q & Q(hotline__satisfaction="basic")


def _callback_aggregates() -> dict[str, Any]:
    """What the 三率 are computed from, for orders closed in a period (one row per group)."""
    return {
        "completed": Count("id"),
        "late": Count("id", filter=CLOSED_LATE_Q),
        "valid": Count("id", filter=VALID_Q),
        "responded": Count("id", filter=RESPONDED_Q),
        "resolved": Count("id", filter=RESOLVED_Q),
        "satisfied": Count("id", filter=SATISFIED_Q),
        "basic": Count("id", filter=BASIC_Q),
    }


# `_callback_aggregates` in SQL, over the order's row `h` (the same conditions as VALID_Q, …).
_VALID = "h.contacted AND NOT h.excluded_from_scoring"
_CLOSED_COUNTS_SQL = f"""
SELECT c.{{key}}, count(*) AS completed,
  count(*) FILTER (WHERE h.finish_at > h.finish_due) AS late,
  count(*) FILTER (WHERE {_VALID}) AS valid,
  count(*) FILTER (WHERE {_VALID} AND (h.respond_at <= h.respond_due OR h.respond_due IS NULL))
    AS responded,
  count(*) FILTER (WHERE {_VALID} AND h.resolution = 'resolved') AS resolved,
  count(*) FILTER (WHERE {_VALID} AND h.satisfaction = 'satisfied') AS satisfied,
  count(*) FILTER (WHERE {_VALID} AND h.satisfaction = 'basic') AS basic
FROM ({{cases}}) c
CROSS JOIN LATERAL (SELECT * FROM {HotlineOrder._meta.db_table} o WHERE o.case_id = c.id OFFSET 0) h
GROUP BY 1
"""


# The same over the ranking keys the order's row keeps (`rank_*`, hotline.workflow.
# copy_rank_keys): for the whole city, the month's closed orders are ONE index-only scan of
# `hotlineorder_rank_month` (no case row, no probe per order).
_RANK_KEYS = {"lead_unit_id": "rank_unit", "street_id": "rank_street"}
_MONTH_COUNTS_SQL = f"""
SELECT h.{{key}}, count(*) AS completed,
  count(*) FILTER (WHERE h.finish_at > h.finish_due) AS late,
  count(*) FILTER (WHERE {_VALID}) AS valid,
  count(*) FILTER (WHERE {_VALID} AND (h.respond_at <= h.respond_due OR h.respond_due IS NULL))
    AS responded,
  count(*) FILTER (WHERE {_VALID} AND h.resolution = 'resolved') AS resolved,
  count(*) FILTER (WHERE {_VALID} AND h.satisfaction = 'satisfied') AS satisfied,
  count(*) FILTER (WHERE {_VALID} AND h.satisfaction = 'basic') AS basic
FROM {HotlineOrder._meta.db_table} h
WHERE h.rank_closed_at >= %s AND h.rank_closed_at < %s
GROUP BY 1
"""


def _city_closed_counts(start: dt.datetime, end: dt.datetime, key: str) -> list[dict[str, Any]]:
    names = ["completed", "late", "valid", "responded", "resolved", "satisfied", "basic"]
    with connection.cursor() as cur:
        cur.execute(_MONTH_COUNTS_SQL.format(key=_RANK_KEYS[key]), [start, end])
        return [dict(zip([key, *names], row, strict=True)) for row in cur.fetchall()]


def _closed_counts(closed: QuerySet[Case], key: str) -> list[dict[str, Any]]:
    """`_callback_aggregates` per group over the orders closed in a month. On PostgreSQL each
    order's row is read by primary key from the covering index `hotlineorder_scoring` (a
    LATERAL join: left to itself the planner hashes a scan of the whole order table, ~4× as
    slow at 200k orders); elsewhere the ORM's join."""
    if connection.vendor != "postgresql":
        return list(closed.values(key).annotate(**_callback_aggregates()))
    try:
        cases, params = closed.values("id", key).query.sql_with_params()
    except EmptyResultSet:
        return []
    names = ["completed", "late", "valid", "responded", "resolved", "satisfied", "basic"]
    with connection.cursor() as cur:
        cur.execute(_CLOSED_COUNTS_SQL.format(key=key, cases=cases), params)
        return [dict(zip([key, *names], row, strict=True)) for row in cur.fetchall()]


def _closed_in(start: dt.datetime, end: dt.datetime) -> Q:
    return Q(closed_at__gte=start, closed_at__lt=end) & ~Q(status="merged")


def _open_late_q(now: dt.datetime, end: dt.datetime) -> Q:
    """超期 among the open orders: past the finish deadline now (or at the end of the month)."""
    return Q(hotline__finish_due__lt=min(now, end))


def _open_at(end: dt.datetime) -> Q:
    """在办: open now and taken in before the end of the month."""
    return ~Q(status__in=["closed", "merged"]) & Q(created_at__lt=end)


@dataclass(frozen=True)
class Scoring:
    """The weights of 综合得分 and the factor for 基本满意, as they are set now."""

    weights: dict[str, float]
    factor: float

    @classmethod
    def current(cls) -> Scoring:
        return cls(
            weights=get_setting("hotline.score_weights"),
            factor=float(get_setting("hotline.basic_satisfaction_factor")),
        )


def _rates(counts: dict[str, Any], scoring: Scoring) -> dict[str, float | None]:
    """响应率, 解决率, 满意率 and 综合得分 from the counts of `_callback_aggregates`."""
    n = counts["valid"]
    if not n:
        return dict.fromkeys(("response_rate", "resolution_rate", "satisfaction_rate", "score"))
    weights, factor = scoring.weights, scoring.factor
    response = counts["responded"] / n
    resolution = counts["resolved"] / n
    satisfaction = (counts["satisfied"] + factor * counts["basic"]) / n
    return {
        "response_rate": response,
        "resolution_rate": resolution,
        "satisfaction_rate": satisfaction,
        "score": 100
        * (
            weights["response"] * response
            + weights["resolution"] * resolution
            + weights["satisfaction"] * satisfaction
        ),
    }


# The ranking's figures that an ended month keeps (受理, 办结 and what is counted over the
# orders closed in it, 退回) are cached like the trend's (ADR 0007, addendum 2); 在办 and the
# open orders' 超期 are counted on every call: they move with every order that closes.
RANKING_CACHE_SECONDS = 6 * 3600


def _ranking_key(qs: QuerySet[Case], month: str, group_by: str) -> str:
    try:
        scope = hashlib.sha1(str(qs.query).encode()).hexdigest()[:16]
    except EmptyResultSet:  # a scope that sees nothing
        scope = "none"
    return f"hotline-ranking:1:{month}:{group_by}:{scope}"


def _month_counts(
    qs: QuerySet[Case], base: Any, start: dt.datetime, end: dt.datetime, group_by: str
) -> dict[str, Any]:
    """What an ended month keeps: per group the counts over the orders closed in it
    (`_callback_aggregates`), the orders received in it, and the returns approved in it
    (group id, name, count: the unit that returned, or the order's street)."""
    key, _names = _group_field(group_by)
    if base is None and connection.vendor == "postgresql":  # the whole city: the rows' keys
        closed = _city_closed_counts(start, end, key)
    else:
        closed = _closed_counts(qs.filter(_closed_in(start, end)), key)
    received = {
        r[key]: r["n"]
        for r in qs.filter(created_at__gte=start, created_at__lt=end)
        .values(key)
        .annotate(n=Count("id"))
    }
    returns = CaseEvent.objects.filter(
        action="approve_return", created_at__gte=start, created_at__lt=end, case__kind=KIND
    )
    if base is not None:
        returns = returns.filter(case__in=base)
    returned: list[tuple[int | None, str | None, int]] = []
    if group_by == "unit":
        # the returned order now belongs to another unit (or none), so the unit that returned
        # it may have no row yet: add one rather than drop its 退回 count
        by_unit = {
            r["data__returned_by"]: r["n"]
            for r in returns.values("data__returned_by").annotate(n=Count("id"))
        }
        names = dict(
            Unit.objects.filter(pk__in=[g for g in by_unit if g]).values_list("pk", "name")
        )
        returned = [(gid, names[gid], n) for gid, n in by_unit.items() if gid in names]
    else:
        returned = [
            (r["case__street_id"], r["case__street__name"], r["n"])
            for r in returns.values("case__street_id", "case__street__name").annotate(n=Count("id"))
        ]
    return {"closed": closed, "received": received, "returned": returned}


def hotline_indicators(
    month: str,
    group_by: str = "unit",
    *,
    base: Any = None,
    now: dt.datetime | None = None,
    refresh: bool = False,
) -> list[IndicatorRow]:
    """The month's ranking per unit or street. The counts a month keeps once it has ended are
    cached (`RANKING_CACHE_SECONDS`, key: month, grouping and the SQL of `base`; `refresh`
    recounts them); 在办 and 超期 of the open orders are counted on every call."""
    start, end = month_bounds(month)
    now = now or timezone.now()
    key, names_from = _group_field(group_by)
    qs = (base if base is not None else Case.objects.all()).filter(kind=KIND)
    counts: dict[int | None, dict[str, int]] = {}

    def counted(gid: int | None) -> dict[str, int]:
        return counts.setdefault(gid, {"received": 0, "in_progress": 0})

    scoring = Scoring.current()
    kept: dict[str, Any] | None = None
    cache_key = _ranking_key(qs, month, group_by) if end <= now else None
    if cache_key and not refresh:
        kept = cache.get(cache_key)
    if kept is None:
        kept = _month_counts(qs, base, start, end, group_by)
        if cache_key:
            cache.set(cache_key, kept, timeout=RANKING_CACHE_SECONDS)
    for group in kept["closed"]:
        counted(group[key]).update(group)
    for gid, n in kept["received"].items():
        counted(gid)["received"] = n
    open_qs = qs.filter(_open_at(end))
    for r in open_qs.values(key).annotate(
        n=Count("id"), late=Count("id", filter=_open_late_q(now, end))
    ):
        c = counted(r[key])
        c["in_progress"], c["open_late"] = r["n"], r["late"]
    group_names = dict(
        names_from.objects.filter(pk__in=[g for g in counts if g is not None]).values_list(
            "pk", "name"
        )
    )
    rows: dict[int | None, IndicatorRow] = {}

    def row(gid: int | None, gname: str | None) -> IndicatorRow:
        if gid not in rows:
            rows[gid] = IndicatorRow(group_id=gid, name=gname or "（未指定）")
        return rows[gid]

    for gid, c in counts.items():
        g = row(gid, group_names.get(gid) if gid is not None else None)
        g.received, g.in_progress = c["received"], c["in_progress"]
        if "completed" in c:
            g.completed, g.valid_callbacks = c["completed"], c["valid"]
            g.overdue = c["late"]
            for attr, value in _rates(c, scoring).items():
                setattr(g, attr, value)
        g.overdue += c.get("open_late", 0)
    for gid, gname, n in kept["returned"]:
        row(gid, gname).returned = n
    # （未指定） is kept whenever it counts anything (open orders with no unit yet are 在办), so
    # that the totals are those of the lists they drill down to
    result = [
        r
        for r in rows.values()
        if r.group_id is not None or r.received or r.completed or r.in_progress or r.returned
    ]
    ranked = sorted((r for r in result if r.score is not None), key=lambda r: -(r.score or 0))
    for i, r in enumerate(ranked, start=1):
        r.rank = i
    unranked = sorted((r for r in result if r.score is None), key=lambda r: r.name)
    return ranked + unranked


# Ended months change only by a correction made outside the workflow (an order's 不计入考核
# set in the database): such a change shows in the trend within this time.
TREND_CACHE_SECONDS = 6 * 3600


def month_add(month: str, delta: int) -> str:
    """'2026-01', -1 → '2025-12'."""
    year, mon = (int(x) for x in month.split("-"))
    index = year * 12 + (mon - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def previous_month(today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    return month_add(f"{today.year:04d}-{today.month:02d}", -1)


def trend_months(last: str | None = None, *, now: dt.datetime | None = None) -> list[str]:
    """The 12 months of the trend ending at `last` (default: last month), oldest first."""
    if last is None:
        last = previous_month(timezone.localdate(now or timezone.now()))
    return [month_add(last, -i) for i in range(11, -1, -1)]


def hotline_trend(
    months: list[str],
    *,
    base: Any = None,
    now: dt.datetime | None = None,
    refresh: bool = False,
) -> list[dict[str, Any]]:
    """The 三率 and counts of all the orders in `base` per month (the trend chart), city-wide
    or over the caller's jurisdiction: the same figures as adding up `hotline_indicators` over
    its groups, from two grouped queries for all the months instead of a ranking per month.

    A month that has ended cannot change any more through the workflow (its orders were
    received and closed in it), so its counts are cached (`TREND_CACHE_SECONDS`; key: month and
    the SQL of `base`, so each jurisdiction has its own); the rates are computed from the counts
    on every call, with the weights as they are set now. At 1M orders the leader's dashboard
    takes ~1.3 s cold and ~0.25 s warm, against ~1.9 s for a ranking per month (bench/README.md).
    The worker keeps the cache warm (`hotline.tasks.warm_dashboards`, `refresh=True`: recount
    and re-cache every ended month); the first miss starts its cycle.
    """
    if not months:
        return []
    now = now or timezone.now()
    qs = (base if base is not None else Case.objects.all()).filter(kind=KIND)
    try:
        scope = hashlib.sha1(str(qs.query).encode()).hexdigest()[:16]
    except EmptyResultSet:  # a scope that sees nothing (its queries return nothing, unasked)
        scope = "none"
    keys = {m: f"hotline-trend:1:{m}:{scope}" for m in months}
    ended = {m for m in months if month_bounds(m)[1] <= now}
    found = {} if refresh else cache.get_many([keys[m] for m in ended])
    counts: dict[str, dict[str, int]] = {m: found[keys[m]] for m in ended if keys[m] in found}
    missing = sorted(set(months) - set(counts))
    if missing:
        fresh = _trend_counts(qs, missing)
        counts.update(fresh)
        cold = {keys[m]: fresh[m] for m in missing if m in ended}
        cache.set_many(cold, timeout=TREND_CACHE_SECONDS)
        if cold and not refresh:
            from chuangcheng.hotline.tasks import schedule_warming

            schedule_warming(now=now)
    scoring = Scoring.current()
    return [{"month": m, **_trend_row(counts[m], scoring)} for m in months]


def _trend_counts(qs: Any, months: list[str]) -> dict[str, dict[str, int]]:
    """Counts per month for the months given (consecutive or not), in two queries."""
    tz = timezone.get_current_timezone()
    start, end = month_bounds(months[0])[0], month_bounds(months[-1])[1]
    empty = dict.fromkeys(
        ("received", "completed", "valid", "responded", "resolved", "satisfied", "basic"), 0
    )
    out: dict[str, dict[str, int]] = {m: dict(empty) for m in months}
    closed = (
        qs.filter(_closed_in(start, end))
        .annotate(month=TruncMonth("closed_at", tzinfo=tz))
        .values("month")
        .annotate(**_callback_aggregates())
    )
    for r in closed:
        m = _month_key(r["month"], tz)
        if m in out:
            out[m].update({k: r[k] for k in empty if k != "received"})
    received = (
        qs.filter(created_at__gte=start, created_at__lt=end)
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("month")
        .annotate(n=Count("id"))
    )
    for r in received:
        m = _month_key(r["month"], tz)
        if m in out:
            out[m]["received"] = r["n"]
    return out


def _month_key(value: dt.datetime | dt.date, tz: dt.tzinfo) -> str:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = value.astimezone(tz)
    return f"{value.year:04d}-{value.month:02d}"


def _trend_row(c: dict[str, int], scoring: Scoring) -> dict[str, Any]:
    return {
        "received": c["received"],
        "completed": c["completed"],
        "valid_callbacks": c["valid"],
        **_rates(c, scoring),
    }


def hotline_breakdown(month: str, *, base: Any = None) -> dict[str, list[dict[str, Any]]]:
    """受理量 by appeal type and by top category for the month."""
    start, end = month_bounds(month)
    qs = (base if base is not None else Case.objects.all()).filter(
        kind=KIND, created_at__gte=start, created_at__lt=end
    )
    by_type = [
        {"appeal_type": r["hotline__appeal_type"], "n": r["n"]}
        for r in qs.values("hotline__appeal_type").annotate(n=Count("id")).order_by("-n")
    ]
    by_category = list(
        qs.values("category_id", "category__name").annotate(n=Count("id")).order_by("-n")[:15]
    )
    return {"by_type": by_type, "by_category": by_category}


# ---------------------------------------------------------------- drilling down
# Each figure of the dashboard and the orders it counts (工单查询 with ?month=&figure=).
FIGURES: dict[str, str] = {
    "received": "受理",
    "returned": "退回",
    "in_progress": "在办",
    "completed": "办结",
    "overdue": "超期",
    "valid": "有效回访",
    "responded": "按时响应",
    "resolved": "已解决",
    "satisfied": "满意或基本满意",
}
NO_GROUP = 0  # the （未指定） row: orders with no lead unit, or not located in a street


def indicator_cases(
    qs: QuerySet[Case],
    month: str,
    figure: str,
    *,
    group_by: str = "unit",
    group: int | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Case]:
    """The orders behind one figure of `hotline_indicators(month, group_by)`: of one group
    (a unit or street id, `NO_GROUP` for （未指定）) or, with no group, of all of them. The list
    has as many orders as the figure counts; the one exception is 退回, which counts approved
    returns, so an order returned twice in the month by the same unit is listed once.
    满意或基本满意 lists the orders behind the 满意率's numerator (基本满意 weighs 0.9 there)."""
    if figure not in FIGURES:
        raise ValueError("未知的统计指标")
    start, end = month_bounds(month)
    now = now or timezone.now()
    key, _names = _group_field(group_by)
    qs = qs.filter(kind=KIND)
    if figure == "returned":
        returns = CaseEvent.objects.filter(
            action="approve_return", created_at__gte=start, created_at__lt=end, case__kind=KIND
        )
        if group is not None and group_by == "unit":
            # the unit that returned the order, not the one that holds it now
            returns = returns.filter(data__returned_by=group or None)
            group = None
        return qs.filter(pk__in=returns.values("case_id")).filter(_group_q(key, group))
    qs = qs.filter(_group_q(key, group))
    if figure == "received":
        return qs.filter(created_at__gte=start, created_at__lt=end)
    if figure == "in_progress":
        return qs.filter(_open_at(end))
    if figure == "overdue":
        return qs.filter(
            (_closed_in(start, end) & CLOSED_LATE_Q) | (_open_at(end) & _open_late_q(now, end))
        )
    closed = qs.filter(_closed_in(start, end))
    conditions = {
        "completed": Q(),
        "valid": VALID_Q,
        "responded": RESPONDED_Q,
        "resolved": RESOLVED_Q,
        "satisfied": SATISFIED_Q | BASIC_Q,
    }
    return closed.filter(conditions[figure])


def _group_q(key: str, group: int | None) -> Q:
    if group is None:
        return Q()
    if group == NO_GROUP:
        return Q(**{f"{key}__isnull": True})
    return Q(**{key: group})


MONTHS_CACHE_SECONDS = 3600


def months_with_orders(months: list[str], *, base: Any = None) -> list[str]:
    """Those of `months` in which orders were taken in (newest first), for the month picker.
    Ended months are cached per jurisdiction, like the trend; the current one is asked."""
    if not months:
        return []
    qs = (base if base is not None else Case.objects.all()).filter(kind=KIND)
    try:
        scope = hashlib.sha1(str(qs.query).encode()).hexdigest()[:16]
    except EmptyResultSet:
        return []
    now = timezone.now()
    ended = [m for m in months if month_bounds(m)[1] <= now]
    key = f"hotline-months:1:{min(ended) if ended else ''}:{max(ended) if ended else ''}:{scope}"
    found: set[str] | None = cache.get(key) if ended else set()
    if found is None:
        tz = timezone.get_current_timezone()
        first, last = month_bounds(min(ended))[0], month_bounds(max(ended))[1]
        found = {
            _month_key(m, tz)
            for m in qs.filter(created_at__gte=first, created_at__lt=last)
            .annotate(month=TruncMonth("created_at", tzinfo=tz))
            .values_list("month", flat=True)
            .distinct()
        }
        cache.set(key, found, timeout=MONTHS_CACHE_SECONDS)
    for m in months:
        if m not in ended:
            start, end = month_bounds(m)
            if qs.filter(created_at__gte=start, created_at__lt=end).exists():
                found = found | {m}
    return sorted((m for m in months if m in found), reverse=True)

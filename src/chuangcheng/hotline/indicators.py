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
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from chuangcheng.cases.models import Case, CaseEvent
from chuangcheng.core.settings_store import get_setting
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


def _callback_aggregates() -> dict[str, Any]:
    """What the 三率 are computed from, for orders closed in a period (one row per group)."""
    valid = Q(contacted=True, excluded_from_scoring=False)
    return {
        "completed": Count("id"),
        "late": Count("id", filter=Q(finish_at__gt=F("finish_due"))),
        "valid": Count("id", filter=valid),
        "responded": Count(
            "id",
            filter=valid & Q(respond_at__lte=F("respond_due"))
            | valid & Q(respond_due__isnull=True),
        ),
        "resolved": Count("id", filter=valid & Q(resolution="resolved")),
        "satisfied": Count("id", filter=valid & Q(satisfaction="satisfied")),
        "basic": Count("id", filter=valid & Q(satisfaction="basic")),
    }


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


def hotline_indicators(
    month: str,
    group_by: str = "unit",
    *,
    base: Any = None,
    now: dt.datetime | None = None,
) -> list[IndicatorRow]:
    start, end = month_bounds(month)
    now = now or timezone.now()
    key, names_from = _group_field(group_by)
    qs = (base if base is not None else Case.objects.all()).filter(kind=KIND)
    counts: dict[int | None, dict[str, int]] = {}

    def counted(gid: int | None) -> dict[str, int]:
        return counts.setdefault(gid, {"received": 0, "in_progress": 0})

    scoring = Scoring.current()
    closed = qs.filter(closed_at__gte=start, closed_at__lt=end).exclude(status="merged")
    for r in closed.values(key).annotate(**_callback_aggregates()):
        counted(r[key]).update(r)
    for r in (
        qs.filter(created_at__gte=start, created_at__lt=end).values(key).annotate(n=Count("id"))
    ):
        counted(r[key])["received"] = r["n"]
    open_qs = qs.exclude(status__in=["closed", "merged"]).filter(created_at__lt=end)
    for r in open_qs.values(key).annotate(
        n=Count("id"), late=Count("id", filter=Q(finish_due__lt=min(now, end)))
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
    returns = CaseEvent.objects.filter(
        action="approve_return", created_at__gte=start, created_at__lt=end, case__kind=KIND
    )
    if base is not None:
        returns = returns.filter(case__in=base)
    if group_by == "unit":
        # the returned order now belongs to another unit (or none), so the unit that returned
        # it may have no row yet: add one rather than drop its 退回 count
        returned = {
            r["data__returned_by"]: r["n"]
            for r in returns.values("data__returned_by").annotate(n=Count("id"))
        }
        names = dict(
            Unit.objects.filter(pk__in=[g for g in returned if g]).values_list("pk", "name")
        )
        for gid, n in returned.items():
            if gid in names:
                row(gid, names[gid]).returned = n
    else:
        for r in returns.values("case__street_id", "case__street__name").annotate(n=Count("id")):
            row(r["case__street_id"], r["case__street__name"]).returned = r["n"]
    result = [r for r in rows.values() if r.group_id is not None or r.received or r.completed]
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
        qs.filter(closed_at__gte=start, closed_at__lt=end)
        .exclude(status="merged")
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
    by_type = list(qs.values("appeal_type").annotate(n=Count("id")).order_by("-n"))
    by_category = list(qs.values("category__name").annotate(n=Count("id")).order_by("-n")[:15])
    return {"by_type": by_type, "by_category": by_category}

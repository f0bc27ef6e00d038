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
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Count, F, Q
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


def _group_field(group_by: str) -> tuple[str, str]:
    if group_by == "unit":
        return "lead_unit_id", "lead_unit__name"
    if group_by == "street":
        return "street_id", "street__name"
    raise ValueError("group_by 只能是 unit 或 street")


def hotline_indicators(
    month: str,
    group_by: str = "unit",
    *,
    base: Any = None,
    now: dt.datetime | None = None,
) -> list[IndicatorRow]:
    start, end = month_bounds(month)
    now = now or timezone.now()
    key, name = _group_field(group_by)
    weights = get_setting("hotline.score_weights")
    factor = float(get_setting("hotline.basic_satisfaction_factor"))
    qs = (base if base is not None else Case.objects.all()).filter(kind=KIND)
    rows: dict[int | None, IndicatorRow] = {}

    def row(gid: int | None, gname: str | None) -> IndicatorRow:
        if gid not in rows:
            rows[gid] = IndicatorRow(group_id=gid, name=gname or "（未指定）")
        return rows[gid]

    closed = qs.filter(closed_at__gte=start, closed_at__lt=end).exclude(status="merged")
    valid = Q(contacted=True, excluded_from_scoring=False)
    for r in closed.values(key, name).annotate(
        completed=Count("id"),
        late=Count("id", filter=Q(finish_at__gt=F("finish_due"))),
        valid=Count("id", filter=valid),
        responded=Count(
            "id",
            filter=valid & Q(respond_at__lte=F("respond_due"))
            | valid & Q(respond_due__isnull=True),
        ),
        resolved=Count("id", filter=valid & Q(resolution="resolved")),
        satisfied=Count("id", filter=valid & Q(satisfaction="satisfied")),
        basic=Count("id", filter=valid & Q(satisfaction="basic")),
    ):
        g = row(r[key], r[name])
        g.completed, g.overdue, g.valid_callbacks = r["completed"], r["late"], r["valid"]
        if r["valid"]:
            n = r["valid"]
            g.response_rate = r["responded"] / n
            g.resolution_rate = r["resolved"] / n
            g.satisfaction_rate = (r["satisfied"] + factor * r["basic"]) / n
            g.score = 100 * (
                weights["response"] * g.response_rate
                + weights["resolution"] * g.resolution_rate
                + weights["satisfaction"] * g.satisfaction_rate
            )
    for r in (
        qs.filter(created_at__gte=start, created_at__lt=end)
        .values(key, name)
        .annotate(n=Count("id"))
    ):
        row(r[key], r[name]).received = r["n"]
    open_qs = qs.exclude(status__in=["closed", "merged"]).filter(created_at__lt=end)
    for r in open_qs.values(key, name).annotate(
        n=Count("id"), late=Count("id", filter=Q(finish_due__lt=min(now, end)))
    ):
        g = row(r[key], r[name])
        g.in_progress = r["n"]
        g.overdue += r["late"]
    returns = CaseEvent.objects.filter(
        action="approve_return", created_at__gte=start, created_at__lt=end, case__kind=KIND
    )
    if base is not None:
        returns = returns.filter(case__in=base)
    if group_by == "unit":
        # the returned order now belongs to another unit (or none), so the unit that returned
        # it may have no row yet: add one rather than drop its 退回 count
        counts = {
            r["data__returned_by"]: r["n"]
            for r in returns.values("data__returned_by").annotate(n=Count("id"))
        }
        names = dict(Unit.objects.filter(pk__in=[g for g in counts if g]).values_list("pk", "name"))
        for gid, n in counts.items():
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


def hotline_trend(months: list[str], *, base: Any = None) -> list[dict[str, Any]]:
    """The city-wide 三率 and counts per month (for the trend chart)."""
    out = []
    for month in months:
        rows = hotline_indicators(month, "unit", base=base)
        valid = sum(r.valid_callbacks for r in rows)

        def wavg(attr: str, rows: list[IndicatorRow] = rows, valid: int = valid) -> float | None:
            if not valid:
                return None
            return sum((getattr(r, attr) or 0) * r.valid_callbacks for r in rows) / valid

        out.append(
            {
                "month": month,
                "received": sum(r.received for r in rows),
                "completed": sum(r.completed for r in rows),
                "valid_callbacks": valid,
                "response_rate": wavg("response_rate"),
                "resolution_rate": wavg("resolution_rate"),
                "satisfaction_rate": wavg("satisfaction_rate"),
                "score": wavg("score"),
            }
        )
    return out


def hotline_breakdown(month: str, *, base: Any = None) -> dict[str, list[dict[str, Any]]]:
    """受理量 by appeal type and by top category for the month."""
    start, end = month_bounds(month)
    qs = (base if base is not None else Case.objects.all()).filter(
        kind=KIND, created_at__gte=start, created_at__lt=end
    )
    by_type = list(qs.values("appeal_type").annotate(n=Count("id")).order_by("-n"))
    by_category = list(qs.values("category__name").annotate(n=Count("id")).order_by("-n")[:15])
    return {"by_type": by_type, "by_category": by_category}

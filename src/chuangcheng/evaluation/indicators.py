"""What leaders read: 得分率 per site type, responsible unit, street and district for a month
(月排比) or a quarter (季测评), the 红黑榜, the rectification figures and the trend.

得分率 = Σ points of passed items ÷ Σ points of the items that applied, over the submitted
测评 visits of the period (自查 counted apart, not here). Everything is aggregated in SQL over
the visits the person may see (evaluation.services.visible_inspections)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from chuangcheng.cases.selectors import cases_visible_to
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.evaluation.models import Inspection
from chuangcheng.evaluation.services import visible_inspections
from chuangcheng.evaluation.workflow import KIND as RECTIFY
from chuangcheng.org.access import Actor

LEVELS = {
    "unit": ("site__unit_id", "site__unit__short_name", "责任单位"),
    "street": ("site__street_id", "site__street__name", "街道"),
    "district": ("site__street__parent_id", "site__street__parent__name", "区"),
    "site_type": ("site__site_type_id", "site__site_type__name", "点位类型"),
}
BOARD_SIZE = 3


def period_bounds(period: str) -> tuple[dt.datetime, dt.datetime, str]:
    """'2026-11' (a month), '2026-Q4' (a quarter) or '2026-W48' (an ISO week, Monday to
    Sunday: the weekly 督查) → [start, end) in local time, and a label."""
    tz = timezone.get_current_timezone()
    try:
        if "-W" in period:
            raw_year, raw_w = period.split("-W")
            monday = dt.date.fromisocalendar(int(raw_year), int(raw_w), 1)
            sunday = monday + dt.timedelta(days=6)
            start = dt.datetime(monday.year, monday.month, monday.day, tzinfo=tz)
            return (
                start,
                start + dt.timedelta(days=7),
                f"{raw_year}年第{int(raw_w)}周（{monday.month}月{monday.day}日—"
                f"{sunday.month}月{sunday.day}日）",
            )
        if "-Q" in period:
            raw_year, raw_q = period.split("-Q")
            year, quarter = int(raw_year), int(raw_q)
            if not 1 <= quarter <= 4:
                raise ValueError
            start = dt.datetime(year, 3 * quarter - 2, 1, tzinfo=tz)
            end_month = 3 * quarter + 1
            end = (
                dt.datetime(year + 1, 1, 1, tzinfo=tz)
                if end_month > 12
                else dt.datetime(year, end_month, 1, tzinfo=tz)
            )
            return start, end, f"{year}年第{quarter}季度"
        year, month = (int(p) for p in period.split("-"))
        start = dt.datetime(year, month, 1, tzinfo=tz)
        end = (
            dt.datetime(year + 1, 1, 1, tzinfo=tz)
            if month == 12
            else dt.datetime(year, month + 1, 1, tzinfo=tz)
        )
        return start, end, f"{year}年{month}月"
    except ValueError:
        raise ValidationFailed(
            "期间应为 2026-11（月）、2026-Q4（季度）或 2026-W48（周）。"
        ) from None


def _rate(passed: Decimal | None, applicable: Decimal | None) -> float | None:
    if not applicable:
        return None
    return float((passed or Decimal(0)) / applicable)


def _visits(actor: Actor, start: dt.datetime, end: dt.datetime) -> QuerySet[Inspection]:
    return visible_inspections(actor).filter(
        kind=Inspection.Kind.INSPECTION,
        status=Inspection.Status.SUBMITTED,
        submitted_at__gte=start,
        submitted_at__lt=end,
    )


def ranking(actor: Actor, period: str, level: str) -> list[dict[str, Any]]:
    if level not in LEVELS:
        raise ValidationFailed("层级只能是责任单位、街道、区或点位类型。")
    start, end, _label = period_bounds(period)
    key, name, _title = LEVELS[level]
    rows = (
        _visits(actor, start, end)
        .values(key, name)
        .annotate(
            visits=Count("pk"),
            passed=Sum("passed_points"),
            applicable=Sum("applicable_points"),
            problems=Sum("problems"),
        )
        .order_by()
    )
    out = [
        {
            "id": r[key],
            "name": r[name] or "—",
            "visits": r["visits"],
            "problems": r["problems"] or 0,
            "rate": _rate(r["passed"], r["applicable"]),
        }
        for r in rows
    ]
    out.sort(key=lambda r: (-(r["rate"] or 0), r["name"]))
    for rank, r in enumerate(out, start=1):
        r["rank"] = rank
    return out


def rectification(actor: Actor, period: str) -> list[dict[str, Any]]:
    """Per responsible unit, the problems found in the period: 问题数, 整改完成率 (销号 of
    交办), 按期整改率 (销号 on time of 销号), 复查通过率 (passed reviews of all reviews), 反弹数."""
    start, end, _label = period_bounds(period)
    closed = Q(status="closed")
    rows = (
        cases_visible_to(actor)
        .filter(kind=RECTIFY, created_at__gte=start, created_at__lt=end, problem__self_check=False)
        .values("lead_unit_id", "lead_unit__short_name", "lead_unit__name")
        .annotate(
            problems=Count("pk"),
            closed=Count("pk", filter=closed),
            on_time=Count("pk", filter=closed & Q(problem__closed_on_time=True)),
            review_fails=Sum("problem__review_fails"),
            rebounds=Count("pk", filter=Q(problem__rebound=True)),
        )
        .order_by()
    )
    out = []
    for r in rows:
        reviews = r["closed"] + (r["review_fails"] or 0)
        out.append(
            {
                "id": r["lead_unit_id"],
                "name": r["lead_unit__short_name"] or r["lead_unit__name"] or "待交办",
                "problems": r["problems"],
                "closed": r["closed"],
                "closed_rate": r["closed"] / r["problems"] if r["problems"] else None,
                "on_time_rate": r["on_time"] / r["closed"] if r["closed"] else None,
                "review_pass_rate": r["closed"] / reviews if reviews else None,
                "rebounds": r["rebounds"],
            }
        )
    out.sort(key=lambda r: (r["id"] is None, -r["problems"]))
    return out


def trend(actor: Actor, months: int = 12, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The city's (the person's region's) 得分率 month by month."""
    today = today or timezone.localdate()
    out = []
    year, month = today.year, today.month
    periods = []
    for _ in range(months):
        periods.append(f"{year}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    for period in reversed(periods):
        start, end, label = period_bounds(period)
        agg = _visits(actor, start, end).aggregate(
            passed=Sum("passed_points"), applicable=Sum("applicable_points"), n=Count("pk")
        )
        out.append(
            {
                "period": period,
                "label": label,
                "visits": agg["n"],
                "rate": _rate(agg["passed"], agg["applicable"]),
            }
        )
    return out


def scores(actor: Actor, period: str, level: str = "unit") -> dict[str, Any]:
    start, end, label = period_bounds(period)
    rows = ranking(actor, period, level)
    rated = [r for r in rows if r["rate"] is not None]
    agg = _visits(actor, start, end).aggregate(
        passed=Sum("passed_points"), applicable=Sum("applicable_points"), n=Count("pk")
    )
    return {
        "period": period,
        "label": label,
        "level": level,
        "level_label": LEVELS[level][2],
        "rows": rows,
        "red": rated[:BOARD_SIZE],
        "black": list(reversed(rated[-BOARD_SIZE:])) if len(rated) > BOARD_SIZE else [],
        "overall": _rate(agg["passed"], agg["applicable"]),
        "visits": agg["n"],
        "rectification": rectification(actor, period),
    }

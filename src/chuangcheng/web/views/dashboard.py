"""领导看板: counts and 三率 per unit or street for a month, ranking, trend and breakdowns."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from chuangcheng.hotline.constants import APPEAL_TYPE_LABELS
from chuangcheng.hotline.indicators import (
    hotline_breakdown,
    hotline_indicators,
    hotline_trend,
    month_add,
    previous_month,
    trend_months,
)
from chuangcheng.hotline.selectors import hotline_cases
from chuangcheng.org.roles import ANALYTICS_ROLES
from chuangcheng.web.access import page
from chuangcheng.web.formatting import cn_month


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


@page(*ANALYTICS_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    current = timezone.localdate()
    this_month = f"{current.year:04d}-{current.month:02d}"
    options = [month_add(this_month, -i) for i in range(0, 25)]
    month = request.GET.get("month", "")
    if month not in options:
        month = previous_month(current)
    group_by = request.GET.get("group_by", "unit")
    if group_by not in ("unit", "street"):
        group_by = "unit"
    base = hotline_cases(actor)
    rows = hotline_indicators(month, group_by, base=base)
    trend = hotline_trend(trend_months(month), base=base)
    breakdown = hotline_breakdown(month, base=base)
    totals = {
        k: sum(getattr(r, k) for r in rows)
        for k in ("received", "returned", "in_progress", "completed", "overdue", "valid_callbacks")
    }
    ranked = [r for r in rows if r.score is not None]
    charts: dict[str, Any] = {
        "ranking": {
            "names": [r.name for r in ranked][::-1],
            "scores": [round(r.score or 0, 2) for r in ranked][::-1],
        },
        "trend": {
            "months": [cn_month(t["month"]) for t in trend],
            "received": [t["received"] for t in trend],
            "completed": [t["completed"] for t in trend],
            "response": [_rate(t["response_rate"]) for t in trend],
            "resolution": [_rate(t["resolution_rate"]) for t in trend],
            "satisfaction": [_rate(t["satisfaction_rate"]) for t in trend],
        },
        "by_type": [
            {
                "name": APPEAL_TYPE_LABELS.get(r["appeal_type"], r["appeal_type"] or "未分类"),
                "value": r["n"],
            }
            for r in breakdown["by_type"]
        ],
        "by_category": [
            {"name": r["category__name"] or "未分类", "value": r["n"]}
            for r in breakdown["by_category"]
        ],
    }
    return render(
        request,
        "web/hotline/dashboard.html",
        {
            "rows": rows,
            "totals": totals,
            "month": month,
            "month_label": cn_month(month),
            "month_options": [(m, cn_month(m)) for m in options],
            "group_by": group_by,
            "charts": charts,
        },
    )

"""领导看板: counts and 三率 per unit or street for a month, ranking, trend and breakdowns."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from chuangcheng.hotline.constants import APPEAL_TYPE_LABELS
from chuangcheng.hotline.indicators import (
    NO_GROUP,
    hotline_breakdown,
    hotline_indicators,
    hotline_trend,
    month_add,
    months_with_orders,
    previous_month,
    trend_months,
)
from chuangcheng.hotline.roles import ANALYTICS_ROLES
from chuangcheng.hotline.selectors import figures_base
from chuangcheng.web.access import page
from chuangcheng.web.formatting import cn_month

TOTALS = ("received", "returned", "in_progress", "completed", "overdue", "valid_callbacks")
# the table's columns and the figure each drills down to (rates: their numerator's orders)
CELL_FIGURES = {
    "received": "received",
    "returned": "returned",
    "in_progress": "in_progress",
    "completed": "completed",
    "overdue": "overdue",
    "valid_callbacks": "valid",
    "response_rate": "responded",
    "resolution_rate": "resolved",
    "satisfaction_rate": "satisfied",
    "score": "valid",
}
BOTTOM = 3  # 末位: the lowest-ranked groups shown at the top of the page


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def figure_url(
    month: str, figure: str, group_by: str, group: int | None = None, **extra: Any
) -> str:
    """The 工单查询 page listing the orders behind one figure (see hotline.indicators)."""
    params: dict[str, Any] = {"month": month, "figure": figure, "group_by": group_by}
    if group is not None:
        params[group_by] = "none" if group == NO_GROUP else group
    params.update(extra)
    return f"{reverse('hotline:case_list')}?{urlencode(params)}"


@page(*ANALYTICS_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    current = timezone.localdate()
    this_month = f"{current.year:04d}-{current.month:02d}"
    base = figures_base(actor)
    # only the months in which this person's jurisdiction has orders
    options = months_with_orders([month_add(this_month, -i) for i in range(0, 25)], base=base)
    default = previous_month(current)
    if default not in options:
        default = options[0] if options else default
    month = request.GET.get("month", "")
    if month not in options:
        month = default
    group_by = request.GET.get("group_by", "unit")
    if group_by not in ("unit", "street"):
        group_by = "unit"
    rows = hotline_indicators(month, group_by, base=base)
    trend = hotline_trend(trend_months(month), base=base)
    breakdown = hotline_breakdown(month, base=base)
    totals = {k: sum(getattr(r, k) for r in rows) for k in TOTALS}

    def link(figure: str, group: int | None = None, **extra: Any) -> str:
        return figure_url(month, figure, group_by, group, **extra)

    table: list[dict[str, Any]] = [
        {
            "row": r,
            "links": {
                col: link(fig, NO_GROUP if r.group_id is None else r.group_id)
                for col, fig in CELL_FIGURES.items()
            },
        }
        for r in rows
    ]
    ranked = [t for t in table if t["row"].score is not None]
    # the lowest-ranked (never the whole ranking: with two groups, the second)
    bottom = ranked[-min(BOTTOM, len(ranked) - 1) :][::-1] if len(ranked) > 1 else []
    charts: dict[str, Any] = {
        "ranking": {
            "names": [t["row"].name for t in ranked][::-1],
            "scores": [round(t["row"].score or 0, 2) for t in ranked][::-1],
            "links": [t["links"]["score"] for t in ranked][::-1],
        },
        "trend": {
            "months": [cn_month(t["month"]) for t in trend],
            "received": [t["received"] for t in trend],
            "completed": [t["completed"] for t in trend],
            "response": [_rate(t["response_rate"]) for t in trend],
            "resolution": [_rate(t["resolution_rate"]) for t in trend],
            "satisfaction": [_rate(t["satisfaction_rate"]) for t in trend],
            "links": {
                name: [figure_url(t["month"], fig, group_by) for t in trend]
                for name, fig in (
                    ("受理量", "received"),
                    ("办结量", "completed"),
                    ("响应率", "responded"),
                    ("解决率", "resolved"),
                    ("满意率", "satisfied"),
                )
            },
        },
        "by_type": [
            {
                "name": APPEAL_TYPE_LABELS.get(r["appeal_type"], r["appeal_type"] or "未分类"),
                "value": r["n"],
                "link": link("received", appeal_type=r["appeal_type"])
                if r["appeal_type"] in APPEAL_TYPE_LABELS
                else "",
            }
            for r in breakdown["by_type"]
        ],
        "by_category": [
            {
                "name": r["category__name"] or "未分类",
                "value": r["n"],
                "link": link("received", category=r["category_id"]) if r["category_id"] else "",
            }
            for r in breakdown["by_category"]
        ],
    }
    return render(
        request,
        "hotline/dashboard.html",
        {
            "rows": rows,
            "table": table,
            "bottom": bottom,
            "totals": totals,
            "total_links": {col: link(CELL_FIGURES[col]) for col in TOTALS},
            "month": month,
            "month_label": cn_month(month),
            "month_options": [(m, cn_month(m)) for m in options] or [(month, cn_month(month))],
            "group_by": group_by,
            "charts": charts,
        },
    )

"""测评得分: 得分率 rankings (月排比, 季测评), 红黑榜, rectification figures and the trend."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from chuangcheng.evaluation import indicators
from chuangcheng.evaluation.roles import LEADER, OFFICE
from chuangcheng.web.access import page

LEVEL_LABELS = {k: v[2] for k, v in indicators.LEVELS.items()}
# the problems page's filter for a ranking row of each level (evaluation.views.inspect)
DRILL_PARAM = {
    "unit": "site_unit",
    "street": "street",
    "district": "district",
    "site_type": "site_type",
}


@page(OFFICE, LEADER)
def scores_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    actor = request.actor  # type: ignore[attr-defined]
    trend = indicators.trend(actor, today=today)
    months = [t["period"] for t in reversed(trend) if t["visits"]]  # newest first, with data
    default = months[0] if months else f"{today:%Y-%m}"
    period = request.GET.get("quarter") or request.GET.get("month") or default
    level = request.GET.get("level") or "unit"
    data = indicators.scores(actor, period, level)
    for r in data["rectification"]:
        r["id_text"] = str(r["id"] or "")
    quarters = [
        f"{y}-Q{q}"
        for y in (today.year, today.year - 1)
        for q in (4, 3, 2, 1)
        if (y, q) <= (today.year, (today.month + 2) // 3)
    ]
    return render(
        request,
        "evaluation/scores.html",
        {
            **data,
            "levels": LEVEL_LABELS,
            "drill_param": DRILL_PARAM[data["level"]],
            "problems_url": reverse("evaluation:problems"),
            "quarters": quarters,
            "months": months,
            "chart": {
                "labels": [t["label"] for t in trend],
                "rates": [None if t["rate"] is None else round(100 * t["rate"], 1) for t in trend],
            },
        },
    )

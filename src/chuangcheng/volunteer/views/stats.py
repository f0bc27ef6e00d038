"""统计分析: the month's figures of the 新时代文明实践 loop for its staff (站/所/中心) and the
city's leaders, each within their own units; the same figures as an Excel workbook."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from chuangcheng.core.sheets import workbook_bytes
from chuangcheng.org.access import Actor
from chuangcheng.volunteer import stats
from chuangcheng.web.access import page

ROLES = tuple(sorted(stats.STATS_ROLES))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@page(*ROLES)
def stats_page(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    month = stats.parse_month(request.GET.get("month"))
    sections = stats.build(actor, month)
    return render(
        request,
        "volunteer/stats.html",
        {
            "month": month,
            "sections": sections,
            "max_month": f"{timezone.localdate():%Y-%m}",
        },
    )


@page(*ROLES)
def stats_xlsx(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    month = stats.parse_month(request.GET.get("month"))
    body = workbook_bytes(stats.workbook(stats.build(actor, month), month))
    response = HttpResponse(body, content_type=XLSX)
    name = f"volunteer-stats-{month.label}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

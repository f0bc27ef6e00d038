"""The 数字城管 pages: the inspector's phone page (report + his 核实/核查 tasks), the shift
leader's 立案/结案 board, the dispatcher's 派遣 board with the 权责清单's suggestion, and the
department's queue by nearest deadline with lights. Each case opens on the shared case page
(web:case_detail) with this loop's panel (citymgmt/case_detail.html)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from chuangcheng.cases.models import Case
from chuangcheng.citymgmt import selectors
from chuangcheng.citymgmt.models import CityCase, PhotoType
from chuangcheng.citymgmt.services import citymgmt_report, suggest_department
from chuangcheng.citymgmt.workflow import DISPATCHER, HANDLER, INSPECTOR, SHIFT
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.core.settings_store import get_setting
from chuangcheng.web.access import page
from chuangcheng.web.views.common import paginate, query_without_page


def _rows(request: HttpRequest, qs: Any) -> dict[str, Any]:
    page_obj = paginate(request, qs)
    warn = float(get_setting("cases.warn_fraction"))
    rows = selectors.with_lights(list(page_obj.object_list), timezone.now(), warn)
    return {
        "page": page_obj,
        "rows": rows,
        "warn_pct": round(100 * warn),
        "query": query_without_page(request),
    }


@page(INSPECTOR)
def inspector(request: HttpRequest) -> HttpResponse:
    """监督员 on the phone: report (searchable subclass list, his recent ones, typed photos,
    location from the phone) and his 核实/核查 tasks."""
    actor = request.actor  # type: ignore[attr-defined]
    error: ValidationFailed | None = None
    if request.method == "POST":
        photos = [(f, kind) for kind in PhotoType.values for f in request.FILES.getlist(kind)]
        data = {k: request.POST.get(k, "") for k in request.POST}
        try:
            case, created = citymgmt_report(actor=actor, data=data, files=photos)
        except ValidationFailed as exc:
            error = exc
        else:
            text = "已上报" if created else "此前已上报（重复提交未新建案卷）"
            messages.success(request, f"{text}：案卷 {case.number}。")
            return redirect(reverse("citymgmt:inspector"))
    ctx = {
        "recent_subclasses": selectors.recent_subclasses(actor),
        "subclasses": selectors.report_subclasses(),
        "photo_types": PhotoType.choices,
        "tasks": selectors.inspector_tasks(actor)[:30],
        "recent": selectors.inspector_recent(actor),
        "error": error,
        "posted": request.POST if error else {},
    }
    return render(request, "citymgmt/inspector.html", ctx, status=400 if error else 200)


@page(SHIFT)
def shift_board(request: HttpRequest) -> HttpResponse:
    """值班长: 立案, 结案, 自处理审核 and 作废审批."""
    actor = request.actor  # type: ignore[attr-defined]
    return render(request, "citymgmt/shift.html", _rows(request, selectors.shift_board(actor)))


@page(DISPATCHER)
def dispatch_board(request: HttpRequest) -> HttpResponse:
    """派遣员: cases to 派遣 with the suggested department; 回退/延期/缓办 requests."""
    actor = request.actor  # type: ignore[attr-defined]
    ctx = _rows(request, selectors.dispatch_board(actor))
    for row in ctx["rows"]:
        case: Case = row["case"]
        own: CityCase | None = getattr(case, "citycase", None)
        row["suggested"] = (
            suggest_department(own.subclass, own.component, case.region)
            if own is not None and case.status == "dispatching"
            else None
        )
    return render(request, "citymgmt/dispatch.html", ctx)


@page(HANDLER)
def department_queue(request: HttpRequest) -> HttpResponse:
    """专业部门: the cases the unit is handling, the nearest deadline first, with lights."""
    actor = request.actor  # type: ignore[attr-defined]
    return render(request, "citymgmt/queue.html", _rows(request, selectors.department_queue(actor)))

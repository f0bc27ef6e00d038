"""报表: the documents a person may ask for (each loop declares its kinds), the archive of those
built for their scope, a build's progress, and the download (core/reports.py)."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from chuangcheng.core import reports
from chuangcheng.core.errors import NotFound, PermissionDenied
from chuangcheng.core.models import ReportFile
from chuangcheng.org.access import Actor
from chuangcheng.web.access import page
from chuangcheng.web.views.common import paginate


def _kinds(actor: Actor) -> list[reports.ReportKind]:
    offered = reports.kinds_for(actor)
    if not offered:
        raise PermissionDenied("您的角色没有可生成的报表。")
    return offered


@page(staff=True)
def report_list(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    offered = _kinds(actor)
    qs = reports.reports_visible_to(actor).select_related("requested_by")
    kind = request.GET.get("kind", "")
    if kind:
        qs = qs.filter(kind=kind)
    page_obj = paginate(request, qs, 20)
    for doc in page_obj.object_list:
        reports.refresh(doc)
    labels = {k.key: k.label for k in offered}
    forms = [
        {
            "kind": k,
            "inputs": [
                {"input": i, "value": request.GET.get(i.name) or i.default()} for i in k.inputs
            ],
        }
        for k in offered
    ]
    return render(
        request,
        "web/reports.html",
        {
            "forms": forms,
            "page": page_obj,
            "labels": labels,
            "kind": kind,
            "query": f"kind={kind}" if kind else "",
        },
    )


@require_POST
@page(staff=True)
def report_new(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    _kinds(actor)
    doc, _queued = reports.report_request(actor, request.POST.get("kind", ""), request.POST)
    return redirect(f"{reverse('web:reports')}#doc-{doc.pk}")


@page(staff=True)
def report_status(request: HttpRequest, report_id: int) -> HttpResponse:
    """What the progress bar polls."""
    doc = reports.report_for(request.actor, report_id)  # type: ignore[attr-defined]
    return JsonResponse(
        {
            "status": doc.status,
            "status_label": doc.get_status_display(),
            "progress": doc.progress,
            "stage": doc.stage,
            "error": doc.error,
            "download": reverse("web:report_download", args=[doc.pk])
            if doc.status == ReportFile.Status.DONE
            else "",
        }
    )


@page(staff=True)
def report_download(request: HttpRequest, report_id: int) -> HttpResponseBase:
    doc = reports.report_for(request.actor, report_id)  # type: ignore[attr-defined]
    if doc.status != ReportFile.Status.DONE or not doc.file:
        raise NotFound("报表尚未生成完成。")
    return FileResponse(
        doc.file.open("rb"),
        as_attachment=True,
        filename=doc.filename,
        content_type=doc.content_type,
    )

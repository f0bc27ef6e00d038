"""测评标准 and 测评点位 pages: the standard's editions and their tree, the site registry, and
their Excel import and export (创城办 changes them; the loop's other people read them, a
responsible unit only its own sites)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.timezone import localtime
from django.views.decorators.http import require_POST

from chuangcheng.core.errors import NotFound, ValidationFailed
from chuangcheng.evaluation import services, standard
from chuangcheng.evaluation import sites as site_registry
from chuangcheng.evaluation.models import CheckItem, Content, Edition, Inspection, SiteType
from chuangcheng.evaluation.roles import (
    SITE_EDIT_ROLES,
    SITE_READ_ROLES,
    STANDARD_EDIT_ROLES,
    STANDARD_READ_ROLES,
)
from chuangcheng.org.models import Region, Unit
from chuangcheng.web.access import may, page

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 10 * 1024 * 1024


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        raise ValidationFailed("参数应为数字。") from None


def _edition(pk: int | None) -> Edition | None:
    if pk is None:
        return standard.current_edition() or Edition.objects.order_by("-pk").first()
    edition = Edition.objects.filter(pk=pk).first()
    if edition is None:
        raise NotFound("没有这个测评标准版本。")
    return edition


def _upload(request: HttpRequest) -> Any:
    file = request.FILES.get("file")
    if file is None:
        raise ValidationFailed("请选择要导入的 Excel 文件（.xlsx）。")
    if file.size and file.size > MAX_UPLOAD:
        raise ValidationFailed("文件超过 10 MB。")
    return file


def _to_edition(edition: Edition) -> HttpResponse:
    return redirect(f"{reverse('evaluation:standard')}?edition={edition.pk}")


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@page(*STANDARD_READ_ROLES)
def standard_page(request: HttpRequest) -> HttpResponse:
    edition = _edition(_int(request.GET.get("edition")))
    type_id = _int(request.GET.get("type"))
    items = CheckItem.objects.prefetch_related("site_types").order_by("order", "pk")
    if type_id is not None:
        items = items.filter(site_types=type_id)
    projects: list[Any] = []
    if edition is not None:
        contents = Content.objects.order_by("order", "pk").prefetch_related(
            Prefetch("items", queryset=items, to_attr="shown_items")
        )
        projects = list(
            edition.projects.order_by("order", "pk").prefetch_related(
                Prefetch("contents", queryset=contents, to_attr="shown_contents")
            )
        )
    shown = [i for p in projects for c in p.shown_contents for i in c.shown_items]
    totals = {
        "projects": len(projects),
        "items": len(shown),
        "points": sum((i.points for i in shown), Decimal("0")),
    }
    return render(
        request,
        "evaluation/standard.html",
        {
            "edition": edition,
            "editions": Edition.objects.all(),
            "projects": projects,
            "site_types": SiteType.objects.all(),
            "type_id": type_id,
            "totals": totals,
            "can_edit": may(request.actor, STANDARD_EDIT_ROLES),  # type: ignore[attr-defined]
        },
    )


@page(*STANDARD_READ_ROLES)
def standard_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    edition = _edition(pk)
    assert edition is not None
    return _xlsx(standard.standard_export(edition), f"测评标准-{edition.code}.xlsx")


@require_POST
@page(*STANDARD_EDIT_ROLES)
def standard_import_view(request: HttpRequest, pk: int) -> HttpResponse:
    edition = _edition(pk)
    assert edition is not None
    counts = standard.standard_import(
        actor=request.actor,  # type: ignore[attr-defined]
        edition=edition,
        file=_upload(request),
    )
    messages.success(
        request,
        f"已导入“{edition.name}”：测评项目 {counts['projects']} 个、测评内容 "
        f"{counts['contents']} 项、测评条目 {counts['items']} 条。",
    )
    return _to_edition(edition)


@require_POST
@page(*STANDARD_EDIT_ROLES)
def edition_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    edition = _edition(pk)
    assert edition is not None
    standard.edition_publish(actor=request.actor, edition=edition)  # type: ignore[attr-defined]
    messages.success(request, f"“{edition.name}”已发布，此后的测评使用此版本。")
    return _to_edition(edition)


@require_POST
@page(*STANDARD_EDIT_ROLES)
def edition_copy_view(request: HttpRequest, pk: int) -> HttpResponse:
    edition = _edition(pk)
    assert edition is not None
    copy = standard.edition_copy(
        actor=request.actor,  # type: ignore[attr-defined]
        edition=edition,
        code=request.POST.get("code", ""),
        name=request.POST.get("name", ""),
    )
    messages.success(request, f"已复制为草稿“{copy.name}”，可修改后发布。")
    return _to_edition(copy)


def _filtered_sites(request: HttpRequest) -> tuple[Any, dict[str, Any]]:
    type_id = _int(request.GET.get("type"))
    street_id = _int(request.GET.get("street"))
    unit_id = _int(request.GET.get("unit"))
    q = request.GET.get("q", "").strip()[:50]
    qs = site_registry.visible_sites(request.actor)  # type: ignore[attr-defined]
    if type_id is not None:
        qs = qs.filter(site_type_id=type_id)
    if street_id is not None:
        qs = qs.filter(street_id=street_id)
    if unit_id is not None:
        qs = qs.filter(Q(unit_id=unit_id) | Q(paired_units=unit_id)).distinct()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    return qs, {"type": type_id, "street": street_id, "unit": unit_id, "q": q}


def _without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@page(*SITE_READ_ROLES)
def sites_page(request: HttpRequest) -> HttpResponse:
    qs, f = _filtered_sites(request)
    visible = site_registry.visible_sites(request.actor)  # type: ignore[attr-defined]
    by_type = (
        visible.values("site_type__name").annotate(n=Count("pk", distinct=True)).order_by("-n")
    )
    paged = Paginator(
        qs.select_related("site_type", "street", "community", "unit")
        .prefetch_related("paired_units")
        .order_by("code"),
        50,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluation/sites.html",
        {
            "page": paged,
            "filters": f,
            "by_type": by_type,
            "site_types": SiteType.objects.all(),
            "streets": Region.objects.filter(level=Region.Level.STREET).order_by("code"),
            "units": Unit.objects.filter(
                Q(evaluation_sites__in=visible) | Q(paired_evaluation_sites__in=visible)
            )
            .distinct()
            .order_by("code"),
            "can_edit": may(request.actor, SITE_EDIT_ROLES),  # type: ignore[attr-defined]
            "query": request.GET.urlencode(),
            "map_query": _without_page(request),
        },
    )


MAP_LIMIT = 5000


def site_markers(actor: Any, qs: Any) -> list[dict[str, Any]]:
    """One marker per site of the list: where, what, and the 得分率 of its latest submitted
    inspection among those the person may see (a unit never learns a 暗访's score; 自查 left
    out, as in the rankings); None: never inspected."""
    latest = (
        services.visible_inspections(actor)
        .filter(
            site=OuterRef("pk"),
            kind=Inspection.Kind.INSPECTION,
            status=Inspection.Status.SUBMITTED,
        )
        .order_by("-submitted_at", "-pk")
    )
    rows = list(
        qs.annotate(latest=Subquery(latest.values("pk")[:1]))
        .order_by("code")
        .values("pk", "code", "name", "lat", "lng", "site_type__name", "latest")[:MAP_LIMIT]
    )
    scores = {
        v["pk"]: v
        for v in Inspection.objects.filter(
            pk__in=[r["latest"] for r in rows if r["latest"]]
        ).values("pk", "applicable_points", "passed_points", "submitted_at")
    }
    out = []
    for r in rows:
        rate = inspected = None
        visit = scores.get(r["latest"])
        if visit is not None:
            inspected = localtime(visit["submitted_at"]).strftime("%Y-%m-%d")
            if visit["applicable_points"]:
                rate = round(float((visit["passed_points"] or 0) / visit["applicable_points"]), 4)
        out.append(
            {
                "id": r["pk"],
                "code": r["code"],
                "name": r["name"],
                "type": r["site_type__name"],
                "lat": r["lat"],
                "lng": r["lng"],
                "rate": rate,
                "inspected": inspected,
            }
        )
    return out


@page(*SITE_READ_ROLES)
def sites_map(request: HttpRequest) -> HttpResponse:
    """The sites of the list (same filters, same scope) as map markers (JSON)."""
    qs, _f = _filtered_sites(request)
    markers = site_markers(request.actor, qs)  # type: ignore[attr-defined]
    return JsonResponse({"sites": markers, "truncated": len(markers) >= MAP_LIMIT})


@page(*SITE_READ_ROLES)
def sites_xlsx(request: HttpRequest) -> HttpResponse:
    qs, _f = _filtered_sites(request)
    return _xlsx(site_registry.sites_export(qs.order_by("code")), "测评点位.xlsx")


@require_POST
@page(*SITE_EDIT_ROLES)
def sites_import_view(request: HttpRequest) -> HttpResponse:
    counts = site_registry.sites_import(
        actor=request.actor,  # type: ignore[attr-defined]
        file=_upload(request),
    )
    messages.success(
        request, f"已导入测评点位：新增 {counts['created']} 个，更新 {counts['updated']} 个。"
    )
    return redirect("evaluation:sites")

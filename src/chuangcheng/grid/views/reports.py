"""必报事项 and 季度更新 pages, phone-sized: a form per kind (kept on the phone and sent when it can;
a resend never doubles), a quick note (知悉) that starts the clock, the scoped list (late ones
marked 逾期上报) and a detail; the quarter's refresh checklist (worker: homes still to confirm;
community and street: each grid's progress)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from chuangcheng.core.errors import ValidationFailed
from chuangcheng.grid import mustreport, refresh
from chuangcheng.grid.ledgers import visible_grids
from chuangcheng.grid.models import (
    Home,
    IssueEntry,
    MustReport,
    Person,
    PersonRead,
    Pregnancy,
    Residence,
)
from chuangcheng.grid.roles import LEDGER_READ_ROLES, WORKER
from chuangcheng.org.access import Actor
from chuangcheng.web.access import page


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _answer(request: HttpRequest, item: MustReport, created: bool) -> HttpResponse:
    url = reverse("grid:report", args=[item.pk])
    if _wants_json(request):
        return JsonResponse(
            {"id": item.pk, "url": url, "status": item.status, "created": created},
            status=201 if created else 200,
        )
    return redirect(url)


@page(*LEDGER_READ_ROLES, mobile=True)
def report_list(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    qs = mustreport.reports_visible_to(actor)
    kind = request.GET.get("kind", "")
    if kind:
        qs = qs.filter(kind=mustreport.parse_kind(kind))
    grids = list(visible_grids(actor).order_by("code"))
    grid = request.GET.get("grid", "")
    if grid:
        if not grid.isdigit() or int(grid) not in {g.pk for g in grids}:
            raise ValidationFailed("网格参数不对，或不是您能查看的网格。")
        qs = qs.filter(grid_id=int(grid))
    month = request.GET.get("month", "")
    if month:
        qs = mustreport.learned_in_month(qs, month)
    rows = list(qs.order_by("-learned_at")[:300])
    return render(
        request,
        "grid/reports.html",
        {
            "rows": rows,
            "kinds": MustReport.Kind.choices,
            "grids": grids,
            "kind": kind,
            "grid": grid,
            "month": month,
            "may_report": mustreport.report_grids(actor).exists(),
            "now": timezone.now(),
        },
    )


def _form_context(actor: Actor, kind: str, draft: MustReport | None) -> dict[str, Any]:
    grids = list(mustreport.report_grids(actor))
    homes = (
        Home.objects.filter(building__grid__in=grids)
        .select_related("building")
        .order_by("building__number", "unit_no", "floor", "door")
    )
    return {
        "kind": kind,
        "kind_label": MustReport.Kind(kind).label,
        "kinds": MustReport.Kind.choices,
        "grids": grids,
        "homes": [(h.pk, h.building.grid_id, str(h)) for h in homes],
        "hazard_types": [(t.value, t.label) for t in mustreport.HAZARD_TYPES],
        "residence_kinds": Residence.Kind.choices,
        "inflows": [c for c in Person.Inflow.choices if c[0]],
        "filed_choices": Pregnancy.Filed.choices,
        "limit": mustreport.limit_hours(kind),
        "draft": draft,
        "new_key": uuid.uuid4().hex,
        "today": timezone.localdate().isoformat(),
        "facility": IssueEntry.Type.FACILITY,
    }


@page(WORKER, mobile=True)
def report_new(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if request.method == "POST":
        data = {k: v for k, v in request.POST.items()}
        kind = data.get("kind", "")
        needs = "needs_action" in request.POST if kind in ("hazard", "facility") else None
        item, created = mustreport.report_file(
            actor=actor, data=data, draft_id=data.get("draft") or None, needs_action=needs
        )
        return _answer(request, item, created)
    if not mustreport.report_grids(actor).exists():
        return render(request, "grid/report_new.html", {"kind": "", "kinds": []})
    draft = None
    raw_draft = request.GET.get("draft", "")
    if raw_draft:
        draft = (
            MustReport.objects.filter(
                pk=int(raw_draft) if raw_draft.isdigit() else 0,
                reported_by_id=actor.user_id,
                status=MustReport.Status.DRAFT,
            )
            .select_related("grid")
            .first()
        )
        if draft is None:
            raise ValidationFailed("待上报的事项不存在或已上报。")
    kind = draft.kind if draft else request.GET.get("kind", "")
    if not kind:
        return render(
            request, "grid/report_new.html", {"kind": "", "kinds": MustReport.Kind.choices}
        )
    kind = mustreport.parse_kind(kind)
    return render(request, "grid/report_new.html", _form_context(actor, kind, draft))


@require_POST
@page(WORKER, mobile=True)
def report_note(request: HttpRequest) -> HttpResponse:
    item, created = mustreport.report_note(
        actor=request.actor,  # type: ignore[attr-defined]
        kind=request.POST.get("kind"),
        grid_id=request.POST.get("grid"),
        summary=request.POST.get("summary"),
        learned_at=request.POST.get("learned_at") or None,
        client_key=request.POST.get("client_key"),
    )
    if _wants_json(request):
        return _answer(request, item, created)
    return redirect(reverse("grid:today"))


@page(*LEDGER_READ_ROLES, mobile=True)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    item = mustreport.report_for(actor, pk)
    if item.person_id is not None and actor.user_id is not None:  # a look at a person: logged
        PersonRead.objects.create(
            person_id=item.person_id, user_id=actor.user_id, at=timezone.now(), what="必报事项"
        )
    related = MustReport.objects.select_related(
        "home__building", "person", "rental", "pregnancy", "issue", "case", "residence"
    ).get(pk=item.pk)
    return render(request, "grid/report.html", {"item": related, "now": timezone.now()})


@page(*LEDGER_READ_ROLES, mobile=True)
def refresh_page(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    today = timezone.localdate()
    mine = mustreport.report_grids(actor)
    quarter = refresh.quarter_of(today)
    return render(
        request,
        "grid/refresh.html",
        {
            "quarter": refresh.quarter_label(quarter),
            "since": refresh.quarter_start(today),
            "stale": list(refresh.stale_homes(mine, today)[:500]) if mine.exists() else None,
            "progress": refresh.progress(visible_grids(actor), today),
        },
    )


@require_POST
@page(WORKER, mobile=True)
def refresh_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    check, created = refresh.home_confirm(actor=request.actor, home_id=pk)  # type: ignore[attr-defined]
    if _wants_json(request):
        return JsonResponse(
            {"home": pk, "quarter": check.quarter, "created": created},
            status=201 if created else 200,
        )
    return redirect(reverse("grid:refresh"))


def today_context(actor: Actor, now: dt.datetime) -> dict[str, Any]:
    """What 今日工作 adds: the person's must-report drafts (time left, red when overdue) and the
    quarter's homes still to confirm per grid."""
    today = timezone.localdate(now)
    grids = mustreport.report_grids(actor)
    return {
        "pending_reports": mustreport.pending_of(actor, now),
        "refresh_open": [p for p in refresh.progress(grids, today) if p.open],
        "report_kinds": MustReport.Kind.choices,
        "report_grids": list(grids),
        "note_key": uuid.uuid4().hex,
    }

"""探访 and the registers: the visit plan of one's grids (overdue first, by grid and worker), a
visit recorded from the phone (a resend never doubles), the control register (管控) for the
few who may see it."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from chuangcheng.core.errors import NotFound
from chuangcheng.grid import ledgers, registers
from chuangcheng.grid.events import visible_event_number
from chuangcheng.grid.models import VisitMethod
from chuangcheng.grid.roles import LEDGER_READ_ROLES, VISIT_ROLES
from chuangcheng.org.access import Actor
from chuangcheng.web.access import page


@page(*LEDGER_READ_ROLES, mobile=True)
def visits_page(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    grids = list(ledgers.visible_grids(actor).order_by("code"))
    raw = request.GET.get("grid", "")
    grid = next((g for g in grids if g.code == raw), None) if raw else None
    if raw and grid is None:
        raise NotFound("网格不存在，或不是您负责的网格。")
    now = timezone.now()
    plan = registers.visit_plan(actor, grid=grid)
    overdue_only = request.GET.get("overdue") == "1"
    rows = [{"due": d, "light": d.light(now)} for d in plan if not overdue_only or d.due <= now]
    counts = registers.overdue_counts(plan, now)
    workers = registers.workers_by_grid({g.pk for g in grids})
    return render(
        request,
        "grid/visits.html",
        {
            "rows": rows,
            "grids": grids,
            "grid": grid,
            "overdue_only": overdue_only,
            "by_grid": [
                {"grid": g, "worker": workers.get(g.pk, "—"), "overdue": counts.get(g.pk, 0)}
                for g in grids
            ],
            "overdue_total": sum(counts.values()),
            "methods": VisitMethod.choices,
            "may_visit": bool(actor.roles & VISIT_ROLES),
            "new_key": uuid.uuid4().hex,
        },
    )


@require_POST
@page(*VISIT_ROLES, mobile=True)
def visit_new(request: HttpRequest, pk: int) -> HttpResponse:
    visit, created = registers.visit_record(
        actor=request.actor,  # type: ignore[attr-defined]
        person_id=pk,
        method=request.POST.get("method", ""),
        found=request.POST.get("found", ""),
        needs=request.POST.get("needs", ""),
        need_to=request.POST.get("need_to", ""),
        need_class=request.POST.get("need_class", ""),
        need_item=request.POST.get("need_item", ""),
        at=request.POST.get("at") or None,
        client_key=request.POST.get("client_key", ""),
    )
    order = registers.visit_order_of(visit)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(
            {
                "id": visit.pk,
                "created": created,
                "event": None if order else _need_event_number(request, visit),
                "order": order,
            },
            status=201 if created else 200,
        )
    done = "探访已登记。" if created else "这次探访已登记过，未重复记录。"
    if order is not None:
        done += f"需求已转文明实践站：订单 {order['number']}（{order['state']}）。"
    elif visit.need_case_id is not None:
        done += f"需求已登记为网格事件 {_need_event_number(request, visit)}。"
    messages.success(request, done)
    return redirect("grid:person", pk=pk)


def _need_event_number(request: HttpRequest, visit: Any) -> str | None:
    return visible_event_number(request.actor, visit.need_case_id)  # type: ignore[attr-defined]


@page(*LEDGER_READ_ROLES, mobile=True, on_refused=ledgers.refusal_logger("管控台账"))
def control_page(request: HttpRequest) -> HttpResponse:
    rows = registers.control_register(request.actor)  # type: ignore[attr-defined]
    return render(request, "grid/control.html", {"rows": rows})

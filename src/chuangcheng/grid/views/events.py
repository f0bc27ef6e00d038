"""网格事件 pages: a grid worker records an event on the phone (class, scale, photos, the
phone's position); everyone of the loop lists the events they may see, with lights. Each event
opens on the generic case page, where its actions (现场处置, 协商议事, 上报…) are offered."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from chuangcheng.core.errors import ValidationFailed
from chuangcheng.grid import events
from chuangcheng.grid.models import EventClass, GridEvent
from chuangcheng.grid.patrols import open_patrol, patrol_grids
from chuangcheng.grid.roles import COMMUNITY, DEPARTMENT, HELPER, STREET, WORKER, ZONGZHI
from chuangcheng.grid.workflow import GRID_EVENT, OPEN
from chuangcheng.org.access import Actor
from chuangcheng.web.access import page
from chuangcheng.web.views.common import uploaded

EVENT_ROLES = (WORKER, HELPER, COMMUNITY, ZONGZHI, STREET, DEPARTMENT)
# what the phone may keep of events waiting for the network (their photos, scaled to ≤ 1600 px)
QUEUE_MAX_BYTES = 50 * 1024 * 1024


@page(*EVENT_ROLES, mobile=True)
def event_list(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    qs = events.events_visible_to(actor)
    raw_patrol = request.GET.get("patrol", "")
    if raw_patrol:  # the events found on one patrol (from the patrol list), whatever their state
        if not raw_patrol.isdigit() or len(raw_patrol) > 12:
            raise ValidationFailed("巡查编号不对。")
        qs = qs.filter(gridevent__patrol_id=int(raw_patrol))
    status = request.GET.get("status", "all" if raw_patrol else "open")
    if status == "open":
        qs = qs.filter(status__in=OPEN)
    elif status in GRID_EVENT.states:
        qs = qs.filter(status=status)
    elif status != "all":
        raise ValidationFailed("状态参数不对。")
    rows = events.event_rows(qs.order_by("next_due", "-created_at")[:300], timezone.now())
    return render(
        request,
        "grid/events.html",
        {
            "rows": rows,
            "status": status,
            "states": GRID_EVENT.states,
            "may_report": patrol_grids(actor).exists(),
        },
    )


@page(WORKER, HELPER, mobile=True)
def event_new(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    grids = list(patrol_grids(actor))
    if request.method == "POST":
        case, created = events.event_report(
            actor=actor,
            grid_id=request.POST.get("grid"),
            category=request.POST.get("category", ""),
            scale=request.POST.get("scale", GridEvent.Scale.PERSON),
            title=request.POST.get("title", ""),
            content=request.POST.get("content", ""),
            lat=request.POST.get("lat"),
            lng=request.POST.get("lng"),
            address=request.POST.get("address", ""),
            client_key=request.POST.get("client_key", ""),
            files=uploaded(request),
        )
        url = reverse("web:case_detail", args=[case.pk])
        if "application/json" in request.headers.get("Accept", ""):  # the phone's queue (queue.js)
            return JsonResponse(
                {"id": case.pk, "number": case.number, "url": url, "created": created},
                status=201 if created else 200,
            )
        return redirect(url)
    return render(
        request,
        "grid/event_new.html",
        {
            "grids": grids,
            "classes": EventClass.choices,
            "scales": GridEvent.Scale.choices,
            "new_key": uuid.uuid4().hex,
            "walking": open_patrol(actor),
            "queue_max_bytes": QUEUE_MAX_BYTES,
        },
    )

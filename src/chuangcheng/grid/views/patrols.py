"""巡查 on the phone (今日工作: start and end a patrol, the route sent as it goes, today's visits
due) and the community's list of patrols (who patrolled which grid when, flagged ones)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from chuangcheng.core.errors import ValidationFailed
from chuangcheng.grid import events, patrols, registers
from chuangcheng.grid.models import Patrol
from chuangcheng.grid.roles import LEDGER_READ_ROLES, POSTED_ROLES
from chuangcheng.grid.views.reports import today_context
from chuangcheng.org.access import Actor
from chuangcheng.web.access import page


def _json(patrol: Patrol, status: int = 200) -> JsonResponse:
    return JsonResponse(
        {
            "id": patrol.pk,
            "started_at": patrol.started_at.isoformat(),
            "ended_at": patrol.ended_at.isoformat() if patrol.ended_at else None,
            "points": patrol.points,
            "outside": patrol.outside,
            "flagged": patrol.flagged,
            "points_url": reverse("grid:patrol_points", args=[patrol.pk]),
            "end_url": reverse("grid:patrol_end", args=[patrol.pk]),
        },
        status=status,
    )


@page(*POSTED_ROLES, mobile=True)
def today_page(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    now = timezone.now()
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    mine = Patrol.objects.filter(user_id=patrols.user_of(actor), started_at__gte=start_of_day)
    end_of_day = start_of_day + dt.timedelta(days=1)
    due = [d for d in registers.visit_plan(actor) if d.due < end_of_day]
    return render(
        request,
        "grid/today.html",
        {
            "grids": list(patrols.patrol_grids(actor)),
            "open": patrols.open_patrol(actor),
            "today": list(mine.order_by("started_at")),
            "due": [{"due": d, "light": d.light(now)} for d in due],
            "waiting": events.event_rows(
                events.waiting_for(actor).order_by("next_due", "-created_at")[:30], now
            ),
            "new_key": uuid.uuid4().hex,
            **today_context(actor, now),  # 必报事项 drafts, 季度更新 (grid/views/reports.py)
        },
    )


@require_POST
@page(*POSTED_ROLES, mobile=True)
def patrol_start(request: HttpRequest) -> HttpResponse:
    patrol, created = patrols.patrol_start(
        actor=request.actor,  # type: ignore[attr-defined]
        grid_id=request.POST.get("grid"),
        lat=request.POST.get("lat"),
        lng=request.POST.get("lng"),
        at=request.POST.get("at") or None,
        client_key=request.POST.get("client_key", ""),
    )
    return _json(patrol, 201 if created else 200)


@require_POST
@page(*POSTED_ROLES, mobile=True)
def patrol_points(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("轨迹点格式不对（需要 JSON）。") from None
    points = body.get("points") if isinstance(body, dict) else None
    counts = patrols.patrol_points(actor=request.actor, patrol_id=pk, points=points)  # type: ignore[attr-defined]
    return JsonResponse(counts)


@require_POST
@page(*POSTED_ROLES, mobile=True)
def patrol_end(request: HttpRequest, pk: int) -> HttpResponse:
    patrol = patrols.patrol_end(
        actor=request.actor,  # type: ignore[attr-defined]
        patrol_id=pk,
        lat=request.POST.get("lat"),
        lng=request.POST.get("lng"),
        note=request.POST.get("note", ""),
        at=request.POST.get("at") or None,
    )
    return _json(patrol)


@page(*LEDGER_READ_ROLES)
def patrol_list(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    raw = request.GET.get("day", "")
    try:
        day = dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        raise ValidationFailed("日期格式不对（如 2026-11-30）。") from None
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    rows = list(
        patrols.patrols_visible_to(actor)
        .filter(started_at__gte=start, started_at__lt=start + dt.timedelta(days=1))
        .annotate(found=Count("events"))
        .order_by("grid__code", "started_at")
    )
    return render(request, "grid/patrols.html", {"rows": rows, "day": day})

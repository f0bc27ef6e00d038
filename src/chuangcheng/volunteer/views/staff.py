"""站/所/中心 and team pages: the order queues (each order opens on the generic case page,
where its actions are offered), a volunteer's own page and registration."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from chuangcheng.cases.clocks import light
from chuangcheng.core.errors import DomainError, ValidationFailed
from chuangcheng.core.settings_store import get_setting
from chuangcheng.org.access import Actor
from chuangcheng.volunteer import services
from chuangcheng.volunteer.models import Station
from chuangcheng.volunteer.roles import LEADER, QUEUE_ROLES, REVIEW_ROLES, VOLUNTEER_ROLES
from chuangcheng.volunteer.views import documents
from chuangcheng.volunteer.workflow import OPEN, VORDER
from chuangcheng.web.access import page


def _rows(qs: Any) -> list[dict[str, Any]]:
    now = timezone.now()
    warn = float(get_setting("cases.warn_fraction"))
    rows = []
    for case in qs.prefetch_related("clocks")[:300]:
        running = [c for c in case.clocks.all() if c.due_at and c.stopped_at is None]
        clock = min(running, key=lambda c: c.due_at) if running else None
        rows.append(
            {
                "case": case,
                "order": case.vorder,
                "state": VORDER.state_label(case.status),
                "clock": clock,
                "light": light(clock, now, warn) if clock is not None else "",
            }
        )
    return rows


def _status_filter(request: HttpRequest, qs: Any) -> tuple[Any, str]:
    status = request.GET.get("status", "open")
    if status == "open":
        qs = qs.filter(status__in=OPEN)
    elif status in VORDER.states:
        qs = qs.filter(status=status)
    elif status != "all":
        raise ValidationFailed("状态参数不对。")
    return qs.order_by("next_due", "-created_at"), status


@page(*QUEUE_ROLES)
def station_queue(request: HttpRequest) -> HttpResponse:
    """站/所 订单: what awaits 审单 and 派单 first (the nearest clock), in the person's scope."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    qs, status = _status_filter(request, services.orders_visible_to(actor))
    return render(
        request,
        "volunteer/queue.html",
        {
            "title": "志愿服务订单",
            "may_record": bool(actor.roles & REVIEW_ROLES),  # 登记需求, 服务菜单 (ADR 0032)
            "rows": _rows(qs),
            "status": status,
            "states": VORDER.states,
        },
    )


@page(LEADER)
def team_queue(request: HttpRequest) -> HttpResponse:
    """队伍订单: the orders dispatched to the teams the person leads."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    teams = list(services.teams_led_by(actor))
    qs = services.orders_visible_to(actor).filter(lead_unit_id__in=[t.unit_id for t in teams])
    qs, status = _status_filter(request, qs)
    return render(
        request,
        "volunteer/queue.html",
        {
            "title": "队伍订单",
            "teams": teams,
            "rows": _rows(qs),
            "status": status,
            "states": VORDER.states,
        },
    )


@page(*VOLUNTEER_ROLES, mobile=True)
def me(request: HttpRequest) -> HttpResponse:
    """我的志愿服务 (phone-sized): number, masked ID and phone, teams, orders served."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    v = services.volunteer_of(actor)
    ctx: dict[str, Any] = services.volunteer_summary(v) if v is not None else {"volunteer": None}
    assigned = services.orders_visible_to(actor).filter(status="serving")
    ctx["assigned"] = list(assigned.order_by("-updated_at")[:20])
    if v is not None:  # 我的活动 (volunteer/m/_my_activities.html)
        from chuangcheng.volunteer.activities import my_activities

        ctx["my_activities"] = my_activities(v)
        ctx["activity_hours"] = sum((r["hours"] for r in ctx["my_activities"]), Decimal("0"))
    ctx.update(documents.my_documents(request, v))  # hours, stars, certificates
    return render(request, "volunteer/m/me.html", ctx)


@page(mobile=True)
def register(request: HttpRequest) -> HttpResponse:
    """志愿者注册 (实名): a signed-in person registers at a 站 or 所."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if services.volunteer_of(actor) is not None:
        return redirect(reverse("volunteer:me"))
    stations = list(Station.objects.exclude(level=Station.Level.CENTRE).order_by("code"))
    values = {k: "" for k in ("station", "name", "id_number", "phone", "skills")}
    error, status = None, 200
    if request.method == "POST":
        values = {k: str(request.POST.get(k) or "") for k in values}
        station = next((s for s in stations if str(s.pk) == values["station"].strip()), None)
        try:
            if station is None:
                raise ValidationFailed("请选择注册的文明实践站。", fields={"station": ["必选"]})
            v = services.volunteer_register(
                station=station,
                name=values["name"],
                id_number=values["id_number"],
                phone=values["phone"],
                skills=values["skills"],
                user=request.user,
            )
        except DomainError as exc:
            error, status = exc, exc.status_code
        else:
            messages.success(request, f"注册成功！您的志愿者编号是 {v.number}。")
            return redirect(reverse("volunteer:me"))
    values.pop("id_number")  # never sent back to the page
    return render(
        request,
        "volunteer/m/register.html",
        {"stations": stations, "v": values, "error": error},
        status=status,
    )

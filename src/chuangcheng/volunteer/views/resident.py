"""居民 pages on a phone: a 站's page (the QR code's target, public), ordering from its menu,
following one's own orders and rating them (评单)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from chuangcheng.cases.models import Case
from chuangcheng.cases.presenters import public_progress
from chuangcheng.cases.services import allowed_actions, case_transition
from chuangcheng.core.errors import DomainError, NotFound
from chuangcheng.org.access import Actor, actor_for
from chuangcheng.volunteer import services
from chuangcheng.volunteer.roles import RESIDENT
from chuangcheng.volunteer.workflow import VORDER
from chuangcheng.web.access import error_page, page
from chuangcheng.web.forms import action_form, failed_action_form
from chuangcheng.web.views.common import paginate


def station_page(request: HttpRequest, code: str) -> HttpResponse:
    """Public: what the 站 offers, with 我要点单 on each service."""
    try:
        station = services.station_by_code(code)
    except NotFound as exc:
        return error_page(request, 404, exc.message, mobile=True)
    actor = actor_for(request.user)
    return render(
        request,
        "volunteer/m/station.html",
        {
            "station": station,
            "menu": list(services.menu_of(station)),
            "is_resident": actor.has(RESIDENT),
        },
    )


@page(RESIDENT, mobile=True)
def order_new(request: HttpRequest, code: str) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    station = services.station_by_code(code)
    menu = list(services.menu_of(station))
    values: dict[str, Any] = {
        "item": request.GET.get("item", ""),
        "client_key": uuid.uuid4().hex,
    }
    error, status = None, 200
    if request.method == "POST":
        values = {
            k: str(request.POST.get(k) or "")
            for k in ("item", "content", "phone", "address", "wanted", "name", "client_key")
        }
        try:
            case, _ = services.order_place(
                actor=actor,
                station_code=code,
                item_id=values["item"],
                content=values["content"],
                phone=values["phone"],
                address=values["address"],
                wanted=values["wanted"],
                name=values["name"],
                client_key=values["client_key"],
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            error, status = exc, exc.status_code
        else:
            messages.success(request, f"点单成功！订单编号 {case.number}，站点审核后会为您安排。")
            return redirect(reverse("volunteer:m_order", args=[case.pk]))
    return render(
        request,
        "volunteer/m/order_new.html",
        {"station": station, "menu": menu, "v": values, "error": error},
        status=status,
    )


@page(RESIDENT, mobile=True)
def my_orders(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    return render(
        request,
        "volunteer/m/orders.html",
        {"page": paginate(request, services.resident_orders(actor), 20), "wf": VORDER},
    )


def _order_context(actor: Actor, case_id: int, **failed: Any) -> dict[str, Any]:
    case: Case | None = services.resident_orders(actor).filter(pk=case_id).first()
    if case is None:
        raise NotFound("订单不存在或无权查看。")
    ctx: dict[str, Any] = {
        "case": case,
        "order": case.vorder,
        "steps": public_progress(case),
        "status_label": VORDER.state_label(case.status),
        "records": list(case.vorder.records.select_related("volunteer")),
        "error": failed.get("error"),
    }
    rate = next((a for a in allowed_actions(case, actor) if a.name == "rate"), None)
    if rate is not None:
        ctx["rate_form"] = (
            failed_action_form(rate, case, failed["data"], failed["error"])
            if failed.get("error") is not None
            else action_form(rate, case)
        )
    return ctx


@page(RESIDENT, mobile=True)
def order_page(request: HttpRequest, case_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    return render(request, "volunteer/m/order.html", _order_context(actor, case_id))


@require_POST
@page(RESIDENT, mobile=True)
def order_rate(request: HttpRequest, case_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    _order_context(actor, case_id)  # 404 unless it is the person's own order
    try:
        case_transition(case_id=case_id, action="rate", actor=actor, data=request.POST)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            return error_page(request, 404, exc.message, mobile=True)
        ctx = _order_context(actor, case_id, data=request.POST, error=exc)
        return render(request, "volunteer/m/order.html", ctx, status=exc.status_code)
    messages.success(request, "感谢您的评价！")
    return redirect(reverse("volunteer:m_order", args=[case_id]))

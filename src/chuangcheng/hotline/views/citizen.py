"""居民 pages on a phone-sized layout: submit an appeal, follow it, rate it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from chuangcheng.cases.models import Case
from chuangcheng.cases.presenters import public_progress, rating_comment
from chuangcheng.cases.selectors import case_get_visible
from chuangcheng.cases.services import allowed_actions, case_transition
from chuangcheng.core.errors import DomainError, NotFound
from chuangcheng.hotline import selectors as hotline_selectors
from chuangcheng.hotline.presenters import public_result
from chuangcheng.hotline.roles import CITIZEN
from chuangcheng.hotline.services import hotline_intake
from chuangcheng.org.access import actor_for
from chuangcheng.web import formatting, limits
from chuangcheng.web.access import error_page, page
from chuangcheng.web.forms import action_form, attach_errors, failed_action_form, intake_form
from chuangcheng.web.views.common import paginate, uploaded

SUBMIT_FIELDS = (
    "appeal_type",
    "title",
    "content",
    "citizen_name",
    "citizen_phone",
    "anonymous",
    "confidential",
    "address",
)


def public_view(case: Case) -> dict[str, Any]:
    steps = public_progress(case)
    return {
        "case": case,
        "steps": steps,
        "status_label": formatting.state_label(case.kind, case.status),
        "result": public_result(case),
        "rating_comment": rating_comment(steps),
        "unit": case.lead_unit.name if case.lead_unit_id and case.lead_unit else "",
    }


def m_home(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    recent = (
        list(hotline_selectors.citizen_cases(actor)[:5]) if actor.has(CITIZEN) else []
    )  # newest first
    return render(
        request, "hotline/m/home.html", {"recent": recent, "is_citizen": actor.has(CITIZEN)}
    )


@page(CITIZEN, mobile=True)
def m_submit(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    error, extra, status = None, {}, 200
    if request.method == "POST":
        data = request.POST.copy()
        data["channel"] = "app"
        data.setdefault("urgency", "normal")
        form = intake_form(data, citizen=True)
        try:
            case, _ = hotline_intake(
                actor=actor, data=data, files=uploaded(request), source="citizen"
            )
        except DomainError as exc:
            error, status = exc, exc.status_code
            extra = attach_errors(form, exc)
        else:
            messages.success(request, f"提交成功！您的工单编号是 {case.number}，请妥善保存。")
            return redirect(reverse("hotline:m_case", args=[case.pk]) + "?new=1")
    else:
        form = intake_form(citizen=True, initial=hotline_selectors.citizen_contact_defaults(actor))
    fields = [form[name] for name in SUBMIT_FIELDS]
    return render(
        request,
        "hotline/m/submit.html",
        {
            "form": form,
            "fields": fields,
            "error": error,
            "extra_errors": extra,
        },
        status=status,
    )


def m_track(request: HttpRequest) -> HttpResponse:
    """Public: follow an order with its number and the phone given when reporting it.

    POSTed, so the phone never appears in a URL, a browser history or an access log; "no such
    order" and "wrong phone" get the same answer; failed look-ups are limited per address and
    per order number in a cache every process shares (order numbers are sequential)."""
    ctx: dict[str, Any] = {"number": "", "searched": False}
    status = 200
    if request.method == "POST":
        number = str(request.POST.get("number") or "").strip()[:32]
        phone = str(request.POST.get("phone") or "").strip()[:32]
        address = limits.client_address(request)
        ctx.update(number=number, searched=True)
        if limits.exceeded(limits.TRACK_PER_ADDRESS, address) or limits.exceeded(
            limits.TRACK_PER_NUMBER, number
        ):
            ctx["throttled"] = True
            status = 429
        else:
            case = hotline_selectors.track_case(number, phone) if number and phone else None
            if case is None:
                limits.record_failure(limits.TRACK_PER_ADDRESS, address)
                limits.record_failure(limits.TRACK_PER_NUMBER, number)
                ctx["not_found"] = True
                status = 404
            else:
                ctx.update(public_view(case))
    return render(request, "hotline/m/track.html", ctx, status=status)


@page(CITIZEN, mobile=True)
def m_cases(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    qs = hotline_selectors.citizen_cases(actor)
    return render(request, "hotline/m/cases.html", {"page": paginate(request, qs, 20)})


def _m_case_context(actor: Any, case_id: int, **failed: Any) -> dict[str, Any]:
    case = case_get_visible(actor, case_id)
    ctx = public_view(case)
    rate = next((a for a in allowed_actions(case, actor) if a.name == "rate"), None)
    if rate is not None:
        if failed.get("error") is not None:
            ctx["rate_form"] = failed_action_form(rate, case, failed["data"], failed["error"])
        else:
            ctx["rate_form"] = action_form(rate, case)
    ctx["error"] = failed.get("error")
    return ctx


@page(CITIZEN, mobile=True)
def m_case(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    ctx = _m_case_context(actor, case_id)
    ctx["new"] = request.GET.get("new") == "1"
    return render(request, "hotline/m/case.html", ctx)


@require_POST
@page(CITIZEN, mobile=True)
def m_rate(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    try:
        case_transition(case_id=case_id, action="rate", actor=actor, data=request.POST)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            return error_page(request, 404, exc.message, mobile=True)
        ctx = _m_case_context(actor, case_id, data=request.POST, error=exc)
        return render(request, "hotline/m/case.html", ctx, status=exc.status_code)
    messages.success(request, "感谢您的评价！")
    return redirect(reverse("hotline:m_case", args=[case_id]))

"""居民 pages on a phone-sized layout: submit an appeal, follow it, rate it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from chuangcheng.cases.models import Case
from chuangcheng.cases.selectors import case_events, case_get_visible
from chuangcheng.cases.services import allowed_actions, case_transition
from chuangcheng.core.errors import DomainError, NotFound
from chuangcheng.hotline import selectors as hotline_selectors
from chuangcheng.hotline.services import hotline_intake
from chuangcheng.org.access import actor_for
from chuangcheng.org.roles import CITIZEN
from chuangcheng.web import formatting
from chuangcheng.web.access import error_page, page
from chuangcheng.web.forms import action_form, attach_errors, failed_action_form, intake_form
from chuangcheng.web.views.common import paginate, uploaded

# What a citizen is told about each step: no staff names, no internal notes.
PUBLIC_STEPS: dict[str, str] = {
    "open": "诉求已受理",
    "answer_directly": "已当场答复并办结",
    "review": "诉求已复核",
    "dispatch": "已派至{unit}办理",
    "approve_return": "正在重新分派承办单位",
    "accept": "承办单位已签收",
    "contact": "承办单位已与您联系",
    "feedback": "承办单位已反馈办理结果",
    "approve_feedback": "办理结果已审核，等待回访",
    "reject_feedback": "办理结果需补充，继续办理",
    "callback": "已回访",
    "reopen": "重新办理",
    "close": "已结案",
    "merge": "与同一问题的诉求合并办理",
    "rate": "您已评价",
}
RESULT_VISIBLE = {"callback", "unsatisfied", "closed"}
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


def public_progress(case: Case) -> list[dict[str, Any]]:
    steps = []
    for event in case_events(case):
        text = PUBLIC_STEPS.get(event.action)
        if text is None:
            continue
        text = text.format(unit=(event.data or {}).get("lead_unit_name") or "承办单位")
        if event.to_status == "closed" and event.from_status != "closed" and "办结" not in text:
            text += "，工单已办结"
        steps.append(
            {
                "at": event.created_at,
                "text": text,
                "status": formatting.state_label(case.kind, event.to_status),
            }
        )
    return steps


def public_view(case: Case) -> dict[str, Any]:
    return {
        "case": case,
        "steps": public_progress(case),
        "status_label": formatting.state_label(case.kind, case.status),
        "result": case.result if case.status in RESULT_VISIBLE else "",
        "unit": case.lead_unit.name if case.lead_unit_id and case.lead_unit else "",
    }


def m_home(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    recent = list(hotline_selectors.hotline_cases(actor)[:5]) if actor.has(CITIZEN) else []
    return render(request, "web/m/home.html", {"recent": recent, "is_citizen": actor.has(CITIZEN)})


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
            return redirect(reverse("web:m_case", args=[case.pk]) + "?new=1")
    else:
        form = intake_form(citizen=True)
    fields = [form[name] for name in SUBMIT_FIELDS]
    return render(
        request,
        "web/m/submit.html",
        {
            "form": form,
            "fields": fields,
            "error": error,
            "extra_errors": extra,
        },
        status=status,
    )


def m_track(request: HttpRequest) -> HttpResponse:
    """Public: follow an order with its number and the phone given when reporting it."""
    number = (request.GET.get("number") or "").strip()
    phone = (request.GET.get("phone") or "").strip()
    ctx: dict[str, Any] = {"number": number, "phone": phone, "searched": bool(number or phone)}
    status = 200
    if number or phone:
        case = hotline_selectors.track_case(number, phone)
        if case is None:
            ctx["not_found"] = True
            status = 404
        else:
            ctx.update(public_view(case))
    return render(request, "web/m/track.html", ctx, status=status)


@page(CITIZEN, mobile=True)
def m_cases(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    qs = hotline_selectors.hotline_cases(actor).select_related("lead_unit").order_by("-created_at")
    return render(request, "web/m/cases.html", {"page": paginate(request, qs, 20)})


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
    return render(request, "web/m/case.html", ctx)


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
        return render(request, "web/m/case.html", ctx, status=exc.status_code)
    messages.success(request, "感谢您的评价！")
    return redirect(reverse("web:m_case", args=[case_id]))

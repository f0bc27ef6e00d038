"""工单详情 (one case of any loop: fields, deadlines, assignments, timeline, the actions allowed
now), the action endpoint, contact reveal and attachments.

A loop adds to the page through its app: its own template `<kind>/case_detail.html` (extending
web/case_detail.html) and the panels of its AppConfig's `case_detail_extras` (web.loops)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from chuangcheng.cases.models import CaseClock
from chuangcheng.cases.presenters import case_detail
from chuangcheng.cases.selectors import attachment_get_visible, case_get_visible
from chuangcheng.cases.services import allowed_actions, case_transition, contact_reveal
from chuangcheng.cases.workflow import workflow_for
from chuangcheng.core.errors import DomainError, NotFound
from chuangcheng.org.access import Actor
from chuangcheng.org.roles import REVEAL_PHONE, role_group
from chuangcheng.web import formatting, loops
from chuangcheng.web.access import error_page, page
from chuangcheng.web.forms import ActionForm, action_form, failed_action_form
from chuangcheng.web.views.common import is_htmx, safe_next, uploaded


def timeline(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    for e in events:
        e["label"] = formatting.action_label(kind, e["action"])
        e["to_label"] = formatting.state_label(kind, e["to"])
        e["details"] = formatting.event_details(e)
        e["status_changed"] = e["from"] != e["to"]
    return events


def detail_context(
    actor: Actor,
    case_id: int,
    *,
    failed: str = "",
    data: Any = None,
    error: DomainError | None = None,
) -> dict[str, Any]:
    case = case_get_visible(actor, case_id)
    allowed = allowed_actions(case, actor)
    detail = case_detail(case, actor, allowed)
    forms: list[ActionForm] = []
    for action in allowed:
        if action.name == failed and error is not None:
            forms.append(failed_action_form(action, case, data, error, actor))
        else:
            forms.append(action_form(action, case, actor=actor))
    workflow = workflow_for(case.kind)
    # the clock rows of the engine; a loop that keeps copies on columns of its own has those
    rows = {c.name: c for c in CaseClock.objects.filter(case_id=case.pk)}
    clocks = [
        {
            "label": f"{clock.label}时限",
            "due": getattr(case, f"{clock.name}_due", None)
            or (rows[clock.name].due_at if clock.name in rows else None),
            "at": getattr(case, f"{clock.name}_at", None)
            or (rows[clock.name].stopped_at if clock.name in rows else None),
        }
        for clock in workflow.clocks
    ]
    return {
        "case": case,
        "d": detail,
        "action_forms": forms,
        "clocks": clocks,
        "events": timeline(detail["events"], case.kind),
        "workflow": workflow,
        "can_reveal": bool(actor.roles & role_group(REVEAL_PHONE))
        and bool(detail["citizen"]["phone"]),
        "error": error,
        "failed": failed,
        **loops.case_detail_extras(actor, case, forms),  # e.g. 12345's 智能派单建议
    }


@page(staff=True)
def case_detail_page(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    ctx = detail_context(actor, case_id)
    return render(request, loops.case_detail_template(ctx["case"].kind), ctx)


@require_POST
@page(staff=True)
def case_action(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    """POST one workflow action. Errors re-render the order with the form kept, the message
    shown and the error's status code (400/403/404/409)."""
    actor = request.actor  # type: ignore[attr-defined]
    try:
        case = case_transition(
            case_id=case_id,
            action=action,
            actor=actor,
            data=request.POST,
            attachments=uploaded(request),
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            return error_page(request, 404, exc.message)
        ctx = detail_context(actor, case_id, failed=action, data=request.POST, error=exc)
        template = loops.case_detail_template(ctx["case"].kind)
        return render(request, template, ctx, status=exc.status_code)
    label = formatting.action_label(case.kind, action)
    state = formatting.state_label(case.kind, case.status)
    messages.success(request, f"「{label}」已完成，工单 {case.number} 当前状态：{state}。")
    return redirect(safe_next(request, reverse("web:case_detail", args=[case.pk])))


@require_POST
@page(staff=True)
def case_contact(request: HttpRequest, case_id: int) -> HttpResponse:
    """查看完整号码: audited by contact_reveal; answers an htmx request with a fragment."""
    actor = request.actor  # type: ignore[attr-defined]
    try:
        contact = contact_reveal(
            actor=actor, case_id=case_id, reason=str(request.POST.get("reason") or "页面查看")
        )
    except DomainError as exc:
        if is_htmx(request):
            return render(
                request, "web/partials/contact.html", {"error": exc.message}, status=exc.status_code
            )
        return error_page(request, exc.status_code, exc.message)
    ctx = {"contact": contact}
    if is_htmx(request):
        return render(request, "web/partials/contact.html", ctx)
    return render(request, "web/partials/contact_page.html", ctx)


@page()
def attachment(request: HttpRequest, token: str) -> HttpResponseBase:
    """An attachment, only to people who may see its case (404 otherwise)."""
    actor = request.actor  # type: ignore[attr-defined]
    att = attachment_get_visible(actor, token)
    try:
        fh = att.file.open("rb")
    except (FileNotFoundError, OSError):
        return error_page(request, 404, "附件文件已丢失。")
    resp = FileResponse(fh, content_type=att.content_type)
    resp["Content-Disposition"] = f"inline; filename*=UTF-8''{att.token}"
    resp["Cache-Control"] = "private, max-age=3600"
    return resp

"""工单详情 (one order: fields, deadlines, assignments, timeline, the actions allowed now),
the action endpoint, contact reveal, attachments, and the centre's case search."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from chuangcheng.cases.presenters import case_detail
from chuangcheng.cases.selectors import attachment_get_visible, case_get_visible
from chuangcheng.cases.services import allowed_actions, case_transition, contact_reveal
from chuangcheng.cases.workflow import workflow_for
from chuangcheng.core.errors import DomainError, NotFound
from chuangcheng.core.privacy import mask_phone, normalise_phone
from chuangcheng.hotline import selectors as hotline_selectors
from chuangcheng.hotline.constants import (
    APPEAL_TYPE_LABELS,
    CHANNEL_LABELS,
    CHANNELS,
    URGENCIES,
    URGENCY_LABELS,
)
from chuangcheng.hotline.indicators import FIGURES, NO_GROUP, indicator_cases, month_bounds
from chuangcheng.hotline.roles import (
    CALLER_HISTORY_ROLES,
    CENTRE_ROLES,
    CONTACT_ROLES,
    STAFF_ROLES,
)
from chuangcheng.hotline.workflow import HOTLINE
from chuangcheng.org.access import Actor
from chuangcheng.org.selectors import group_name, streets, units_grouped
from chuangcheng.web import formatting
from chuangcheng.web.access import error_page, page
from chuangcheng.web.forms import ActionForm, action_form, failed_action_form
from chuangcheng.web.views.common import is_htmx, paginate, query_without_page, safe_next, uploaded

CLOCK_ROWS = [("sign", "签收时限"), ("respond", "响应时限"), ("finish", "办结时限")]


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
            forms.append(failed_action_form(action, case, data, error))
        else:
            forms.append(action_form(action, case))
    clocks = [
        {"label": label, "due": getattr(case, f"{name}_due"), "at": getattr(case, f"{name}_at")}
        for name, label in CLOCK_ROWS
    ]
    from chuangcheng.web.views.intelligence import detail_extras

    return {
        "case": case,
        "d": detail,
        "action_forms": forms,
        "clocks": clocks,
        "events": timeline(detail["events"], case.kind),
        "workflow": workflow_for(case.kind),
        "can_reveal": bool(actor.roles & CONTACT_ROLES) and bool(detail["citizen"]["phone"]),
        "error": error,
        "failed": failed,
        **detail_extras(actor, case, forms),  # 智能派单建议 / 疑似重复工单
    }


@page(*STAFF_ROLES)
def case_detail_page(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    return render(request, "web/hotline/case_detail.html", detail_context(actor, case_id))


@require_POST
@page(*STAFF_ROLES)
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
        return render(request, "web/hotline/case_detail.html", ctx, status=exc.status_code)
    label = formatting.action_label(case.kind, action)
    state = formatting.state_label(case.kind, case.status)
    messages.success(request, f"「{label}」已完成，工单 {case.number} 当前状态：{state}。")
    return redirect(safe_next(request, reverse("web:case_detail", args=[case.pk])))


@require_POST
@page(*STAFF_ROLES)
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


@page(*CENTRE_ROLES)
def case_list_page(request: HttpRequest) -> HttpResponse:
    """工单查询: by status, unit, overdue, text, the caller's phone (matched on the stored
    number, shown masked), street, category, date range, channel, urgency, source and appeal
    type, or a dashboard figure's own orders (?month=&figure=&group_by=); 50 a page, always
    within what the person may see."""
    actor = request.actor  # type: ignore[attr-defined]
    g = request.GET
    unit = int(g["unit"]) if g.get("unit", "").isdigit() else None
    status = g.get("status", "")
    if status and status not in HOTLINE.states:
        status = ""
    overdue = g.get("overdue") == "1"
    street = int(g["street"]) if g.get("street", "").isdigit() else None
    category = int(g["category"]) if g.get("category", "").isdigit() else None
    since = parse_date_or_none(g.get("since", ""))
    until = parse_date_or_none(g.get("until", ""))
    channel = g.get("channel", "") if g.get("channel", "") in CHANNEL_LABELS else ""
    urgency = g.get("urgency", "") if g.get("urgency", "") in URGENCY_LABELS else ""
    source = g.get("source", "")
    if source not in dict(hotline_selectors.SOURCES):
        source = ""
    appeal_type = g.get("appeal_type", "")
    if appeal_type not in APPEAL_TYPE_LABELS:
        appeal_type = ""
    phone = normalise_phone(g.get("phone", ""))[:20]
    errors = []
    if (g.get("since") and since is None) or (g.get("until") and until is None):
        errors.append("日期格式应为 YYYY-MM-DD，该条件未生效。")
    if since and until and since > until:
        errors.append("开始日期晚于结束日期，没有符合的工单。")
    can_phone = bool(actor.roles & CALLER_HISTORY_ROLES) or actor.is_superuser
    if phone and not can_phone:
        errors.append("您的角色不能按诉求人电话查询。")
    try:
        figure = dashboard_figure(g)
    except ValueError as exc:
        return error_page(request, 400, str(exc))
    if figure is not None:  # the figure's own group decides (退回: the unit that returned it)
        unit = street = None
    shown_unit = unit
    if figure and figure["group_by"] == "unit" and figure["group"]:
        shown_unit = figure["group"]
    qs = hotline_selectors.case_list(
        actor,
        status=status,
        unit=unit,
        overdue=overdue,
        q=g.get("q", ""),
        street=street,
        category=category,
        since=since,
        until=until,
        phone=phone,
        channel=channel,
        urgency=urgency,
        source=source,
    )
    if appeal_type:
        qs = qs.filter(appeal_type=appeal_type)
    if figure is not None:
        qs = indicator_cases(qs, **figure)
    if phone:
        qs = qs.select_related("contact")
    page_ = paginate(request, qs)
    return render(
        request,
        "web/hotline/case_list.html",
        {
            "page": page_,
            "query": query_without_page(request),
            "states": HOTLINE.states,
            "unit_groups": units_grouped(""),
            "streets": streets(),
            "categories": hotline_selectors.category_choices_by_id(),
            "channels": CHANNELS,
            "urgencies": URGENCIES,
            "sources": hotline_selectors.SOURCES,
            "errors": errors,
            "can_phone": can_phone,
            "phone_masked": mask_phone(phone) if phone else "",
            "figure": figure_banner(figure, page_.paginator.count) if figure else None,
            "f": {
                "status": status,
                "unit": shown_unit,
                "overdue": overdue,
                "q": g.get("q", ""),
                "street": street,
                "category": category,
                "since": since,
                "until": until,
                "channel": channel,
                "urgency": urgency,
                "source": source,
                "phone": phone,
                "appeal_type": appeal_type,
            },
        },
    )


def dashboard_figure(g: Any) -> dict[str, Any] | None:
    """The dashboard figure a list reproduces (?month=2026-10&figure=overdue&group_by=unit
    &unit=12, `none` for （未指定）), or None; ValueError with a Chinese message if malformed."""
    figure = g.get("figure", "")
    if not figure:
        return None
    if figure not in FIGURES:
        raise ValueError("未知的统计指标。")
    month = g.get("month", "")
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise ValueError("月份格式应为 YYYY-MM，例如 2026-10。")
    try:
        month_bounds(month)  # 0000-01 and 9999-12 have no bounds
    except ValueError:
        raise ValueError("月份超出范围。") from None
    group_by = g.get("group_by", "unit")
    if group_by not in ("unit", "street"):
        raise ValueError("统计维度只能是按承办单位或按街道。")
    raw = g.get(group_by, "")
    if raw == "none":
        group: int | None = NO_GROUP
    elif raw.isdigit() and int(raw) > 0:
        group = int(raw)
    elif raw == "":
        group = None
    else:
        raise ValueError("统计对象无效。")
    return {"month": month, "figure": figure, "group_by": group_by, "group": group}


def figure_banner(figure: dict[str, Any], count: int) -> dict[str, Any]:
    """What the list shows above the orders: which figure of which month, of whom."""
    group, group_by = figure["group"], figure["group_by"]
    if group is None:
        who = "全部"
    elif group == NO_GROUP:
        who = "（未指定）"
    else:
        who = group_name(group_by, group) or "（已删除）"
    return {
        **figure,
        "label": FIGURES[figure["figure"]],
        "month_label": formatting.cn_month(figure["month"]),
        "who": who,
        "count": count,
        "back": f"{reverse('web:dashboard')}?month={figure['month']}&group_by={group_by}",
    }


def parse_date_or_none(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None

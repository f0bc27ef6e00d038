"""工单查询: the centre's search over 12345 orders, and the list behind a 数据看板 figure."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from chuangcheng.cases.selectors import with_pending_requests
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
from chuangcheng.hotline.roles import CALLER_HISTORY_ROLES, CENTRE_ROLES
from chuangcheng.hotline.workflow import HOTLINE
from chuangcheng.org.selectors import group_name, streets, units_grouped
from chuangcheng.web import formatting
from chuangcheng.web.access import error_page, page
from chuangcheng.web.views.common import paginate, query_without_page


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
    if street:  # the filter line names the street of the first row
        qs = qs.select_related("street")
    qs = with_pending_requests(qs, HOTLINE)  # the rows mark requests awaiting a decision
    if appeal_type:
        qs = qs.filter(hotline__appeal_type=appeal_type)
    if figure is not None:
        qs = indicator_cases(qs, **figure)
    if phone:
        qs = qs.select_related("contact")
    page_ = paginate(request, qs)
    return render(
        request,
        "hotline/case_list.html",
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
        "back": f"{reverse('hotline:dashboard')}?month={figure['month']}&group_by={group_by}",
    }


def parse_date_or_none(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None

"""Workbenches: 派单台 (dispatcher), 我的工单 (handler), 回访 (callback), 督办 (supervisor)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from chuangcheng.cases.selectors import pending_request_q
from chuangcheng.core.settings_store import get_setting
from chuangcheng.hotline import selectors as hotline_selectors
from chuangcheng.hotline.roles import CALLBACK, DISPATCHER, HANDLER, SUPERVISOR
from chuangcheng.hotline.workflow import HOTLINE, NO_CALLBACK_REASONS
from chuangcheng.web.access import page
from chuangcheng.web.forms import ActionForm, dress
from chuangcheng.web.views.common import paginate, query_without_page

# tab key, label, filter on the dispatcher's inbox
DISPATCH_TABS: list[tuple[str, str, Q]] = [
    ("received", "待复核", Q(status="received")),
    ("reviewed", "待派单", Q(status="reviewed")),
    ("return", "退单待审", Q(status="return_requested")),
    ("extension", "延期待审", pending_request_q("extension")),
    ("fed_back", "反馈待审", Q(status="fed_back")),
    ("unsatisfied", "回访不满意", Q(status="unsatisfied")),
]
SUPERVISION_TABS = [("overdue", "超期"), ("stale", "挂账（长期未结）"), ("supervised", "已督办")]


def _tab_counts(qs: Any, tabs: list[tuple[str, str, Q]], current: str) -> list[dict[str, Any]]:
    counts = qs.aggregate(**{key: Count("id", filter=cond) for key, _label, cond in tabs})
    return [
        {"key": k, "label": label, "count": counts[k], "active": k == current}
        for k, label, _ in tabs
    ]


def inline_form(action_name: str, case_id: int) -> ActionForm:
    """An action's form for one row of a list (no per-row permission query: the action
    endpoint checks everything again when it is posted)."""
    action = HOTLINE.action(action_name)
    assert action is not None and action.form is not None
    form = dress(action.form(auto_id=f"id_{action_name}_{case_id}_%s"))
    return ActionForm(action=action, case_id=case_id, form=form)


@page(DISPATCHER)
def dispatch_board(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    inbox = hotline_selectors.inbox_for(actor)
    keys = [k for k, _l, _c in DISPATCH_TABS]
    current = request.GET.get("tab", "")
    if current not in keys:
        current = keys[0]
    cond = next(c for k, _l, c in DISPATCH_TABS if k == current)
    return render(
        request,
        "hotline/dispatch.html",
        {
            "tabs": _tab_counts(inbox, DISPATCH_TABS, current),
            "tab": current,
            "page": paginate(request, inbox.filter(cond)),
            "query": query_without_page(request),
        },
    )


@page(HANDLER)
def handler_queue(request: HttpRequest) -> HttpResponse:
    """我的工单: open orders of my units, the nearest running clock (签收/响应/办结) first, each
    row marked with that clock and its light (constant number of queries)."""
    actor = request.actor  # type: ignore[attr-defined]
    page_obj = paginate(request, hotline_selectors.handler_queue(actor))
    warn = float(get_setting("cases.warn_fraction"))
    return render(
        request,
        "hotline/queue.html",
        {
            "page": page_obj,
            "rows": hotline_selectors.queue_rows(list(page_obj.object_list), warn=warn),
            "warn_pct": round(100 * warn),
            "query": query_without_page(request),
        },
    )


CALLBACK_TABS = [("orders", "待回访工单"), ("merged", "并单诉求人（主工单已回访）")]


@page(CALLBACK)
def callbacks(request: HttpRequest) -> HttpResponse:
    """回访: orders in 待回访 by callback deadline, the callers merged into each listed under
    it; callers whose order has already been called back on their own tab."""
    actor = request.actor  # type: ignore[attr-defined]
    current = request.GET.get("tab", "")
    if current not in {k for k, _l in CALLBACK_TABS}:
        current = CALLBACK_TABS[0][0]
    orders = hotline_selectors.callback_orders(actor)
    merged = hotline_selectors.merged_callers_of_closed(actor)
    counts = {"orders": orders.count(), "merged": merged.count()}
    tabs = [
        {"key": k, "label": label, "count": counts[k], "active": k == current}
        for k, label in CALLBACK_TABS
    ]
    ctx: dict[str, Any] = {"tabs": tabs, "tab": current, "query": query_without_page(request)}
    close_reasons = NO_CALLBACK_REASONS
    if current == "orders":
        page_obj = paginate(request, orders)
        groups = hotline_selectors.callback_groups(actor, list(page_obj.object_list))
        ctx["groups"] = [
            {
                "g": g,
                "form": inline_form("callback", g.case.pk),
                "callers": [{"case": c, "form": inline_form("callback", c.pk)} for c in g.callers],
            }
            for g in groups
        ]
    else:
        page_obj = paginate(request, merged)
        ctx["rows"] = [
            {"case": c, "form": inline_form("callback", c.pk)} for c in page_obj.object_list
        ]
    ctx.update(
        {
            "page": page_obj,
            "close_reasons": close_reasons,
            "limit_days": get_setting("hotline.callback_limit_workdays"),
        }
    )
    return render(request, "hotline/callbacks.html", ctx)


@page(SUPERVISOR)
def supervision(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    board = hotline_selectors.supervision_board(actor)
    keys = [k for k, _ in SUPERVISION_TABS]
    current = request.GET.get("tab", "")
    if current not in keys:
        current = keys[0]
    tabs = [
        {"key": k, "label": label, "count": board[k].count(), "active": k == current}
        for k, label in SUPERVISION_TABS
    ]
    page_obj = paginate(request, board[current])
    rows = [{"case": c, "form": inline_form("supervise", c.pk)} for c in page_obj.object_list]
    return render(
        request,
        "hotline/supervision.html",
        {
            "tabs": tabs,
            "tab": current,
            "page": page_obj,
            "rows": rows,
            "replies": hotline_selectors.supervision_replies(actor),
            "now": timezone.now(),
            "query": query_without_page(request),
        },
    )

"""消息提醒: the bell in the page header, the list of a person's messages, mark as read, and
the way from a message to its case. Every loop's notices land here (the engine writes them)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from chuangcheng.cases.selectors import (
    cases_visible_to,
    notification_get,
    notification_unread_count,
    notifications_for,
)
from chuangcheng.cases.services import notification_mark_read
from chuangcheng.org.access import Actor
from chuangcheng.web import loops
from chuangcheng.web.access import error_page, page
from chuangcheng.web.views.common import paginate


def _case_url(actor: Actor, case_id: int, kind: str | None = None) -> str:
    public = loops.public_case_url(case_id, kind) if actor.is_citizen_only else None
    return public or reverse("web:case_detail", args=[case_id])


@page()
def notification_list(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    unread_only = request.GET.get("unread") == "1"
    page_obj = paginate(request, notifications_for(actor, unread_only=unread_only), 30)
    return render(
        request,
        "web/notifications.html",
        {
            "page": page_obj,
            "unread_only": unread_only,
            "unread": notification_unread_count(actor),
            "query": "unread=1" if unread_only else "",
            "mobile": actor.is_citizen_only,
        },
    )


@page()
def notification_count(request: HttpRequest) -> HttpResponse:
    """The bell's badge, fetched by htmx after the page has loaded (pages stay one query
    lighter) and every minute after."""
    count = notification_unread_count(request.actor)  # type: ignore[attr-defined]
    return render(request, "web/partials/bell_count.html", {"count": count})


@require_POST
@page()
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one message read and go to its case (when the person may still see it)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    found = notification_get(actor, notification_id)
    notification_mark_read(actor=actor, notification_id=notification_id)
    if not cases_visible_to(actor).filter(pk=found.case_id).exists():
        return error_page(
            request, 404, "该工单已不在您的权限范围内。", mobile=actor.is_citizen_only
        )
    return redirect(_case_url(actor, found.case_id, found.case.kind))


@require_POST
@page()
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notification_mark_read(actor=request.actor)  # type: ignore[attr-defined]
    return redirect("web:notifications")

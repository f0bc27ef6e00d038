"""Who may open which page, and how domain errors become pages with the right status code."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from chuangcheng.core.errors import DomainError
from chuangcheng.org.access import Actor, actor_for
from chuangcheng.org.roles import PUBLIC, role_choices, role_group


def staff_roles() -> frozenset[str]:
    """Everyone who works on cases: every role some loop declares, except the public's."""
    return frozenset(code for code, _label in role_choices()) - role_group(PUBLIC)


def may(actor: Actor, roles: Iterable[str]) -> bool:
    """Holds one of `roles`; an administrator may open every page but the public's own."""
    roles = frozenset(roles)
    public_only = bool(roles) and roles <= role_group(PUBLIC)
    return bool(actor.roles & roles) or (actor.is_superuser and not public_only)


def error_page(
    request: HttpRequest,
    status: int,
    message: str,
    *,
    mobile: bool = False,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    """The Chinese error page; JSON (`detail`, `fields`) for a page's script that asks for it
    (Accept: application/json), so phones queueing requests read why one was refused."""
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"detail": message, "fields": fields or {}}, status=status)
    titles = {400: "输入有误", 403: "无权访问", 404: "未找到", 409: "操作冲突", 429: "请求过于频繁"}
    if mobile and request.user.is_authenticated and actor_for(request.user).roles & staff_roles():
        mobile = False  # a worker's phone page (grid, inspection) errs in the staff layout
    return render(
        request,
        "web/error.html",
        {
            "status": status,
            "title": titles.get(status, "出错了"),
            "message": message,
            "mobile": mobile,
        },
        status=status,
    )


def page(
    *roles: str,
    mobile: bool = False,
    staff: bool = False,
    on_refused: Callable[[HttpRequest, Actor, DomainError | None], None] | None = None,
) -> Callable[..., Callable[..., HttpResponse]]:
    """Login required; the person must hold one of `roles` (403 page otherwise; `staff`: any
    working role of any loop, see staff_roles). Domain errors raised by the view become a
    Chinese error page with their status code. `on_refused(request, actor, error)` is told of
    every refusal of a signed-in person (no role: error None; or the view's 403/404), for pages
    whose refused looks must leave a trace (a loop's privacy log)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            actor = actor_for(request.user)
            wanted = staff_roles() if staff else roles
            if wanted and not may(actor, wanted):
                if on_refused is not None:
                    on_refused(request, actor, None)
                return error_page(request, 403, "您的角色无权访问此页面。", mobile=mobile)
            request.actor = actor  # type: ignore[attr-defined]
            try:
                return view(request, *args, **kwargs)
            except DomainError as exc:
                if on_refused is not None and exc.status_code in (403, 404):
                    on_refused(request, actor, exc)
                return error_page(
                    request, exc.status_code, exc.message, mobile=mobile, fields=exc.fields
                )

        return wrapper

    return decorate

"""Who may open which page, and how domain errors become pages with the right status code."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from chuangcheng.core.errors import DomainError
from chuangcheng.hotline.roles import (
    ANALYTICS_ROLES,
    CALLBACK,
    CENTRE_ROLES,
    CITIZEN,
    DISPATCHER,
    HANDLER,
    HOT_ISSUE_ROLES,
    LEADER,
    OPERATOR,
    SUPERVISOR,
)
from chuangcheng.org.access import Actor, actor_for

# (url name, label, roles that see it), in the order of the loop
NAV_LINKS: list[tuple[str, str, frozenset[str]]] = [
    ("web:intake", "受理", frozenset({OPERATOR})),
    ("web:dispatch", "派单台", frozenset({DISPATCHER})),
    ("web:queue", "我的工单", frozenset({HANDLER})),
    ("web:callbacks", "回访", frozenset({CALLBACK})),
    ("web:supervision", "督办", frozenset({SUPERVISOR})),
    ("web:case_list", "工单查询", CENTRE_ROLES),
    ("web:dashboard", "数据看板", ANALYTICS_ROLES),
    ("web:hot", "热点", HOT_ISSUE_ROLES),
    ("web:m_home", "我的诉求", frozenset({CITIZEN})),
]
# where `/` sends a person, first matching role wins
HOME_BY_ROLE = [
    (OPERATOR, "web:intake"),
    (DISPATCHER, "web:dispatch"),
    (HANDLER, "web:queue"),
    (CALLBACK, "web:callbacks"),
    (SUPERVISOR, "web:supervision"),
    (LEADER, "web:dashboard"),
    (CITIZEN, "web:m_home"),
]


def may(actor: Actor, roles: Iterable[str]) -> bool:
    roles = frozenset(roles)
    return bool(actor.roles & roles) or (actor.is_superuser and roles != {CITIZEN})


def error_page(
    request: HttpRequest, status: int, message: str, *, mobile: bool = False
) -> HttpResponse:
    titles = {400: "输入有误", 403: "无权访问", 404: "未找到", 409: "操作冲突", 429: "请求过于频繁"}
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


def page(*roles: str, mobile: bool = False) -> Callable[..., Callable[..., HttpResponse]]:
    """Login required; the person must hold one of `roles` (403 page otherwise). Domain errors
    raised by the view become a Chinese error page with their status code."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            actor = actor_for(request.user)
            if roles and not may(actor, roles):
                return error_page(request, 403, "您的角色无权访问此页面。", mobile=mobile)
            request.actor = actor  # type: ignore[attr-defined]
            try:
                return view(request, *args, **kwargs)
            except DomainError as exc:
                return error_page(request, exc.status_code, exc.message, mobile=mobile)

        return wrapper

    return decorate

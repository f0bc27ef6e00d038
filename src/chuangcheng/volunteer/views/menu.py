"""服务菜单维护 pages (ADR 0032): the menus of the person's 站s, with add, edit, 上移/下移,
下架/上架 and 删除 (an item never ordered only). Every change is a POST; refused ones change
nothing (volunteer.menu checks the person's 站s on every call)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from chuangcheng.core.errors import DomainError, NotFound, ValidationFailed
from chuangcheng.org.access import Actor
from chuangcheng.volunteer import menu
from chuangcheng.volunteer.models import ServiceField
from chuangcheng.web.access import page


def _render(request: HttpRequest, **extra: Any) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    status = extra.pop("status", 200)
    ctx = {
        "menus": menu.menus_of(actor),
        "fields": ServiceField.choices,
        "v": {},
        "error": None,
        **extra,
    }
    return render(request, "volunteer/menu.html", ctx, status=status)


@page(*menu.MENU_ROLES)
def menu_page(request: HttpRequest) -> HttpResponse:
    return _render(request)


@require_POST
@page(*menu.MENU_ROLES)
def menu_add(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    v = {k: str(request.POST.get(k) or "") for k in ("station", "name", "field", "description")}
    try:
        item = menu.item_add(
            actor=actor,
            station_id=v["station"],
            name=v["name"],
            field=v["field"],
            description=v["description"],
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _render(request, v=v, error=exc, status=exc.status_code)
    messages.success(request, f"已添加服务项目「{item.name}」。")
    return redirect(reverse("volunteer:menu"))


@page(*menu.MENU_ROLES)
def menu_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    item = menu.managed_item(actor, item_id)
    v = {"name": item.name, "field": item.field, "description": item.description}
    error, status = None, 200
    if request.method == "POST":
        v = {k: str(request.POST.get(k) or "") for k in ("name", "field", "description")}
        try:
            item = menu.item_edit(
                actor=actor,
                item_id=item_id,
                name=v["name"],
                field=v["field"],
                description=v["description"],
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            error, status = exc, exc.status_code
        else:
            messages.success(request, f"已保存服务项目「{item.name}」。")
            return redirect(reverse("volunteer:menu"))
    return render(
        request,
        "volunteer/menu_edit.html",
        {"item": item, "v": v, "fields": ServiceField.choices, "error": error},
        status=status,
    )


@require_POST
@page(*menu.MENU_ROLES)
def menu_change(request: HttpRequest, item_id: int) -> HttpResponse:
    """上移, 下移, 下架, 上架 or 删除 (the button's `do`)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    do = str(request.POST.get("do") or "")
    try:
        if do in ("up", "down"):
            menu.item_move(actor=actor, item_id=item_id, direction=do)
        elif do in ("off", "on"):
            item = menu.item_set_active(actor=actor, item_id=item_id, active=do == "on")
            messages.success(request, f"「{item.name}」已{'上架' if item.active else '下架'}。")
        elif do == "delete":
            menu.item_delete(actor=actor, item_id=item_id)
            messages.success(request, "服务项目已删除。")
        else:
            menu.managed_item(actor, item_id)  # 404 before 400 for what is not theirs
            return _render(request, error=ValidationFailed("没有这个操作。"), status=400)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _render(request, error=exc, status=exc.status_code)
    return redirect(reverse("volunteer:menu"))

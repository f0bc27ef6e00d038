"""服务菜单维护 (ADR 0032): 站 staff keep their 站's menu, 所 staff their 所's and its 站s':
add, edit, reorder, take off (下架) and put back (上架). Names are unique per 站; an item that
has orders is never deleted (it can be taken off). Every call starts from the person's 站s."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from chuangcheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from chuangcheng.org.access import Actor
from chuangcheng.volunteer.models import MenuItem, ServiceField, ServiceOrder, Station
from chuangcheng.volunteer.needs import RECORD_ROLES, stations_managed_by

MENU_ROLES = RECORD_ROLES


def _check(actor: Actor) -> None:
    if not actor.roles & MENU_ROLES:
        raise PermissionDenied("只有文明实践站、所工作人员可以维护服务菜单。")


def managed_station(actor: Actor, station_id: Any) -> Station:
    _check(actor)
    raw = str(station_id or "").strip()
    station = stations_managed_by(actor).filter(pk=int(raw)).first() if raw.isdigit() else None
    if station is None:
        raise NotFound("没有这个文明实践站，或不归您管理。")
    return station


def managed_item(actor: Actor, item_id: int) -> MenuItem:
    _check(actor)
    item = (
        MenuItem.objects.filter(pk=item_id, station__in=stations_managed_by(actor))
        .select_related("station")
        .first()
    )
    if item is None:
        raise NotFound("没有这个服务项目，或不归您管理。")
    return item


def _values(name: str, field: str, description: str) -> tuple[str, str, str]:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写服务项目名称。", fields={"name": ["必填"]})
    if len(name) > 40:
        raise ValidationFailed("服务项目名称最多 40 字。", fields={"name": ["过长"]})
    if field not in ServiceField.values:
        raise ValidationFailed("请选择服务领域。", fields={"field": ["不是允许的服务领域"]})
    description = (description or "").strip()
    if len(description) > 200:
        raise ValidationFailed("说明最多 200 字。", fields={"description": ["过长"]})
    return name, field, description


def _taken(station: Station, name: str) -> ValidationFailed:
    return ValidationFailed(
        f"本站菜单已有名为「{name}」的服务项目，请换一个名称。", fields={"name": ["名称重复"]}
    )


def item_add(
    *, actor: Actor, station_id: Any, name: str, field: str, description: str = ""
) -> MenuItem:
    station = managed_station(actor, station_id)
    name, field, description = _values(name, field, description)
    try:
        with transaction.atomic():
            Station.objects.select_for_update().filter(pk=station.pk).first()  # one writer
            if MenuItem.objects.filter(station=station, name=name).exists():
                raise _taken(station, name)
            last = MenuItem.objects.filter(station=station).aggregate(m=Max("position"))["m"]
            return MenuItem.objects.create(
                station=station,
                name=name,
                field=field,
                description=description,
                position=(last + 1) if last is not None else 0,
            )
    except IntegrityError:
        raise _taken(station, name) from None


def item_edit(
    *, actor: Actor, item_id: int, name: str, field: str, description: str = ""
) -> MenuItem:
    item = managed_item(actor, item_id)
    name, field, description = _values(name, field, description)
    if MenuItem.objects.filter(station_id=item.station_id, name=name).exclude(pk=item.pk).exists():
        raise _taken(item.station, name)
    item.name, item.field, item.description = name, field, description
    try:
        with transaction.atomic():
            item.save(update_fields=["name", "field", "description"])
    except IntegrityError:
        raise _taken(item.station, name) from None
    return item


def item_move(*, actor: Actor, item_id: int, direction: str) -> MenuItem:
    """上移/下移: the item swaps places with its neighbour (positions renumbered 0, 1, 2…)."""
    item = managed_item(actor, item_id)
    if direction not in ("up", "down"):
        raise ValidationFailed("移动方向只能是上移或下移。", fields={"direction": ["不允许"]})
    with transaction.atomic():
        rows = list(
            MenuItem.objects.select_for_update()
            .filter(station_id=item.station_id)
            .order_by("position", "pk")
        )
        at = next(i for i, r in enumerate(rows) if r.pk == item.pk)
        to = at - 1 if direction == "up" else at + 1
        if 0 <= to < len(rows):
            rows[at], rows[to] = rows[to], rows[at]
        for i, r in enumerate(rows):
            r.position = i
        MenuItem.objects.bulk_update(rows, ["position"])
    return next(r for r in rows if r.pk == item.pk)


def item_set_active(*, actor: Actor, item_id: int, active: bool) -> MenuItem:
    """下架 (residents no longer see it; its orders go on) or 上架 again."""
    item = managed_item(actor, item_id)
    if item.active != active:
        item.active = active
        item.save(update_fields=["active"])
    return item


def item_delete(*, actor: Actor, item_id: int) -> None:
    """Only an item nobody ever ordered; one with orders can only be taken off."""
    item = managed_item(actor, item_id)
    with transaction.atomic():
        MenuItem.objects.select_for_update().filter(pk=item.pk).first()
        if ServiceOrder.objects.filter(item_id=item.pk).exists():
            raise Conflict(f"「{item.name}」已有订单，不能删除，可以下架。")
        item.delete()


def menus_of(actor: Actor) -> list[dict[str, Any]]:
    """Each of the person's 站 with its whole menu (上架 and 下架) and each item's order count."""
    from django.db.models import Count

    stations = list(stations_managed_by(actor))
    items = (
        MenuItem.objects.filter(station__in=stations)
        .annotate(order_count=Count("orders"))
        .order_by("position", "pk")
    )
    by_station: dict[int, list[MenuItem]] = {s.pk: [] for s in stations}
    for item in items:
        by_station[item.station_id].append(item)
    return [{"station": s, "items": by_station[s.pk]} for s in stations]

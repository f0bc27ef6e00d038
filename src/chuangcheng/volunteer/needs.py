"""Needs that reach a 站 other than by a resident's own 点单 (ADR 0032):

- 登记群众需求: 站/所 staff record a need collected door to door (敲门行动), by phone or at the
  counter, on behalf of a resident. The order opens in the workflow's first state like any
  点单 (the staff member as its creator, the resident as its contact) and, as the person who
  heard the resident has already checked it, takes the workflow's own 审核通过 step in the same
  transaction (through the engine: its checks, its event, its notices).
- 转志愿服务: a grid worker's visit (grid.registers.visit_record) hands a need to the 站 of the
  visited person's community. The order opens in 待审核 (the 站 reviews it), with the visited
  person as its contact and only what the 站 needs: name, phone, address and the need itself.
- 自动结单: orders awaiting a rating longer than the setting close as 未评价 (the workflow's
  system step `auto_close`, run by volunteer.tasks).

A resend with the same client key returns the order it made, never a second one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from chuangcheng.cases.models import Case, CaseEvent
from chuangcheng.cases.services import case_open, case_transition
from chuangcheng.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from chuangcheng.core.privacy import is_phone, normalise_phone
from chuangcheng.core.settings_store import get_setting
from chuangcheng.org.access import SYSTEM, Actor
from chuangcheng.org.models import Region
from chuangcheng.volunteer.models import MenuItem, Station
from chuangcheng.volunteer.roles import INSTITUTE, STATION
from chuangcheng.volunteer.services import EXTERNAL_SOURCE, menu_of
from chuangcheng.volunteer.settings_keys import RATE_DAYS
from chuangcheng.volunteer.workflow import KIND

# where a need recorded by staff came from (Case.source)
SOURCES = ("敲门行动", "电话", "来访", "其他")
GRID_SOURCE = "网格走访"
RECORD_ROLES = frozenset({STATION, INSTITUTE})


def stations_managed_by(actor: Actor) -> QuerySet[Station]:
    """The 站 (and 所) whose menu and needs the person keeps: a 站's staff their 站; a 所's
    staff the 所 and every 站 under it."""
    own = actor.units_by_role.get(STATION, frozenset())
    institutes = actor.units_by_role.get(INSTITUTE, frozenset())
    if not own and not institutes:
        return Station.objects.none()
    return (
        Station.objects.exclude(level=Station.Level.CENTRE)
        .filter(
            Q(unit_id__in=own, level=Station.Level.STATION)
            | Q(unit_id__in=institutes, level=Station.Level.INSTITUTE)
            | Q(parent__unit_id__in=institutes, level=Station.Level.STATION)
        )
        .select_related("unit__region")
        .order_by("code")
    )


def _item(station: Station, item_id: Any) -> MenuItem:
    raw = str(item_id or "").strip()
    item = menu_of(station).filter(pk=int(raw)).first() if raw.isdigit() else None
    if item is None:
        raise ValidationFailed(
            "请从该站的服务菜单中选择服务项目。", fields={"item": ["不在该站菜单中"]}
        )
    return item


def _content(content: str) -> str:
    content = (content or "").strip()
    if not content:
        raise ValidationFailed("请填写需求内容。", fields={"content": ["必填"]})
    if len(content) > 1000:
        raise ValidationFailed("需求内容最多 1000 字。", fields={"content": ["过长"]})
    return content


def need_record(
    *,
    actor: Actor,
    station_id: Any,
    item_id: Any,
    content: str,
    name: str,
    phone: str,
    address: str = "",
    source: str = "敲门行动",
    wanted: str = "",
    client_key: str,
    now: dt.datetime | None = None,
) -> tuple[Case, bool]:
    """登记群众需求: staff record a resident's need as an order of their 站 (or of a 站 of
    their 所), then 审核通过 it as the same person, in one transaction."""
    if not actor.roles & RECORD_ROLES or actor.user_id is None:
        raise PermissionDenied("只有文明实践站、所工作人员可以登记群众需求。")
    raw = str(station_id or "").strip()
    station = stations_managed_by(actor).filter(pk=int(raw)).first() if raw.isdigit() else None
    if station is None:
        raise NotFound("没有这个文明实践站，或不归您管理。")
    item = _item(station, item_id)
    content = _content(content)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写群众姓名。", fields={"name": ["必填"]})
    if len(name) > 40:
        raise ValidationFailed("姓名最多 40 字。", fields={"name": ["过长"]})
    phone = normalise_phone(phone)
    if not is_phone(phone):
        raise ValidationFailed("请填写正确的联系电话。", fields={"phone": ["不是电话号码"]})
    if source not in SOURCES:
        raise ValidationFailed(
            f"需求来源只能是{'、'.join(SOURCES)}。", fields={"source": ["不允许"]}
        )
    wanted = (wanted or "").strip()
    if len(wanted) > 60:
        raise ValidationFailed("期望服务时间最多 60 字。", fields={"wanted": ["过长"]})
    client_key = (client_key or "").strip()[:64]
    if not client_key:
        raise ValidationFailed("缺少客户端编号。", fields={"client_key": ["必填"]})
    with transaction.atomic():
        case, created = case_open(
            kind=KIND,
            actor=actor,
            fields={
                "title": f"{item.name}（{station.name}）"[:200],
                "content": content,
                "address": (address or "").strip()[:255],
                "source": source,
                "channel": "工作人员登记",
                "external_source": EXTERNAL_SOURCE,
                "external_id": f"staff:{actor.user_id}:{client_key}",
            },
            contact={"name": name, "phone": phone},
            region=station.unit.region,
            note=f"{source}登记群众需求：{item.name}",
            now=now,
            detail={"station": station, "item": item, "wanted": wanted},
        )
        if created:  # the recorder heard the resident: the workflow's own 审核通过, as them
            case = case_transition(
                case_id=case.pk,
                action="accept",
                actor=actor,
                data={"note": f"{source}登记，登记人已核实需求"},
                now=now,
            )
    return case, created


# ---------------------------------------------------------------- a grid visit's need


def stations_for_region(region: Region) -> QuerySet[Station]:
    """The 站 serving a place: those whose unit's region contains it (a grid's community)."""
    chain: list[int] = []
    node: Region | None = region
    while node is not None:
        chain.append(node.pk)
        node = node.parent
    return (
        Station.objects.filter(level=Station.Level.STATION, unit__region_id__in=chain)
        .select_related("unit__region")
        .order_by("code")
    )


def menus_for_region(region: Region) -> list[tuple[Station, list[MenuItem]]]:
    """The 站 serving a place, each with what it offers now (for the visit form)."""
    stations = list(stations_for_region(region))
    items = MenuItem.objects.filter(station__in=stations, active=True).order_by("position", "pk")
    by_station: dict[int, list[MenuItem]] = {s.pk: [] for s in stations}
    for item in items:
        by_station[item.station_id].append(item)
    return [(s, by_station[s.pk]) for s in stations if by_station[s.pk]]


def order_for_visit(
    *,
    actor: Actor,
    grid: Region,
    item_id: Any,
    needs: str,
    name: str,
    phone: str,
    address: str,
    visit_key: str,
    now: dt.datetime | None = None,
) -> Case:
    """转志愿服务: the order a visit's need becomes, at the 站 of the grid's community (the one
    whose menu the item is on), in the caller's transaction (grid.registers.visit_record). The
    caller has checked that the person lives in one of the visitor's grids; the visit's key is
    the order's key."""
    raw = str(item_id or "").strip()
    item = (
        MenuItem.objects.filter(pk=int(raw), active=True, station__in=stations_for_region(grid))
        .select_related("station__unit__region")
        .first()
        if raw.isdigit()
        else None
    )
    if item is None:
        raise ValidationFailed(
            "请从本社区新时代文明实践站的服务菜单中选择服务项目。",
            fields={"need_item": ["不是本社区站点的服务项目"]},
        )
    station = item.station
    content = _content(needs)
    phone = normalise_phone(phone or "")
    case, _created = case_open(
        kind=KIND,
        actor=actor,
        fields={
            "title": f"{item.name}（{station.name}）"[:200],
            "content": content,
            "address": (address or "")[:255],
            "source": GRID_SOURCE,
            "channel": "网格员探访",
            "external_source": EXTERNAL_SOURCE,
            "external_id": f"visit:{visit_key}",
        },
        contact={"name": (name or "")[:40], "phone": phone if is_phone(phone) else ""},
        region=station.unit.region,
        note=f"网格员探访时登记需求：{item.name}",
        now=now,
        detail={"station": station, "item": item, "wanted": ""},
    )
    return case


# ---------------------------------------------------------------- 自动结单


def unrated_due(now: dt.datetime | None = None) -> QuerySet[Case]:
    """Orders awaiting a rating since their 服务完成 more than the setting's days ago."""
    now = now or timezone.now()
    days = int(get_setting(RATE_DAYS))
    completed = (
        CaseEvent.objects.filter(case_id=OuterRef("pk"), action="complete")
        .values("case_id")
        .annotate(last=Max("created_at"))
        .values("last")
    )
    return (
        Case.objects.filter(kind=KIND, status="rating")
        .annotate(completed_at=Subquery(completed))
        .filter(completed_at__lte=now - dt.timedelta(days=days))
        .order_by("pk")
    )


def close_unrated(now: dt.datetime | None = None, limit: int = 500) -> int:
    """自动结单: each order due closes through the workflow's system step (one transaction
    each; an order someone rated meanwhile is left as it is). Returns how many closed."""
    now = now or timezone.now()
    days = int(get_setting(RATE_DAYS))
    closed = 0
    for case_id in list(unrated_due(now).values_list("pk", flat=True)[:limit]):
        try:
            case_transition(
                case_id=case_id, action="auto_close", actor=SYSTEM, data={"days": days}, now=now
            )
        except Conflict:  # rated (or closed) since it was read: nothing to do
            continue
        closed += 1
    return closed

"""What the 新时代文明实践 loop does outside the engine's steps: register a volunteer, place an
order from a 站's menu (点单: the case opens in the workflow's first state), and the scoped
reads every page and endpoint starts from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from chuangcheng.cases.models import Case
from chuangcheng.cases.selectors import cases_visible_to
from chuangcheng.cases.services import case_open
from chuangcheng.core.errors import NotFound, PermissionDenied, ValidationFailed
from chuangcheng.core.idcard import parse_id
from chuangcheng.core.privacy import is_phone, mask_phone, normalise_phone
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Membership
from chuangcheng.volunteer.ledger import total_hours
from chuangcheng.volunteer.models import (
    MenuItem,
    ServiceRecord,
    Station,
    Team,
    TeamMember,
    Volunteer,
)
from chuangcheng.volunteer.roles import RESIDENT, VOLUNTEER
from chuangcheng.volunteer.workflow import KIND

EXTERNAL_SOURCE = "volunteer-order"
NUMBER_PREFIX = "ZYZ"  # 志愿者编号: ZYZ + eight digits, never derived from the ID number


def station_by_code(code: str) -> Station:
    """A 站 (or 所) by its public code, as its QR code names it (404 otherwise)."""
    station = Station.objects.select_related("unit__region").filter(code=code).first()
    if station is None or station.level == Station.Level.CENTRE:
        raise NotFound("没有这个文明实践站。")
    return station


def menu_of(station: Station) -> QuerySet[MenuItem]:
    return MenuItem.objects.filter(station=station, active=True).order_by("position", "pk")


def order_place(
    *,
    actor: Actor,
    station_code: str,
    item_id: Any,
    content: str,
    phone: str,
    address: str = "",
    wanted: str = "",
    name: str = "",
    client_key: str = "",
    now: dt.datetime | None = None,
) -> tuple[Case, bool]:
    """点单: a resident orders one service of a 站's menu. A resend with the same client key
    returns the order it made."""
    if not actor.has(RESIDENT) or actor.user_id is None:
        raise PermissionDenied("请以居民身份登录后点单。")
    station = station_by_code(station_code)
    item = (
        menu_of(station).filter(pk=int(item_id)).first()
        if str(item_id or "").strip().isdigit()
        else None
    )
    if item is None:
        raise ValidationFailed(
            "请从本站的服务菜单中选择服务项目。", fields={"item": ["不在本站菜单中"]}
        )
    content = (content or "").strip()
    if not content:
        raise ValidationFailed("请说明您的需求。", fields={"content": ["必填"]})
    if len(content) > 1000:
        raise ValidationFailed("需求说明最多 1000 字。", fields={"content": ["过长"]})
    phone = normalise_phone(phone)
    if not is_phone(phone):
        raise ValidationFailed("请填写正确的联系电话。", fields={"phone": ["不是电话号码"]})
    wanted = (wanted or "").strip()
    if len(wanted) > 60:
        raise ValidationFailed("期望服务时间最多 60 字。", fields={"wanted": ["过长"]})
    client_key = (client_key or "").strip()[:64]
    fields: dict[str, Any] = {
        "title": f"{item.name}（{station.name}）"[:200],
        "content": content,
        "address": (address or "").strip()[:255],
        "source": "居民点单",
        "channel": "APP",
        "citizen_user_id": actor.user_id,
    }
    if client_key:
        fields["external_source"] = EXTERNAL_SOURCE
        fields["external_id"] = f"{actor.user_id}:{client_key}"
    return case_open(
        kind=KIND,
        actor=actor,
        fields=fields,
        contact={"name": (name or "").strip()[:40], "phone": phone},
        region=station.unit.region,
        note=f"居民点单：{item.name}",
        now=now,
        detail={"station": station, "item": item, "wanted": wanted},
    )


def orders_visible_to(actor: Actor) -> QuerySet[Case]:
    """The orders the person may see (the engine's one scoping function, this loop's kind)."""
    return (
        cases_visible_to(actor)
        .filter(kind=KIND)
        .select_related("vorder__station", "vorder__item", "vorder__team", "lead_unit")
    )


def resident_orders(actor: Actor) -> QuerySet[Case]:
    """A resident's own orders (only those they placed, whatever else they may hold)."""
    if actor.user_id is None:
        return Case.objects.none()
    return orders_visible_to(actor).filter(citizen_user_id=actor.user_id).order_by("-created_at")


def teams_led_by(actor: Actor) -> QuerySet[Team]:
    from chuangcheng.volunteer.roles import LEADER

    return Team.objects.filter(unit_id__in=actor.units_by_role.get(LEADER, frozenset()))


# ---------------------------------------------------------------- volunteers
def volunteer_register(
    *,
    station: Station,
    name: str,
    id_number: str,
    phone: str,
    skills: str = "",
    user: Any = None,
    teams: Sequence[Team] = (),
    now: dt.datetime | None = None,
) -> Volunteer:
    """实名注册: the ID number checked (GB 11643), kept encrypted, unique by its blind index;
    the volunteer number is the platform's own. With an account, the person becomes a 志愿者
    of the loop (role in the 站's unit)."""
    now = now or timezone.now()
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise ValidationFailed("请填写真实姓名（最多 40 字）。", fields={"name": ["必填"]})
    parsed = parse_id(id_number)
    phone = normalise_phone(phone)
    if not is_phone(phone):
        raise ValidationFailed("请填写正确的联系电话。", fields={"phone": ["不是电话号码"]})
    skills = (skills or "").strip()
    if len(skills) > 200:
        raise ValidationFailed("技能特长最多 200 字。", fields={"skills": ["过长"]})
    if station.level == Station.Level.CENTRE:
        raise ValidationFailed("请选择文明实践站或所。", fields={"station": ["不能选中心"]})
    if Volunteer.objects.filter(id_index=parsed.index).exists():
        raise ValidationFailed("该身份证号码已注册为志愿者。", fields={"id_number": ["已注册"]})
    if user is not None and Volunteer.objects.filter(user=user).exists():
        raise ValidationFailed("您已注册为志愿者。")
    try:
        with transaction.atomic():
            v = Volunteer.objects.create(
                user=user,
                number=f"T{now:%H%M%S%f}",  # replaced below, once the row has its id
                name=name,
                sex=Volunteer.Sex.MALE if parsed.male else Volunteer.Sex.FEMALE,
                birth=parsed.birth,
                id_number=parsed.number,
                id_index=parsed.index,
                id_masked=parsed.masked,
                phone=phone,
                phone_masked=mask_phone(phone),
                skills=skills,
                station=station,
                registered_at=now,
            )
            v.number = f"{NUMBER_PREFIX}{v.pk:08d}"
            v.save(update_fields=["number"])
            TeamMember.objects.bulk_create(
                TeamMember(team=t, volunteer=v, joined_at=now) for t in teams
            )
            if user is not None:
                Membership.objects.get_or_create(user=user, role=VOLUNTEER, unit=station.unit)
    except IntegrityError:  # the same number registered at the same moment
        raise ValidationFailed(
            "该身份证号码已注册为志愿者。", fields={"id_number": ["已注册"]}
        ) from None
    return v


def volunteer_of(actor: Actor) -> Volunteer | None:
    if actor.user_id is None:
        return None
    return Volunteer.objects.select_related("station").filter(user_id=actor.user_id).first()


def volunteer_summary(v: Volunteer) -> dict[str, Any]:
    """我的志愿服务: teams, the orders served (as confirmed by the leaders) and their hours."""
    records = list(
        ServiceRecord.objects.filter(volunteer=v)
        .select_related("order__item", "order__station", "order__case")
        .order_by("-served_at")[:50]
    )
    total = ServiceRecord.objects.filter(volunteer=v).aggregate(s=Sum("hours"))["s"]
    return {
        "volunteer": v,
        "teams": list(v.teams.select_related("station").order_by("name")),
        "records": records,
        "served": ServiceRecord.objects.filter(volunteer=v).count(),
        "order_hours": total or Decimal("0"),
        "hours": total_hours(v),
    }

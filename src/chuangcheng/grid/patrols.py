"""巡查: a grid worker starts and ends a patrol on the phone (place and time), the phone sends the
route as points (kept on the phone while the network is bad; a resend never doubles), points
outside the grid are counted and a patrol mostly outside it is flagged. Where a point lies is
decided as everywhere else (org.selectors.region_id_for_point: the map's outlines)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from chuangcheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from chuangcheng.grid.ledgers import visible_grids
from chuangcheng.grid.models import GridPost, Patrol, PatrolPoint
from chuangcheng.grid.roles import POSTED_ROLES
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Region
from chuangcheng.org.selectors import region_id_for_point

MAX_POINTS = 500  # per request: ten minutes of points every second is far more than a phone sends
FLAG_SHARE = 0.2  # more than a fifth of the route outside the grid: flagged


def _coordinate(raw: Any, name: str) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{name}不是数字。", fields={name: ["不是数字"]}) from None
    if not math.isfinite(value):
        raise ValidationFailed(f"{name}不是数字。", fields={name: ["不是数字"]})
    return value


def city_point(lat_raw: Any, lng_raw: Any) -> tuple[float, float]:
    lat, lng = _coordinate(lat_raw, "纬度"), _coordinate(lng_raw, "经度")
    min_lng, min_lat, max_lng, max_lat = settings.CC_CITY_BOUNDS
    if not (min_lat <= lat <= max_lat and min_lng <= lng <= max_lng):
        raise ValidationFailed("位置不在本市范围内，请检查手机定位。", fields={"lat": ["不在本市"]})
    return lat, lng


def _when(raw: Any, now: dt.datetime) -> dt.datetime:
    if raw in (None, ""):
        return now
    try:
        when = raw if isinstance(raw, dt.datetime) else dt.datetime.fromisoformat(str(raw))
    except ValueError:
        raise ValidationFailed("时间格式不对。", fields={"at": ["格式不对"]}) from None
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > now + dt.timedelta(minutes=5):
        raise ValidationFailed("时间不能晚于现在，请检查手机时间。", fields={"at": ["晚于现在"]})
    if when < now - dt.timedelta(days=2):
        raise ValidationFailed("只能补传两天内的巡查。", fields={"at": ["太早"]})
    return when


def user_of(actor: Actor) -> int:
    if actor.user_id is None:
        raise PermissionDenied("请先登录。")
    return actor.user_id


def patrol_grids(actor: Actor) -> QuerySet[Region]:
    """The grids this person patrols: those they hold a post in (专职, 兼职, 楼栋长)."""
    if actor.user_id is None or not actor.roles & POSTED_ROLES:
        return Region.objects.none()
    return Region.objects.filter(
        pk__in=GridPost.objects.filter(user_id=user_of(actor)).values("grid_id")
    ).order_by("code")


def open_patrol(actor: Actor) -> Patrol | None:
    return Patrol.objects.filter(user_id=user_of(actor), ended_at__isnull=True).first()


def patrol_start(
    *,
    actor: Actor,
    grid_id: Any,
    lat: Any,
    lng: Any,
    client_key: str,
    at: Any = None,
    now: dt.datetime | None = None,
) -> tuple[Patrol, bool]:
    now = now or timezone.now()
    grids = patrol_grids(actor)
    if not grids.exists():
        raise PermissionDenied("只有网格员可以开始巡查。")
    client_key = (client_key or "").strip()[:64]
    if not client_key:
        raise ValidationFailed("缺少客户端编号。", fields={"client_key": ["必填"]})
    uid = user_of(actor)
    again = Patrol.objects.filter(client_key=client_key, user_id=uid).first()
    if again is not None:
        return again, False
    grid = grids.filter(pk=int(grid_id)).first() if str(grid_id).isdigit() else None
    if grid is None:
        raise ValidationFailed("请选择您负责的网格。", fields={"grid": ["不是您负责的网格"]})
    lat_f, lng_f = city_point(lat, lng)
    when = _when(at, now)
    inside = region_id_for_point(lat_f, lng_f) == grid.pk
    try:
        with transaction.atomic():
            patrol = Patrol.objects.create(
                user_id=uid,
                grid=grid,
                started_at=when,
                start_lat=lat_f,
                start_lng=lng_f,
                client_key=client_key,
            )
            PatrolPoint.objects.create(patrol=patrol, at=when, lat=lat_f, lng=lng_f, inside=inside)
            _count(patrol)
    except IntegrityError:
        again = Patrol.objects.filter(client_key=client_key, user_id=uid).first()
        if again is not None:
            return again, False
        raise Conflict("您有一次巡查还没有结束，请先结束它。") from None
    return patrol, True


def _own(actor: Actor, patrol_id: int) -> Patrol:
    patrol = Patrol.objects.select_for_update().filter(pk=patrol_id, user_id=user_of(actor)).first()
    if patrol is None:
        raise NotFound("巡查记录不存在。")
    return patrol


def patrol_points(
    *, actor: Actor, patrol_id: int, points: Any, now: dt.datetime | None = None
) -> dict[str, int]:
    """Add route points [{at, lat, lng}, …]; a point already kept (same moment) is ignored.
    Points taken while offline may arrive after the patrol ended: they count if they were
    taken during it."""
    now = now or timezone.now()
    if not isinstance(points, list) or not all(isinstance(p, dict) for p in points):
        raise ValidationFailed("轨迹点格式不对。")
    if len(points) > MAX_POINTS:
        raise ValidationFailed(f"一次最多上传 {MAX_POINTS} 个轨迹点。")
    with transaction.atomic():
        patrol = _own(actor, patrol_id)
        rows = []
        for p in points:
            lat, lng = city_point(p.get("lat"), p.get("lng"))
            when = _when(p.get("at"), now)
            if when < patrol.started_at or (patrol.ended_at and when > patrol.ended_at):
                continue
            inside = region_id_for_point(lat, lng) == patrol.grid_id
            rows.append(PatrolPoint(patrol=patrol, at=when, lat=lat, lng=lng, inside=inside))
        PatrolPoint.objects.bulk_create(rows, ignore_conflicts=True)
        _count(patrol)
    return {"points": patrol.points, "outside": patrol.outside}


def patrol_end(
    *,
    actor: Actor,
    patrol_id: int,
    lat: Any,
    lng: Any,
    note: str = "",
    at: Any = None,
    now: dt.datetime | None = None,
) -> Patrol:
    """End a patrol (again: nothing changes)."""
    now = now or timezone.now()
    with transaction.atomic():
        patrol = _own(actor, patrol_id)
        if patrol.ended_at is not None:
            return patrol
        lat_f, lng_f = city_point(lat, lng)
        when = _when(at, now)
        if when < patrol.started_at:
            raise ValidationFailed("结束时间早于开始时间。", fields={"at": ["早于开始"]})
        patrol.ended_at, patrol.end_lat, patrol.end_lng = when, lat_f, lng_f
        patrol.note = (note or "").strip()[:500]
        inside = region_id_for_point(lat_f, lng_f) == patrol.grid_id
        PatrolPoint.objects.bulk_create(
            [PatrolPoint(patrol=patrol, at=when, lat=lat_f, lng=lng_f, inside=inside)],
            ignore_conflicts=True,
        )
        patrol.save(update_fields=["ended_at", "end_lat", "end_lng", "note"])
        _count(patrol)
    return patrol


def _count(patrol: Patrol) -> None:
    agg = PatrolPoint.objects.filter(patrol=patrol).aggregate(
        n=Count("pk"), out=Count("pk", filter=Q(inside=False))
    )
    patrol.points, patrol.outside = agg["n"], agg["out"]
    patrol.flagged = bool(patrol.points) and patrol.outside > FLAG_SHARE * patrol.points
    patrol.save(update_fields=["points", "outside", "flagged"])


def patrols_visible_to(actor: Actor) -> QuerySet[Patrol]:
    """A worker's own patrols; community and street staff: the patrols of their grids."""
    own = Q(user_id=actor.user_id) if actor.user_id is not None else Q(pk__in=[])
    return Patrol.objects.filter(own | Q(grid__in=visible_grids(actor))).select_related(
        "grid", "user"
    )

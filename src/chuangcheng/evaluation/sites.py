"""The registry of field sites (测评点位): who sees which, and its Excel import and export.

Sheet “测评点位”, one row per site, columns found by header:

  点位编号 点位名称 点位类型 [街道] [社区] [地址] 纬度 经度 属地责任单位 [包联单位] [启用]

点位类型 by name or code; 街道/社区 by name or code (left empty: found from the point);
属地责任单位/包联单位 by unit code, name or short name, 包联单位 several separated by 、.
A point farther than 3 km from every community of the city is refused as outside the city.
Rows are matched on 点位编号: an existing site is updated, a new one created; nothing is deleted.
All or nothing: every broken row is named and nothing is kept."""

from __future__ import annotations

from typing import IO, Any

from django.db import transaction
from django.db.models import Q, QuerySet

from chuangcheng.core.errors import PermissionDenied, ValidationFailed
from chuangcheng.core.sheets import (
    ImportRejected,
    RowError,
    RowProblem,
    as_bool,
    as_float,
    new_sheet,
    open_workbook,
    rows,
    text,
    workbook_bytes,
)
from chuangcheng.evaluation.models import Site, SiteType
from chuangcheng.evaluation.roles import SITE_EDIT_ROLES, SITE_REGION_ROLES, UNIT
from chuangcheng.evaluation.standard import SPLIT
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Region, Unit
from chuangcheng.org.selectors import region_id_for_point

SHEET = "测评点位"
COLUMNS = [
    "点位编号",
    "点位名称",
    "点位类型",
    "街道",
    "社区",
    "地址",
    "纬度",
    "经度",
    "属地责任单位",
    "包联单位",
    "启用",
]
REQUIRED = ["点位编号", "点位名称", "点位类型", "纬度", "经度", "属地责任单位"]


def visible_sites(actor: Actor) -> QuerySet[Site]:
    """The sites this person may see: 创城办, evaluators and leaders those in their units'
    regions; a responsible unit those it answers for or is paired with; nobody else any."""
    qs = Site.objects.all()
    if actor.is_superuser:
        return qs
    allowed = Q(pk__in=[])
    for role in SITE_REGION_ROLES & actor.roles:
        for path in actor.paths_by_role.get(role, ()):
            allowed |= Q(street__path__startswith=path)
    if UNIT in actor.roles:
        units = actor.units_with_children(UNIT)
        allowed |= Q(unit_id__in=units) | Q(paired_units__in=units)
    return qs.filter(allowed).distinct()


def require_editor(actor: Actor) -> None:
    if not (actor.is_superuser or actor.roles & SITE_EDIT_ROLES):
        raise PermissionDenied("只有创城办可以修改测评点位。")


# ---------------------------------------------------------------- import


def _unit_index() -> dict[str, Unit]:
    index: dict[str, Unit] = {}
    for unit in Unit.objects.filter(active=True):
        for key in (unit.code, unit.name, unit.short_name):
            if key:
                index.setdefault(key, unit)
    return index


def _region(
    row: dict[str, Any], column: str, level: int, index: dict[tuple[int, str], Region]
) -> Region | None:
    raw = text(row.get(column))
    if not raw:
        return None
    region = index.get((level, raw))
    if region is None:
        raise RowProblem(column, f"没有名为或代码为“{raw}”的{Region.Level(level).label}")
    return region


def sites_import(*, actor: Actor, file: IO[bytes] | str) -> dict[str, int]:
    require_editor(actor)
    wb = open_workbook(file)
    try:
        if SHEET not in wb.sheetnames:
            raise ValidationFailed(f"工作簿中没有名为“{SHEET}”的工作表。")
        return _import(wb[SHEET])
    finally:
        wb.close()


def _import(ws: Any) -> dict[str, int]:
    types: dict[str, SiteType] = {}
    for st in SiteType.objects.all():
        types[st.code] = types[st.name] = st
    regions: dict[tuple[int, str], Region] = {}
    by_id: dict[int, Region] = {}
    for r in Region.objects.filter(level__in=[Region.Level.STREET, Region.Level.COMMUNITY]):
        regions[(r.level, r.code)] = r
        regions.setdefault((r.level, r.name), r)
        by_id[r.pk] = r
    units = _unit_index()
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    parsed: list[tuple[dict[str, Any], list[Unit]]] = []
    for number, row in rows(ws, SHEET, REQUIRED, errors):
        try:
            code = text(row.get("点位编号"))
            if not code or len(code) > 30:
                raise RowProblem("点位编号", "不能为空，最多 30 位")
            first = seen.setdefault(code, number)
            if first != number:
                raise RowProblem("点位编号", f"与第 {first} 行重复")
            name = text(row.get("点位名称"))
            if not name or len(name) > 100:
                raise RowProblem("点位名称", "不能为空，最多 100 字")
            site_type = types.get(text(row.get("点位类型")))
            if site_type is None:
                raise RowProblem(
                    "点位类型", f"没有名为或代码为“{text(row.get('点位类型'))}”的点位类型"
                )
            lat, lng = as_float(row, "纬度"), as_float(row, "经度")
            if not (-90 <= lat <= 90 and -180 <= lng <= 180):
                raise RowProblem("纬度", "经纬度超出范围")
            street = _region(row, "街道", Region.Level.STREET, regions)
            community = _region(row, "社区", Region.Level.COMMUNITY, regions)
            found = region_id_for_point(lat, lng)
            if found is None:
                raise RowProblem("纬度", "点位坐标不在本市范围内（距最近的社区超过 3 公里）")
            if community is None and street is None:
                leaf = by_id.get(found)
                if leaf is not None and leaf.level == Region.Level.COMMUNITY:
                    community = leaf
            if community is not None:
                parent = by_id.get(community.parent_id or 0)
                if street is not None and parent is not None and parent.pk != street.pk:
                    raise RowProblem("社区", f"{community.name}不属于{street.name}")
                street = street or parent
            if street is None:
                raise RowProblem("街道", "无法确定所在街道，请填写")
            unit = units.get(text(row.get("属地责任单位")))
            if unit is None:
                raise RowProblem("属地责任单位", f"没有单位“{text(row.get('属地责任单位'))}”")
            paired = []
            for part in SPLIT.split(text(row.get("包联单位"))):
                if part:
                    if part not in units:
                        raise RowProblem("包联单位", f"没有单位“{part}”")
                    paired.append(units[part])
            values = {
                "code": code,
                "name": name,
                "site_type": site_type,
                "street": street,
                "community": community,
                "address": text(row.get("地址"))[:200],
                "lat": lat,
                "lng": lng,
                "unit": unit,
                "active": as_bool(row, "启用"),
            }
        except RowProblem as p:
            errors.append(RowError(SHEET, number, p.column, p.reason))
            continue
        parsed.append((values, paired))
    if errors:
        raise ImportRejected(errors)
    if not parsed:
        raise ValidationFailed(f"工作表“{SHEET}”中没有点位。")
    created = updated = 0
    with transaction.atomic():
        for values, paired in parsed:
            site, new = Site.objects.update_or_create(code=values.pop("code"), defaults=values)
            site.paired_units.set(paired)
            created, updated = created + new, updated + (not new)
    return {"created": created, "updated": updated}


# ---------------------------------------------------------------- export


def sites_export(qs: QuerySet[Site]) -> bytes:
    wb, ws = new_sheet(SHEET, COLUMNS)
    for site in qs.select_related("site_type", "street", "community", "unit").prefetch_related(
        "paired_units"
    ):
        ws.append(
            [
                site.code,
                site.name,
                site.site_type.name,
                site.street.name,
                site.community.name if site.community else "",
                site.address,
                site.lat,
                site.lng,
                site.unit.code,
                "、".join(u.code for u in site.paired_units.all()),
                "是" if site.active else "否",
            ]
        )
    return workbook_bytes(wb)

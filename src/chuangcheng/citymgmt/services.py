"""Writes of the 数字城管 reference data. Each runs in one transaction and validates first; a
change to the unit grids writes a new grid-index token in the same transaction (geo.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from chuangcheng.cases.models import Case
from chuangcheng.cases.services import case_open
from chuangcheng.citymgmt.geo import GridHit, OutsideGrids, grid_for_point, parse_boundary
from chuangcheng.citymgmt.models import (
    FAMILY_DIGIT,
    NEEDS_VERIFY,
    Component,
    Family,
    GridIndexState,
    PhotoType,
    Responsibility,
    Source,
    Subclass,
    UnitGrid,
)
from chuangcheng.citymgmt.workflow import INSPECTOR, OPERATOR, SHIFT
from chuangcheng.citymgmt.workflow import KIND as CITYMGMT_KIND
from chuangcheng.core.errors import PermissionDenied, ValidationFailed
from chuangcheng.core.uploads import check_upload
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Region, Unit


def can_edit_reference_data(actor: Actor) -> bool:
    """Reference data (catalogue, grids, registry) is kept by administrators."""
    return actor.is_superuser


def _require_editor(actor: Actor) -> None:
    if not can_edit_reference_data(actor):
        raise PermissionDenied("只有系统管理员可以维护数字城管目录、单元网格和部件。")


def grid_index_touch() -> None:
    """Mark the grids changed: every process rebuilds its lookup index on its next lookup."""
    GridIndexState.objects.update_or_create(
        pk=1, defaults={"token": uuid.uuid4().hex, "changed_at": timezone.now()}
    )


# ---------------------------------------------------------------- validation (pure)


def object_id_problems(object_id: str, subclass: Subclass | None, grid: UnitGrid | None) -> str:
    """Why a 16-digit 标识码 does not fit its subclass and grid ("" when it does).

    6 region digits (the grid code's first six) + 2 class + 2 subclass + 6 serial digits."""
    if len(object_id) != 16 or not object_id.isdigit():
        return (
            f"标识码“{object_id}”必须是 16 位数字（6 位行政区划 + 2 位大类 + 2 位小类 + 6 位序号）"
        )
    if subclass is not None:
        if subclass.klass.family != Family.COMPONENT:
            return f"小类 {subclass.full_code} {subclass.name} 不是部件小类"
        expected = subclass.klass.code + subclass.code
        if object_id[6:10] != expected:
            return (
                f"标识码第 7–10 位应为大类+小类代码 {expected}（{subclass.name}），"
                f"实为 {object_id[6:10]}"
            )
    if object_id[10:] == "000000":
        return "标识码最后 6 位序号不能全为 0"
    if grid is not None and object_id[:6] != grid.code[:6]:
        return f"标识码前 6 位应为所在单元网格的行政区划代码 {grid.code[:6]}，实为 {object_id[:6]}"
    return ""


def grid_region_problems(community: Region | None, street: Region | None) -> str:
    if community is None or community.level != Region.Level.COMMUNITY:
        return "所属社区必须是社区级区域"
    if street is None or street.level != Region.Level.STREET:
        return "所属街道必须是街道级区域"
    if community.parent_id != street.pk:
        return f"社区“{community.name}”不属于街道“{street.name}”"
    return ""


def apply_boundary(grid: UnitGrid, text: str) -> None:
    """Check the WKT and store it with its bounding box and representative point."""
    geom = parse_boundary(text)  # ValueError with a Chinese reason
    grid.boundary_wkt = geom.wkt
    grid.min_lng, grid.min_lat, grid.max_lng, grid.max_lat = geom.bounds
    point = geom.representative_point()
    grid.center_lng, grid.center_lat = point.x, point.y


def _full_clean(obj: Any, *, exclude: list[str]) -> None:
    """Model validation as a ValidationFailed (400) with the first Chinese message."""
    try:
        obj.full_clean(exclude=exclude)
    except DjangoValidationError as exc:
        fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        first = next(iter(fields.items()))
        raise ValidationFailed(f"{first[0]}：{first[1][0]}", fields=fields) from None


# ---------------------------------------------------------------- grids


def grid_save(*, actor: Actor, grid: UnitGrid) -> UnitGrid:
    """Create or update a unit grid (admin form, import)."""
    _require_editor(actor)
    problem = grid_region_problems(grid.community, grid.street)
    if problem:
        raise ValidationFailed(problem, fields={"community": [problem]})
    try:
        apply_boundary(grid, grid.boundary_wkt)
    except ValueError as exc:
        raise ValidationFailed(str(exc), fields={"boundary_wkt": [str(exc)]}) from None
    with transaction.atomic():
        _full_clean(grid, exclude=["community", "street"])
        grid.save()
        grid_index_touch()
    return grid


def grid_delete(*, actor: Actor, grid: UnitGrid) -> None:
    _require_editor(actor)
    if grid.components.exists():
        raise ValidationFailed(f"单元网格 {grid.code} 中还有部件，不能删除（可改为停用）。")
    with transaction.atomic():
        grid.delete()
        grid_index_touch()


# ---------------------------------------------------------------- components


def component_save(*, actor: Actor, component: Component) -> Component:
    """Create or update a component of the registry after checking its 标识码."""
    _require_editor(actor)
    problem = object_id_problems(component.object_id, component.subclass, component.grid)
    if problem:
        raise ValidationFailed(problem, fields={"object_id": [problem]})
    with transaction.atomic():
        _full_clean(component, exclude=["subclass", "grid"])
        component.save()
    return component


# ---------------------------------------------------------------- the loop's cases (案卷)

REPORT_SOURCE = "citymgmt_report"  # Case.external_source of an inspector's phone report
PHOTO_LABELS = dict(PhotoType.choices)  # near → 近景 …


def subclass_by_code(code: Any) -> Subclass:
    """A subclass from its 6-digit catalogue code (200201 = 事件 非法小广告); 400 otherwise."""
    text = str(code or "").strip()
    if not (text.isdigit() and len(text) == 6):
        raise ValidationFailed(
            "小类代码应为 6 位目录代码，如 200201（非法小广告）。",
            fields={"subclass": ["格式错误"]},
        )
    family = {v: k for k, v in FAMILY_DIGIT.items()}.get(text[0])
    sub = (
        Subclass.objects.select_related("klass")
        .filter(
            klass__family=family,
            klass__code=text[2:4],
            code=text[4:6],
            active=True,
            klass__active=True,
        )
        .first()
        if family is not None and text[1] == "0"
        else None
    )
    if sub is None:
        raise ValidationFailed(
            f"没有代码为 {text} 的小类，请从小类列表中选择。", fields={"subclass": ["不存在"]}
        )
    return sub


def _photos(files: Sequence[tuple[Any, str]]) -> list[tuple[Any, str]]:
    """(upload, photo type code) → (upload, Chinese label); every file must be a photo."""
    out = []
    for upload, kind in files:
        label = PHOTO_LABELS.get(kind) or (kind if kind in PHOTO_LABELS.values() else "")
        if not label:
            raise ValidationFailed(
                "照片类型只能是：" + "、".join(f"{k}（{v}）" for k, v in PHOTO_LABELS.items()),
                fields={"photos": ["照片类型错误"]},
            )
        checked = check_upload(upload, name=getattr(upload, "name", ""), field="photos")
        if not checked.content_type.startswith("image/"):
            raise ValidationFailed(
                f"“{getattr(upload, 'name', '') or '文件'}”不是照片（只接受 JPEG/PNG 等图片）。",
                fields={"photos": ["不是图片"]},
            )
        out.append((upload, label))
    return out


def _where(lat: Any, lng: Any) -> GridHit:
    try:
        return grid_for_point(lat, lng)
    except OutsideGrids as exc:  # a phone's point outside every grid is bad input here
        raise ValidationFailed(str(exc.message), fields={"lat": ["不在任何单元网格内"]}) from None


def suggest_department(
    subclass: Subclass, component: Component | None, region: Region | None
) -> Unit | None:
    """The 权责清单's answer: a component's 养护, 权属 or 主管 department; for an event, the row of
    its subclass for the most specific region containing the case (or a row for everywhere)."""
    if component is not None:
        for unit_id in (
            component.maintainer_dept_id,
            component.owner_dept_id,
            component.main_dept_id,
        ):
            if unit_id is not None:
                return Unit.objects.filter(pk=unit_id).first()
    rows = Responsibility.objects.filter(subclass=subclass).select_related("unit", "region")
    best: tuple[int, Unit] | None = None
    for row in rows:
        if row.region is None:
            depth = 0
        elif region is not None and region.path.startswith(row.region.path):
            depth = len(row.region.path)
        else:
            continue
        if best is None or depth > best[0]:
            best = (depth, row.unit)
    return best[1] if best else None


def citymgmt_case_open(
    *,
    actor: Actor,
    data: dict[str, Any],
    photos: Sequence[tuple[Any, str]],
    source: str,
    external: tuple[str, str],
    hotline_case: Case | None = None,
    now: dt.datetime | None = None,
) -> tuple[Case, bool]:
    sub = subclass_by_code(data.get("subclass"))
    hit = _where(data.get("lat"), data.get("lng"))
    component = None
    object_id = str(data.get("component") or "").strip()
    if object_id:
        component = Component.objects.filter(object_id=object_id).first()
        if component is None:
            raise ValidationFailed(
                f"部件标识码 {object_id} 不在部件库中。", fields={"component": ["不存在"]}
            )
        if component.subclass_id != sub.pk:
            raise ValidationFailed(
                f"部件 {object_id} 不属于小类 {sub.name}。", fields={"component": ["小类不符"]}
            )
    description = str(data.get("description") or "").strip()[:2000]
    address = str(data.get("address") or "").strip()[:255]
    grid = UnitGrid.objects.select_related("community").get(pk=hit.grid_id)
    # the case and its 城管 row (CITYMGMT.detail) are written together by the engine
    case, created = case_open(
        kind=CITYMGMT_KIND,
        actor=actor,
        fields={
            "title": f"{sub.name}（{hit.community_name}）",
            "content": description or sub.name,
            "address": address or f"{hit.street_name}{hit.community_name}{hit.grid_name}",
            "lat": float(data["lat"]),
            "lng": float(data["lng"]),
            "source": Source(source).label,
            "channel": source,
            "external_source": external[0],
            "external_id": external[1],
        },
        region=grid.community,
        files=photos,
        now=now,
        detail={
            "family": sub.klass.family,
            "subclass": sub,
            "component": component,
            "grid": grid,
            "zone_class": grid.zone_class,
            "source": source,
            "client_key": external[1] if external[0] == REPORT_SOURCE else "",
            "hotline_case": hotline_case,
        },
    )
    return case, created


def citymgmt_report(
    *, actor: Actor, data: dict[str, Any], files: Sequence[tuple[Any, str]] = ()
) -> tuple[Case, bool]:
    """An inspector's report from the phone, in one call: subclass code, lat/lng (resolved to the
    unit grid, community and street), description, typed photos, and a key made on the phone
    (`client_key`) so that a resend returns the first case instead of a second one. Returns
    (case, created)."""
    if INSPECTOR not in actor.roles or actor.user_id is None:
        raise PermissionDenied("只有监督员可以上报城管案件。")
    key = str(data.get("client_key") or "").strip()
    if not (8 <= len(key) <= 64) or not all(c.isalnum() or c in "-_" for c in key):
        raise ValidationFailed(
            "client_key 应为手机生成的 8–64 位字母、数字、-、_ 组成的标识。",
            fields={"client_key": ["格式错误"]},
        )
    external = (REPORT_SOURCE, f"{actor.user_id}:{key}")
    existing = Case.objects.filter(external_source=external[0], external_id=external[1]).first()
    if existing is not None:  # a resend: the first case, without checking its photos again
        return existing, False
    photos = _photos(files)
    if not photos:
        raise ValidationFailed("请至少上传一张现场照片。", fields={"photos": ["缺少照片"]})
    return citymgmt_case_open(
        actor=actor, data=data, photos=photos, source=Source.INSPECTOR, external=external
    )


def citymgmt_intake(
    *, actor: Actor, data: dict[str, Any], files: Sequence[tuple[Any, str]] = ()
) -> Case:
    """受理员 registers a report from the public, 12345 or video (it goes to 核实 before 立案)."""
    if not (actor.roles & {OPERATOR, SHIFT}):
        raise PermissionDenied("只有受理员或值班长可以登记城管案件。")
    source = str(data.get("source") or "")
    if source not in NEEDS_VERIFY:
        raise ValidationFailed(
            "信息来源只能是："
            + "、".join(f"{s.value}（{s.label}）" for s in Source if s in NEEDS_VERIFY),
            fields={"source": ["不是允许的值"]},
        )
    case, _created = citymgmt_case_open(
        actor=actor, data=data, photos=_photos(files), source=source, external=("", "")
    )
    return case

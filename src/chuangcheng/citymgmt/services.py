"""Writes of the 数字城管 reference data. Each runs in one transaction and validates first; a
change to the unit grids writes a new grid-index token in the same transaction (geo.py)."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from chuangcheng.citymgmt.geo import parse_boundary
from chuangcheng.citymgmt.models import Component, Family, GridIndexState, Subclass, UnitGrid
from chuangcheng.core.errors import PermissionDenied, ValidationFailed
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Region


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

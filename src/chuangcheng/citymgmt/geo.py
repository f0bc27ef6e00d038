"""Geometry of the unit grids with shapely (no PostGIS needed; docs/adr/0007-grid-geometry.md).

`grid_for_point` answers "which unit grid, community and street is this point in?" from an
STRtree built once per process. Every change to the grids bumps `GridIndexState.token` in the
same transaction; each lookup reads that one row (a primary-key read, well under a millisecond)
and rebuilds the tree when another process (or this one) changed the grids.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

import shapely
from django.db import connection
from shapely import wkt as shapely_wkt
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from chuangcheng.citymgmt.models import GridIndexState, UnitGrid
from chuangcheng.core.errors import NotFound, ValidationFailed


class OutsideGrids(NotFound):
    """The point lies in no unit grid (HTTP 404 with a clear message)."""

    code = "outside_grids"


@dataclass(frozen=True)
class GridHit:
    grid_id: int
    grid_code: str
    grid_name: str
    zone_class: str
    community_id: int
    community_code: str
    community_name: str
    street_id: int
    street_code: str
    street_name: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "grid": {"id": self.grid_id, "code": self.grid_code, "name": self.grid_name},
            "zone_class": self.zone_class,
            "community": {
                "id": self.community_id,
                "code": self.community_code,
                "name": self.community_name,
            },
            "street": {"id": self.street_id, "code": self.street_code, "name": self.street_name},
        }


def check_point(lat: Any, lng: Any) -> tuple[float, float]:
    """A (lat, lng) pair of finite numbers in range, or a 400 with a Chinese message."""
    try:
        la, ln = float(lat), float(lng)
    except (TypeError, ValueError):
        raise ValidationFailed(
            "经纬度必须是数字（lat 纬度，lng 经度）。", fields={"lat": ["必须是数字"]}
        ) from None
    if not (math.isfinite(la) and math.isfinite(ln)):
        raise ValidationFailed("经纬度必须是有限的数字。", fields={"lat": ["必须是有限数字"]})
    if not -90.0 <= la <= 90.0:
        raise ValidationFailed("纬度必须在 -90 到 90 之间。", fields={"lat": ["超出范围"]})
    if not -180.0 <= ln <= 180.0:
        raise ValidationFailed("经度必须在 -180 到 180 之间。", fields={"lng": ["超出范围"]})
    return la, ln


def parse_boundary(text: str) -> BaseGeometry:
    """A grid boundary from WKT (lng lat order): a valid, non-empty polygon or multipolygon with
    coordinates in range. Raises ValueError with a Chinese reason."""
    try:
        geom = shapely_wkt.loads(text)
    except (GEOSException, ValueError, TypeError, AttributeError):
        raise ValueError("边界不是有效的 WKT，应为 POLYGON((经度 纬度, …))") from None
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"边界必须是多边形（POLYGON 或 MULTIPOLYGON），而不是 {geom.geom_type}")
    if geom.is_empty:
        raise ValueError("边界多边形为空")
    if not geom.is_valid:
        raise ValueError(f"边界多边形无效（{shapely.is_valid_reason(geom)}）")
    if geom.area <= 0:
        raise ValueError("边界多边形面积为零")
    min_x, min_y, max_x, max_y = geom.bounds
    if not (-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
        raise ValueError("边界坐标超出经纬度范围（应为 经度 纬度 的顺序）")
    return geom


@dataclass(frozen=True)
class _Snapshot:
    """One built index: replaced as a whole, so a lookup never mixes two builds."""

    version: str | None
    tree: STRtree | None
    hits: tuple[GridHit, ...]


_EMPTY = _Snapshot(None, None, ())


class _GridIndex:
    """The process's STRtree over active grids, tagged with the token it was built from."""

    def __init__(self) -> None:
        self.snapshot = _EMPTY
        self.lock = threading.Lock()

    def ensure(self) -> _Snapshot:
        current = current_version()
        snapshot = self.snapshot
        if current == snapshot.version:
            return snapshot
        with self.lock:
            if current == self.snapshot.version:
                return self.snapshot
            # the token is read before the grids: a change committed in between makes the next
            # lookup rebuild again, never keeps stale grids under a new token
            rows = (
                UnitGrid.objects.filter(active=True)
                .order_by("code")
                .values_list(
                    "pk",
                    "code",
                    "name",
                    "zone_class",
                    "boundary_wkt",
                    "community_id",
                    "community__code",
                    "community__name",
                    "street_id",
                    "street__code",
                    "street__name",
                )
            )
            geoms: list[BaseGeometry] = []
            hits: list[GridHit] = []
            for pk, code, name, zone, text, cid, ccode, cname, sid, scode, sname in rows:
                try:
                    geom = parse_boundary(text)
                except ValueError:
                    continue  # services never store such a boundary; skip rather than fail
                geoms.append(geom)
                hits.append(GridHit(pk, code, name, zone, cid, ccode, cname, sid, scode, sname))
            self.snapshot = _Snapshot(current, STRtree(geoms) if geoms else None, tuple(hits))
            return self.snapshot

    def lookup(self, lat: float, lng: float) -> GridHit | None:
        snapshot = self.ensure()
        if snapshot.tree is None:
            return None
        found = snapshot.tree.query(shapely.Point(lng, lat), predicate="intersects")
        if len(found) == 0:
            return None
        # on a shared border both grids match: the lowest code wins, the same every time
        return snapshot.hits[int(min(found))]

    def clear(self) -> None:
        with self.lock:
            self.snapshot = _EMPTY


_INDEX = _GridIndex()


_TOKEN_SQL = f"SELECT token FROM {GridIndexState._meta.db_table} WHERE id = 1"


def current_version() -> str:
    """The grids' token: one primary-key read in plain SQL (the ORM would triple its cost)."""
    with connection.cursor() as cursor:
        cursor.execute(_TOKEN_SQL)
        row = cursor.fetchone()
    return str(row[0]) if row else ""


def grid_for_point(lat: Any, lng: Any) -> GridHit:
    """The unit grid, community and street of a point; 400 for bad coordinates, 404 outside
    every grid. A point on a border belongs to the grid with the lowest code."""
    la, ln = check_point(lat, lng)
    hit = _INDEX.lookup(la, ln)
    if hit is None:
        raise OutsideGrids(
            f"该位置（纬度 {la:.6f}，经度 {ln:.6f}）不在任何单元网格内，请核对位置或先划分单元网格。"
        )
    return hit


def clear_cache() -> None:
    """Forget the process's index (tests; the version check makes it unnecessary elsewhere)."""
    _INDEX.clear()

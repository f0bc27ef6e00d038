"""Grid outlines for the command map (网格图层): regions have centres, not drawn boundaries
(ADR 0004, 0014), and a point belongs to the nearest community or grid centre within 3 km
(org.selectors.region_id_for_point). A grid's outline is exactly that area: the Voronoi cell of
its centre among every community and grid centre, cut to 3 km around it — the same cells
org.outlines joins into communities and streets — so a patrol point drawn inside a grid's
outline is a point the patrol check counts as inside. Computed with shapely for every grid at
once and kept per process for 5 minutes (reference data: codes and shapes only)."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from typing import Any

import numpy as np
from django.db.models import Count, Max
from shapely import MultiPoint, Point, set_precision, transform, voronoi_polygons
from shapely.geometry import mapping

from chuangcheng.org.models import Region
from chuangcheng.org.outlines import REACH_M, SIMPLIFY_M

_CACHE_TTL = 300.0
# (when, which regions: their count and largest id, the shapes)
_cached: tuple[float, tuple[int, int], dict[int, dict[str, Any]] | None] = (0.0, (0, 0), None)


def clear_cache() -> None:
    global _cached
    _cached = (0.0, (0, 0), None)


def grid_shapes(ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """GeoJSON geometries (Polygon or MultiPolygon, degrees) of the given grids that have a
    centre of their own."""
    global _cached
    loaded, seen, data = _cached
    agg = Region.objects.filter(level__gte=Region.Level.COMMUNITY).aggregate(
        n=Count("pk"), top=Max("pk")
    )
    which = (agg["n"] or 0, agg["top"] or 0)  # regions added or replaced: computed again
    if data is None or which != seen or time.monotonic() - loaded >= _CACHE_TTL:
        data = _compute()
        _cached = (time.monotonic(), which, data)
    return {pk: data[pk] for pk in ids if pk in data}


def _compute() -> dict[int, dict[str, Any]]:
    leaves: list[tuple[int, int, str, float, float]] = [
        (pk, level, code, float(lat), float(lng))
        for pk, level, code, lat, lng in Region.objects.filter(
            level__gte=Region.Level.COMMUNITY, lat__isnull=False, lng__isnull=False
        ).values_list("pk", "level", "code", "lat", "lng")
        if lat is not None and lng is not None
    ]
    if not leaves:
        return {}
    lat0 = sum(r[3] for r in leaves) / len(leaves)
    lng0 = sum(r[4] for r in leaves) / len(leaves)
    kx, ky = 111_320.0 * math.cos(math.radians(lat0)), 110_540.0

    def to_deg(xy: Any) -> Any:
        return xy / np.array([kx, ky]) + np.array([lng0, lat0])

    # one cell per distinct centre (as org.outlines: the first in level, code order keeps it)
    points: dict[tuple[float, float], tuple[int, int]] = {}
    for pk, level, _code, lat, lng in sorted(leaves, key=lambda r: (r[1], r[2])):
        xy = ((lng - lng0) * kx, (lat - lat0) * ky)
        points.setdefault(xy, (pk, level))
    coords = list(points)
    if len(coords) == 1:
        cells = [Point(coords[0]).buffer(REACH_M, quad_segs=16)]
    else:
        extent = MultiPoint(coords).buffer(REACH_M * 2).envelope
        cells = list(voronoi_polygons(MultiPoint(coords), extend_to=extent, ordered=True).geoms)
    out: dict[int, dict[str, Any]] = {}
    for xy, cell in zip(coords, cells, strict=True):
        pk, level = points[xy]
        if level != Region.Level.GRID:
            continue
        shape = cell.intersection(Point(xy).buffer(REACH_M, quad_segs=16))
        degrees = set_precision(transform(shape.simplify(SIMPLIFY_M / 3), to_deg), 1e-6)
        out[pk] = mapping(degrees)
    return out

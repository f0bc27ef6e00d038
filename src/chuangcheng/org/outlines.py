"""The city's street and community outlines (街道/社区轮廓) as GeoJSON, for maps with no tiles.

Regions have centres, not boundary polygons (docs/adr/0004): a pin belongs to the nearest grid or
community centre within 3 km. The outlines drawn are exactly those areas: the Voronoi cell of each
centre, cut to 3 km around it, joined per community and per street. A pin dropped inside an
outline resolves to that community, so the map shows what the lookup does. Public reference data
(names and codes of regions only), computed with shapely and kept per process for 5 minutes.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from shapely import MultiPoint, Point, set_precision, transform, voronoi_polygons
from shapely.geometry import mapping
from shapely.ops import unary_union

from chuangcheng.org.models import Region

REACH_M = 3000.0  # as org.selectors.region_id_for_point
SIMPLIFY_M = 15.0
_CACHE_TTL = 300.0
_cached: tuple[float, dict[str, Any] | None] = (0.0, None)


def clear_cache() -> None:
    global _cached
    _cached = (0.0, None)


def region_outlines() -> dict[str, Any]:
    """A GeoJSON FeatureCollection: the streets, then the communities, each a (Multi)Polygon
    with properties code, name, level ("street"/"community") and, for a community, its street."""
    global _cached
    loaded, data = _cached
    if data is not None and time.monotonic() - loaded < _CACHE_TTL:
        return data
    data = _compute()
    _cached = (time.monotonic(), data)
    return data


def _compute() -> dict[str, Any]:
    regions = {
        r.pk: r
        for r in Region.objects.filter(level__gte=Region.Level.STREET).only(
            "pk", "code", "name", "level", "parent_id", "lat", "lng"
        )
    }
    leaves = [
        r
        for r in regions.values()
        if r.level >= Region.Level.COMMUNITY and r.lat is not None and r.lng is not None
    ]
    if not leaves:
        return {"type": "FeatureCollection", "features": []}
    lat0 = sum(r.lat or 0 for r in leaves) / len(leaves)
    lng0 = sum(r.lng or 0 for r in leaves) / len(leaves)
    kx, ky = 111_320.0 * math.cos(math.radians(lat0)), 110_540.0

    def to_m(lng: float, lat: float) -> tuple[float, float]:
        return (lng - lng0) * kx, (lat - lat0) * ky

    def to_deg(xy: Any) -> Any:
        return xy / np.array([kx, ky]) + np.array([lng0, lat0])

    def community_of(leaf: Region) -> Region | None:
        node: Region | None = leaf
        while node is not None and node.level > Region.Level.COMMUNITY:
            node = regions.get(node.parent_id) if node.parent_id else None
        return node

    # one cell per distinct centre (a grid may share its community's centre)
    points: dict[tuple[float, float], Region] = {}
    for leaf in sorted(leaves, key=lambda r: (r.level, r.code)):
        points.setdefault(to_m(float(leaf.lng or 0), float(leaf.lat or 0)), leaf)
    coords = list(points)
    extent = MultiPoint(coords).buffer(REACH_M * 2).envelope
    cells = voronoi_polygons(MultiPoint(coords), extend_to=extent, ordered=True).geoms
    by_community: dict[int, list[Any]] = {}
    for xy, cell in zip(coords, cells, strict=True):
        community = community_of(points[xy])
        if community is not None:
            reach = Point(xy).buffer(REACH_M, quad_segs=16)
            by_community.setdefault(community.pk, []).append(cell.intersection(reach))
    communities = {pk: unary_union(parts) for pk, parts in by_community.items()}
    by_street: dict[int, list[Any]] = {}
    for pk, shape in communities.items():
        street = regions[pk].parent_id
        if street in regions and regions[street].level == Region.Level.STREET:
            by_street.setdefault(street, []).append(shape)

    def feature(region: Region, shape: Any, level: str, **extra: Any) -> dict[str, Any]:
        # to degrees on a 1e-5 grid (about a metre): a smaller document that stays valid
        degrees = set_precision(transform(shape.simplify(SIMPLIFY_M), to_deg), 1e-5)
        return {
            "type": "Feature",
            "properties": {"code": region.code, "name": region.name, "level": level, **extra},
            "geometry": mapping(degrees),
        }

    features = [
        feature(regions[pk], unary_union(parts), "street")
        for pk, parts in sorted(by_street.items(), key=lambda kv: regions[kv[0]].code)
    ]
    for pk, shape in sorted(communities.items(), key=lambda kv: regions[kv[0]].code):
        parent = regions.get(regions[pk].parent_id or 0)
        features.append(
            feature(regions[pk], shape, "community", street=parent.name if parent else "")
        )
    return {"type": "FeatureCollection", "features": features}

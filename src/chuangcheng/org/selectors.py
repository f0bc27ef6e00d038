"""Reads of the organisation: region lookup from a map pin, unit search."""

from __future__ import annotations

import math
import time

from django.db.models import Q, QuerySet

from chuangcheng.org.models import Region, Unit

_CACHE_TTL = 300.0
_points: tuple[float, list[tuple[float, float, int]]] = (0.0, [])


def _leaf_points() -> list[tuple[float, float, int]]:
    global _points
    loaded, pts = _points
    if time.monotonic() - loaded < _CACHE_TTL and pts:
        return pts
    rows = Region.objects.filter(
        level__gte=Region.Level.COMMUNITY, lat__isnull=False, lng__isnull=False
    ).values_list("lat", "lng", "pk")
    pts = [(float(a), float(b), int(c)) for a, b, c in rows if a is not None and b is not None]
    _points = (time.monotonic(), pts)
    return pts


_regions: tuple[float, dict[int, Region]] = (0.0, {})


def _region_index() -> dict[int, Region]:
    """Streets, communities and grids (with their parents), in code order: reference data
    read by every intake, cached per process like the points above."""
    global _regions
    loaded, index = _regions
    if time.monotonic() - loaded < _CACHE_TTL and index:
        return index
    rows = Region.objects.filter(level__gte=Region.Level.STREET).select_related("parent__parent")
    index = {r.pk: r for r in rows.order_by("code")}
    _regions = (time.monotonic(), index)
    return index


_whole: tuple[float, frozenset[str]] = (0.0, frozenset())


def whole_area_paths() -> frozenset[str]:
    """Region paths that cover every region: "/" (no unit), and the path of the top region
    when there is only one (the city). Cached per process like the index above."""
    global _whole
    loaded, paths = _whole
    if time.monotonic() - loaded < _CACHE_TTL and paths:
        return paths
    roots = list(Region.objects.filter(parent__isnull=True).values_list("path", flat=True)[:2])
    paths = frozenset({"/", *roots}) if len(roots) == 1 else frozenset({"/"})
    _whole = (time.monotonic(), paths)
    return paths


def clear_cache() -> None:
    global _points, _regions, _whole
    _points = (0.0, [])
    _regions = (0.0, {})
    _whole = (0.0, frozenset())
    from chuangcheng.org import outlines

    outlines.clear_cache()


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6371000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def region_id_for_point(lat: float, lng: float, max_distance_m: float = 3000.0) -> int | None:
    """The nearest grid or community centre within `max_distance_m` (no PostGIS needed)."""
    best: tuple[float, int] | None = None
    for plat, plng, pk in _leaf_points():
        d = distance_m(lat, lng, plat, plng)
        if best is None or d < best[0]:
            best = (d, pk)
    if best is None or best[0] > max_distance_m:
        return None
    return best[1]


def region_for_address(address: str) -> Region | None:
    """A community or street whose name appears in the address (longest name first)."""
    if not address:
        return None
    levels = (Region.Level.COMMUNITY, Region.Level.STREET)
    best: Region | None = None
    for region in _region_index().values():
        if (
            region.level in levels
            and region.name
            and region.name in address
            and (best is None or len(region.name) > len(best.name))
        ):
            best = region
    return best


def resolve_region(lat: float | None, lng: float | None, address: str) -> Region | None:
    """Where an appeal is: the map pin first, then a place name in the address."""
    if lat is not None and lng is not None:
        region_id = region_id_for_point(lat, lng)
        if region_id is not None:
            cached = _region_index().get(region_id)
            if cached is not None:
                return cached
            return Region.objects.select_related("parent__parent").get(pk=region_id)
    return region_for_address(address)


def handling_units() -> QuerySet[Unit]:
    """The active units a case may be dispatched or handed to: every kind but teams (a team
    takes only what its own loop gives it, through that loop's own form)."""
    return Unit.objects.filter(active=True).exclude(kind=Unit.Kind.TEAM)


def units_search(q: str = "") -> QuerySet[Unit]:
    """Active units whose name, short name (简称) or an alias (别名) contains `q`, or whose
    code starts with it: "城管" finds 市城市管理综合执法局 by its short name 城管局."""
    qs = handling_units().select_related("region")
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(short_name__icontains=q)
            | Q(aliases__icontains=q)
            | Q(code__startswith=q)
        )
    return qs.order_by("kind", "code")


# the order unit kinds are listed in a picker: the departments people ask for most first
KIND_ORDER = [
    Unit.Kind.DEPARTMENT,
    Unit.Kind.STREET,
    Unit.Kind.UTILITY,
    Unit.Kind.COMMUNITY,
    Unit.Kind.CENTRE,
]


def units_grouped(q: str = "") -> list[tuple[str, list[Unit]]]:
    """`units_search` grouped by kind (职能部门, 街道办事处, 公用企业, 社区居委会, 指挥中心)."""
    groups: dict[str, list[Unit]] = {kind: [] for kind in KIND_ORDER}
    for unit in units_search(q):
        groups.setdefault(unit.kind, []).append(unit)
    labels = dict(Unit.Kind.choices)
    return [(labels.get(kind, kind), units) for kind, units in groups.items() if units]


def unit_search_text(unit: Unit) -> str:
    """What a picker's filter box matches a unit on: name, short name, aliases and code."""
    return " ".join(p for p in (unit.name, unit.short_name, unit.aliases, unit.code) if p)


def streets() -> list[Region]:
    """The streets (街道/镇), by code: the street filter of lists."""
    return [r for r in _region_index().values() if r.level == Region.Level.STREET]


def group_name(group_by: str, pk: int) -> str | None:
    """The name of a unit (group_by "unit") or a region ("street"), None if there is none."""
    model: type[Unit] | type[Region] = Unit if group_by == "unit" else Region
    return model.objects.filter(pk=pk).values_list("name", flat=True).first()


def regions_tree() -> QuerySet[Region]:
    return Region.objects.order_by("path")

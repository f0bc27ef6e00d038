"""Reads of the 数字城管 reference data, scoped to who is asking.

Who sees the registry: staff only (any working role, not a citizen). The command centre's roles
see the components in their jurisdiction (their unit's region subtree: the whole city for the
city centre); a handler sees those in his unit's region (a street office its street, a city
department the city) and those his unit manages, owns or maintains wherever they are.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from chuangcheng.cases.clocks import light, running_of
from chuangcheng.cases.models import Case, CaseClock, CaseRequest
from chuangcheng.cases.selectors import cases_visible_to, pending_request_q
from chuangcheng.cases.workflow import workflow_for
from chuangcheng.citymgmt.models import (
    CatalogueClass,
    CityCase,
    Component,
    ComponentState,
    Family,
    Subclass,
    UnitGrid,
)
from chuangcheng.core.errors import PermissionDenied, ValidationFailed
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Region, Unit
from chuangcheng.org.roles import PUBLIC, role_group


def is_staff(actor: Actor) -> bool:
    """Anyone with a working role (受理、派遣、处置、监督…), not a citizen or a stranger."""
    return actor.is_superuser or bool(actor.roles - role_group(PUBLIC))


def require_staff(actor: Actor) -> None:
    if not is_staff(actor):
        raise PermissionDenied("只有工作人员可以查看数字城管部件和单元网格。")


def _scope(actor: Actor) -> Q:
    """The filter of what the actor may see."""
    if actor.is_superuser:
        return Q()
    paths = list(actor.centre_paths)
    if actor.handler_units:
        paths += list(
            Unit.objects.filter(pk__in=actor.handler_units).values_list("region__path", flat=True)
        )
    q = Q(pk__in=[])
    for path in set(paths):
        q |= Q(grid__community__path__startswith=path)
    if actor.handler_units:
        units = actor.handler_units
        q |= (
            Q(maintainer_dept_id__in=units) | Q(owner_dept_id__in=units) | Q(main_dept_id__in=units)
        )
    return q


def components_visible_to(actor: Actor) -> QuerySet[Component]:
    require_staff(actor)
    return Component.objects.filter(_scope(actor))


@dataclass(frozen=True)
class ComponentFilters:
    klass: str = ""  # 2-digit 部件大类代码
    subclass: str = ""  # 4-digit 大类+小类 or 6-digit catalogue code
    grid: str = ""  # unit grid code
    street: str = ""  # street region code
    state: str = ""
    bbox: tuple[float, float, float, float] | None = None  # min_lng, min_lat, max_lng, max_lat


def parse_filters(params: dict[str, str]) -> ComponentFilters:
    """Query parameters → filters, or a 400 naming the bad one in Chinese."""
    klass = (params.get("class") or "").strip()
    if klass and not (klass.isdigit() and len(klass) == 2):
        raise ValidationFailed(
            "class 应为两位部件大类代码，如 01。", fields={"class": ["格式错误"]}
        )
    sub = (params.get("subclass") or "").strip()
    if sub and not (sub.isdigit() and len(sub) in (4, 6)):
        raise ValidationFailed(
            "subclass 应为 4 位大类+小类代码（如 0102）或 6 位目录代码（如 100102）。",
            fields={"subclass": ["格式错误"]},
        )
    if len(sub) == 6:
        if not sub.startswith("10"):
            raise ValidationFailed(
                "subclass 的 6 位目录代码应以 10 开头（部件）。", fields={"subclass": ["不是部件"]}
            )
        sub = sub[2:]
    state = (params.get("state") or "").strip()
    if state and state not in ComponentState.values:
        raise ValidationFailed(
            "state 只能是：" + "、".join(f"{v}（{lbl}）" for v, lbl in ComponentState.choices),
            fields={"state": ["不是允许的值"]},
        )
    grid = (params.get("grid") or "").strip()
    if grid and not grid.isdigit():
        raise ValidationFailed("grid 应为单元网格代码（数字）。", fields={"grid": ["格式错误"]})
    street = (params.get("street") or "").strip()
    if street and not street.isdigit():
        raise ValidationFailed("street 应为街道的行政区划代码。", fields={"street": ["格式错误"]})
    bbox = None
    raw = (params.get("bbox") or "").strip()
    if raw:
        try:
            parts = [float(x) for x in raw.split(",")]
        except ValueError:
            parts = []
        if len(parts) != 4 or not all(math.isfinite(x) for x in parts):
            raise ValidationFailed(
                "bbox 应为 最小经度,最小纬度,最大经度,最大纬度 四个数字。",
                fields={"bbox": ["格式错误"]},
            )
        min_lng, min_lat, max_lng, max_lat = parts
        if not (-180 <= min_lng <= max_lng <= 180 and -90 <= min_lat <= max_lat <= 90):
            raise ValidationFailed(
                "bbox 超出经纬度范围，或最小值大于最大值。", fields={"bbox": ["超出范围"]}
            )
        bbox = (min_lng, min_lat, max_lng, max_lat)
    return ComponentFilters(
        klass=klass, subclass=sub, grid=grid, street=street, state=state, bbox=bbox
    )


def component_list(actor: Actor, filters: ComponentFilters) -> QuerySet[Component]:
    qs = components_visible_to(actor)
    if filters.klass:
        qs = qs.filter(subclass__klass__code=filters.klass)
    if filters.subclass:
        qs = qs.filter(
            subclass__klass__code=filters.subclass[:2], subclass__code=filters.subclass[2:]
        )
    if filters.grid:
        qs = qs.filter(grid__code=filters.grid)
    if filters.street:
        qs = qs.filter(grid__street__code=filters.street)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.bbox:
        min_lng, min_lat, max_lng, max_lat = filters.bbox
        qs = qs.filter(lng__gte=min_lng, lng__lte=max_lng, lat__gte=min_lat, lat__lte=max_lat)
    return qs.select_related(
        "subclass__klass",
        "grid__community",
        "grid__street",
        "main_dept",
        "owner_dept",
        "maintainer_dept",
    ).order_by("object_id")


def component_classes() -> QuerySet[CatalogueClass]:
    return CatalogueClass.objects.filter(family=Family.COMPONENT, active=True)


def grids_in(region: Region) -> QuerySet[UnitGrid]:
    return UnitGrid.objects.filter(community__path__startswith=region.path)


# ---------------------------------------------------------------- the loop's cases (案卷)


def city_cases(actor: Actor) -> QuerySet[Case]:
    """The 数字城管 cases the actor may see (the engine's visibility of the loop's roles)."""
    from chuangcheng.citymgmt.workflow import KIND

    return cases_visible_to(actor).filter(kind=KIND)


def _by_due(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.select_related("citycase__subclass", "citycase__grid", "lead_unit").order_by(
        F("next_due").asc(nulls_last=True), "created_at", "id"
    )


def inspector_tasks(actor: Actor) -> QuerySet[Case]:
    """The inspector's 核实 and 核查 tasks: cases of his grids waiting for him on site."""
    return _by_due(city_cases(actor).filter(status__in=["verifying", "checking"]))


def inspector_recent(actor: Actor, limit: int = 10) -> list[Case]:
    qs = city_cases(actor).filter(created_by_id=actor.user_id).select_related("citycase__subclass")
    return list(qs.order_by("-created_at", "-id")[:limit])


def recent_subclasses(actor: Actor, limit: int = 8) -> list[Subclass]:
    """The subclasses the inspector reported most recently (his quick picks)."""
    ids: list[int] = []
    rows = (
        CityCase.objects.filter(case__created_by_id=actor.user_id)
        .order_by("-case__created_at")
        .values_list("subclass_id", flat=True)[:200]
    )
    for sid in rows:
        if sid not in ids:
            ids.append(sid)
        if len(ids) >= limit:
            break
    subs = {s.pk: s for s in Subclass.objects.select_related("klass").filter(pk__in=ids)}
    return [subs[i] for i in ids if i in subs]


def report_subclasses() -> list[Subclass]:
    """Every active subclass, for the searchable list of the report page."""
    return list(Subclass.objects.select_related("klass").filter(active=True, klass__active=True))


def _open(actor: Actor) -> QuerySet[Case]:
    """The actor's open 城管 cases: every work list is a subset of them, and saying so lets
    PostgreSQL read the open cases' partial index (migration 0005) instead of every case."""
    from chuangcheng.citymgmt.workflow import OPEN

    return city_cases(actor).filter(status__in=sorted(OPEN))


def shift_board(actor: Actor) -> QuerySet[Case]:
    """值班长: what waits for 立案, 结案, 自处理 approval or a 作废 decision."""
    qs = _open(actor).filter(
        Q(status__in=["filing", "closing", "self_review"]) | pending_request_q("void")
    )
    return _by_due(qs)


DISPATCH_REQUESTS = ["return", "extension", "suspend"]  # 回退, 延期, 缓办: his to decide


def dispatch_board(actor: Actor) -> QuerySet[Case]:
    """派遣员: cases waiting for 派遣, the 回退/延期/缓办 requests awaiting his decision and the
    cases in 缓办 (to restore). Each part is read by an index of its own (open cases by state,
    pending requests by kind, the few suspended cases) and their ids united: as one OR over
    the open cases PostgreSQL hash-joined every row of the loop's table (0.6 s at a million)."""
    from chuangcheng.citymgmt.workflow import KIND

    ids = (
        Case.objects.filter(kind=KIND, status="dispatching")
        .values("id")
        .union(
            CaseRequest.objects.filter(
                status="pending", kind__in=DISPATCH_REQUESTS, case__kind=KIND
            ).values("case_id"),
            CityCase.objects.filter(suspended=True, case__status="handling").values("case_id"),
        )
    )
    return _by_due(_open(actor).filter(pk__in=ids))


def department_queue(actor: Actor) -> QuerySet[Case]:
    """专业部门: the cases his unit is handling, the nearest deadline first."""
    return _by_due(city_cases(actor).filter(status="handling"))


def with_lights(cases: list[Case], now: dt.datetime, warn: float) -> list[dict[str, object]]:
    """Each case with its nearest running clock and that clock's light (one query)."""
    by_case: dict[int, list[CaseClock]] = {}
    for row in CaseClock.objects.filter(case_id__in=[c.pk for c in cases]):
        by_case.setdefault(row.case_id, []).append(row)
    out: list[dict[str, object]] = []
    for case in cases:
        running = running_of(by_case.get(case.pk, []))
        clock = running[0] if running else None
        out.append(
            {
                "case": case,
                "clock": clock,
                "clock_label": workflow_for(case.kind).clock(clock.name).label if clock else "",
                "light": light(clock, now, warn) if clock else None,
            }
        )
    return out

"""The two registers and the visits (issue 12, item 5–6; DOMAIN-LOOPS.md §2.2, §2.4).

* **Care register** (关爱, 六必访): readable by whoever reads the person's ledger. Each tier asks
  for a visit at least every so often, by the methods allowed for it; a 高风险 person whose
  situation changed must be visited within 24 hours of the change. The plan is computed from
  the register and the visits, so it is never out of date: a person's next visit is due
  `interval` after the last visit that counts (or after they were registered), or 24 hours
  after a change, whichever is sooner.
* **Control register** (管控, GB/T 31000 特殊人群): only the grid's 专职网格员 and the
  community's 综治专干; every look at it logged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from chuangcheng.core.errors import NotFound, PermissionDenied, ValidationFailed
from chuangcheng.grid.ledgers import visible_grids
from chuangcheng.grid.models import (
    CareEntry,
    CareTier,
    ControlEntry,
    EventClass,
    GridEvent,
    GridPost,
    NeedRoute,
    Person,
    PersonRead,
    Residence,
    Visit,
    VisitMethod,
)
from chuangcheng.grid.roles import CONTROL_BY_POST_ROLES, CONTROL_BY_REGION_ROLES, VISIT_ROLES
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Region

# tier → (the longest gap between visits, the methods that count for it)
TIERS: dict[str, tuple[dt.timedelta, frozenset[str]]] = {
    CareTier.HIGH: (dt.timedelta(days=7), frozenset({VisitMethod.HOME})),
    CareTier.KEY: (
        dt.timedelta(days=30),
        frozenset(
            {VisitMethod.HOME, VisitMethod.MESSAGE, VisitMethod.THIRD_PARTY, VisitMethod.PAIRED}
        ),
    ),
    CareTier.GENERAL: (dt.timedelta(days=91), frozenset(VisitMethod.values)),
}
CHANGE_WITHIN = dt.timedelta(hours=24)
TIER_ORDER: list[str] = [CareTier.HIGH, CareTier.KEY, CareTier.GENERAL]
SOON = dt.timedelta(days=2)


def _living_in(grids: Any) -> QuerySet[Residence]:
    today = timezone.localdate()
    return Residence.objects.filter(
        Q(end__isnull=True) | Q(end__gt=today), start__lte=today, home__building__grid__in=grids
    )


# ---------------------------------------------------------------- the visit plan


@dataclass
class Due:
    person: Person
    grid: Region
    tier: str
    categories: list[str]
    last: dt.datetime | None
    due: dt.datetime
    reason: str

    @property
    def tier_label(self) -> str:
        return str(CareTier(self.tier).label)

    def light(self, now: dt.datetime) -> str:
        if self.due <= now:
            return "red"
        return "yellow" if self.due - now <= SOON else "green"


def next_visit(
    entries: list[CareEntry], visits: Sequence[Visit | _Latest]
) -> tuple[str, dt.datetime, dt.datetime | None, str]:
    """The strictest tier among a person's active entries, when their next visit is due, the
    last visit that counts for that tier, and why it is due then."""
    tier = min((e.tier for e in entries), key=TIER_ORDER.index)
    interval, methods = TIERS[tier]
    counted = [v.at for v in visits if v.method in methods]
    last = max(counted) if counted else None
    tz = timezone.get_current_timezone()
    registered = min(dt.datetime.combine(e.since, dt.time(), tzinfo=tz) for e in entries)
    due, reason = (last or registered) + interval, f"每{_days(interval)}至少探访一次"
    if tier == CareTier.HIGH:
        for e in entries:
            changed = e.changed_at
            if e.tier != CareTier.HIGH or changed is None or (last is not None and changed <= last):
                continue
            if changed + CHANGE_WITHIN < due:
                due, reason = changed + CHANGE_WITHIN, "情况变化，24 小时内须探访"
    return tier, due, last, reason


def _days(interval: dt.timedelta) -> str:
    return {7: "周", 30: "月", 91: "季度"}.get(interval.days, f" {interval.days} 天")


def visit_plan(actor: Actor, *, grid: Region | None = None) -> list[Due]:
    """Everyone in the care register living in the person's grids, with their next visit,
    most overdue first.

    Read in four narrow queries whatever the size of the ledger (issue 12: a street of ~800
    grids and ~80,000 people): who of the care register (~1.5 % of people) lives in the grids
    and where, their active entries, their grids, and per person and method only the latest
    visit (all `next_visit` needs: the latest visit that counts for the tier is the latest of
    the latest per allowed method), never every visit of a year."""
    grids = visible_grids(actor)
    if grid is not None:
        grids = grids.filter(pk=grid.pk)
    # who of the care register lives in these grids, and in which (the one join of the scope)
    grid_of: dict[int, int] = dict(
        _living_in(grids)
        .filter(person_id__in=CareEntry.objects.filter(until__isnull=True).values("person_id"))
        .values_list("person_id", "home__building__grid_id")
    )
    if not grid_of:
        return []
    entries: dict[int, list[CareEntry]] = {}
    active = CareEntry.objects.filter(until__isnull=True, person_id__in=list(grid_of))
    # the plan shows names, never the encrypted numbers: not decrypted for 1,000 people
    active = active.select_related("person").defer("person__id_number", "person__phone")
    for e in active:
        entries.setdefault(e.person_id, []).append(e)
    regions = Region.objects.in_bulk(set(grid_of.values()))
    visits: dict[int, list[Any]] = {}
    latest = (
        Visit.objects.filter(person_id__in=list(entries))
        .values("person_id", "method")
        .annotate(at=Max("at"))
        .order_by()
    )
    for row in latest:
        visits.setdefault(row["person_id"], []).append(_Latest(row["method"], row["at"]))
    out = []
    for person_id, mine in entries.items():
        tier, due, last, reason = next_visit(mine, visits.get(person_id, []))
        out.append(
            Due(
                person=mine[0].person,
                grid=regions[grid_of[person_id]],
                tier=tier,
                categories=[e.get_category_display() for e in mine],
                last=last,
                due=due,
                reason=reason,
            )
        )
    out.sort(key=lambda d: (d.due, d.person.name))
    return out


@dataclass(frozen=True)
class _Latest:
    """A person's latest visit by one method (what `next_visit` reads of a visit)."""

    method: str
    at: dt.datetime


def workers_by_grid(grid_ids: set[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    posts = GridPost.objects.filter(grid_id__in=grid_ids, kind=GridPost.Kind.FULL_TIME)
    for post in posts.select_related("user"):
        out[post.grid_id] = post.user.get_full_name() or post.user.username
    return out


# ---------------------------------------------------------------- visits


def visit_record(
    *,
    actor: Actor,
    person_id: int,
    method: str,
    found: str,
    needs: str = "",
    need_to: str = "",
    need_class: str = "",
    need_item: Any = None,
    at: Any = None,
    client_key: str,
    now: dt.datetime | None = None,
) -> tuple[Visit, bool]:
    """Keep one visit sent from the phone; the same key again returns the visit it made (and
    never a second event). A need sent `need_to="event"` becomes a 网格事件 in the person's grid
    (grid.events.event_report), linked to the visit, in the visit's transaction."""
    now = now or timezone.now()
    if not actor.roles & VISIT_ROLES or actor.user_id is None:
        raise PermissionDenied("您的角色不能登记探访。")
    client_key = (client_key or "").strip()[:64]
    if not client_key:
        raise ValidationFailed("缺少客户端编号。", fields={"client_key": ["必填"]})
    existing = Visit.objects.filter(client_key=client_key).first()
    if existing is not None:
        if existing.visitor_id != actor.user_id:
            raise ValidationFailed("客户端编号已被使用。")
        return existing, False
    person = person_for_visit(actor, person_id)
    if person is None:
        raise NotFound("人员不存在，或不在您负责的网格。")
    if method not in VisitMethod.values:
        raise ValidationFailed("请选择探访方式。", fields={"method": ["不是允许的探访方式"]})
    found = (found or "").strip()
    if not found:
        raise ValidationFailed("请填写探访情况。", fields={"found": ["必填"]})
    needs = (needs or "").strip()[:300]
    need_to = (need_to or "").strip()
    if need_to not in NeedRoute.values:
        raise ValidationFailed(
            "需求去向只能是仅记录、登记网格事件或转志愿服务。", fields={"need_to": ["不允许"]}
        )
    if need_to and not needs:
        raise ValidationFailed("请填写需求内容。", fields={"needs": ["必填"]})
    when = _when(at, now)
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                person_id=person_id,
                visitor_id=actor.user_id,
                at=when,
                method=method,
                found=found[:500],
                needs=needs,
                need_to=need_to,
                client_key=client_key,
            )
            if need_to == NeedRoute.EVENT:
                visit.need_case = _need_event(actor, person, visit, need_class, now)
                visit.save(update_fields=["need_case"])
            elif need_to == NeedRoute.ORDER:
                visit.need_case = _need_order(actor, person, visit, need_item, now)
                visit.save(update_fields=["need_case"])
    except IntegrityError:  # the same key raced in: the other request made it
        return Visit.objects.get(client_key=client_key), False
    return visit, True


def _need_event(
    actor: Actor, person: Person, visit: Visit, need_class: str, now: dt.datetime
) -> Any:
    """The 网格事件 a visit's need becomes: in the grid the person lives in among the visitor's
    own grids, at their building (else the grid's centre); the visit's key is the event's key."""
    from chuangcheng.grid.events import event_report
    from chuangcheng.grid.patrols import patrol_grids

    mine = patrol_grids(actor)
    if not mine.exists():
        raise PermissionDenied("只有网格员可以把需求登记为网格事件，请交由本网格网格员登记。")
    home = (
        _living_in(mine)
        .filter(person_id=person.pk)
        .select_related("home__building__grid")
        .order_by("-start")
        .first()
    )
    if home is None:
        raise ValidationFailed(
            "该人员不住在您负责的网格，不能登记网格事件。", fields={"need_to": ["不在您的网格"]}
        )
    building = home.home.building
    grid = building.grid
    lat = building.lat if building.lat is not None else grid.lat
    lng = building.lng if building.lng is not None else grid.lng
    case, _created = event_report(
        actor=actor,
        grid_id=grid.pk,
        category=need_class or EventClass.SJ06,
        scale=GridEvent.Scale.PERSON,
        title=f"探访需求：{visit.needs[:40]}",
        content=f"{visit.get_method_display()}时发现：{visit.found}\n需求：{visit.needs}",
        lat=lat,
        lng=lng,
        address=f"{grid.name}{building.name}",
        client_key=f"visit:{visit.client_key}",
        now=now,
    )
    return case


def _home_in_my_grids(actor: Actor, person: Person, refusal: str) -> Residence:
    """Where the person lives among the visitor's own grids (by post), or a refusal."""
    from chuangcheng.grid.patrols import patrol_grids

    mine = patrol_grids(actor)
    if not mine.exists():
        raise PermissionDenied(refusal)
    home = (
        _living_in(mine)
        .filter(person_id=person.pk)
        .select_related("home__building__grid__parent")
        .order_by("-start")
        .first()
    )
    if home is None:
        raise ValidationFailed(
            "该人员不住在您负责的网格，不能转交需求。", fields={"need_to": ["不在您的网格"]}
        )
    return home


def _need_order(
    actor: Actor, person: Person, visit: Visit, need_item: Any, now: dt.datetime
) -> Any:
    """转志愿服务 (ADR 0032): the order a visit's need becomes at the 文明实践站 of the person's
    community (volunteer.needs.order_for_visit, in the visit's transaction). The order carries
    only what the 站 needs: the person's name and phone (masked on its screens), the address
    and the need; never the ID number, the care category or what the visit found."""
    from chuangcheng.volunteer.needs import order_for_visit

    home = _home_in_my_grids(
        actor, person, "只有网格员可以把需求转为志愿服务，请交由本网格网格员登记。"
    )
    building = home.home.building
    grid = building.grid
    community = grid.parent.name if grid.parent is not None else ""
    return order_for_visit(
        actor=actor,
        grid=grid,
        item_id=need_item,
        needs=visit.needs,
        name=person.name,
        phone=person.phone or "",
        address=f"{community}{home.home}",
        visit_key=visit.client_key,
        now=now,
    )


def order_menus_for(actor: Actor, person: Person) -> list[Any]:
    """For the visit form: the 文明实践站 of the person's community with their menus, when the
    person lives in one of the visitor's grids (else nothing)."""
    from chuangcheng.grid.patrols import patrol_grids
    from chuangcheng.volunteer.needs import menus_for_region

    home = (
        _living_in(patrol_grids(actor))
        .filter(person_id=person.pk)
        .select_related("home__building__grid")
        .order_by("-start")
        .first()
    )
    return menus_for_region(home.home.building.grid) if home is not None else []


def visit_order_of(visit: Visit) -> dict[str, str] | None:
    """The order a visit's need went to (转志愿服务): its number and state only, shown on the
    visit to whoever may see the visit (the order itself is the 站's)."""
    from chuangcheng.cases.workflow import workflow_for

    if visit.need_to != NeedRoute.ORDER or visit.need_case is None:
        return None
    case = visit.need_case
    return {"number": case.number, "state": workflow_for(case.kind).state_label(case.status)}


def visit_orders(visits: list[Visit]) -> None:
    for v in visits:
        v.need_order = visit_order_of(v)  # type: ignore[attr-defined]


def person_for_visit(actor: Actor, person_id: int) -> Person | None:
    grids = visible_grids(actor)
    return Person.objects.filter(pk=person_id, pk__in=_living_in(grids).values("person_id")).first()


def _when(raw: Any, now: dt.datetime) -> dt.datetime:
    if raw in (None, ""):
        return now
    if isinstance(raw, dt.datetime):
        when = raw
    else:
        try:
            when = dt.datetime.fromisoformat(str(raw))
        except ValueError:
            raise ValidationFailed("探访时间格式不对。", fields={"at": ["格式不对"]}) from None
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > now + dt.timedelta(minutes=5):
        raise ValidationFailed("探访时间不能晚于现在。", fields={"at": ["晚于现在"]})
    if when < now - dt.timedelta(days=31):
        raise ValidationFailed("只能补登一个月内的探访。", fields={"at": ["早于一个月前"]})
    return when


# ---------------------------------------------------------------- control register


def control_grids(actor: Actor) -> QuerySet[Region]:
    """The grids whose control register this person sees: a 专职网格员 their posts', a 综治专干
    their community's. Nobody else."""
    grids = Region.objects.filter(level=Region.Level.GRID)
    allowed = Q(pk__in=[])
    if actor.user_id is not None and actor.roles & CONTROL_BY_POST_ROLES:
        allowed |= Q(
            pk__in=GridPost.objects.filter(
                user_id=actor.user_id, kind=GridPost.Kind.FULL_TIME
            ).values("grid_id")
        )
    for role in actor.roles & CONTROL_BY_REGION_ROLES:
        for path in actor.paths_by_role.get(role, ()):
            allowed |= Q(path__startswith=path)
    return grids.filter(allowed)


def may_see_control(actor: Actor) -> bool:
    return bool(actor.roles & (CONTROL_BY_POST_ROLES | CONTROL_BY_REGION_ROLES))


def control_register(actor: Actor) -> list[tuple[ControlEntry, Region]]:
    if not may_see_control(actor):
        raise PermissionDenied("管控台账仅限本网格专职网格员和社区综治专干查看。")
    living = {
        r.person_id: r.home.building.grid
        for r in _living_in(control_grids(actor)).select_related("home__building__grid")
    }
    entries = (
        ControlEntry.objects.filter(person_id__in=living, until__isnull=True)
        .select_related("person")
        .order_by("type", "person__name")
    )
    rows = [(e, living[e.person_id]) for e in entries]
    assert actor.user_id is not None
    now = timezone.now()
    PersonRead.objects.bulk_create(
        [
            PersonRead(person=e.person, user_id=actor.user_id, at=now, what="管控台账")
            for e, _g in rows
        ]
    )
    return rows


def control_of(actor: Actor, person: Person) -> list[ControlEntry]:
    """A person's control entries, for their page: only for those who may see them, logged."""
    if not may_see_control(actor):
        return []
    in_scope = _living_in(control_grids(actor)).filter(person=person).exists()
    if not in_scope:
        return []
    entries = list(person.control.filter(until__isnull=True))
    if entries:
        assert actor.user_id is not None
        PersonRead.objects.create(
            person=person, user_id=actor.user_id, at=timezone.now(), what="管控信息"
        )
    return entries


def last_visits(person: Person, n: int = 10, actor: Actor | None = None) -> list[Visit]:
    """The person's last visits; each visit's need event (`need_event`: id, number) only when
    `actor` may see that event, else None."""
    from chuangcheng.cases.selectors import cases_visible_to

    visits = list(person.visits.select_related("visitor", "need_case")[:n])
    ids = {v.need_case_id for v in visits if v.need_case_id is not None}
    seen = (
        set(cases_visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))
        if actor is not None and ids
        else set()
    )
    for v in visits:
        v.need_event = v.need_case if v.need_case_id in seen else None  # type: ignore[attr-defined]
    visit_orders(visits)
    return visits


def overdue_counts(plan: list[Due], now: dt.datetime) -> dict[int, int]:
    out: dict[int, int] = {}
    for d in plan:
        if d.due <= now:
            out[d.grid.pk] = out.get(d.grid.pk, 0) + 1
    return out

"""Reads of cases, always starting from what the person may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from chuangcheng.cases.models import (
    Assignment,
    Attachment,
    Case,
    CaseClock,
    CaseEvent,
    CaseRequest,
    ClockStop,
    Notification,
)
from chuangcheng.cases.workflow import (
    ASSIGNED,
    CREATED,
    JURISDICTION,
    OWN,
    UNITS,
    Workflow,
    registered,
    workflow_for,
)
from chuangcheng.core.errors import NotFound
from chuangcheng.org.access import Actor


def _scope_q(actor: Actor, role: str, sees: frozenset[str]) -> Q | None:
    """The cases of one workflow a holder of `role` sees (None: all of them)."""
    cond = Q(pk__in=[])
    if JURISDICTION in sees:
        paths = actor.paths_by_role.get(role, ())
        if "/" in paths:
            return None
        for path in paths:
            cond |= Q(region_path__startswith=path)
        if paths:
            cond |= Q(region_path="")
    if UNITS in sees:
        units = list(actor.units_with_children(role))
        if units:
            # A lead assignment is always mirrored by case.lead_unit (dispatch sets both, a
            # return clears both), so the subquery only needs co-handling ones: it stays small
            # (a partial index) instead of hashing every order a big unit ever led.
            cond |= Q(lead_unit_id__in=units) | Q(
                Exists(
                    Assignment.objects.filter(
                        case_id=OuterRef("pk"),
                        unit_id__in=units,
                        active=True,
                        role=Assignment.Role.CO,
                    )
                )
            )
    if OWN in sees:
        cond |= Q(citizen_user_id=actor.user_id)
    if CREATED in sees:
        cond |= Q(created_by_id=actor.user_id)
    if ASSIGNED in sees:
        cond |= Q(
            Exists(
                Assignment.objects.filter(
                    case_id=OuterRef("pk"), user_id=actor.user_id or 0, active=True
                )
            )
        )
    return cond


def cases_visible_to(actor: Actor) -> QuerySet[Case]:
    """The one scoping function. Each workflow declares what each of its roles sees of its
    cases (cases.workflow: JURISDICTION, UNITS, OWN, CREATED, ASSIGNED); a person sees, of
    each kind of case, what the roles they hold in that workflow see, and nothing of a kind
    in which they hold no role. Anonymous people see nothing."""
    qs = Case.objects.all()
    if actor.is_superuser:  # an administrator, or the engine itself (org.access.SYSTEM)
        return qs
    if actor.user_id is None:
        return qs.none()
    conditions = Q(pk__in=[])
    for workflow in registered():
        mine = [r for r in workflow.roles if r in actor.roles]
        if not mine:
            continue
        kind_cond: Q | None = Q(pk__in=[])
        for role in mine:
            scope = _scope_q(actor, role, workflow.roles[role].sees)
            if scope is None:
                kind_cond = None
                break
            kind_cond = (kind_cond or Q()) | scope
        conditions |= (
            Q(kind=workflow.kind) & kind_cond if kind_cond is not None else Q(kind=workflow.kind)
        )
    return qs.filter(conditions)


def sees_every_case_of(actor: Actor, kind: str) -> bool:
    """True when the person's roles in this loop see all of its cases (a superuser, or a role
    that sees its jurisdiction held in a unit whose jurisdiction is the whole city): counts and
    figures may then skip the scoping filter, which is the same answer at a lower cost."""
    if actor.user_id is None:
        return False
    if actor.is_superuser:
        return True
    from chuangcheng.org.selectors import whole_area_paths

    workflow = workflow_for(kind)
    whole = whole_area_paths()
    return any(
        JURISDICTION in workflow.roles[r].sees and whole & set(actor.paths_by_role.get(r, ()))
        for r in actor.roles
        if r in workflow.roles
    )


def case_get_visible(actor: Actor, case_id: int) -> Case:
    case = cases_visible_to(actor).filter(pk=case_id).first()
    if case is None:
        raise NotFound("工单不存在或无权查看。")
    return case


def running_clocks() -> QuerySet[CaseClock]:
    """The clocks that are counting, of every case of every loop (the partial index
    caseclock_running_due holds exactly these rows)."""
    return CaseClock.objects.filter(
        stopped_at__isnull=True, paused_at__isnull=True, due_at__isnull=False
    )


def overdue_clocks(now: dt.datetime | None = None) -> QuerySet[CaseClock]:
    """Running clocks past their due (超期), any clock of any loop: a range scan of the index."""
    return running_clocks().filter(due_at__lt=now or timezone.now())


def due_soon_clocks(now: dt.datetime | None, within: dt.timedelta) -> QuerySet[CaseClock]:
    """Running clocks that fall due within `within` from now (临期), not yet overdue."""
    now = now or timezone.now()
    return running_clocks().filter(due_at__gte=now, due_at__lt=now + within)


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Cases with a running clock past its due (超期), whatever the loop or the clock: a query,
    not a flag. `next_due` is the earliest due of the running clocks (the engine keeps it), so
    this is `next_due < now`, a range of the partial index case_next_due, with no join; the
    clocks themselves are `overdue_clocks(now)`."""
    return Q(next_due__lt=now or timezone.now())


def due_soon_q(now: dt.datetime | None, within: dt.timedelta) -> Q:
    """Cases whose nearest running clock falls due within `within` (临期; not yet overdue),
    whatever the loop or the clock (index case_next_due)."""
    now = now or timezone.now()
    return Q(next_due__gte=now, next_due__lt=now + within)


def pending_request_q(kind: str) -> Q:
    """Cases with a request of this kind awaiting a decision (待审申请)."""
    return Q(
        Exists(CaseRequest.objects.filter(case_id=OuterRef("pk"), kind=kind, status="pending"))
    )


def with_pending_requests(qs: QuerySet[Case], workflow: Workflow) -> QuerySet[Case]:
    """Each case of a list carries `pending_<kind>` (True/False) for every kind of request its
    workflow knows, so queues mark what awaits a decision without a query per row."""
    return qs.annotate(
        **{
            f"pending_{r.name}": Exists(
                CaseRequest.objects.filter(case_id=OuterRef("pk"), kind=r.name, status="pending")
            )
            for r in workflow.requests
        }
    )


def pending_requests_of(case: Case) -> list[CaseRequest]:
    return list(case.requests.filter(status="pending").order_by("opened_at", "pk"))


def case_events(case: Case) -> QuerySet[CaseEvent]:
    return (
        case.events.select_related("unit", "actor").prefetch_related("attachments").order_by("seq")
    )


def chain_problems(case: Case, events: Sequence[CaseEvent]) -> list[str]:
    """Where the events' keyed hash chain breaks (core/hashing.py), in words."""
    from chuangcheng.core.hashing import GENESIS, chain_hash, same_digest

    out = []
    prev = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            out.append(f"第 {expected_seq} 条记录缺失（下一条序号为 {event.seq}）")
            break
        if event.prev_hash != prev:
            out.append(f"第 {event.seq} 条记录的前序哈希不连续")
            break
        if not same_digest(chain_hash(prev, event.hash_payload()), event.hash):
            out.append(f"第 {event.seq} 条记录的内容与其哈希不符（被改动）")
            break
        prev = event.hash
    else:
        if prev != (case.last_hash or GENESIS):
            out.append("工单表记录的链头与最后一条记录不符")
    return out


def history_problems(case: Case) -> list[str]:
    """Everything wrong with a case's history: its chain, and each column of the case row that
    is not what its events say (cases/history.py)."""
    from chuangcheng.cases.history import differences

    events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    return chain_problems(case, events) + differences(case, events)


def verify_chain(case: Case) -> bool:
    """True when every event's keyed hash matches its content and its predecessor."""
    return not chain_problems(case, list(CaseEvent.objects.filter(case=case).order_by("seq")))


def attachment_get_visible(actor: Actor, token: str) -> Attachment:
    """An attachment by its token, only when its case is visible to the actor (else 404)."""
    att = (
        Attachment.objects.filter(token=token, case__in=cases_visible_to(actor))
        .select_related("case")
        .first()
    )
    if att is None:
        raise NotFound("附件不存在或无权查看。")
    return att


def notifications_for(actor: Actor, *, unread_only: bool = False) -> QuerySet[Notification]:
    """A person's own messages (消息提醒), newest first. Nobody reads anyone else's."""
    if actor.user_id is None:
        return Notification.objects.none()
    qs = Notification.objects.filter(user_id=actor.user_id)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.select_related("case").order_by("-created_at", "-id")


def notification_unread_count(actor: Actor) -> int:
    if actor.user_id is None:
        return 0
    return Notification.objects.filter(user_id=actor.user_id, read_at__isnull=True).count()


def notification_get(actor: Actor, notification_id: int) -> Notification:
    found = notifications_for(actor).filter(pk=notification_id).first()
    if found is None:
        raise NotFound("消息不存在。")
    return found


def cases_of_kind(
    actor: Actor,
    kind: str,
    *,
    statuses: list[str] | None = None,
    unit: int | None = None,
    overdue: bool = False,
    q: str = "",
    now: dt.datetime | None = None,
) -> QuerySet[Case]:
    """The cases of one loop the actor may see (the generic list of any kind), the nearest
    deadline first, then the newest."""
    qs = cases_visible_to(actor).filter(kind=kind).select_related("lead_unit", "category", "street")
    if statuses:
        qs = qs.filter(status__in=statuses)
    if unit:
        qs = qs.filter(lead_unit_id=unit)
    if overdue:
        qs = qs.filter(overdue_q(now))
    q = q.strip()
    if q:
        # icontains is what the trigram index on UPPER(title) serves (case_title_trgm); with
        # the number's unique index PostgreSQL ORs two index scans (a plain contains read
        # every case of the kind in list order: 0.4 s at a million)
        qs = qs.filter(Q(number=q) | Q(title__icontains=q))
    return qs.order_by(F("next_due").asc(nulls_last=True), "-created_at", "-id")


def missed_clock_exists(clocks: Sequence[str] = ()) -> Exists:
    """For annotating or filtering cases: the case has a recorded clock stop that missed its
    due (`ClockStop.met` false, ADR 0023), of the named clocks or of any. A loop's "closed in
    time" (按期办结) is then "closed and not this", one index probe per case."""
    stops = ClockStop.objects.filter(case_id=OuterRef("pk"), met=False)
    if clocks:
        stops = stops.filter(name__in=list(clocks))
    return Exists(stops)

"""Reads of cases, always starting from what the person may see."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from chuangcheng.cases.models import Assignment, Attachment, Case, CaseEvent
from chuangcheng.core.errors import NotFound
from chuangcheng.org.access import Actor
from chuangcheng.org.roles import CITIZEN


def cases_visible_to(actor: Actor) -> QuerySet[Case]:
    """The one scoping function: centre roles see their jurisdiction, handlers their units'
    orders (a street office also its communities'), citizens their own; nobody else sees any."""
    qs = Case.objects.all()
    if actor.user_id is None:
        return qs.none()
    conditions = Q(pk__in=[])
    if actor.is_centre:
        if "/" in actor.centre_paths:
            return qs
        for path in actor.centre_paths:
            conditions |= Q(region_path__startswith=path)
        conditions |= Q(region_path="")
    if actor.visible_units:
        units = list(actor.visible_units)
        # A lead assignment is always mirrored by case.lead_unit (dispatch sets both, a return
        # clears both), so the subquery only needs co-handling ones: it stays small (a partial
        # index) instead of hashing every order a big unit ever led (bench/README.md).
        conditions |= Q(lead_unit_id__in=units) | Q(
            Exists(
                Assignment.objects.filter(
                    case_id=OuterRef("pk"), unit_id__in=units, active=True, role=Assignment.Role.CO
                )
            )
        )
    if actor.has(CITIZEN):
        conditions |= Q(citizen_user_id=actor.user_id)
    return qs.filter(conditions)


def case_get_visible(actor: Actor, case_id: int) -> Case:
    case = cases_visible_to(actor).filter(pk=case_id).first()
    if case is None:
        raise NotFound("工单不存在或无权查看。")
    return case


def overdue_q(now: object | None = None) -> Q:
    """Open and past the finish deadline (超期): a query, not a flag."""
    now = now or timezone.now()
    return Q(finish_due__lt=now, finish_at__isnull=True, closed_at__isnull=True)


def case_events(case: Case) -> QuerySet[CaseEvent]:
    return (
        case.events.select_related("unit", "actor").prefetch_related("attachments").order_by("seq")
    )


def verify_chain(case: Case) -> bool:
    """True when every event's hash matches its content and its predecessor."""
    from chuangcheng.core.hashing import GENESIS, chain_hash

    prev = GENESIS
    for event in CaseEvent.objects.filter(case=case).order_by("seq"):
        if event.prev_hash != prev or chain_hash(prev, event.hash_payload()) != event.hash:
            return False
        prev = event.hash
    return prev == (case.last_hash or GENESIS)


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

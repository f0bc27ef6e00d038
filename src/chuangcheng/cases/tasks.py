"""Side effects of case steps, run by the task worker after the step committed.

What a step tells whom is declared on the workflow's action (`Action.notice`); this module only
carries it out, so the engine names no loop's actions or roles.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from chuangcheng.cases.models import Assignment, Case, CaseEvent, Notification
from chuangcheng.cases.selectors import cases_visible_to
from chuangcheng.cases.workflow import (
    ASSIGNEE,
    CO,
    CREATOR,
    LEAD,
    LEAD_OR_CO,
    NOT_HANDLER,
    OWNER,
    Notice,
    Rule,
    workflow_for,
)
from chuangcheng.core.periodic import on_worker_start, schedule_once
from chuangcheng.org.access import actor_for
from chuangcheng.org.models import Membership


def _candidates(case: Case, notice: Notice) -> set[int]:
    """Everyone an audience names, before the visibility check."""
    users: set[int] = set()
    active = list(
        Assignment.objects.filter(case=case, active=True).values_list("unit_id", "user_id", "role")
    )
    lead: set[int] = {case.lead_unit_id} if case.lead_unit_id is not None else set()
    # units assigned as a whole (a person assigned by name is told alone, not their unit)
    assigned_units: set[int] = {u for u, p, _r in active if u is not None and p is None}
    handled = lead | {u for u, _p, _r in active if u is not None}
    units_by_rule: dict[Rule, set[int]] = {
        LEAD: lead,
        CO: {u for u, _p, r in active if u is not None and r == Assignment.Role.CO},
        LEAD_OR_CO: lead | assigned_units,
        ASSIGNEE: lead | assigned_units,
    }
    for audience in notice.to:
        rel = audience.relation
        if rel is OWNER:
            if case.citizen_user_id is not None:
                users.add(case.citizen_user_id)
            continue
        if rel is CREATOR:
            if case.created_by_id is not None:
                users.add(case.created_by_id)
            continue
        if rel is ASSIGNEE:  # people assigned by name are told themselves
            users |= {p for _u, p, _r in active if p is not None}
        members = Membership.objects.filter(role__in=audience.roles)
        if rel is NOT_HANDLER:
            members = members.exclude(unit_id__in=handled)
        elif rel is not None:
            units = units_by_rule.get(rel, set())
            if not units:
                continue
            members = members.filter(unit_id__in=units)
        users |= set(members.values_list("user_id", flat=True))
    return users


def recipients(case: Case, notice: Notice, *, exclude: int | None = None) -> list[int]:
    """The people a notice reaches: its audiences, less the person who acted, less anyone who
    cannot see the case by the rule every read follows (cases_visible_to)."""
    candidates = _candidates(case, notice) - {exclude}
    found = []
    for user in (
        get_user_model().objects.filter(Q(pk__in=candidates) & Q(is_active=True)).order_by("pk")
    ):
        if cases_visible_to(actor_for(user)).filter(pk=case.pk).exists():
            found.append(user.pk)
    return found


def notice_text(notice: Notice, case: Case, event: CaseEvent) -> str:
    return notice.text.format(
        number=case.number,
        title=case.title[:30],
        state=workflow_for(case.kind).state_label(case.status),
        actor=event.actor_name,
    )[:200]


@task()
def notify_event(event_id: int) -> int:
    """Write the in-app messages for one event. Returns how many were written; running it again
    (a reclaimed task) writes none twice."""
    event = CaseEvent.objects.select_related("case").filter(pk=event_id).first()
    if event is None:
        return 0
    case = event.case
    action = workflow_for(case.kind).action(event.action)
    if action is None or action.notice is None:
        return 0
    text = notice_text(action.notice, case, event)
    now = timezone.now()
    told = set(Notification.objects.filter(event=event).values_list("user_id", flat=True))
    users = [u for u in recipients(case, action.notice, exclude=event.actor_id) if u not in told]
    Notification.objects.bulk_create(
        [Notification(user_id=u, case=case, event=event, text=text, created_at=now) for u in users],
        ignore_conflicts=True,  # two runs at once: the unique (user, event) keeps one
    )
    return len(users)


@task()
def anchor_history() -> dict[str, object]:
    """Append an anchor of every case history's head outside the database (cases/anchors.py),
    then queue the next run."""
    from chuangcheng.cases.anchors import anchor_now

    anchor = anchor_now()
    schedule_anchoring(delay=dt.timedelta(seconds=settings.CC_HISTORY_ANCHOR_EVERY))
    return {k: anchor[k] for k in ("upto", "cases", "events")}


@on_worker_start
def schedule_anchoring(*, delay: dt.timedelta = dt.timedelta(0)) -> bool:
    """Queue the next anchoring unless one is pending (the worker calls this when it starts)."""
    return schedule_once(anchor_history, run_after=timezone.now() + delay)

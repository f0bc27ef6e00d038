"""Hand-over between loops (转办, 上报, 下派): one loop's case becomes a case of another loop.

A receiving loop declares a `Receiver` on its workflow (`Workflow.receives`): the kinds it takes
cases from, which cases it accepts, the form of what it needs (with suggestions from the origin
case) and the function that opens its own case. A sending loop declares an action with
`hands_over="<receiver name>"`: the engine gives that action the receiver's form, offers it only
on cases the receiver accepts, and when it is taken (in `case_transition`, under the origin's
row lock) opens the receiving case in the same transaction, records a `CaseLink` and writes the
link into both histories.

When the received case reaches a final state, the engine tells the origin in the same
transaction as that closing step: the origin workflow's return action for that receiver and
outcome (`handover_returns_from[receiver][outcome]`, else `handover_returns[outcome]`) runs
on the origin case as the system, its input the receiver's report (`ReturnForm`). Nothing is
lost on a crash: the closing step and the origin's step commit together or not at all.

The engine names no loop here: receivers, their kinds and the actions are the loops' own.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import transaction
from django.db.models import Q

from chuangcheng.cases.models import Case, CaseLink
from chuangcheng.cases.workflow import (
    ENGINE_EVENT_LABELS,
    Action,
    Receiver,
    RelatedEvent,
    Step,
    Workflow,
    receiver_for,
    workflow_for,
)
from chuangcheng.core.errors import Conflict, PermissionDenied, ValidationFailed
from chuangcheng.org.access import SYSTEM, Actor

if TYPE_CHECKING:
    from chuangcheng.cases.models import CaseEvent

# the events the engine writes into the other case's history (labels: ENGINE_EVENT_LABELS)
HANDED_IN = "handed_in"  # on the receiving case: 由 <origin> 转来
LINKED_CLOSED = "linked_closed"  # on the origin, when its return action could not run


class ReturnForm(forms.Form):
    """What the origin's return action receives from the engine (never from a person)."""

    outcome = forms.CharField(max_length=10)
    number = forms.CharField(max_length=40)
    kind = forms.CharField(max_length=20)
    result = forms.CharField(max_length=5000, required=False)


def receiver_of(action: Action) -> Receiver | None:
    if action.hands_over is None:
        return None
    return receiver_for(action.hands_over)[1]


def refusal(action: Action, case: Case) -> str | None:
    """Why this case may not be handed over by this action now (None: it may)."""
    if action.hands_over is None:
        return None
    try:
        receiving, rec = receiver_for(action.hands_over)
    except LookupError:  # the receiving loop is not installed here
        return f"接收方业务（{action.hands_over}）未启用，不能{action.label}。"
    if case.kind not in rec.accepts_from:
        return f"该类工单不能{rec.label}。"
    open_link = (
        CaseLink.objects.filter(from_case_id=case.pk, kind=CaseLink.Kind.HANDOVER)
        .exclude(to_case__status__in=receiving.final)
        .values_list("to_case__number", flat=True)
        .first()
    )
    if open_link:
        return f"该工单已转办为 {open_link}，尚未办结。"
    return rec.accepts(case) if rec.accepts is not None else None


def initial_for(action: Action, case: Case) -> dict[str, Any]:
    """The receiver's suggestions for its form, from the origin case."""
    rec = receiver_of(action)
    if rec is None or rec.initial is None:
        return {}
    return rec.initial(case)


def hand_over(step: Step, action: Action) -> Case:
    """Open the receiving case for this step (called by `case_transition` under the origin's row
    lock, after the action's own `apply`): the receiver opens its case, the link is recorded and
    both histories show it. Returns the new case."""
    assert action.hands_over is not None
    receiving, rec = receiver_for(action.hands_over)
    origin, actor = step.case, step.actor
    if origin.kind not in rec.accepts_from:
        raise PermissionDenied(f"该类工单不能{rec.label}。")
    target = rec.open(origin, actor, dict(step.data), step.now)
    if target.kind != receiving.kind:
        raise RuntimeError(f"receiver {rec.name} opened a {target.kind} case")
    CaseLink.objects.create(
        from_case=origin,
        to_case=target,
        kind=CaseLink.Kind.HANDOVER,
        receiver=rec.name,
        created_at=step.now,
        created_by_id=actor.user_id,
    )
    origin_wf = workflow_for(origin.kind)
    step.related.append(
        RelatedEvent(
            case=target,
            action=HANDED_IN,
            note=f"由{origin_wf.label}工单 {origin.number} {rec.label}",
            data={"from": origin.number, "from_kind": origin.kind, "receiver": rec.name},
        )
    )
    step.event_data = {
        **step.event_data,
        "handed_over_to": target.number,
        "to_kind": target.kind,
        "receiver": rec.name,
    }
    if not step.note:
        step.note = f"{rec.label}：{target.number}"
    return target


def tell_origin(case: Case, event: CaseEvent, now: dt.datetime) -> None:
    """The received `case` just reached a final state (its step's transaction is open): run the
    origin's declared return action on the origin case as the system. When the origin is no
    longer where it waits (someone closed it meanwhile), its history still gets the outcome."""
    link = (
        CaseLink.objects.filter(to_case_id=case.pk, kind=CaseLink.Kind.HANDOVER)
        .select_related("from_case")
        .first()
    )
    if link is None:
        return
    from chuangcheng.cases.services import case_transition, system_note

    receiving = workflow_for(case.kind)
    rec = next((r for r in receiving.receives if r.name == link.receiver), None)
    if rec is None:
        return
    report = rec.outcome(case)
    origin = link.from_case
    origin_wf: Workflow = workflow_for(origin.kind)
    action = origin_wf.return_action(link.receiver, report.outcome)
    data = {
        "outcome": report.outcome,
        "number": case.number,
        "kind": case.kind,
        "result": report.result,
    }
    if action is not None:
        try:
            with transaction.atomic():
                case_transition(case_id=origin.pk, action=action, actor=SYSTEM, data=data, now=now)
            return
        except (Conflict, ValidationFailed):  # no longer where it waits: a note instead
            pass
    system_note(
        case_id=origin.pk,
        action=LINKED_CLOSED,
        note=f"关联案件 {case.number} 已{receiving.state_label(case.status)}：{report.result}",
        data=data,
        now=now,
    )


def photos_of(case: Case, limit: int = 6) -> list[tuple[Any, str]]:
    """Copies of the case's photos (its first `limit` images, with their labels), for a receiver
    that opens its case with them: the receiving case keeps its own files."""
    from django.core.files.base import ContentFile

    from chuangcheng.cases.models import Attachment

    out: list[tuple[Any, str]] = []
    for att in Attachment.objects.filter(case_id=case.pk, content_type__startswith="image/")[
        :limit
    ]:
        try:
            with att.file.open("rb") as fh:
                out.append((ContentFile(fh.read(), name=att.name), att.label))
        except OSError:  # a file lost from storage: the others still go
            continue
    return out


def may_take(action: Action, actor: Actor) -> bool:
    """A person holding one of the action's roles; a system action only by the engine."""
    if action.system:
        return actor is SYSTEM
    return bool(actor.roles & action.roles)


def links_of(case: Case, actor: Actor, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The case's links in both directions, for its detail (API and pages). The other case's
    number and state are always shown (the link is part of this case's history); its id, lights
    and last step only when the person may see that case."""
    from chuangcheng.cases.clocks import light, running_of
    from chuangcheng.cases.models import CaseClock
    from chuangcheng.cases.selectors import cases_visible_to
    from chuangcheng.core.settings_store import get_setting

    links = CaseLink.objects.filter(Q(from_case_id=case.pk) | Q(to_case_id=case.pk))
    rows = [  # one query for both directions
        ("out", link, link.to_case)
        if link.from_case_id == case.pk
        else ("in", link, link.from_case)
        for link in links.select_related("from_case", "to_case")
    ]
    if not rows:
        return []
    rows.sort(key=lambda r: (r[1].created_at, r[1].pk))
    others = {other.pk for _d, _l, other in rows}
    visible = set(cases_visible_to(actor).filter(pk__in=others).values_list("pk", flat=True))
    now = now or dt.datetime.now(dt.UTC)
    warn = float(get_setting("cases.warn_fraction"))
    out = []
    for direction, link, other in rows:
        wf = workflow_for(other.kind)
        label = next(
            (
                r.label
                for w in (wf, workflow_for(case.kind))
                for r in w.receives
                if r.name == link.receiver
            ),
            link.get_kind_display(),
        )
        item: dict[str, Any] = {
            "direction": direction,
            "kind": link.kind,
            "label": label,
            "number": other.number,
            "case_kind": other.kind,
            "loop": wf.label,
            "status": other.status,
            "status_label": wf.state_label(other.status),
            "final": other.status in wf.final,
            "at": link.created_at.isoformat(),
            "visible": other.pk in visible,
        }
        if item["visible"]:
            clocks = running_of(CaseClock.objects.filter(case_id=other.pk))
            last = other.events.order_by("-seq").first()
            item.update(
                {
                    "id": other.pk,
                    "lights": [
                        {
                            "clock": c.name,
                            "label": wf.clock(c.name).label,
                            "due": c.due_at.isoformat() if c.due_at else None,
                            "light": light(c, now, warn),
                        }
                        for c in clocks
                    ],
                    "last_step": (
                        {
                            "action": last.action,
                            "label": _step_label(wf, last.action),
                            "at": last.created_at.isoformat(),
                            "note": last.note,
                        }
                        if last is not None
                        else None
                    ),
                }
            )
        out.append(item)
    return out


def _step_label(wf: Workflow, action: str) -> str:
    if action == "open":
        return "受理"
    found = wf.action(action)
    if found is not None:
        return found.label
    return wf.event_labels.get(action) or ENGINE_EVENT_LABELS.get(action, action)

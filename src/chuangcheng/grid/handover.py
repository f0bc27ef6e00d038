"""下派网格: the 网格化 loop receives cases from the 12345 and 数字城管 loops (cases.handover).

The sender (a 12345 order's handling unit, the 数字城管 dispatcher) hands a case down: a 网格事件
opens in the grid the case's place lies in, or in the grid the sender picks, which must be one of
the grids under the sender's own units (its scope). The event keeps where it came from (its
source, and the link both histories show), the place, the text and copies of the photos; it is
assigned by name to the grid's 专职网格员 (兼职 when the grid has none), who sees it and may fix it
on the spot like an event they reported. From there it takes the grid's roads as any event does
and ends with the residents' satisfaction; when it is 办结 the sender is told the result (done),
when the community voids it (not a matter for the grid) the sender gets it back (voided).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from chuangcheng.cases.handover import photos_of
from chuangcheng.cases.models import Case
from chuangcheng.cases.workflow import HANDOVER_DONE, HANDOVER_VOIDED, Received, Receiver
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.grid.models import EventClass, GridEvent
from chuangcheng.org.access import SYSTEM, Actor
from chuangcheng.org.models import Region

RECEIVER = "grid"
KIND = "gridevent"  # grid.workflow.KIND (that module imports this one)
SENDING_KINDS = frozenset({"hotline", "citymgmt"})
RECEIVE_ACTION = "receive"  # the system step that assigns the event to the grid's workers
# the steps whose note is the grid's handling result (what the sender is told)
RESULT_STEPS = ("fix_on_spot", "implement", "department_done", "citymgmt_done")


class HandDownForm(forms.Form):
    grid = forms.ModelChoiceField(
        label="网格",
        queryset=Region.objects.filter(level=Region.Level.GRID).order_by("code"),
        required=False,
        empty_label="按问题位置确定",
        help_text="留空则按问题位置确定所在网格；只能选择本单位辖区内的网格",
        error_messages={"invalid_choice": "没有这个网格"},
    )
    event_class = forms.ChoiceField(
        label="事件类别",
        choices=EventClass.choices,
        initial=EventClass.SJ06,
        error_messages={"required": "请选择事件类别", "invalid_choice": "不是允许的事件类别"},
    )
    note = forms.CharField(label="下派说明", required=False, max_length=2000)


def scope_grids(actor: Actor) -> QuerySet[Region]:
    """The grids under the sender's units (every unit the person is a member of)."""
    grids = Region.objects.filter(level=Region.Level.GRID)
    if actor.is_superuser:
        return grids
    paths = {p for ps in actor.paths_by_role.values() for p in ps}
    if "/" in paths:
        return grids
    cond = Q(pk__in=[])
    for path in paths:
        cond |= Q(path__startswith=path)
    return grids.filter(cond)


def grid_at(case: Case) -> Region | None:
    """The grid the case's place lies in (the map's outlines, as everywhere else)."""
    from chuangcheng.org.selectors import region_id_for_point

    if case.lat is None or case.lng is None:
        return None
    if case.region is not None and case.region.level == Region.Level.GRID:
        return case.region
    region_id = region_id_for_point(case.lat, case.lng)
    if region_id is None:
        return None
    return Region.objects.filter(pk=region_id, level=Region.Level.GRID).first()


def guess_class(case: Case) -> str:
    if case.kind == "citymgmt":
        family = getattr(getattr(case, "citycase", None), "family", "")
        return EventClass.SJ05 if family == "component" else EventClass.SJ04
    return EventClass.SJ06


def initial(case: Case) -> dict[str, Any]:
    grid = grid_at(case)
    return {"grid": grid.pk if grid is not None else None, "event_class": guess_class(case)}


def open_handed_down(origin: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Case:
    """The 网格事件 of a handed-down case (in the sender's transaction)."""
    from chuangcheng.cases.services import case_open, case_transition
    from chuangcheng.cases.workflow import workflow_for

    scope = scope_grids(actor)
    chosen: Region | None = data.get("grid")
    if chosen is not None:
        grid = scope.filter(pk=chosen.pk).first()
        if grid is None:
            raise ValidationFailed(
                f"「{chosen.name}」不在本单位辖区内，不能下派。", fields={"grid": ["不在辖区内"]}
            )
    else:
        at = grid_at(origin)
        if at is None:
            raise ValidationFailed(
                "无法按问题位置确定所在网格，请选择网格。", fields={"grid": ["请选择网格"]}
            )
        grid = scope.filter(pk=at.pk).first()
        if grid is None:
            raise ValidationFailed(
                f"问题位置所在的「{at.name}」不在本单位辖区内，不能下派。",
                fields={"grid": ["不在辖区内"]},
            )
    note = str(data.get("note") or "").strip()
    content = origin.content or origin.title
    sender = workflow_for(origin.kind).label
    case, _created = case_open(
        kind=KIND,
        actor=actor,
        fields={
            "title": origin.title[:200],
            "content": (f"{note}\n{content}" if note else content)[:5000],
            "address": (origin.address or grid.name)[:255],
            "lat": origin.lat if origin.lat is not None else grid.lat,
            "lng": origin.lng if origin.lng is not None else grid.lng,
            "source": f"{sender}下派"[:30],
            "channel": "handover",
        },
        region=grid,
        files=photos_of(origin),
        now=now,
        detail={"grid": grid, "event_class": data["event_class"], "scale": GridEvent.Scale.PERSON},
    )
    # the grid's workers, by name, as a step of the event's own history
    return case_transition(case_id=case.pk, action=RECEIVE_ACTION, actor=SYSTEM, now=now)


def outcome(case: Case) -> Received:
    """What the sender is told when the event is final."""
    if case.status == "closed":
        own = GridEvent.objects.filter(case_id=case.pk).first()
        did = (
            case.events.filter(action__in=RESULT_STEPS)
            .order_by("-seq")
            .values_list("note", flat=True)
            .first()
        )
        text = f"网格事件 {case.number} 已办结"
        if did:
            text += f"：{did}"
        if own is not None and own.satisfaction:
            text += f"（群众评价：{own.get_satisfaction_display()}）"
        return Received(HANDOVER_DONE, text)
    reason = (
        case.events.filter(action="void").order_by("-seq").values_list("note", flat=True).first()
        or ""
    )
    return Received(HANDOVER_VOIDED, f"网格事件 {case.number} 已作废：{reason}".rstrip("："))


TO_GRID = Receiver(
    name=RECEIVER,
    label="下派网格",
    accepts_from=SENDING_KINDS,
    form=HandDownForm,
    open=open_handed_down,
    outcome=outcome,
    initial=initial,
)

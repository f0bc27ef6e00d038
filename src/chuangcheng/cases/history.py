"""What a case's history says its row should be.

Each event records, in `CaseEvent.changes`, the case fields its step changed (the open event:
every field that differs from a blank case). These are the fields the scores and queues read —
the case's lifecycle, clocks and outcome — so replaying the events gives the row they describe,
and `verify_history` reports every column of the row that differs (someone edited the case
table directly). The status is not stored twice: it is the last event's `to_status`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chuangcheng.cases.models import Case, CaseEvent
    from chuangcheng.cases.workflow import Workflow

# Engine columns of Case whose every change is recorded in an event (attnames); a loop adds
# those of its own row (`Workflow.recorded`).
RECORDED_FIELDS: tuple[str, ...] = (
    "kind",
    "created_at",
    "street_id",
    "lead_unit_id",
    "merged_into_id",
    "dispatched_at",
    "closed_at",
)


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    return value


def recorded_names(kind: str) -> tuple[str, ...]:
    """The recorded fields of a case of this kind: the engine's (RECORDED_FIELDS) and those of
    its loop's own row that the workflow declares (`Workflow.recorded`)."""
    workflow = _workflow(kind)
    return RECORDED_FIELDS + (workflow.recorded if workflow is not None else ())


def _own_values(case: Case, detail: Any) -> tuple[tuple[str, ...], Any]:
    """The names the case's workflow records on its own row, and that row (`detail`, or the
    case's row when not given; a missing row gives its model's defaults)."""
    workflow = _workflow(case.kind)
    if workflow is None or not workflow.recorded:
        return (), None
    row = detail if detail is not None else workflow.detail_of(case)
    if row is None:
        assert workflow.detail is not None
        row = workflow.detail()
    return workflow.recorded, row


def raw_state(case: Case, detail: Any = None) -> tuple[Any, ...]:
    """The recorded fields as they are on the instances (cheap: for `changes_since`)."""
    names, row = _own_values(case, detail)
    return tuple([getattr(case, name) for name in RECORDED_FIELDS]) + tuple(
        [getattr(row, name) for name in names]
    )


def changes_since(before: tuple[Any, ...], case: Case, detail: Any = None) -> dict[str, Any]:
    """`changes_between(recorded_state(...) before, recorded_state(case))`, converting only
    the fields that changed (two aware times are equal when they are the same instant, as
    their UTC JSON is)."""
    names, row = _own_values(case, detail)
    now = [(name, getattr(case, name)) for name in RECORDED_FIELDS]
    now += [(name, getattr(row, name)) for name in names]
    out = {}
    for (name, new), old in zip(now, before, strict=True):
        if new != old:
            value = _json(new)
            if value != _json(old):
                out[name] = value
    return out


def _workflow(kind: str) -> Workflow | None:
    from chuangcheng.cases.workflow import workflow_for

    if not kind:
        return None
    try:
        return workflow_for(kind)
    except LookupError:
        return None


def recorded_state(case: Case, detail: Any = None) -> dict[str, Any]:
    """The recorded fields of a case, as JSON values (aware times in UTC): the engine's, then
    those its workflow declares on its own row (`detail`, or the case's row when not given;
    a missing row records its model's defaults)."""
    out = {name: _json(getattr(case, name)) for name in RECORDED_FIELDS}
    workflow = _workflow(case.kind)
    if workflow is not None and workflow.recorded:
        row = detail if detail is not None else workflow.detail_of(case)
        if row is None:
            assert workflow.detail is not None
            row = workflow.detail()
        out.update((name, _json(getattr(row, name))) for name in workflow.recorded)
    return out


def blank_state(kind: str = "") -> dict[str, Any]:
    """The recorded fields of a blank case of this kind (its loop's row at its defaults)."""
    from chuangcheng.cases.models import Case

    state = recorded_state(Case())
    workflow = _workflow(kind)
    if workflow is not None and workflow.recorded:
        assert workflow.detail is not None
        blank = workflow.detail()
        state.update((name, _json(getattr(blank, name))) for name in workflow.recorded)
    return state


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in after.items() if before.get(k) != v}


def opening_changes(case: Case, detail: Any = None) -> dict[str, Any]:
    """What the open event records: every recorded field that differs from a blank case."""
    return changes_between(blank_state(case.kind), recorded_state(case, detail))


def replay(events: Iterable[CaseEvent], kind: str = "") -> tuple[dict[str, Any], str, int]:
    """(recorded fields, status, event count) that the events describe, in order."""
    state = blank_state(kind)
    status, count = "", 0
    for event in events:
        state.update(event.changes or {})
        status = event.to_status
        count += 1
    return state, status, count


def differences(case: Case, events: Iterable[CaseEvent]) -> list[str]:
    """Every column of the case row that is not what its events say, in words."""
    events = list(events)
    state, status, count = replay(events, case.kind)
    out = []
    if case.status != status:
        out.append(f"status: 记录为 {status!r}，工单表为 {case.status!r}")
    if case.event_count != count:
        out.append(f"event_count: 记录为 {count}，工单表为 {case.event_count}")
    if not any(e.changes for e in events):
        return out  # written before events recorded their changes: only the status is known
    actual = recorded_state(case)
    for name in recorded_names(case.kind):
        if actual[name] != state[name]:
            out.append(f"{name}: 记录为 {state[name]!r}，工单表为 {actual[name]!r}")
    return out

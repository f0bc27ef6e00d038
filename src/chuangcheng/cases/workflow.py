"""Workflows as data: states, actions and clocks, declared once per loop.

A workflow module (e.g. `chuangcheng.hotline.workflow`) builds a `Workflow` and registers it.
The engine (`chuangcheng.cases.services.case_transition`) looks the workflow up by the case's
`kind` and knows no loop by name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django import forms

if TYPE_CHECKING:
    from chuangcheng.cases.models import Case
    from chuangcheng.org.access import Actor

LEAD = "lead"  # the actor must act for the case's lead unit (主办单位)
LEAD_OR_CO = "lead_or_co"  # … or one of its co-handling units (协办单位)
OWNER = "owner"  # the citizen who submitted the case


@dataclass
class RelatedEvent:
    """An event an action writes into ANOTHER case's history (e.g. the order a repeat is merged
    into), with the fields of that case it changed. The other case must be locked by the
    action; its status does not change."""

    case: Case
    action: str
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    fields: tuple[str, ...] = ()


@dataclass
class Step:
    """What one action is doing: the engine fills it, the action's `apply` edits it."""

    case: Case
    actor: Actor
    data: dict[str, Any]
    now: dt.datetime
    target: str
    unit_id: int | None = None
    note: str = ""
    event_data: dict[str, Any] = field(default_factory=dict)
    files: list[tuple[Any, str]] = field(default_factory=list)  # (uploaded file, label)
    start_clocks: list[str] = field(default_factory=list)
    stop_clocks: list[str] = field(default_factory=list)
    on_commit: list[Callable[[], None]] = field(default_factory=list)
    related: list[RelatedEvent] = field(default_factory=list)


Guard = Callable[["Case", "Actor", dt.datetime], str | None]
Apply = Callable[[Step], None]


@dataclass(frozen=True)
class Action:
    """One thing someone may do to a case: from which states, to which, by whom, with what."""

    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: the status stays as it is (a note, a flag, a clock)
    roles: frozenset[str]
    unit: str | None = None  # LEAD, LEAD_OR_CO, OWNER or None (any unit)
    form: type[forms.Form] | None = None
    guard: Guard | None = None  # returns a Chinese reason when not allowed now (→ 409)
    apply: Apply | None = None
    starts: tuple[str, ...] = ()
    stops: tuple[str, ...] = ()
    accepts_files: bool = False
    help: str = ""


@dataclass(frozen=True)
class Clock:
    name: str  # matches Case.<name>_due / <name>_at
    label: str
    default: tuple[int, str]  # (amount, unit) when no TimeLimit row matches


@dataclass(frozen=True)
class Workflow:
    kind: str
    label: str
    initial: str
    states: dict[str, str]
    final: frozenset[str]
    actions: tuple[Action, ...]
    clocks: tuple[Clock, ...] = ()
    # labels of events that are not actions of their own (written as a RelatedEvent)
    event_labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.initial not in self.states:
            raise ValueError(f"{self.kind}: unknown initial state {self.initial!r}")
        if not self.final <= set(self.states):
            raise ValueError(
                f"{self.kind}: unknown final states {set(self.final) - set(self.states)}"
            )
        names = [a.name for a in self.actions]
        if len(names) != len(set(names)):
            raise ValueError(f"{self.kind}: duplicate action names")
        for a in self.actions:
            unknown = (set(a.sources) | ({a.target} if a.target else set())) - set(self.states)
            if unknown:
                raise ValueError(f"{self.kind}.{a.name}: unknown states {unknown}")
        clock_names = {c.name for c in self.clocks}
        for a in self.actions:
            if set(a.starts) - clock_names or set(a.stops) - clock_names:
                raise ValueError(f"{self.kind}.{a.name}: unknown clock")

    def action(self, name: str) -> Action | None:
        for a in self.actions:
            if a.name == name:
                return a
        return None

    def state_label(self, state: str) -> str:
        return self.states.get(state, state)

    def open_states(self) -> list[str]:
        return [s for s in self.states if s not in self.final]

    def clock(self, name: str) -> Clock:
        return next(c for c in self.clocks if c.name == name)


_REGISTRY: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    _REGISTRY[workflow.kind] = workflow
    return workflow


def workflow_for(kind: str) -> Workflow:
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise LookupError(f"no workflow registered for kind {kind!r}") from None


def registered() -> Iterable[Workflow]:
    return _REGISTRY.values()

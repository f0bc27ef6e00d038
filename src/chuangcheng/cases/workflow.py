"""Workflows as data: states, actions and clocks, declared once per loop.

A workflow module (e.g. `chuangcheng.hotline.workflow`) builds a `Workflow` and registers it.
The engine (`chuangcheng.cases.services.case_transition`) looks the workflow up by the case's
`kind` and knows no loop by name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model

from chuangcheng.core.calendar import UNITS as DURATION_UNITS

if TYPE_CHECKING:
    from chuangcheng.cases.clocks import CaseClocks
    from chuangcheng.cases.models import Case, CaseClock, CaseRequest
    from chuangcheng.cases.store import CaseStore
    from chuangcheng.org.access import Actor


@dataclass(frozen=True)
class Rule:
    """Who, among the people holding one of an action's roles, may take it on this case. The
    engine (cases.services._unit_for) applies each rule; a workflow names one per action."""

    code: str
    refusal: str  # the 403 message when the person is not the one


LEAD = Rule("lead", "只有主办单位的承办人可以进行此操作。")  # acts for the lead unit (主办)
CO = Rule("co", "只有协办单位的人员可以进行此操作。")  # acts for a co-handling unit (协办)
LEAD_OR_CO = Rule("lead_or_co", "只有承办单位的人员可以进行此操作。")
# the person, or a member of the team/unit, the case is assigned to (any assignment role)
ASSIGNEE = Rule("assignee", "只有被指派的人员或队伍可以进行此操作。")
OWNER = Rule("owner", "只有提交该诉求的本人可以进行此操作。")  # the citizen who submitted it
CREATOR = Rule("creator", "只有上报人本人可以进行此操作。")  # who filed it (e.g. an inspector)
# who filed it, or the person it was assigned to by name (a case another loop handed down)
CREATOR_OR_ASSIGNEE = Rule("creator_or_assignee", "只有上报人或被指派的人员可以进行此操作。")
# anyone of the role but the units that handled it: an independent check (核查, 复查)
NOT_HANDLER = Rule("not_handler", "办理单位不能核查自己办理的事项。")


@dataclass(frozen=True)
class Audience:
    """Who is told about a step: people holding one of `roles`, narrowed by `relation` to the
    case (None: anyone with the role; LEAD / LEAD_OR_CO: members of the lead (or a co-handling)
    unit; OWNER: the citizen who submitted it). Whoever is chosen must also be able to see the
    case, by the same rule as every read (cases_visible_to), and the actor is never told."""

    roles: frozenset[str]
    relation: Rule | None = None


def people(*roles: str) -> Audience:
    """Everyone holding one of these roles whose data scope covers the case."""
    return Audience(frozenset(roles))


def unit_of(relation: Rule, *roles: str) -> Audience:
    """The members (holding one of these roles) of the case's lead or co-handling units."""
    return Audience(frozenset(roles), relation)


def reporter() -> Audience:
    """The citizen who submitted the case."""
    return Audience(frozenset(), OWNER)


@dataclass(frozen=True)
class Notice:
    """The in-app message a step sends: `text` is formatted with {number}, {title}, {state}
    and {actor}; `to` lists the audiences (union)."""

    text: str
    to: tuple[Audience, ...]


@dataclass
class RelatedEvent:
    """An event an action writes into ANOTHER case's history (e.g. the order a repeat is merged
    into), with the fields of that case it changed. The other case must be locked by the
    action; its status does not change."""

    case: Case
    action: str
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    fields: tuple[str, ...] = ()  # of the case or of its loop's own row (`detail`)
    detail: Any = None  # the other case's own row, when the step changed fields there


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
    request: CaseRequest | None = None  # the pending request this step decides
    request_data: dict[str, Any] | None = None  # what a step that opens a request keeps in it
    start_clocks: list[str] = field(default_factory=list)
    stop_clocks: list[str] = field(default_factory=list)
    on_commit: list[Callable[[], None]] = field(default_factory=list)
    related: list[RelatedEvent] = field(default_factory=list)
    clocks: CaseClocks | None = None  # the case's clock rows, filled by the engine
    store: CaseStore | None = None  # where the step's rows live (database or replay memory)
    # assignments the step ends and makes, written by the engine after `apply`
    ends_assignments: bool = False
    new_assignments: list[tuple[int, int | None, str]] = field(default_factory=list)

    # What an `apply` may do to the case's assignments (never through the ORM: the engine
    # writes them, to the database or to a bulk replay).
    def end_assignments(self) -> None:
        """Every active assignment of the case ends now (before the new ones start)."""
        self.ends_assignments = True
        self.new_assignments.clear()

    def assign(self, unit_id: int, role: str, user_id: int | None = None) -> None:
        """Assign the case to a unit (or a person of it) in a role (lead, co) from now."""
        self.new_assignments.append((unit_id, user_id, role))

    def find_case(self, number: str) -> Case | None:
        """Another case of the same loop, by its number, among those the actor may see,
        locked for this step (None when there is none): e.g. the order a repeat is merged
        into. Whatever the step changes on it goes in a RelatedEvent."""
        assert self.store is not None, "the engine fills Step.store"
        return self.store.find_case(self.actor, self.case.kind, number)

    # the loop's own row of the case (`Workflow.detail`), loaded with the locked case; the
    # engine saves the fields `apply` changed, in the step's transaction, before the event
    detail: Any = None

    # What an `apply` may do to the case's clocks beyond the action's declared starts, stops,
    # pauses and resumes (which the engine applies after `apply`, in that order).
    def _clocks(self) -> CaseClocks:
        assert self.clocks is not None, "the engine fills Step.clocks"
        return self.clocks

    def extend(self, clock: str, amount: float, unit: str | None = None) -> dt.datetime | None:
        """延期: move the clock's due by `amount` in its own unit (or `unit`); returns the new
        due (None when the clock has no due)."""
        return self._clocks().extend(clock, amount, unit)

    def stop(self, clock: str) -> None:
        """Stop the clock now (a clock never started is recorded as met now)."""
        self._clocks().stop(clock, self.now)

    def undo_stop(self, clock: str) -> None:
        """The stopped clock runs again towards the due it had."""
        self._clocks().undo_stop(clock)

    def cancel(self, clock: str) -> None:
        """The clock loses its due (it runs no more until started again)."""
        self._clocks().cancel(clock)

    def clock(self, name: str) -> CaseClock | None:
        """The case's row of this clock (None when it never ran)."""
        return self._clocks().get(name)


Guard = Callable[["Case", "Actor", dt.datetime], str | None]
Apply = Callable[[Step], None]
FormChoices = Callable[["Case", "Actor"], "Mapping[str, Any]"]


@dataclass(frozen=True)
class Action:
    """One thing someone may do to a case: from which states, to which, by whom, with what."""

    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: the status stays as it is (a note, a flag, a clock)
    roles: frozenset[str]
    unit: Rule | None = None  # who of the roles may act (LEAD, ASSIGNEE…); None: any of them
    form: type[forms.Form] | None = None
    guard: Guard | None = None  # returns a Chinese reason when not allowed now (→ 409)
    apply: Apply | None = None
    starts: tuple[str, ...] = ()  # clocks (re)started by this step
    stops: tuple[str, ...] = ()  # clocks met by this step
    pauses: tuple[str, ...] = ()  # clocks that stop counting (缓办, 挂账, 申诉)…
    resumes: tuple[str, ...] = ()  # … and count again, their due moved by the paused span
    accepts_files: bool = False
    # what the two photo inputs of the action's dialog are called (files "before" and "after")
    photo_labels: tuple[str, str] = ("处置前照片", "处置后照片")
    help: str = ""
    notice: Notice | None = None
    opens: str | None = None  # the kind of request this step opens (待审申请)
    decides: str | None = None  # the kind of pending request this step decides…
    decision: str = ""  # … "approved" or "rejected"
    lapses: tuple[str, ...] = ()  # kinds of pending request this step makes moot
    # the receiver (another loop's `Receiver.name`) this step hands the case over to
    # (cases.handover): its form is the receiver's, the engine opens the other case
    hands_over: str | None = None
    # taken only by the engine (the origin's step when a case it handed over is done), never
    # by a person: not offered, refused with 403 to everyone
    system: bool = False
    # The choices of the form's fields for THIS case and person, where they depend on them
    # (e.g. only the teams this case may go to): {field name: a queryset for a model choice
    # field, or a list of (value, label) for a choice field}. The engine narrows the form with
    # it wherever the form is shown or validated (`narrow_form`): a value outside is a 400.
    form_choices: FormChoices | None = None


@dataclass(frozen=True)
class Clock:
    """A clock a workflow declares (any name): one CaseClock row per case once it runs."""

    name: str
    label: str
    default: tuple[int, str]  # (amount, unit) when no TimeLimit row matches; unit in UNITS


ClocksHook = Callable[["Case", "Mapping[str, CaseClock]"], None]
# A loop's own source of a clock's limit: (amount, unit) for this case, or None to fall back to
# the 办理时限 (TimeLimit) rows and the clock's default.
ClockLimitHook = Callable[["Case", str], "tuple[int, str] | None"]
# A loop's own fields of a case (its one-to-one row), for the generic case detail (`loop`).
PresentHook = Callable[["Case"], dict[str, Any]]
# (case, the loop's own row): called before the engine writes the row
SaveHook = Callable[["Case", Any], None]
# The qualifiers a 办理时限 (TimeLimit) row is matched on for a case: (appeal type, urgency),
# from the loop's own fields ("" matches only the rows that leave it blank).
LimitKeysHook = Callable[["Case"], "tuple[str, str]"]
# A loop's own fields in the generic views of a case, next to the engine's (same level):
# a staff list row (case, now), the staff detail, a caller's list row and detail.
SummaryHook = Callable[["Case", "dt.datetime | None"], dict[str, Any]]


# What a role sees of a workflow's cases (its data scope):
JURISDICTION = "jurisdiction"  # every case in the region of the unit where the role is held
UNITS = "units"  # cases assigned to that unit (lead or co) or to the units directly under it
OWN = "own"  # cases the person submitted as a citizen
CREATED = "created"  # cases the person filed (an inspector's reports)
ASSIGNED = "assigned"  # cases assigned to the person by name
SCOPES = frozenset({JURISDICTION, UNITS, OWN, CREATED, ASSIGNED})


@dataclass(frozen=True)
class Role:
    """A role a workflow knows: its Chinese name and what its holders see of the workflow's
    cases. Role codes are shared across workflows only where one post really works in both."""

    label: str
    sees: frozenset[str]


def role(label: str, *sees: str) -> Role:
    unknown = set(sees) - SCOPES
    if unknown:
        raise ValueError(f"unknown scope {unknown}")
    return Role(label, frozenset(sees))


@dataclass(frozen=True)
class RequestKind:
    """A kind of request awaiting a decision that a workflow knows (退单, 延期, 缓办…)."""

    name: str
    label: str


DECISIONS = frozenset({"approved", "rejected"})

# labels of the events the engine itself writes into a case's history (cases.handover)
ENGINE_EVENT_LABELS = {"handed_in": "转入", "linked_closed": "关联案件办结"}

# what a receiving loop reports when the case it received reaches a final state
HANDOVER_DONE, HANDOVER_VOIDED = "done", "voided"
HANDOVER_OUTCOMES = frozenset({HANDOVER_DONE, HANDOVER_VOIDED})


@dataclass(frozen=True)
class Received:
    """What a receiving loop reports when its case reaches a final state: `outcome` is
    HANDOVER_DONE or HANDOVER_VOIDED, `result` the text the sender records (its handling
    result, or why the case was not taken up)."""

    outcome: str
    result: str


# Opens the receiving loop's case in the sender's transaction: (origin case, acting person,
# the receiver form's cleaned data, now) → the new case.
ReceiverOpen = Callable[["Case", "Actor", dict[str, Any], dt.datetime], "Case"]


@dataclass(frozen=True)
class Receiver:
    """A loop's declaration that it takes cases over from other loops (转办, 上报, 下派).

    `accepts_from`: the kinds of workflow that may hand over to it; `accepts(case)` returns a
    Chinese reason when this case may not be handed over (→ 409; the action is not offered);
    `form`: what the receiver needs, `initial(case)` its suggestions from the origin case;
    `open` opens the receiving case (in the same transaction); `outcome(case)` reads the final
    state of the received case for the sender."""

    name: str
    label: str
    accepts_from: frozenset[str]
    form: type[forms.Form]
    open: ReceiverOpen
    outcome: Callable[[Case], Received]
    accepts: Callable[[Case], str | None] | None = None
    initial: Callable[[Case], dict[str, Any]] | None = None


@dataclass(frozen=True)
class Workflow:
    kind: str
    label: str
    initial: str
    states: dict[str, str]
    final: frozenset[str]
    actions: tuple[Action, ...]
    clocks: tuple[Clock, ...] = ()
    requests: tuple[RequestKind, ...] = ()
    roles: dict[str, Role] = field(default_factory=dict)
    # before the date-and-sequence number, so two loops never hand out the same number
    number_prefix: str = ""
    # What the person who reported it is told: one sentence per action they may know of
    # ("{unit}" is the lead unit's name); actions not listed stay internal (no staff names,
    # no notes). And the states in which the handling result is shown to them.
    public_steps: Mapping[str, str] = field(default_factory=dict)
    public_result_states: frozenset[str] = frozenset()
    # labels of events that are not actions of their own (written as a RelatedEvent)
    event_labels: dict[str, str] = field(default_factory=dict)
    # Called by the engine, in the step's transaction and before its event is written, with
    # the case and its clock rows whenever a step changed a clock: a loop may keep its own copy
    # of them on its own columns (read by its indicators with index-only scans).
    on_clocks: ClocksHook | None = None
    # Called by the engine with the case and the loop's own row (`detail`) just before it
    # writes the row: at open (the case's fields set) and in every step (after its status,
    # closed time, lead unit and clocks are set), in the same transaction. A loop may keep
    # copies of engine columns on its row here, for a covering index of its own (ADR 0017,
    # addendum: the 12345 ranking keys).
    on_save: SaveHook | None = None
    # Called by the engine when a clock starts, before the 办理时限 rows are read: a loop whose
    # limits depend on its own data (e.g. a catalogue's limit by zone) supplies them here.
    clock_limit: ClockLimitHook | None = None
    # The loop's own fields shown by the generic case detail (API and page) under "loop".
    present: PresentHook | None = None
    # Called by the engine when a clock starts: the case's qualifiers for the 办理时限 rows
    # (appeal type, urgency), from the loop's own row. None: only rows that leave them blank.
    limit_keys: LimitKeysHook | None = None
    # The loop's own fields added to the generic case views (cases.presenters), at the same
    # level as the engine's: a staff list row, the staff detail, a caller's list row and a
    # caller's detail (what the caller may know only: e.g. the result once it is public).
    summary: SummaryHook | None = None
    overview: PresentHook | None = None
    public_summary: PresentHook | None = None
    public_detail: PresentHook | None = None
    # The loop's own fields of a case: a model one-to-one with Case (primary key `case`).
    # `case_open` creates its row in the case's transaction from `NewCase.detail`;
    # `case_transition` loads it with the locked case (`step.detail`, and `case.<accessor>`
    # for guards) and saves the fields `apply` changed before the event is written.
    detail: type[Model] | None = None
    # Fields of the detail whose every change the case's events record (cases/history.py).
    recorded: tuple[str, ...] = ()
    # Clocks that start when a case is opened (the count starts at reporting, before any step).
    open_starts: tuple[str, ...] = ()
    # Cases this loop receives from other loops (转办/上报/下派), by receiver name
    # (cases.handover): what it needs and how it opens its case.
    receives: tuple[Receiver, ...] = ()
    # What the sender is told when a case it handed over reaches a final state: the action of
    # THIS workflow run on the origin case, as the system, by the outcome the receiver reports
    # ("done" or "voided"). Its `apply` reads `step.data["handover"]` (cases.handover).
    handover_returns: Mapping[str, str] = field(default_factory=dict)
    # The same for one receiver (by its name), when the loop hands cases to several loops and
    # waits for each in a state of its own: {receiver: {outcome: action}}, before
    # `handover_returns`.
    handover_returns_from: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

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
        if len(clock_names) != len(self.clocks):
            raise ValueError(f"{self.kind}: duplicate clock names")
        for c in self.clocks:
            if c.default[1] not in DURATION_UNITS or c.default[0] < 0:
                raise ValueError(f"{self.kind}: clock {c.name!r} has a bad default {c.default}")
        if set(self.open_starts) - clock_names:
            raise ValueError(f"{self.kind}: open_starts names unknown clocks")
        for outcome, name in self.handover_returns.items():
            if outcome not in HANDOVER_OUTCOMES or self.action(name) is None:
                raise ValueError(f"{self.kind}: handover_returns {outcome!r} → {name!r}")
        for receiver, returns in self.handover_returns_from.items():
            for outcome, name in returns.items():
                if outcome not in HANDOVER_OUTCOMES or self.action(name) is None:
                    raise ValueError(
                        f"{self.kind}: handover_returns_from {receiver!r} {outcome!r} → {name!r}"
                    )
        for a in self.actions:
            named = set(a.starts) | set(a.stops) | set(a.pauses) | set(a.resumes)
            if named - clock_names:
                raise ValueError(f"{self.kind}.{a.name}: unknown clock {named - clock_names}")
        undeclared = {r for a in self.actions for r in a.roles} - set(self.roles)
        if self.roles and undeclared:
            raise ValueError(f"{self.kind}: actions name undeclared roles {undeclared}")
        if self.recorded and self.detail is None:
            raise ValueError(f"{self.kind}: recorded fields need a detail model")
        if self.detail is not None:
            pk = self.detail._meta.pk
            if pk is None or pk.name != "case" or not pk.one_to_one:
                raise ValueError(f"{self.kind}: the detail's primary key must be `case`")
            own = {f.attname for f in self.detail._meta.concrete_fields}
            if set(self.recorded) - own:
                raise ValueError(f"{self.kind}: unknown recorded fields {set(self.recorded) - own}")
        request_names = {r.name for r in self.requests}
        for a in self.actions:
            requested = {a.opens, a.decides} - {None} | set(a.lapses)
            if requested - request_names:
                raise ValueError(
                    f"{self.kind}.{a.name}: unknown request {requested - request_names}"
                )
            if (a.decides is None) != (a.decision == "") or (
                a.decision and a.decision not in DECISIONS
            ):
                raise ValueError(f"{self.kind}.{a.name}: decides needs a decision and vice versa")

    def return_action(self, receiver: str, outcome: str) -> str | None:
        """The action run on a case of this loop when the case it handed to `receiver` ends."""
        own = self.handover_returns_from.get(receiver, {})
        return own.get(outcome) or self.handover_returns.get(outcome)

    def action(self, name: str) -> Action | None:
        for a in self.actions:
            if a.name == name:
                return a
        return None

    def state_label(self, state: str) -> str:
        return self.states.get(state, state)

    def open_states(self) -> list[str]:
        return [s for s in self.states if s not in self.final]

    def request_label(self, name: str) -> str:
        return next((r.label for r in self.requests if r.name == name), name)

    def clock(self, name: str) -> Clock:
        return next(c for c in self.clocks if c.name == name)

    @property
    def detail_accessor(self) -> str | None:
        """The name under which a case reaches its detail row (`case.<accessor>`)."""
        if self.detail is None:
            return None
        field_ = self.detail._meta.get_field("case")
        return str(field_.remote_field.get_accessor_name())  # type: ignore[union-attr]

    def detail_of(self, case: Case) -> Any:
        """The case's detail row (None when the workflow has none, or the row is missing)."""
        accessor = self.detail_accessor
        if accessor is None:
            return None
        try:
            return getattr(case, accessor)
        except ObjectDoesNotExist:
            return None


_REGISTRY: dict[str, Workflow] = {}


def narrow_form[F: forms.Form](action: Action, form: F, case: Case, actor: Actor) -> F:
    """The action's form with the choices its `form_choices` gives for this case and person
    (unchanged when the action declares none)."""
    if action.form_choices is None:
        return form
    for name, choices in action.form_choices(case, actor).items():
        field = form.fields[name]
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = choices
        elif isinstance(field, forms.ChoiceField):
            field.choices = list(choices)
        else:
            raise TypeError(f"{action.name}: field {name!r} has no choices")
    return form


def register(workflow: Workflow) -> Workflow:
    from chuangcheng.org.roles import declare_roles

    for other in _REGISTRY.values():
        if other.kind != workflow.kind and other.number_prefix == workflow.number_prefix:
            raise ValueError(
                f"{workflow.kind}: number prefix {workflow.number_prefix!r} is {other.kind}'s"
            )
        taken = {r.name for r in other.receives} & {r.name for r in workflow.receives}
        if other.kind != workflow.kind and taken:
            raise ValueError(f"{workflow.kind}: receiver {taken} is {other.kind}'s")
    _REGISTRY[workflow.kind] = workflow
    _bind_handover_forms()
    declare_roles({code: spec.label for code, spec in workflow.roles.items()})
    return workflow


def _bind_handover_forms() -> None:
    """A hand-over action's form is its receiver's (what the receiving loop needs): bound here,
    whichever of the two loops registers first, so every reader of `Action.form` (pages, API
    schema, validation) sees it."""
    receivers = {r.name: r for w in _REGISTRY.values() for r in w.receives}
    for workflow in _REGISTRY.values():
        for action in workflow.actions:
            if action.hands_over is not None and action.hands_over in receivers:
                object.__setattr__(action, "form", receivers[action.hands_over].form)


def receiver_for(name: str) -> tuple[Workflow, Receiver]:
    """The workflow that declares the receiver `name`, and the receiver."""
    for workflow in _REGISTRY.values():
        for rec in workflow.receives:
            if rec.name == name:
                return workflow, rec
    raise LookupError(f"no workflow receives {name!r}")


def workflow_for(kind: str) -> Workflow:
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise LookupError(f"no workflow registered for kind {kind!r}") from None


def registered() -> Iterable[Workflow]:
    return _REGISTRY.values()


def role_label(code: str) -> str:
    """A role's Chinese name, from whichever workflow declares it."""
    for workflow in _REGISTRY.values():
        if code in workflow.roles:
            return workflow.roles[code].label
    return code


def declared_roles() -> list[tuple[str, str]]:
    """(code, label) of every role some workflow declares, in declaration order."""
    seen: dict[str, str] = {}
    for workflow in _REGISTRY.values():
        for code, spec in workflow.roles.items():
            seen.setdefault(code, spec.label)
    return list(seen.items())

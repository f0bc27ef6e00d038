"""Bulk replay: many cases played through their workflows in memory, then written in bulk.

The same step as `case_transition` (`cases.services.run_step`: the action's roles, sources, rule,
pending requests and guard; its form; its `apply`; the clocks and `Workflow.on_clocks`; the
requests; the related events; the hash chain), on rows kept by a `MemoryStore` instead of the
database, so a script of history (the demo's year of orders, an import from another system) is
replayed without a query per step and written with a few INSERTs per table.

    replay = Replay()
    case = replay.open(kind=KIND, case_id=…, number=…, actor=reporter, at=t, fields={…})
    replay.act(case, ACTION, desk, t + minutes(5), {…})  # any action of the case's workflow
    replay.flush()  # one transaction: cases, contacts, assignments, events, requests, clocks

What differs from `case_transition`, on purpose: there is no row lock and no data-scope check
(the replay is the system writing history it was given, not a person's request); no notices
and no files; repeat keys are not written (rebuild them after a load:
`services.repeat_keys_rebuild`). A case lives in the replay's memory until `flush` writes it:
a written case is no longer the replay's (act on it with `case_transition`). Ids are given by the
caller (they are in each event's hash), who moves the id sequence on after a load.
A refused step (the same PermissionDenied, Conflict or ValidationFailed as `case_transition`)
leaves the case's row as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from chuangcheng.cases import clocks as clocks_mod
from chuangcheng.cases.clocks import CaseClocks
from chuangcheng.cases.history import opening_changes
from chuangcheng.cases.models import (
    Assignment,
    Case,
    CaseClock,
    CaseContact,
    CaseEvent,
    CaseRequest,
    ClockStop,
)
from chuangcheng.cases.services import (
    _new_event,
    _open_clocks,
    _validate,
    match_text_for,
    run_step,
)
from chuangcheng.cases.store import Assigned
from chuangcheng.cases.workflow import Action, Workflow, workflow_for
from chuangcheng.core import asof
from chuangcheng.core.errors import NotFound, PermissionDenied, ValidationFailed
from chuangcheng.org.access import Actor

_TIMES = [f.attname for f in Case._meta.concrete_fields if f.get_internal_type() == "DateTimeField"]


class MemoryStore:
    """The rows of the cases a replay holds (see cases.store.CaseStore)."""

    def __init__(self) -> None:
        self.cases: dict[int, Case] = {}
        self.by_number: dict[tuple[str, str], Case] = {}
        self.contacts: list[CaseContact] = []
        self.events: list[CaseEvent] = []
        self.events_of: dict[int, list[CaseEvent]] = {}
        self.assignments: dict[int, list[Assignment]] = {}
        self.requests: dict[int, list[CaseRequest]] = {}
        self.clock_rows: dict[int, dict[str, CaseClock]] = {}
        self.clock_stops: list[ClockStop] = []  # the engine's record of each stop (ADR 0023)
        self.details: dict[int, Any] = {}  # the loops' own rows (`Workflow.detail`), by case
        self.callbacks: list[Callable[[], None]] = []
        self._limits: dict[str, list[clocks_mod.LimitRow]] = {}

    def add_case(self, case: Case, contact: CaseContact | None, detail: Any = None) -> None:
        if case.pk in self.cases:
            raise ValueError(f"case id {case.pk} is already in the replay")
        self.cases[case.pk] = case
        self.by_number[(case.kind, case.number)] = case
        if contact is not None:
            self.contacts.append(contact)
        if detail is not None:
            self.details[case.pk] = detail

    def own(self, case: Case) -> None:
        if self.cases.get(case.pk) is not case:
            raise ValueError(f"case {case.number} is not in the replay (written already?)")

    # -- what a step reads
    def active_assignments(self, case: Case) -> list[Assigned]:
        return [
            (a.unit_id, a.user_id, a.role) for a in self.assignments.get(case.pk, ()) if a.active
        ]

    def pending_requests(self, case: Case) -> dict[str, CaseRequest]:
        return {r.kind: r for r in self.requests.get(case.pk, ()) if r.status == "pending"}

    def clocks(self, workflow: Workflow, case: Case) -> CaseClocks:
        case_clocks = CaseClocks(workflow, case, new=True)
        case_clocks._rows = self.clock_rows.setdefault(case.pk, {})
        limits = self._limits.get(workflow.kind)
        if limits is None:  # the 办理时限 table, read once per replay
            limits = self._limits[workflow.kind] = clocks_mod.limit_rows(workflow)
        case_clocks._limits = limits
        return case_clocks

    def detail(self, workflow: Workflow, case: Case) -> Any:
        return self.details.get(case.pk)

    # -- what a step writes
    def save_detail(self, detail: Any) -> None:
        """Kept in memory, written by `Replay.flush`; its times as the database gives them
        back (UTC), as `save_case` does for the case's."""
        if detail is not None:
            _as_stored(detail)

    def save_related_detail(self, detail: Any, fields: Sequence[str]) -> None:
        _as_stored(detail)

    def save_clocks(self, case_clocks: CaseClocks) -> None:
        for row in case_clocks.rows.values():
            row.case_id = case_clocks.case.pk
        case_clocks.changed.clear()
        self.clock_stops.extend(s for s in case_clocks.stops if s.seq is not None)
        case_clocks.stops = []

    def end_assignments(self, case: Case, now: dt.datetime) -> None:
        for a in self.assignments.get(case.pk, ()):
            if a.active:
                a.active, a.ended_at = False, now

    def add_assignments(self, case: Case, rows: Sequence[Assignment]) -> None:
        self.assignments.setdefault(case.pk, []).extend(rows)

    def append_event(self, event: CaseEvent) -> None:
        self.events.append(event)
        self.events_of.setdefault(event.case_id, []).append(event)

    def save_case(self, case: Case) -> None:
        """As the database gives the row back: aware times in UTC (a loop that writes a local
        time and later puts it in an event's data writes what case_transition would)."""
        self.own(case)
        for name in _TIMES:
            value = getattr(case, name)
            if value is not None and value.tzinfo is not dt.UTC:
                setattr(case, name, value.astimezone(dt.UTC))

    def save_related(self, case: Case, fields: Sequence[str]) -> None:
        self.save_case(case)

    def drop_repeat_keys(self, case: Case) -> None:
        pass  # the replay writes none (rebuilt after a load)

    def save_files(
        self, case: Case, event: CaseEvent, files: Sequence[tuple[Any, str]], now: dt.datetime
    ) -> None:
        raise ValidationFailed("批量回放不能上传附件。")

    def decide_request(
        self, request: CaseRequest, *, status: str, seq: int, by: int | None, at: dt.datetime
    ) -> None:
        request.status, request.decided_seq = status, seq
        request.decided_by_id, request.decided_at = by, at

    def lapse_requests(
        self, case: Case, kinds: Sequence[str] | None, *, seq: int, at: dt.datetime
    ) -> None:
        for r in self.requests.get(case.pk, ()):
            if r.status == "pending" and (kinds is None or r.kind in kinds):
                r.status, r.decided_seq, r.decided_at = CaseRequest.Status.LAPSED, seq, at

    def open_request(self, request: CaseRequest) -> None:
        self.requests.setdefault(request.case_id, []).append(request)

    def find_case(self, actor: Actor, kind: str, number: str) -> Case | None:
        return self.by_number.get((kind, number))

    def on_commit(self, callback: Callable[[], None]) -> None:
        self.callbacks.append(callback)


class Replay:
    """Plays steps on cases held in memory; `flush` writes them (see the module's docstring)."""

    def __init__(self) -> None:
        self.store = MemoryStore()
        self.steps = 0
        self._valid: dict[tuple[Any, ...], dict[str, Any]] = {}

    def _validate(
        self,
        action: Action,
        data: dict[str, Any],
        now: dt.datetime,
        case: Case | None = None,
        actor: Actor | None = None,
    ) -> dict[str, Any]:
        """The action's form, as case_transition runs it. A replay sees the same inputs again
        and again (the same unit, the same wording): a valid input's result is kept for the
        replay's life — for its day, when the form asked what day it is. (The catalogue rows a
        form reads are taken to stay as they are while a replay runs.)"""
        if action.form is None:
            return {}
        if action.form_choices is not None:  # its choices depend on the case: never cached
            with asof.as_of(now):
                return dict(_validate(action, data, case, actor))
        try:
            key: tuple[Any, ...] | None = (action.form, _frozen(data))
        except TypeError:  # an input that cannot be a key: no caching
            key = None
        if key is not None:
            day = (*key, asof_day(now))
            hit = self._valid.get(key)
            if hit is None:
                hit = self._valid.get(day)
            if hit is not None:
                return dict(hit)
        with asof.as_of(now) as asked:
            cleaned = _validate(action, data)
        if key is not None:
            self._valid[day if asked.asked else key] = cleaned
        return dict(cleaned)

    def open(
        self,
        *,
        kind: str,
        case_id: int,
        number: str,
        actor: Actor,
        at: dt.datetime,
        fields: dict[str, Any],
        contact: dict[str, Any] | None = None,
        detail: dict[str, Any] | None = None,
        note: str = "",
    ) -> Case:
        """A new case in its workflow's initial state, as `case_open` makes it: `fields` are
        Case columns (region_id, street_id and region_path given, as stored); `number` is the
        full number (with the workflow's prefix)."""
        workflow = workflow_for(kind)
        now = at.astimezone(dt.UTC)
        case = Case(
            pk=case_id,
            kind=kind,
            status=workflow.initial,
            number=number,
            created_by_id=actor.user_id,
            created_at=now,
            updated_at=now,
            match_text=match_text_for(fields.get("title", ""), fields.get("content", "")),
            **fields,
        )
        case.next_due = None
        own = None
        if workflow.detail is not None:  # one row per case, as case_open writes it
            own = workflow.detail(case=case, **(detail or {}))
            accessor = workflow.detail_accessor
            assert accessor is not None
            case._state.fields_cache[accessor] = own  # case.<accessor> without a query
        elif detail:
            raise ValueError(f"{kind}: the workflow declares no detail model")
        started = _open_clocks(case, now)  # the clocks the workflow starts at open, as case_open
        event = _new_event(
            case,
            action="open",
            from_status="",
            to_status=workflow.initial,
            actor=actor,
            unit_id=None,
            note=note,
            data={},
            now=now,
            changes=opening_changes(case, own),
        )
        self.store.add_case(case, CaseContact(case=case, **contact) if contact else None, own)
        if started:
            self.store.clock_rows[case.pk] = {row.name: row for row in started}
        self.store.append_event(event)
        return case

    def act(
        self,
        case: Case,
        action: str,
        actor: Actor,
        at: dt.datetime,
        data: dict[str, Any] | None = None,
    ) -> Case:
        """One step, as `case_transition(case_id=case.pk, action=action, actor=actor, data=data,
        now=at)` would take it; refused the same way (NotFound, PermissionDenied, Conflict,
        ValidationFailed)."""
        self.store.own(case)
        workflow = workflow_for(case.kind)
        step_def = workflow.action(action)
        if step_def is None:
            raise NotFound(f"没有名为「{action}」的操作。")
        if not (actor.roles & step_def.roles):
            raise PermissionDenied(f"您的角色不能执行「{step_def.label}」。")
        if step_def.hands_over is not None:  # it opens a case of another loop in the database
            raise ValidationFailed(f"批量回放不能执行「{step_def.label}」（转到其他业务）。")
        now = at.astimezone(dt.UTC)
        cleaned = self._validate(step_def, data or {}, now, case, actor)
        row = dict(case.__dict__)
        own = self.store.details.get(case.pk)
        own_row = dict(own.__dict__) if own is not None else None
        events, stops = len(self.store.events), len(self.store.clock_stops)
        try:
            run_step(self.store, workflow, step_def, case, actor, cleaned, now)
        except Exception:  # a refused step leaves the case as it was (a rolled-back transaction)
            case.__dict__.clear()
            case.__dict__.update(row)
            if own is not None and own_row is not None:
                own.__dict__.clear()
                own.__dict__.update(own_row)
            for event in self.store.events[events:]:
                self.store.events_of[event.case_id].remove(event)
            del self.store.events[events:]
            del self.store.clock_stops[stops:]
            raise
        self.steps += 1
        return case

    def flush(self) -> int:
        """Write every case the replay holds, in one transaction, and forget them. Returns the
        number of events written."""
        store = self.store
        tables = {
            model: _Table(model, with_pk=model is Case)
            for model in (
                Case,
                CaseContact,
                Assignment,
                CaseEvent,
                CaseRequest,
                CaseClock,
                ClockStop,
            )
        }
        for case in store.cases.values():
            tables[Case].add(case)
        for contact in store.contacts:
            tables[CaseContact].add(contact)
        for rows in store.assignments.values():
            for a in rows:
                tables[Assignment].add(a)
        for event in store.events:
            tables[CaseEvent].add(event)
        for requests in store.requests.values():
            for r in requests:
                tables[CaseRequest].add(r)
        for clock_rows in store.clock_rows.values():
            for c in clock_rows.values():
                tables[CaseClock].add(c)
        for stop in store.clock_stops:
            tables[ClockStop].add(stop)
        own: dict[Any, _Table] = {}
        for detail in store.details.values():
            model = type(detail)
            if model not in own:
                own[model] = _Table(model, with_pk=True)
            own[model].add(detail)
        with transaction.atomic():
            for table in [*tables.values(), *own.values()]:
                table.flush()
            for callback in store.callbacks:
                transaction.on_commit(callback)
        written = len(store.events)
        self.store = MemoryStore()
        self.store._limits = store._limits
        return written


def _as_stored(row: Any) -> None:
    """Aware times in UTC, as the database gives a row back."""
    for f in row._meta.concrete_fields:
        if f.get_internal_type() == "DateTimeField":
            value = getattr(row, f.attname)
            if value is not None and value.tzinfo is not dt.UTC:
                setattr(row, f.attname, value.astimezone(dt.UTC))


def asof_day(at: dt.datetime) -> dt.date:
    return timezone.localdate(at)


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    hash(value)
    return (type(value).__name__, value)


class _Table:
    """A fast INSERT of many model instances into one table: every concrete field, each value
    adapted by the field itself (`get_db_prep_save`) unless it is of a plain type, sent with
    `executemany` in batches. `bulk_create` spends far longer compiling the SQL."""

    PLAIN = frozenset(
        {
            "AutoField",
            "BigAutoField",
            "BigIntegerField",
            "BooleanField",
            "CharField",
            "FloatField",
            "ForeignKey",
            "IntegerField",
            "OneToOneField",
            "PositiveIntegerField",
            "PositiveSmallIntegerField",
            "SmallIntegerField",
            "TextField",
        }
    )

    def __init__(self, model: Any, *, with_pk: bool) -> None:
        self.conn = connections[DEFAULT_DB_ALIAS]  # the real connection, not the proxy
        self.fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.attnames = [f.attname for f in self.fields]
        self.plain = [f.get_internal_type() in self.PLAIN for f in self.fields]
        qn = self.conn.ops.quote_name
        columns = ", ".join(qn(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})"
        self.rows: list[list[Any]] = []

    def add(self, obj: Any) -> None:
        conn, row = self.conn, []
        for f, name, plain in zip(self.fields, self.attnames, self.plain, strict=True):
            value = getattr(obj, name)
            row.append(value if plain or value is None else f.get_db_prep_save(value, conn))
        self.rows.append(row)

    def flush(self) -> int:
        with self.conn.cursor() as cursor:
            for start in range(0, len(self.rows), 2000):
                cursor.executemany(self.sql, self.rows[start : start + 2000])
        count, self.rows = len(self.rows), []
        return count


__all__ = ["MemoryStore", "Replay"]

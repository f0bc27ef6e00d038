"""SLA clocks (时钟): one `CaseClock` row per (case, clock name) the workflow declares.

A clock's limit comes from the 办理时限 table (or the workflow's default) and is counted in one
of four units (core.calendar.UNITS: hours, workhours, workdays, days). Clocks start, stop,
pause (缓办, 挂账, 申诉 stop the count), resume (the due moves by the paused span, counted in
the clock's unit) and extend (延期, in the clock's unit). The engine (cases.services) is the only
writer: `CaseClocks` holds a case's rows inside its transaction and saves what changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection

from chuangcheng.cases.models import Case, CaseClock, ClockStop, TimeLimit
from chuangcheng.cases.workflow import Workflow
from chuangcheng.core.calendar import add_duration, count_between

GREEN, YELLOW, RED = "green", "yellow", "red"
LIGHT_LABELS = {GREEN: "正常", YELLOW: "临期", RED: "超期"}


LimitRow = tuple[str, str, str, int, str]  # clock, appeal type, urgency, amount, unit


def limit_rows(workflow: Workflow) -> list[LimitRow]:
    """The 办理时限 rows of a workflow's kind (one query for all its clocks)."""
    return list(
        TimeLimit.objects.filter(kind=workflow.kind).values_list(
            "clock", "appeal_type", "urgency", "amount", "unit"
        )
    )


def limit_for(
    workflow: Workflow, case: Case, clock: str, rows: list[LimitRow] | None = None
) -> tuple[int, str]:
    """The workflow's own limit (`Workflow.clock_limit`) if it gives one; else the most
    specific TimeLimit row wins: urgency+type, urgency, type, then any (the case's type and
    urgency are the loop's: `Workflow.limit_keys`)."""
    if workflow.clock_limit is not None:
        own = workflow.clock_limit(case, clock)
        if own is not None:
            return own
    best: tuple[int, tuple[int, str]] | None = None
    own_type, own_urgency = workflow.limit_keys(case) if workflow.limit_keys else ("", "")
    for name, appeal_type, urgency, amount, unit in limit_rows(workflow) if rows is None else rows:
        if name != clock:
            continue
        if appeal_type and appeal_type != own_type:
            continue
        if urgency and urgency != own_urgency:
            continue
        score = (2 if urgency else 0) + (1 if appeal_type else 0)
        if best is None or score > best[0]:
            best = (score, (amount, unit))
    return best[1] if best else workflow.clock(clock).default


def deadline(workflow: Workflow, case: Case, clock: str, start: dt.datetime) -> dt.datetime:
    amount, unit = limit_for(workflow, case, clock)
    return add_duration(start, amount, unit)


def is_running(due: dt.datetime | None, stopped: dt.datetime | None, paused: Any) -> bool:
    return due is not None and stopped is None and paused is None


def earliest_due(
    workflow: Workflow, status: str, clocks: Iterable[CaseClock]
) -> dt.datetime | None:
    """`Case.next_due`: the earliest due among the running clocks (None when none runs or the
    case is in a final state)."""
    if status in workflow.final:
        return None
    dues = [c.due_at for c in clocks if c.running and c.due_at is not None]
    return min(dues) if dues else None


class CaseClocks:
    """The clock rows of one case being changed by one step (loaded on first use, saved once)."""

    def __init__(self, workflow: Workflow, case: Case, *, new: bool = False) -> None:
        self.workflow = workflow
        self.case = case
        self._rows: dict[str, CaseClock] | None = {} if new else None
        self._limits: list[LimitRow] | None = None
        self.changed: set[str] = set()
        # the clocks this step stopped (`ClockStop` rows, completed by `record_stops`)
        self.stops: list[ClockStop] = []

    @property
    def rows(self) -> dict[str, CaseClock]:
        if self._rows is None:
            self._rows = {c.name: c for c in _load(self.case.pk)}
        return self._rows

    @property
    def loaded(self) -> bool:
        return self._rows is not None

    def get(self, name: str) -> CaseClock | None:
        return self.rows.get(name)

    def _row(self, name: str) -> CaseClock:
        self.workflow.clock(name)  # an undeclared clock is a programming error
        row = self.rows.get(name)
        if row is None:
            row = self.rows[name] = CaseClock(case=self.case, name=name)
        self.changed.add(name)
        return row

    def start(self, name: str, now: dt.datetime) -> dt.datetime:
        """(Re)start a clock now with the limit of the 办理时限 table; returns its due."""
        if self._limits is None:
            self._limits = limit_rows(self.workflow)
        amount, unit = limit_for(self.workflow, self.case, name, self._limits)
        row = self._row(name)
        row.started_at, row.stopped_at, row.paused_at = now, None, None
        row.limit_amount, row.limit_unit, row.extended = amount, unit, 0
        row.due_at = add_duration(now, amount, unit)
        return row.due_at

    def stop(self, name: str, now: dt.datetime) -> None:
        """Stop a clock (its time is met). A clock never started is recorded as met now."""
        row = self._row(name)
        if row.stopped_at is None:
            row.stopped_at = now
            self._stopped(row)

    def _stopped(self, row: CaseClock) -> None:
        assert row.stopped_at is not None
        met = row.due_at is None or row.stopped_at <= row.due_at
        self.stops.append(
            ClockStop(
                name=row.name,
                started_at=row.started_at,
                due_at=row.due_at,
                stopped_at=row.stopped_at,
                met=met,
            )
        )

    def record_stops(self, *, seq: int, action: str, actor_id: int | None) -> None:
        """Name the step that stopped this step's clocks (its event's seq, action, actor):
        `save` then writes one `ClockStop` per clock stopped."""
        for stop in self.stops:
            stop.case_id = self.case.pk
            stop.kind = self.case.kind
            stop.seq, stop.action, stop.actor_id = seq, action, actor_id

    def undo_stop(self, name: str) -> None:
        """The clock runs again towards the due it had (e.g. a result sent back). A stop made
        earlier in the same step is not recorded; one of an earlier step stays recorded."""
        self._row(name).stopped_at = None
        self.stops = [s for s in self.stops if s.name != name]

    def cancel(self, name: str) -> None:
        """The clock no longer has a due (e.g. an order given back before it is re-sent)."""
        self._row(name).due_at = None

    def pause(self, name: str, now: dt.datetime) -> None:
        row = self.rows.get(name)
        if row is not None and row.running:
            self._row(name).paused_at = now

    def resume(self, name: str, now: dt.datetime) -> None:
        """Run a paused clock again: its due moves by the paused span in the clock's unit."""
        row = self.rows.get(name)
        if row is None or row.paused_at is None:
            return
        row = self._row(name)
        assert row.paused_at is not None
        if row.due_at is not None and row.limit_unit:
            span = count_between(row.paused_at, now, row.limit_unit)
            row.due_at = add_duration(row.due_at, span, row.limit_unit)
        row.paused_at = None

    def extend(self, name: str, amount: float, unit: str | None = None) -> dt.datetime | None:
        """Move a clock's due by `amount` (延期), in the clock's own unit unless the loop names
        another (the extension is then recorded in the clock's unit); returns the new due."""
        if amount < 0:
            raise ValueError("an extension must not be negative")
        row = self._row(name)
        own = row.limit_unit or self.workflow.clock(name).default[1]
        if row.due_at is None:
            return None
        old = row.due_at
        row.due_at = add_duration(old, amount, unit or own)
        row.extended += amount if unit in (None, own) else count_between(old, row.due_at, own)
        return row.due_at

    def stop_running(self, now: dt.datetime) -> None:
        """Every clock still running or paused stops (the case reached a final state)."""
        for name, row in self.rows.items():
            if row.due_at is not None and row.stopped_at is None:
                self._row(name).stopped_at = now
                self._stopped(row)

    def next_due(self, status: str) -> dt.datetime | None:
        return earliest_due(self.workflow, status, self.rows.values())

    def save(self) -> None:
        """Insert or update the changed rows: one upsert on (case, name)."""
        rows = [self.rows[n] for n in sorted(self.changed)]
        for r in rows:
            r.case_id = self.case.pk
        if rows:
            _upsert(rows)
        self.changed.clear()
        stops = [s for s in self.stops if s.seq is not None]
        if stops:
            ClockStop.objects.bulk_create(stops)
        self.stops = []


CLOCK_FIELDS = [
    "started_at",
    "due_at",
    "stopped_at",
    "paused_at",
    "limit_amount",
    "limit_unit",
    "extended",
]
_TABLE = CaseClock._meta.db_table
_SELECT = f"SELECT id, name, {', '.join(CLOCK_FIELDS)} FROM {_TABLE} WHERE case_id = %s"
_UPSERT = (
    f"INSERT INTO {_TABLE} (case_id, name, {', '.join(CLOCK_FIELDS)}) VALUES {{values}} "
    "ON CONFLICT (case_id, name) DO UPDATE SET "
    + ", ".join(f"{f} = EXCLUDED.{f}" for f in CLOCK_FIELDS)
)


def _load(case_id: int) -> list[CaseClock]:
    """The clock rows of one case. On PostgreSQL plain SQL: this runs in every step that
    touches a clock, and the ORM's query building costs several times the query itself."""
    if connection.vendor != "postgresql":
        return list(CaseClock.objects.filter(case_id=case_id))
    with connection.cursor() as cur:
        cur.execute(_SELECT, [case_id])
        return [
            CaseClock(pk, case_id, name, *values)  # field order: id, case, name, CLOCK_FIELDS
            for pk, name, *values in cur.fetchall()
        ]


def _upsert(rows: list[CaseClock]) -> None:
    if connection.vendor != "postgresql":
        CaseClock.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["case", "name"],
            update_fields=CLOCK_FIELDS,
        )
        return
    width = 2 + len(CLOCK_FIELDS)
    values = ", ".join("(" + ", ".join(["%s"] * width) + ")" for _ in rows)
    params = [v for r in rows for v in (r.case_id, r.name, *(getattr(r, f) for f in CLOCK_FIELDS))]
    with connection.cursor() as cur:
        cur.execute(_UPSERT.format(values=values), params)


@dataclass(frozen=True, slots=True)
class ClockView:
    """What `light` reads of a clock, for lists that fetch plain values (no model instances)."""

    due_at: dt.datetime | None
    limit_amount: int | None
    limit_unit: str
    extended: float
    stopped_at: dt.datetime | None = None
    paused_at: dt.datetime | None = None


def light(clock: CaseClock | ClockView, now: dt.datetime, warn: float) -> str | None:
    """A clock's light: red past its due, yellow once `warn` (setting cases.warn_fraction) of
    its limit (with extensions) is used, counted in the clock's unit, green before. Paused
    clocks keep the light they had when paused; stopped or unstarted clocks have none."""
    if clock.due_at is None or clock.stopped_at is not None:
        return None
    at = clock.paused_at or now
    if at >= clock.due_at:
        return RED
    total = (clock.limit_amount or 0) + clock.extended
    if not clock.limit_unit or total <= 0:
        return GREEN
    unit = clock.limit_unit
    left = count_between(at, clock.due_at, unit)
    if unit in ("days", "workdays") and add_duration(at, left, unit) < clock.due_at:
        left += 1  # whole units: a day begun is a day still left
    return YELLOW if total - left >= warn * total else GREEN


def running_of(rows: Iterable[CaseClock]) -> list[CaseClock]:
    """The running clocks among `rows`, nearest due first."""
    return sorted((r for r in rows if r.running), key=lambda r: (r.due_at, r.name))

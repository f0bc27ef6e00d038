"""`ClockStop` rows for the steps taken before the engine recorded them (cases migration 0024),
and for cases bulk-loaded without them (bench/load_citymgmt.py).

Each case's events are walked in order with its workflow's declarations, as the engine ran
them: the open starts `Workflow.open_starts`, a step starts and stops its action's `starts` and
`stops`, a step into a final state stops every clock still running. A clock started by a step
is due `add_duration(start, limit)` with the limit of its `CaseClock` row. The last stop of
each clock is checked against its row: a row stopped at the step's moment is stopped by that
step (also when a loop's `apply` stopped it rather than a declaration), and its recorded due
(with pauses and extensions) is taken. Earlier stops of a restarted clock, which no row keeps,
are judged against start + limit (pauses and extensions of those earlier runs are not known
any more). Loop-agnostic: no loop is named here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db import connection

from chuangcheng.cases.workflow import Workflow, workflow_for
from chuangcheng.core.calendar import add_duration

COLUMNS = (
    "case_id",
    "kind",
    "seq",
    "name",
    "action",
    "actor_id",
    "started_at",
    "due_at",
    "stopped_at",
    "met",
)
Row = tuple[Any, ...]
CHUNK = 20_000  # cases per batch


def _workflow(kind: str, cache: dict[str, Workflow | None]) -> Workflow | None:
    if kind not in cache:
        try:
            cache[kind] = workflow_for(kind)
        except LookupError:
            cache[kind] = None
    return cache[kind]


def stops_of_case(
    workflow: Workflow,
    case_id: int,
    kind: str,
    events: list[Row],
    rows: dict[str, Row],
) -> Iterator[Row]:
    """The stops of one case. `events`: (seq, action, from, to, actor, at) in order; `rows`:
    name → (limit_amount, limit_unit, due_at, stopped_at) of its clock rows."""
    # name → [started, due, stopped]
    state: dict[str, list[Any]] = {}

    def start(name: str, at: dt.datetime) -> None:
        amount, unit = (rows[name][0], rows[name][1]) if name in rows else (None, "")
        if not unit:
            try:
                amount, unit = workflow.clock(name).default
            except (KeyError, LookupError, ValueError):
                return
        state[name] = [at, add_duration(at, amount or 0, unit), False]

    def stop(name: str, seq: int, action: str, actor: Any, at: dt.datetime) -> Row | None:
        s = state.get(name)
        if s is not None and s[2]:
            return None
        started, due = (s[0], s[1]) if s is not None else (None, None)
        row = rows.get(name)
        if row is not None and row[3] == at:  # the row's own (last) stop: its exact due
            due = row[2]
        state[name] = [started, due, True]
        return (case_id, kind, seq, name, action, actor, started, due, at, due is None or at <= due)

    final = workflow.final
    for seq, action, from_status, to_status, actor, at in events:
        if seq == 1:
            for name in workflow.open_starts:
                start(name, at)
            continue
        act = workflow.action(action)
        names = list(act.stops) if act is not None else []
        # a loop's `apply` may stop a clock itself: the row stopped at this step's moment
        names += [
            n
            for n, r in rows.items()
            if r[3] == at and n not in names and n in state and not state[n][2]
        ]
        for name in names:
            if (out := stop(name, seq, action, actor, at)) is not None:
                yield out
        if act is not None:
            for name in act.starts:
                start(name, at)
        if to_status in final and from_status not in final:
            running = [n for n, s in state.items() if not s[2] and s[1] is not None]
            for name in running:
                if (out := stop(name, seq, action, actor, at)) is not None:
                    yield out


def backfill(*, chunk: int = CHUNK) -> int:
    """Fill `cases_clockstop` for every case that has none yet. Returns the rows written."""
    workflows: dict[str, Workflow | None] = {}
    written = 0
    with connection.cursor() as cur:
        cur.execute("SELECT min(id), max(id) FROM cases_case")
        lo, hi = cur.fetchone() or (None, None)
    if lo is None or hi is None:
        return 0
    for first in range(lo, hi + 1, chunk):
        last = first + chunk - 1
        with connection.cursor() as cur:
            cur.execute(
                "SELECT case_id, name, limit_amount, limit_unit, due_at, stopped_at "
                "FROM cases_caseclock WHERE case_id BETWEEN %s AND %s",
                [first, last],
            )
            clocks: dict[int, dict[str, Row]] = {}
            for case_id, name, *rest in cur.fetchall():
                clocks.setdefault(case_id, {})[name] = tuple(rest)
            cur.execute(
                "SELECT e.case_id, c.kind, e.seq, e.action, e.from_status, e.to_status, "
                "e.actor_id, e.created_at FROM cases_caseevent e "
                "JOIN cases_case c ON c.id = e.case_id "
                "WHERE e.case_id BETWEEN %s AND %s AND NOT EXISTS ("
                "  SELECT 1 FROM cases_clockstop s WHERE s.case_id = e.case_id) "
                "ORDER BY e.case_id, e.seq",
                [first, last],
            )
            events = cur.fetchall()
        out: list[Row] = []
        i = 0
        while i < len(events):
            case_id, kind = events[i][0], events[i][1]
            j = i
            while j < len(events) and events[j][0] == case_id:
                j += 1
            workflow = _workflow(kind, workflows)
            if workflow is not None and workflow.clocks:
                out.extend(
                    stops_of_case(
                        workflow,
                        case_id,
                        kind,
                        [e[2:] for e in events[i:j]],
                        clocks.get(case_id, {}),
                    )
                )
            i = j
        written += _insert(out)
    return written


def _insert(rows: list[Row]) -> int:
    if not rows:
        return 0
    columns = ", ".join(COLUMNS)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY cases_clockstop ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            cur.executemany(f"INSERT INTO cases_clockstop ({columns}) VALUES ({marks})", rows)
    return len(rows)

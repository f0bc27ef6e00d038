"""考核键: the keys of the month's 综合评价 (citymgmt.indicators) copied onto the loop's own row
(`CityCase.eval_*`), so each of its three tables is one index-only range scan of
`citymgmt_citycase` instead of the month's ~80,000 cases joined to their loop row and 处置 clock
(ADR 0026).

Kept by the loop, in the transaction of every step, by the engine's generic hooks (no loop
knowledge in the engine):

- `copy_case_keys` (`Workflow.on_save`, before each write of the row, at open and in every
  step): the report time and reporter, the dispatch time and lead unit, closed or not;
- `copy_handle_clock` (`Workflow.on_clocks`, whenever a step changed a clock): the 处置 clock
  row's start, stop and due (extensions, pauses, a 回退 cancelling it, a 返工 restarting it);
- `mark_filed` (the 立案 step's `apply`): the time of 立案 (a case is filed at most once: no
  step leads back to 待立案 after it).

The case, its clock rows and its events are the truth; `BACKFILL` (citymgmt migration 0008, and
bench/load_citymgmt.py for bulk-loaded cases) computes the copies from them, and
tests/test_citymgmt_eval_keys.py checks that the hooks leave exactly what it computes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db import connection

if TYPE_CHECKING:
    from chuangcheng.cases.models import Case, CaseClock
    from chuangcheng.cases.workflow import Step
    from chuangcheng.citymgmt.models import CityCase

HANDLE = "handle"  # the 处置 clock

# The copies from the truth, for every 城管 row (a statement PostgreSQL and SQLite both run).
# The same text is in citymgmt migration 0008 (which keeps its own copy).
BACKFILL = """
UPDATE citymgmt_citycase SET
  eval_reported_at = c.created_at,
  eval_reporter = c.created_by_id,
  eval_dispatched_at = c.dispatched_at,
  eval_unit = c.lead_unit_id,
  eval_closed = (c.status = 'closed'),
  eval_filed_at = (
    SELECT min(e.created_at) FROM cases_caseevent e
    WHERE e.case_id = c.id AND e.action = 'file_case'
  ),
  eval_handle_started = h.started_at,
  eval_handle_stopped = h.stopped_at,
  eval_handle_due = h.due_at
FROM cases_case c
LEFT JOIN cases_caseclock h ON h.case_id = c.id AND h.name = 'handle'
WHERE c.id = citymgmt_citycase.case_id
"""

COLUMNS = (
    "eval_reported_at",
    "eval_reporter",
    "eval_filed_at",
    "eval_dispatched_at",
    "eval_unit",
    "eval_closed",
    "eval_handle_started",
    "eval_handle_stopped",
    "eval_handle_due",
)


def backfill() -> int:
    """Compute every row's copies from the truth; returns the rows written."""
    with connection.cursor() as cur:
        cur.execute(BACKFILL)
        return cur.rowcount


def copy_case_keys(case: Case, own: CityCase) -> None:
    """`Workflow.on_save`: the case's columns the month's tables filter and group by."""
    own.eval_reported_at = case.created_at
    own.eval_reporter = case.created_by_id
    own.eval_dispatched_at = case.dispatched_at
    own.eval_unit = case.lead_unit_id
    own.eval_closed = case.status == "closed"


def copy_handle_clock(case: Case, rows: Mapping[str, CaseClock]) -> None:
    """`Workflow.on_clocks`: the 处置 clock row as the step leaves it (the engine saves the
    loop's row after this, in the same transaction)."""
    row = rows.get(HANDLE)
    if row is None:
        return
    own = case.citycase  # loaded with the locked case by the engine (or built at open)
    own.eval_handle_started = row.started_at
    own.eval_handle_stopped = row.stopped_at
    own.eval_handle_due = row.due_at


def mark_filed(step: Step) -> None:
    """The 立案 step's `apply`: its time, as its event records it."""
    own = step.detail
    assert own is not None, "CITYMGMT declares detail=CityCase"
    own.eval_filed_at = step.now

"""SLA clocks: deadlines from the 办理时限 table (or the workflow's defaults)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from chuangcheng.cases.models import Case, TimeLimit
from chuangcheng.cases.workflow import Clock, Workflow
from chuangcheng.core.calendar import add_duration


def limit_for(workflow: Workflow, case: Case, clock: str) -> tuple[int, str]:
    """Most specific TimeLimit row wins: urgency+type, urgency, type, then any."""
    rows = list(
        TimeLimit.objects.filter(kind=workflow.kind, clock=clock).values_list(
            "appeal_type", "urgency", "amount", "unit"
        )
    )
    best: tuple[int, tuple[int, str]] | None = None
    for appeal_type, urgency, amount, unit in rows:
        if appeal_type and appeal_type != case.appeal_type:
            continue
        if urgency and urgency != case.urgency:
            continue
        score = (2 if urgency else 0) + (1 if appeal_type else 0)
        if best is None or score > best[0]:
            best = (score, (amount, unit))
    return best[1] if best else workflow.clock(clock).default


def deadline(workflow: Workflow, case: Case, clock: str, start: dt.datetime) -> dt.datetime:
    amount, unit = limit_for(workflow, case, clock)
    return add_duration(start, amount, unit)


def running_clocks(
    workflow: Workflow, status: str, get: Callable[[str], Any]
) -> list[tuple[Clock, dt.datetime]]:
    """The workflow's clocks that are running (`<clock>_due` set, `<clock>_at` not yet), nearest
    deadline first. `get(field)` reads a field of the case (a model or a row of values), so the
    bulk loaders use the same rule. A case in a final state has no running clock."""
    if status in workflow.final:
        return []
    running = []
    for clock in workflow.clocks:
        due = get(f"{clock.name}_due")
        if due is not None and get(f"{clock.name}_at") is None:
            running.append((clock, due))
    running.sort(key=lambda pair: pair[1])
    return running


def next_due(workflow: Workflow, status: str, get: Callable[[str], Any]) -> dt.datetime | None:
    """`Case.next_due`: the earliest deadline among the running clocks (None when none runs)."""
    running = running_clocks(workflow, status, get)
    return running[0][1] if running else None


def next_due_of(workflow: Workflow, case: Case) -> dt.datetime | None:
    return next_due(workflow, case.status, lambda name: getattr(case, name))

"""SLA clocks: deadlines from the 办理时限 table (or the workflow's defaults)."""

from __future__ import annotations

import datetime as dt

from chuangcheng.cases.models import Case, TimeLimit
from chuangcheng.cases.workflow import Workflow
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

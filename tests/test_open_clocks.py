"""Clocks that start at open (`Workflow.open_starts`): the 数字城管 立案 clock counts from the
report, so an inspector's report nobody files turns yellow, then red, with no step taken."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from chuangcheng.cases.clocks import GREEN, RED, YELLOW, light
from chuangcheng.cases.models import Case, CaseClock
from chuangcheng.cases.selectors import history_problems, overdue_q, verify_chain
from chuangcheng.cases.services import case_transition
from chuangcheng.citymgmt.services import citymgmt_case_open
from chuangcheng.core.settings_store import get_setting
from tests.test_citymgmt_loop import loop  # noqa: F401  (fixture)

SH = ZoneInfo("Asia/Shanghai")
MON_9 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SH)  # a working Monday


def open_at(loop: dict[str, Any], when: dt.datetime, source: str = "inspector") -> Case:  # noqa: F811
    grid = loop["grid"]
    case, created = citymgmt_case_open(
        actor=loop["inspector"],
        data={"subclass": "200102", "lat": grid.center_lat, "lng": grid.center_lng},
        photos=[],
        source=source,
        external=("", ""),
        now=when,
    )
    assert created
    return case


def test_the_filing_clock_starts_at_report_and_its_light_turns(loop: dict[str, Any]) -> None:  # noqa: F811
    case = open_at(loop, MON_9)
    row = CaseClock.objects.get(case=case, name="filing")
    # 立案: 1 working hour from the report (the workflow's default; no 办理时限 row)
    assert row.started_at == MON_9 and row.due_at == MON_9 + dt.timedelta(hours=1)
    case.refresh_from_db()
    assert case.next_due == row.due_at
    warn = float(get_setting("cases.warn_fraction"))
    assert light(row, MON_9 + dt.timedelta(minutes=5), warn) == GREEN
    assert light(row, MON_9 + dt.timedelta(minutes=59), warn) == YELLOW
    assert light(row, MON_9 + dt.timedelta(minutes=61), warn) == RED
    assert not Case.objects.filter(overdue_q(MON_9 + dt.timedelta(minutes=59)), pk=case.pk)
    assert Case.objects.filter(overdue_q(MON_9 + dt.timedelta(minutes=61)), pk=case.pk).exists()
    # the history still describes the row (the open event carries the case's clocks)
    assert history_problems(case) == [] and verify_chain(case)


def test_filing_stops_the_clock_and_sending_to_verify_too(loop: dict[str, Any]) -> None:  # noqa: F811
    filed = open_at(loop, MON_9)
    case_transition(
        case_id=filed.pk,
        action="file_case",
        actor=loop["shift"],
        data={},
        now=MON_9 + dt.timedelta(minutes=20),
    )
    row = CaseClock.objects.get(case=filed, name="filing")
    assert row.stopped_at == MON_9 + dt.timedelta(minutes=20) and row.stopped_at <= row.due_at

    public = open_at(loop, MON_9, source="public")
    case_transition(
        case_id=public.pk,
        action="send_verify",
        actor=loop["operator"],
        data={},
        now=MON_9 + dt.timedelta(minutes=90),
    )
    row = CaseClock.objects.get(case=public, name="filing")
    assert row.stopped_at is not None and row.stopped_at > row.due_at  # 发核实 came late
    public.refresh_from_db()
    assert public.next_due == CaseClock.objects.get(case=public, name="verify").due_at

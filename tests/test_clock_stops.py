"""When a step stops a clock the engine records it (`ClockStop`, ADR 0023): which step, the due
the clock had then, whether it was met. Paused, resumed and extended clocks are judged against
the due they have at the stop; a clock restarted and stopped again has a row per stop; a step
into a final state records every clock it stops; a refused step records nothing; the backfill
(cases migration 0024) gives the rows the engine writes. A test-only workflow: the engine
names no loop."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chuangcheng.cases import clock_stops
from chuangcheng.cases.models import Case, ClockStop
from chuangcheng.cases.services import case_open, case_transition
from chuangcheng.cases.workflow import (
    JURISDICTION,
    Action,
    Clock,
    Step,
    Workflow,
    register,
    role,
)
from chuangcheng.core.errors import Conflict, PermissionDenied
from chuangcheng.demo.city import DemoCity
from tests.test_third_workflow import person

SH = ZoneInfo("Asia/Shanghai")
MON = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SH)  # a Monday


def extend_one_day(step: Step) -> None:
    step.extend("work", 1)


S = frozenset
register(
    Workflow(
        kind="tl_stops",
        label="时钟停止（测试用）",
        number_prefix="TS",
        initial="new",
        states={"new": "新", "working": "处理中", "held": "挂起", "check": "待查", "done": "完成"},
        final=S({"done"}),
        roles={"ts_desk": role("调度", JURISDICTION), "ts_other": role("其他", JURISDICTION)},
        clocks=(Clock("work", "处理", (1, "workdays")), Clock("look", "查看", (2, "hours"))),
        open_starts=("look",),
        actions=(
            Action("start", "开始", S({"new"}), "working", S({"ts_desk"}), starts=("work",)),
            Action("hold", "挂起", S({"working"}), "held", S({"ts_desk"}), pauses=("work",)),
            Action("go_on", "继续", S({"held"}), "working", S({"ts_desk"}), resumes=("work",)),
            Action(
                "extend", "延期", S({"working"}), "working", S({"ts_desk"}), apply=extend_one_day
            ),
            Action("finish", "办完", S({"working"}), "check", S({"ts_desk"}), stops=("work",)),
            Action("redo", "重办", S({"check"}), "working", S({"ts_desk"}), starts=("work",)),
            Action("close", "结束", S({"check", "working", "new"}), "done", S({"ts_desk"})),
        ),
    )
)


def step(case: Case, action: str, who: Any, at: dt.datetime) -> None:
    case_transition(case_id=case.pk, action=action, actor=who, now=at)


def stops(case: Case) -> list[tuple[Any, ...]]:
    return list(
        ClockStop.objects.filter(case=case)
        .order_by("seq", "name")
        .values_list("seq", "name", "action", "actor_id", "due_at", "stopped_at", "met", "kind")
    )


@pytest.fixture
def desk(city: DemoCity) -> Any:
    return person("ts_desk1", ("ts_desk", "C-12345"))


def opened(desk: Any) -> Case:
    case, _ = case_open(kind="tl_stops", actor=desk, fields={"title": "t", "content": "x"}, now=MON)
    return case


def test_a_stop_records_the_step_the_due_and_whether_it_was_met(desk: Any) -> None:
    case = opened(desk)
    step(case, "start", desk, MON + dt.timedelta(hours=1))  # work due Tue 10:00
    step(case, "finish", desk, MON + dt.timedelta(hours=20))  # Tue 05:00: in time
    tue = MON + dt.timedelta(days=1, hours=1)
    assert stops(case) == [(3, "work", "finish", desk.user_id, tue, MON + dt.timedelta(hours=20),
                            True, "tl_stops")]  # fmt: skip
    step(case, "redo", desk, MON + dt.timedelta(days=2))  # due Thu 09:00
    step(case, "finish", desk, MON + dt.timedelta(days=3, hours=2))  # Thu 11:00: late
    last = stops(case)[-1]
    assert last[:3] == (5, "work", "finish") and last[4] == MON + dt.timedelta(days=3)
    assert last[6] is False
    # the step into the final state stops the clock still running: 查看 (2 hours from open)
    step(case, "close", desk, MON + dt.timedelta(days=4))
    assert stops(case)[-1][:3] == (6, "look", "close") and stops(case)[-1][6] is False
    assert len(stops(case)) == 3  # the stopped 处理 clock is not stopped again


def test_paused_resumed_and_extended_clocks_are_judged_by_the_due_they_have(desk: Any) -> None:
    case = opened(desk)
    step(case, "start", desk, MON)  # due Tue 09:00
    step(case, "hold", desk, MON + dt.timedelta(hours=2))
    step(case, "go_on", desk, MON + dt.timedelta(days=1, hours=2))  # one working day held
    step(case, "extend", desk, MON + dt.timedelta(days=1, hours=3))  # and one more
    done = MON + dt.timedelta(days=3, hours=-1)  # Wed 08:00: late without both
    step(case, "finish", desk, done)
    (row,) = [r for r in stops(case) if r[1] == "work"]
    assert row[4] == MON + dt.timedelta(days=3) and row[5] == done and row[6] is True
    assert ClockStop.objects.filter(case=case, action__in=["hold", "go_on", "extend"]).count() == 0


def test_a_case_closed_while_paused_records_the_paused_clock(desk: Any) -> None:
    case = opened(desk)
    step(case, "start", desk, MON)
    step(case, "hold", desk, MON + dt.timedelta(hours=1))
    step(case, "go_on", desk, MON + dt.timedelta(days=5))
    step(case, "close", desk, MON + dt.timedelta(days=5, hours=1))
    assert {r[1]: r[6] for r in stops(case)} == {"work": True, "look": False}


def test_a_refused_step_records_nothing(desk: Any) -> None:
    other = person("ts_other1", ("ts_other", "C-12345"))
    case = opened(desk)
    step(case, "start", desk, MON)
    with pytest.raises(PermissionDenied):
        step(case, "finish", other, MON + dt.timedelta(hours=1))
    with pytest.raises(Conflict):
        step(case, "redo", desk, MON + dt.timedelta(hours=1))  # not in 待查
    assert stops(case) == []
    assert Case.objects.get(pk=case.pk).event_count == 2


def test_the_backfill_gives_the_rows_the_engine_wrote(desk: Any) -> None:
    cases = [opened(desk) for _ in range(3)]
    a, b, c = cases
    step(a, "start", desk, MON)
    step(a, "finish", desk, MON + dt.timedelta(days=2))
    step(a, "redo", desk, MON + dt.timedelta(days=2, hours=1))
    step(a, "finish", desk, MON + dt.timedelta(days=2, hours=3))
    step(a, "close", desk, MON + dt.timedelta(days=2, hours=4))
    step(b, "start", desk, MON)
    step(b, "extend", desk, MON + dt.timedelta(hours=2))
    step(b, "finish", desk, MON + dt.timedelta(days=1, hours=5))
    step(c, "close", desk, MON + dt.timedelta(hours=1))
    written = {c.pk: stops(c) for c in cases}
    assert [len(w) for w in written.values()] == [3, 1, 1]
    ClockStop.objects.all().delete()
    assert clock_stops.backfill(chunk=2) == 5
    assert {c.pk: stops(c) for c in cases} == written
    assert clock_stops.backfill() == 0  # cases that have their rows are left alone

"""A workflow may supply a clock's limit from its own data (`Workflow.clock_limit`); when it
gives none, the 办理时限 rows and the clock's default apply. A test-only workflow, as the
engine names no loop."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from chuangcheng.cases.models import Case, CaseClock, TimeLimit
from chuangcheng.cases.services import case_open, case_transition
from chuangcheng.cases.workflow import JURISDICTION, Action, Clock, Workflow, register, role
from chuangcheng.demo.city import DemoCity
from tests.test_third_workflow import person

SH = ZoneInfo("Asia/Shanghai")


def own_limit(case: Case, clock: str) -> tuple[int, str] | None:
    return (3, "days") if clock == "work" and case.title.startswith("急") else None


S = frozenset
register(
    Workflow(
        kind="tl_limits",
        label="时限（测试用）",
        number_prefix="TK",
        initial="new",
        states={"new": "新", "working": "处理中", "done": "完成"},
        final=S({"done"}),
        roles={"tk_desk": role("调度", JURISDICTION)},
        clocks=(Clock("work", "处理", (4, "workhours")),),
        clock_limit=own_limit,
        actions=(Action("start", "开始", S({"new"}), "working", S({"tk_desk"}), starts=("work",)),),
    )
)


def test_a_workflow_supplies_its_own_limit(city: DemoCity) -> None:
    desk = person("tk_desk1", ("tk_desk", "C-12345"))
    TimeLimit.objects.create(kind="tl_limits", clock="work", amount=2, unit="workdays")
    urgent, _ = case_open(
        kind="tl_limits", actor=desk, fields={"title": "急：井盖缺失", "content": "x"}
    )
    plain, _ = case_open(kind="tl_limits", actor=desk, fields={"title": "路灯", "content": "x"})
    now = dt.datetime(2026, 11, 27, 10, tzinfo=SH)  # a Friday
    for case in (urgent, plain):
        case_transition(case_id=case.pk, action="start", actor=desk, now=now)
    row = CaseClock.objects.get(case=urgent, name="work")
    assert (row.limit_amount, row.limit_unit, row.due_at) == (3, "days", now + dt.timedelta(days=3))
    row = CaseClock.objects.get(case=plain, name="work")  # the 办理时限 row applies
    assert (row.limit_amount, row.limit_unit) == (2, "workdays")

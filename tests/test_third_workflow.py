"""A third workflow, declared only here, runs on the engine: open, transitions, who may act
(the assignee by name, the filer, an independent checker), requests awaiting a decision,
visibility by the roles it declares, and notifications. Nothing in the engine knows it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import forms
from django.contrib.auth import get_user_model

from chuangcheng.cases import clocks
from chuangcheng.cases.models import (
    Case,
    CaseClock,
    CaseEvent,
    CaseRequest,
    Notification,
)
from chuangcheng.cases.selectors import (
    cases_visible_to,
    due_soon_clocks,
    due_soon_q,
    overdue_clocks,
    overdue_q,
    verify_chain,
)
from chuangcheng.cases.services import allowed_actions, case_open, case_transition
from chuangcheng.cases.tasks import notify_event
from chuangcheng.cases.workflow import (
    ASSIGNED,
    ASSIGNEE,
    CREATED,
    CREATOR,
    JURISDICTION,
    NOT_HANDLER,
    Action,
    Clock,
    Notice,
    RequestKind,
    Step,
    Workflow,
    people,
    register,
    role,
    unit_of,
)
from chuangcheng.core.errors import Conflict, NotFound, PermissionDenied
from chuangcheng.core.settings_store import setting_set
from chuangcheng.demo.city import DemoCity
from chuangcheng.hotline.roles import DISPATCHER
from chuangcheng.org.access import Actor, actor_for
from chuangcheng.org.models import Membership, Unit
from tests.test_engine import new_case

KIND = "tl_repair"
REPORTER, DESK, FIXER, CHECKER = "tl_reporter", "tl_desk", "tl_fixer", "tl_checker"


class AssignForm(forms.Form):
    fixer = forms.IntegerField()


class NoteForm(forms.Form):
    note = forms.CharField(required=False)


class HoursForm(forms.Form):
    hours = forms.IntegerField(min_value=1, max_value=40)


def do_extend(step: Step) -> None:
    """延时: the desk gives the fixer more working hours (the clock's own unit)."""
    due = step.extend("fix", step.data["hours"])
    step.event_data = {"hours": step.data["hours"], "due": due.isoformat() if due else None}


def paused_fix(case: Case, actor: Actor, now: dt.datetime) -> str | None:
    paused = CaseClock.objects.filter(case=case, name="fix", paused_at__isnull=False).exists()
    return None if paused else "维修计时未暂停。"


def do_assign(step: Step) -> None:
    fixer = get_user_model().objects.get(pk=step.data["fixer"])
    unit = Membership.objects.filter(user=fixer, role=FIXER).values_list("unit_id", flat=True)
    step.assign(unit.first(), "lead", user_id=fixer.pk)
    step.event_data = {"fixer": fixer.pk}


S = frozenset
REPAIR = register(
    Workflow(
        kind=KIND,
        label="报修（测试用）",
        number_prefix="TL",
        initial="new",
        states={
            "new": "新报修",
            "assigned": "已指派",
            "fixing": "维修中",
            "fixed": "待核查",
            "closed": "已结案",
            "void": "已作废",
        },
        final=S({"closed", "void"}),
        roles={
            REPORTER: role("报修人", CREATED),
            DESK: role("调度", JURISDICTION),
            FIXER: role("维修工", ASSIGNED),
            CHECKER: role("核查员", JURISDICTION),
        },
        requests=(RequestKind("pause", "暂停"),),
        # a clock with no column of its own anywhere: 4 working hours (工作时) to fix
        clocks=(Clock("fix", "维修", (4, "workhours")),),
        actions=(
            Action(
                "assign",
                "指派",
                S({"new"}),
                "assigned",
                S({DESK}),
                form=AssignForm,
                apply=do_assign,
                notice=Notice("报修 {number} 已指派给您", (unit_of(ASSIGNEE, FIXER),)),
            ),
            Action(
                "start",
                "开工",
                S({"assigned"}),
                "fixing",
                S({FIXER}),
                unit=ASSIGNEE,
                starts=("fix",),
            ),
            Action(
                "request_pause",
                "申请暂停",
                S({"fixing"}),
                None,
                S({FIXER}),
                unit=ASSIGNEE,
                form=NoteForm,
                opens="pause",
                notice=Notice("报修 {number} 申请暂停", (people(DESK),)),
            ),
            Action(
                "approve_pause",
                "同意暂停",
                S({"fixing"}),
                None,
                S({DESK}),
                decides="pause",
                decision="approved",
                pauses=("fix",),
            ),
            Action(
                "resume", "复工", S({"fixing"}), None, S({DESK}), guard=paused_fix, resumes=("fix",)
            ),
            Action(
                "extend", "延时", S({"fixing"}), None, S({DESK}), form=HoursForm, apply=do_extend
            ),
            Action(
                "fix",
                "修好",
                S({"fixing"}),
                "fixed",
                S({FIXER}),
                unit=ASSIGNEE,
                notice=Notice("您报修的 {number} 已修好，待核查", (unit_of(CREATOR, REPORTER),)),
                stops=("fix",),
            ),
            Action("pass", "核查通过", S({"fixed"}), "closed", S({CHECKER}), unit=NOT_HANDLER),
            Action(
                "fail",
                "核查不通过",
                S({"fixed"}),
                "fixing",
                S({CHECKER}),
                unit=NOT_HANDLER,
                starts=("fix",),
            ),
            Action(
                "void",
                "作废",
                S({"new", "assigned", "fixing"}),
                "void",
                S({REPORTER}),
                unit=CREATOR,
            ),
        ),
    )
)


def person(username: str, *memberships: tuple[str, str]) -> Actor:
    user = get_user_model().objects.create_user(username)
    for code, unit in memberships:
        Membership.objects.create(user=user, role=code, unit=Unit.objects.get(code=unit))
    return actor_for(user)


@pytest.fixture
def staff(city: DemoCity) -> dict[str, Actor]:
    return {
        "reporter": person("tl_rep", (REPORTER, "S-150103004")),
        "other_reporter": person("tl_rep2", (REPORTER, "S-150103004")),
        "desk": person("tl_desk1", (DESK, "C-12345")),
        "fixer": person("tl_fix", (FIXER, "D-CG")),
        "other_fixer": person("tl_fix2", (FIXER, "D-CG")),
        # a checker of the fixers' own unit is not independent; one of the centre is
        "checker_same_unit": person("tl_chk_cg", (CHECKER, "D-CG")),
        "checker": person("tl_chk", (CHECKER, "C-12345")),
        # works in 12345 and in this loop
        "both": person("tl_both", (DISPATCHER, "C-12345"), (DESK, "C-12345")),
        # sees the case (as a desk) and files repairs too, but did not file this one
        "desk_reporter": person("tl_dr", (DESK, "S-150103004"), (REPORTER, "S-150103004")),
    }


def go(case: Case, action: str, who: Actor, **data: Any) -> Case:
    return case_transition(case_id=case.pk, action=action, actor=who, data=data)


def open_repair(staff: dict[str, Actor], city: DemoCity) -> Case:
    case, created = case_open(
        kind=KIND,
        actor=staff["reporter"],
        fields={"title": "路灯不亮", "content": "海亮广场北门两盏路灯不亮"},
        region=city.streets["150103004"],
    )
    assert created and case.status == "new"
    return case


def test_a_repair_runs_through_the_engine(staff: dict[str, Actor], city: DemoCity) -> None:
    case = open_repair(staff, city)
    fixer_id = staff["fixer"].user_id
    case = go(case, "assign", staff["desk"], fixer=fixer_id)
    # the person it is assigned to acts; another of the same role and unit does not even see it
    with pytest.raises(NotFound):
        go(case, "start", staff["other_fixer"])
    assert case.number.startswith("TL") and len(case.number) == 16
    case = go(case, "start", staff["fixer"])
    case = go(case, "fix", staff["fixer"])
    # the check is independent: not by the unit that did the work
    with pytest.raises(PermissionDenied, match="不能核查自己办理"):
        go(case, "fail", staff["checker_same_unit"])
    case = go(case, "fail", staff["checker"])
    assert case.status == "fixing"
    go(case, "fix", staff["fixer"])
    case = go(case, "pass", staff["checker"])
    assert case.status == "closed" and case.closed_at is not None
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == ["open", "assign", "start", "fix", "fail", "fix", "pass"]
    assert Case.objects.get(pk=case.pk).number != new_case().number  # 12345 numbers its own
    assert verify_chain(case)


def test_what_each_role_sees(staff: dict[str, Actor], city: DemoCity) -> None:
    mine = open_repair(staff, city)
    go(mine, "assign", staff["desk"], fixer=staff["fixer"].user_id)
    hotline = new_case()

    def sees(who: str) -> set[int]:
        return set(
            cases_visible_to(staff[who])
            .filter(pk__in=[mine.pk, hotline.pk])
            .values_list("pk", flat=True)
        )

    assert sees("reporter") == {mine.pk}  # what he filed
    assert sees("other_reporter") == set()
    assert sees("fixer") == {mine.pk}  # assigned to him by name
    assert sees("other_fixer") == set()
    assert sees("desk") == {mine.pk}  # his unit's jurisdiction: the city, this loop only
    assert sees("both") == {mine.pk, hotline.pk}  # a role in each loop: both
    from tests.conftest import actor

    # a 12345 dispatcher, callback or handler sees no case of a loop they hold no role in
    for username in ("dispatcher", "callback", "handler_cg", "leader", "citizen"):
        assert not cases_visible_to(actor(username)).filter(pk=mine.pk).exists(), username
    with pytest.raises(NotFound):
        go(mine, "start", actor("dispatcher"))
    assert Case.objects.get(pk=mine.pk).status == "assigned"


def test_only_the_filer_voids_and_pending_requests_lapse(
    staff: dict[str, Actor], city: DemoCity
) -> None:
    case = open_repair(staff, city)
    go(case, "assign", staff["desk"], fixer=staff["fixer"].user_id)
    go(case, "start", staff["fixer"])
    case = go(case, "request_pause", staff["fixer"], note="等待配件")
    with pytest.raises(Conflict, match="已有暂停申请在审批中"):
        go(case, "request_pause", staff["fixer"], note="再申请")
    # (复工 only once the clock is paused)
    assert [a.name for a in allowed_actions(case, staff["desk"])] == ["approve_pause", "extend"]
    with pytest.raises(PermissionDenied, match="上报人本人"):
        go(case, "void", staff["desk_reporter"])
    with pytest.raises(NotFound):
        go(case, "void", staff["other_reporter"])
    assert Case.objects.get(pk=case.pk).status == "fixing"
    case = go(case, "void", staff["reporter"])
    assert case.status == "void"
    (req,) = CaseRequest.objects.filter(case=case)
    assert req.status == "lapsed" and req.data == {"note": "等待配件"}


def test_notices_reach_the_assignee_and_the_filer(staff: dict[str, Actor], city: DemoCity) -> None:
    case = open_repair(staff, city)
    go(case, "assign", staff["desk"], fixer=staff["fixer"].user_id)
    go(case, "start", staff["fixer"])
    go(case, "request_pause", staff["fixer"], note="等待配件")
    go(case, "approve_pause", staff["desk"])
    go(case, "fix", staff["fixer"])
    for event in CaseEvent.objects.filter(case=case):
        notify_event.call(event.pk)
    told = sorted(Notification.objects.filter(case=case).values_list("user__username", "text"))
    assert told == [
        ("tl_both", f"报修 {case.number} 申请暂停"),  # the desks who see the case
        ("tl_desk1", f"报修 {case.number} 申请暂停"),
        ("tl_dr", f"报修 {case.number} 申请暂停"),
        ("tl_fix", f"报修 {case.number} 已指派给您"),
        ("tl_rep", f"您报修的 {case.number} 已修好，待核查"),
    ]


def test_the_engine_refuses_a_workflow_that_names_undeclared_things() -> None:
    with pytest.raises(ValueError, match="undeclared roles"):
        Workflow(
            kind="tl_bad",
            label="坏",
            initial="a",
            states={"a": "甲"},
            final=S(),
            roles={DESK: role("调度", JURISDICTION)},
            actions=(Action("x", "甲", S({"a"}), None, S({"nobody"})),),
        )
    for clock_use in ("starts", "stops", "pauses", "resumes"):
        with pytest.raises(ValueError, match="unknown clock"):
            Workflow(
                kind="tl_bad",
                label="坏",
                initial="a",
                states={"a": "甲"},
                final=S(),
                clocks=(Clock("fix", "维修", (4, "workhours")),),
                actions=(Action("x", "甲", S({"a"}), None, S({DESK}), **{clock_use: ("fx",)}),),
            )
    with pytest.raises(ValueError, match="bad default"):
        Workflow(
            kind="tl_bad",
            label="坏",
            initial="a",
            states={"a": "甲"},
            final=S(),
            clocks=(Clock("fix", "维修", (4, "weeks")),),
            actions=(),
        )
    with pytest.raises(ValueError, match="unknown request"):
        Workflow(
            kind="tl_bad",
            label="坏",
            initial="a",
            states={"a": "甲"},
            final=S(),
            actions=(Action("x", "甲", S({"a"}), None, S({DESK}), opens="nothing"),),
        )


# ---------------------------------------------------------------- a clock of its own: 维修 (fix)
SH = ZoneInfo("Asia/Shanghai")


def at(d: int, hh: int, mm: int = 0) -> dt.datetime:
    """A time in Nov 2026: Fri 27 and Mon 30 are working days, Sat 28 / Sun 29 are not."""
    return dt.datetime(2026, 11, d, hh, mm, tzinfo=SH)


def step(case: Case, action: str, who: Actor, now: dt.datetime, **data: Any) -> Case:
    return case_transition(case_id=case.pk, action=action, actor=who, data=data, now=now)


def fix_clock(case: Case) -> CaseClock:
    return CaseClock.objects.get(case=case, name="fix")


def light(case: Case, now: dt.datetime) -> str | None:
    return clocks.light(fix_clock(case), now, 0.8)


def listed(q: Any, case: Case) -> bool:
    return Case.objects.filter(q, pk=case.pk).exists()


def clocks_listed(clock_rows: Any, case: Case) -> list[str]:
    return list(clock_rows.filter(case=case).values_list("name", flat=True))


def test_a_clock_in_working_hours_pauses_resumes_and_extends(
    staff: dict[str, Actor], city: DemoCity
) -> None:
    with time_machine.travel(at(27, 8), tick=False):
        case = open_repair(staff, city)
    desk, fixer = staff["desk"], staff["fixer"]
    step(case, "assign", desk, at(27, 9), fixer=fixer.user_id)
    assert not CaseClock.objects.filter(case=case).exists()  # nothing runs before 开工
    # 开工 Fri 10:00, 4 working hours: 10–12 and 14–16
    case = step(case, "start", fixer, at(27, 10))
    row = fix_clock(case)
    assert (row.started_at, row.due_at) == (at(27, 10), at(27, 16))
    assert (row.limit_amount, row.limit_unit, row.extended) == (4, "workhours", 0)
    assert case.next_due == at(27, 16) == Case.objects.get(pk=case.pk).next_due
    assert light(case, at(27, 15)) == "green"  # 3 of 4 hours used
    assert light(case, at(27, 15, 30)) == "yellow"  # 3.5 of 4: past 80 %
    assert light(case, at(27, 16, 30)) == "red"
    assert listed(overdue_q(at(27, 16, 30)), case)
    assert not listed(overdue_q(at(27, 15, 59)), case)
    assert listed(due_soon_q(at(27, 15), dt.timedelta(hours=2)), case)
    assert not listed(due_soon_q(at(27, 11), dt.timedelta(hours=2)), case)
    assert clocks_listed(overdue_clocks(at(27, 16, 30)), case) == ["fix"]
    assert clocks_listed(due_soon_clocks(at(27, 15), dt.timedelta(hours=2)), case) == ["fix"]
    assert clocks_listed(due_soon_clocks(at(27, 11), dt.timedelta(hours=2)), case) == []

    # 暂停 approved Fri 11:00 (1 hour used): the count stops, nothing is due any more
    step(case, "request_pause", fixer, at(27, 10, 30), note="等待配件")
    case = step(case, "approve_pause", desk, at(27, 11))
    assert fix_clock(case).paused_at == at(27, 11)
    assert case.next_due is None
    assert not listed(overdue_q(at(27, 17)), case)  # past the old due, but paused
    assert clocks_listed(overdue_clocks(at(27, 17)), case) == []
    assert light(case, at(28, 12)) == "green"  # the light keeps what it showed at 11:00
    # 复工 Mon 09:00: paused Fri 11–12, 14–18, Mon 8–9 = 6 working hours; 3 hours were left
    case = step(case, "resume", desk, at(30, 9))
    row = fix_clock(case)
    assert row.paused_at is None and row.due_at == at(30, 12)
    assert case.next_due == at(30, 12)
    with pytest.raises(Conflict, match="未暂停"):
        step(case, "resume", desk, at(30, 9, 30))

    # 延时 2 working hours Mon 10:00: from Mon 12:00 over lunch to 16:00
    case = step(case, "extend", desk, at(30, 10), hours=2)
    row = fix_clock(case)
    assert (row.due_at, row.extended) == (at(30, 16), 2)
    assert case.next_due == at(30, 16)
    event = CaseEvent.objects.get(case=case, action="extend")
    assert event.data == {"hours": 2, "due": at(30, 16).isoformat()}
    assert light(case, at(30, 14, 30)) == "green"  # 4.5 of 6 hours used
    assert light(case, at(30, 15)) == "yellow"  # 5 of 6
    setting_set(actor=None, key="cases.warn_fraction", value=0.9)
    assert clocks.light(fix_clock(case), at(30, 15), 0.9) == "green"
    assert listed(overdue_q(at(30, 16, 30)), case)
    assert not listed(overdue_q(at(30, 15, 59)), case)
    assert listed(due_soon_q(at(30, 15), dt.timedelta(hours=2)), case)
    assert not listed(due_soon_q(at(30, 12), dt.timedelta(hours=2)), case)

    # 修好 Mon 17:00 (late): the clock stops, the case leaves every overdue list
    case = step(case, "fix", fixer, at(30, 17))
    row = fix_clock(case)
    assert row.stopped_at == at(30, 17) and row.due_at == at(30, 16)
    assert case.next_due is None and light(case, at(30, 18)) is None
    assert not listed(overdue_q(at(30, 18)), case)
    assert clocks_listed(overdue_clocks(at(30, 18)), case) == []
    # 核查不通过 restarts it: 4 working hours from Tue 09:00
    checker = staff["checker"]
    case = step(case, "fail", checker, dt.datetime(2026, 12, 1, 9, tzinfo=SH))
    row = fix_clock(case)
    assert row.started_at == dt.datetime(2026, 12, 1, 9, tzinfo=SH)  # Tue
    assert row.due_at == dt.datetime(2026, 12, 1, 15, tzinfo=SH)  # 9–12, 14–15
    assert row.extended == 0 and row.stopped_at is None
    assert verify_chain(case)


def test_a_case_that_ends_stops_its_clocks(staff: dict[str, Actor], city: DemoCity) -> None:
    with time_machine.travel(at(27, 8), tick=False):
        case = open_repair(staff, city)
    step(case, "assign", staff["desk"], at(27, 9), fixer=staff["fixer"].user_id)
    step(case, "start", staff["fixer"], at(27, 10))
    case = step(case, "void", staff["reporter"], at(27, 11))
    assert fix_clock(case).stopped_at == at(27, 11)
    assert case.next_due is None
    assert not listed(overdue_q(at(30, 12)), case)

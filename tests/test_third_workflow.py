"""A third workflow, declared only here, runs on the engine: open, transitions, who may act
(the assignee by name, the filer, an independent checker), requests awaiting a decision,
visibility by the roles it declares, and notifications. Nothing in the engine knows it."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.auth import get_user_model

from chuangcheng.cases.models import Assignment, Case, CaseEvent, CaseRequest, Notification
from chuangcheng.cases.selectors import cases_visible_to, verify_chain
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


def do_assign(step: Step) -> None:
    fixer = get_user_model().objects.get(pk=step.data["fixer"])
    unit = Membership.objects.filter(user=fixer, role=FIXER).values_list("unit_id", flat=True)
    Assignment.objects.create(
        case=step.case, user=fixer, unit_id=unit.first(), role="lead", assigned_at=step.now
    )
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
            Action("start", "开工", S({"assigned"}), "fixing", S({FIXER}), unit=ASSIGNEE),
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
            ),
            Action(
                "fix",
                "修好",
                S({"fixing"}),
                "fixed",
                S({FIXER}),
                unit=ASSIGNEE,
                notice=Notice("您报修的 {number} 已修好，待核查", (unit_of(CREATOR, REPORTER),)),
            ),
            Action("pass", "核查通过", S({"fixed"}), "closed", S({CHECKER}), unit=NOT_HANDLER),
            Action("fail", "核查不通过", S({"fixed"}), "fixing", S({CHECKER}), unit=NOT_HANDLER),
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
    assert [a.name for a in allowed_actions(case, staff["desk"])] == ["approve_pause"]
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
    with pytest.raises(ValueError, match="unknown request"):
        Workflow(
            kind="tl_bad",
            label="坏",
            initial="a",
            states={"a": "甲"},
            final=S(),
            actions=(Action("x", "甲", S({"a"}), None, S({DESK}), opens="nothing"),),
        )

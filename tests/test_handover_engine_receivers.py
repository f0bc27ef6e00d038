"""The engine's hand-over with a sender that hands cases to two loops and waits for each in a
state of its own (`Workflow.handover_returns_from`), and the CREATOR_OR_ASSIGNEE rule (the
person who filed a case, or the one it was assigned to by name) — with workflows declared only
here; nothing in the engine knows them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django import forms

from chuangcheng.cases.handover import ReturnForm
from chuangcheng.cases.models import Assignment, Case, CaseLink
from chuangcheng.cases.services import case_open, case_transition
from chuangcheng.cases.workflow import (
    ASSIGNED,
    CREATED,
    CREATOR_OR_ASSIGNEE,
    HANDOVER_DONE,
    HANDOVER_VOIDED,
    JURISDICTION,
    Action,
    Received,
    Receiver,
    Step,
    Workflow,
    register,
    role,
)
from chuangcheng.core.errors import PermissionDenied
from chuangcheng.demo.city import DemoCity
from chuangcheng.org.access import SYSTEM, Actor
from chuangcheng.org.models import Region, Unit
from tests.test_third_workflow import person

S = frozenset
DESK, FIXER, PAINTER = "tlr_desk", "tlr_fixer", "tlr_painter"


class Note(forms.Form):
    note = forms.CharField(required=False, max_length=100)


def opener(kind: str) -> Any:
    def open_(origin: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Case:
        case, _ = case_open(
            kind=kind,
            actor=actor,
            fields={"title": origin.title, "content": "x"},
            region=origin.region,
            now=now,
        )
        return case

    return open_


def outcome(case: Case) -> Received:
    return Received(HANDOVER_DONE if case.status == "done" else HANDOVER_VOIDED, case.status)


def do_assign(step: Step) -> None:
    step.assign(int(step.data["unit"]), Assignment.Role.LEAD, int(step.data["user"]))


class AssignForm(forms.Form):
    unit = forms.IntegerField()
    user = forms.IntegerField()


for kind, prefix, crew, name in (
    ("tlr_fix", "TF", FIXER, "tlr_to_fix"),
    ("tlr_paint", "TQ", PAINTER, "tlr_to_paint"),
):
    register(
        Workflow(
            kind=kind,
            label=kind,
            number_prefix=prefix,
            initial="open",
            states={"open": "待办", "done": "完成", "void": "作废"},
            final=S({"done", "void"}),
            roles={crew: role("班组", JURISDICTION, CREATED, ASSIGNED)},
            receives=(
                Receiver(
                    name=name,
                    label=name,
                    accepts_from=S({"tlr_ticket"}),
                    form=Note,
                    open=opener(kind),
                    outcome=outcome,
                ),
            ),
            actions=(
                Action(
                    "assign",
                    "指派",
                    S({"open"}),
                    None,
                    S(),
                    system=True,
                    form=AssignForm,
                    apply=do_assign,
                ),
                Action("finish", "完成", S({"open"}), "done", S({crew}), unit=CREATOR_OR_ASSIGNEE),
                Action("drop", "作废", S({"open"}), "void", S({crew})),
            ),
        )
    )

register(
    Workflow(
        kind="tlr_ticket",
        label="工单",
        number_prefix="TR",
        initial="new",
        states={"new": "新建", "fixing": "维修中", "painting": "粉刷中", "closed": "办结"},
        final=S({"closed"}),
        roles={DESK: role("前台", JURISDICTION)},
        handover_returns={HANDOVER_DONE: "fixed", HANDOVER_VOIDED: "back"},
        handover_returns_from={"tlr_to_paint": {HANDOVER_DONE: "painted"}},
        actions=(
            Action("fix", "维修", S({"new"}), "fixing", S({DESK}), hands_over="tlr_to_fix"),
            Action("paint", "粉刷", S({"new"}), "painting", S({DESK}), hands_over="tlr_to_paint"),
            Action("fixed", "修好", S({"fixing"}), "closed", S(), system=True, form=ReturnForm),
            Action("painted", "刷好", S({"painting"}), "closed", S(), system=True, form=ReturnForm),
            Action(
                "back", "退回", S({"fixing", "painting"}), "new", S(), system=True, form=ReturnForm
            ),
        ),
    )
)


@pytest.fixture
def people(city: DemoCity) -> dict[str, Actor]:
    return {
        "desk": person("tlr_desk1", (DESK, "C-12345")),
        "fixer": person("tlr_fixer1", (FIXER, "C-12345")),
        "fixer2": person("tlr_fixer2", (FIXER, "C-12345")),
        "painter": person("tlr_painter1", (PAINTER, "C-12345")),
    }


def ticket(people: dict[str, Actor]) -> Case:
    case, _ = case_open(
        kind="tlr_ticket",
        actor=people["desk"],
        fields={"title": "墙面脱落", "content": "x"},
        region=Region.objects.get(code="150103004"),
    )
    return case


def test_each_receiver_returns_to_its_own_action(people: dict[str, Actor]) -> None:
    a, b = ticket(people), ticket(people)
    case_transition(case_id=a.pk, action="fix", actor=people["desk"], data={})
    case_transition(case_id=b.pk, action="paint", actor=people["desk"], data={})
    fix = CaseLink.objects.get(from_case=a).to_case
    paint = CaseLink.objects.get(from_case=b).to_case
    case_transition(case_id=paint.pk, action="drop", actor=people["painter"], data={})
    b.refresh_from_db()
    assert b.status == "new"  # no own entry for voided: the default `handover_returns`
    case_transition(case_id=b.pk, action="paint", actor=people["desk"], data={})
    paint = CaseLink.objects.filter(from_case=b).order_by("-pk")[0].to_case
    # the painter did not file it and is not assigned: refused; once assigned by name: may
    with pytest.raises(PermissionDenied, match="上报人或被指派"):
        case_transition(case_id=paint.pk, action="finish", actor=people["painter"], data={})
    unit = Unit.objects.get(code="C-12345").pk
    user = people["painter"].user_id
    case_transition(
        case_id=paint.pk, action="assign", actor=SYSTEM, data={"unit": unit, "user": user}
    )
    case_transition(case_id=paint.pk, action="finish", actor=people["painter"], data={})
    b.refresh_from_db()
    assert b.status == "closed" and b.events.order_by("-seq")[0].action == "painted"
    # the other receiver: the workflow-wide return; the filer may finish (CREATOR_OR_ASSIGNEE)
    filer = person("tlr_fixer_desk", (FIXER, "C-12345"), (DESK, "C-12345"))
    c = ticket(people)
    case_transition(case_id=c.pk, action="fix", actor=filer, data={})
    fix_c = CaseLink.objects.get(from_case=c).to_case
    with pytest.raises(PermissionDenied):
        case_transition(case_id=fix_c.pk, action="finish", actor=people["fixer"], data={})
    case_transition(case_id=fix_c.pk, action="finish", actor=filer, data={})
    c.refresh_from_db()
    assert c.status == "closed" and c.events.order_by("-seq")[0].action == "fixed"
    assert fix.status == "open"


def test_a_bad_per_receiver_return_is_refused_at_declaration() -> None:
    with pytest.raises(ValueError, match="handover_returns_from"):
        Workflow(
            kind="tlr_bad",
            label="x",
            initial="a",
            states={"a": "A"},
            final=S(),
            actions=(),
            handover_returns_from={"r": {"done": "missing"}},
        )

"""The engine narrows an action's form for the case and the person (`Action.form_choices`,
ADR 0032): the page offers only those choices, `case_transition` and a replay refuse any other
with a 400 and change nothing, and an action that declares none keeps its form as it is. The
workflow here is the test's own (no loop's kinds, states or actions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Max

from chuangcheng.cases.models import Case, CaseEvent
from chuangcheng.cases.replay import Replay
from chuangcheng.cases.services import case_open, case_transition
from chuangcheng.cases.workflow import (
    JURISDICTION,
    Action,
    Step,
    Workflow,
    narrow_form,
    register,
    role,
    workflow_for,
)
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.demo.city import DemoCity
from chuangcheng.org.access import Actor, actor_for
from chuangcheng.org.models import Membership, Unit
from chuangcheng.web.forms import action_form

KIND = "tl_pick"
DESK = "tl_pick_desk"
S = frozenset


class PickForm(forms.Form):
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.all(), error_messages={"invalid_choice": "不能选这个单位"}
    )
    shelf = forms.ChoiceField(choices=[("a", "甲"), ("b", "乙"), ("c", "丙")])


class NoteForm(forms.Form):
    note = forms.CharField(required=False)


def pick_choices(case: Case, actor: Actor) -> dict[str, Any]:
    """Units of the case's street only; shelf c only for the person called tl_boss."""
    shelves = [("a", "甲"), ("b", "乙")] + ([("c", "丙")] if actor.username == "tl_boss" else [])
    return {"unit": Unit.objects.filter(region_id=case.street_id), "shelf": shelves}


def do_pick(step: Step) -> None:
    step.event_data = {"unit": step.data["unit"].pk, "shelf": step.data["shelf"]}


PICK = register(
    Workflow(
        kind=KIND,
        label="挑选（测试用）",
        number_prefix="TP",
        initial="new",
        states={"new": "新建", "picked": "已挑选"},
        final=S({"picked"}),
        roles={DESK: role("挑选员", JURISDICTION)},
        actions=(
            Action(
                "pick",
                "挑选",
                S({"new"}),
                "picked",
                S({DESK}),
                form=PickForm,
                form_choices=pick_choices,
                apply=do_pick,
            ),
            Action("note", "备注", S({"new"}), None, S({DESK}), form=NoteForm),
        ),
    )
)


def person(username: str, unit: str) -> Actor:
    user = get_user_model().objects.create_user(username)
    Membership.objects.create(user=user, role=DESK, unit=Unit.objects.get(code=unit))
    return actor_for(user)


@pytest.fixture
def desk(city: DemoCity) -> Actor:
    return person("tl_picker", "C-12345")


def open_in(city: DemoCity, desk: Actor, street: str) -> Case:
    case, _ = case_open(
        kind=KIND, actor=desk, fields={"title": "挑选", "content": "x"}, region=city.streets[street]
    )
    return case


def test_the_page_offers_only_the_cases_choices(city: DemoCity, desk: Actor) -> None:
    case = open_in(city, desk, "150103004")
    action = PICK.action("pick")
    assert action is not None
    narrowed = action_form(action, case, actor=desk).form
    assert narrowed is not None
    units = set(narrowed.fields["unit"].queryset.values_list("pk", flat=True))
    assert units == set(Unit.objects.filter(region_id=case.street_id).values_list("pk", flat=True))
    assert units and units != set(Unit.objects.values_list("pk", flat=True))
    assert [v for v, _ in narrowed.fields["shelf"].choices] == ["a", "b"]
    # without a person (any caller of old) the form is as declared
    whole = action_form(action, case).form
    assert whole is not None and whole.fields["unit"].queryset.count() == Unit.objects.count()
    # the declaration is never changed by narrowing one form
    assert PickForm.base_fields["unit"].queryset.count() == Unit.objects.count()
    # an action without form_choices: narrow_form leaves it alone
    note = PICK.action("note")
    assert note is not None
    form = NoteForm()
    assert narrow_form(note, form, case, desk) is form


def test_a_choice_outside_is_a_400_and_changes_nothing(city: DemoCity, desk: Actor) -> None:
    case = open_in(city, desk, "150103004")
    elsewhere = Unit.objects.exclude(region_id=case.street_id).first()
    inside = Unit.objects.filter(region_id=case.street_id).first()
    assert elsewhere is not None and inside is not None
    events = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(ValidationFailed) as exc:
        case_transition(
            case_id=case.pk, action="pick", actor=desk, data={"unit": elsewhere.pk, "shelf": "a"}
        )
    assert "不能选这个单位" in exc.value.message and "unit" in exc.value.fields
    # shelf c is the boss's only
    with pytest.raises(ValidationFailed):
        case_transition(
            case_id=case.pk, action="pick", actor=desk, data={"unit": inside.pk, "shelf": "c"}
        )
    case.refresh_from_db()
    assert case.status == "new" and CaseEvent.objects.filter(case=case).count() == events
    boss = person("tl_boss", "C-12345")
    case_transition(
        case_id=case.pk, action="pick", actor=boss, data={"unit": inside.pk, "shelf": "c"}
    )
    case.refresh_from_db()
    assert case.status == "picked"


def test_a_replay_narrows_each_case_on_its_own(city: DemoCity, desk: Actor) -> None:
    """The replay keeps valid inputs for reuse; a form narrowed per case is never reused."""
    here = open_in(city, desk, "150103004")
    unit = Unit.objects.filter(region_id=here.street_id).first()
    assert unit is not None
    replay = Replay()
    base = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 100
    at = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    twins = []
    for i, street in enumerate(("150103004", "150105001")):
        region = city.streets[street]
        twins.append(
            replay.open(
                kind=KIND,
                case_id=base + i,
                number=f"TP{base + i:013d}",
                actor=desk,
                at=at,
                fields={
                    "title": "挑选",
                    "content": "x",
                    "region_id": region.pk,
                    "street_id": region.pk,
                    "region_path": region.path,
                },
            )
        )
    data = {"unit": unit.pk, "shelf": "a"}
    replay.act(twins[0], "pick", desk, at + dt.timedelta(hours=1), data)
    with pytest.raises(ValidationFailed):  # the same input, another street: refused
        replay.act(twins[1], "pick", desk, at + dt.timedelta(hours=1), data)
    assert workflow_for(KIND) is PICK

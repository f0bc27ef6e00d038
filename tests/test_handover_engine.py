"""Hand-over between loops on the engine alone, with two workflows declared only here: a ticket
(the sender) hands a case over to a job loop (the receiver); the job's clock starts at open;
when the job is final the ticket's declared step runs as the system, in the same transaction.
Nothing in the engine knows either loop."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django import forms

from chuangcheng.cases.handover import ReturnForm, links_of
from chuangcheng.cases.models import Case, CaseClock, CaseEvent, CaseLink
from chuangcheng.cases.selectors import verify_chain
from chuangcheng.cases.services import allowed_actions, case_open, case_transition
from chuangcheng.cases.workflow import (
    HANDOVER_DONE,
    HANDOVER_VOIDED,
    JURISDICTION,
    Action,
    Clock,
    Received,
    Receiver,
    Step,
    Workflow,
    register,
    role,
)
from chuangcheng.core.errors import Conflict, NotFound, PermissionDenied
from chuangcheng.demo.city import DemoCity
from chuangcheng.org.access import Actor
from tests.test_third_workflow import person

S = frozenset
TICKET, JOB = "tlh_ticket", "tlh_job"
DESK, CREW = "tlh_desk", "tlh_crew"


class JobForm(forms.Form):
    crew_note = forms.CharField(
        label="派工说明", max_length=200, error_messages={"required": "请填写派工说明"}
    )


def open_job(origin: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Case:
    case, _ = case_open(
        kind=JOB,
        actor=actor,
        fields={"title": origin.title, "content": data["crew_note"]},
        region=origin.region,
        now=now,
    )
    return case


def job_outcome(case: Case) -> Received:
    note = case.events.order_by("-seq").values_list("note", flat=True).first() or ""
    return Received(HANDOVER_DONE if case.status == "done" else HANDOVER_VOIDED, note)


def lamps_only(case: Case) -> str | None:
    return None if "灯" in case.title else "只有灯具类工单可以派工。"


def do_job_done(step: Step) -> None:
    step.note = f"{step.data['number']}：{step.data['result']}"


register(
    Workflow(
        kind=JOB,
        label="派工",
        number_prefix="TJ",
        initial="open",
        states={"open": "待处理", "done": "已完成", "void": "已作废"},
        final=S({"done", "void"}),
        roles={CREW: role("班组", JURISDICTION)},
        clocks=(Clock("respond", "响应", (2, "hours")),),
        open_starts=("respond",),
        receives=(
            Receiver(
                name="tlh_jobs",
                label="派工",
                accepts_from=S({TICKET}),
                form=JobForm,
                open=open_job,
                outcome=job_outcome,
                accepts=lamps_only,
            ),
        ),
        actions=(
            Action("finish", "完成", S({"open"}), "done", S({CREW})),
            Action("drop", "作废", S({"open"}), "void", S({CREW})),
        ),
    )
)
register(
    Workflow(
        kind=TICKET,
        label="工单",
        number_prefix="TT",
        initial="new",
        states={"new": "新建", "sent": "已派工", "closed": "已办结"},
        final=S({"closed"}),
        roles={DESK: role("前台", JURISDICTION)},
        handover_returns={HANDOVER_DONE: "job_done", HANDOVER_VOIDED: "job_back"},
        actions=(
            Action("send", "派工", S({"new"}), "sent", S({DESK}), hands_over="tlh_jobs"),
            Action(
                "job_done",
                "派工完成",
                S({"sent"}),
                "closed",
                S(),
                system=True,
                form=ReturnForm,
                apply=do_job_done,
            ),
            Action("job_back", "派工退回", S({"sent"}), "new", S(), system=True, form=ReturnForm),
            Action("withdraw", "撤回", S({"sent"}), "new", S({DESK})),
        ),
    )
)


@pytest.fixture
def people(city: DemoCity) -> dict[str, Actor]:
    return {
        "desk": person("tlh_desk1", (DESK, "C-12345")),
        "crew": person("tlh_crew1", (CREW, "C-12345")),
        "both": person("tlh_both", (DESK, "C-12345"), (CREW, "C-12345")),
    }


def ticket(people: dict[str, Actor], city: DemoCity, title: str = "路灯不亮") -> Case:
    case, _ = case_open(
        kind=TICKET,
        actor=people["desk"],
        fields={"title": title, "content": "两盏路灯不亮"},
        region=city.streets["150103004"],
    )
    return case


def test_a_hand_over_opens_links_and_returns(people: dict[str, Actor], city: DemoCity) -> None:
    t = ticket(people, city)
    assert JobForm is not None and [a.name for a in allowed_actions(t, people["desk"])] == ["send"]
    with pytest.raises(Exception, match="派工说明"):
        case_transition(case_id=t.pk, action="send", actor=people["desk"], data={})
    assert not CaseLink.objects.exists()
    t = case_transition(
        case_id=t.pk, action="send", actor=people["desk"], data={"crew_note": "今晚修"}
    )
    assert t.status == "sent"
    link = CaseLink.objects.get(from_case=t)
    job = link.to_case
    assert job.kind == JOB and job.content == "今晚修" and link.receiver == "tlh_jobs"
    assert CaseClock.objects.get(case=job, name="respond").due_at is not None  # at open
    assert list(job.events.order_by("seq").values_list("action", flat=True)) == [
        "open",
        "handed_in",
    ]
    assert CaseEvent.objects.get(case=t, action="send").data["handed_over_to"] == job.number
    # the desk holds no role in the job loop: number and state, no id
    (seen,) = links_of(t, people["desk"])
    assert (seen["number"], seen["visible"], seen["status_label"]) == (job.number, False, "待处理")
    assert "id" not in seen
    (seen,) = links_of(t, people["both"])
    assert seen["visible"] and seen["id"] == job.pk and seen["lights"][0]["clock"] == "respond"
    # the job side sees where it came from
    (back,) = links_of(job, people["crew"])
    assert back["direction"] == "in" and back["number"] == t.number and not back["visible"]
    with pytest.raises(NotFound):
        case_transition(case_id=t.pk, action="job_done", actor=people["crew"], data={})
    with pytest.raises(PermissionDenied):
        case_transition(case_id=t.pk, action="job_done", actor=people["desk"], data={})

    case_transition(case_id=job.pk, action="finish", actor=people["crew"], data={})
    t.refresh_from_db()
    assert t.status == "closed"
    last = t.events.order_by("-seq").first()
    assert last is not None and last.action == "job_done" and last.actor_name == "系统"
    job.refresh_from_db()
    assert job.number in last.note and verify_chain(t) and verify_chain(job)


def test_a_dropped_job_sends_the_ticket_back(people: dict[str, Actor], city: DemoCity) -> None:
    t = ticket(people, city)
    case_transition(case_id=t.pk, action="send", actor=people["desk"], data={"crew_note": "修"})
    with pytest.raises(Conflict, match="不能执行"):
        case_transition(
            case_id=t.pk, action="send", actor=people["both"], data={"crew_note": "again"}
        )
    job = CaseLink.objects.get(from_case=t).to_case
    case_transition(case_id=job.pk, action="drop", actor=people["crew"], data={})
    t.refresh_from_db()
    assert t.status == "new" and t.events.order_by("-seq").first().action == "job_back"  # type: ignore[union-attr]
    # and may be sent again: a second job, a second link
    case_transition(case_id=t.pk, action="send", actor=people["desk"], data={"crew_note": "再修"})
    assert CaseLink.objects.filter(from_case=t).count() == 2


def test_the_receiver_decides_which_cases_it_takes(
    people: dict[str, Actor], city: DemoCity
) -> None:
    t = ticket(people, city, title="墙面开裂")
    assert allowed_actions(t, people["desk"]) == []
    with pytest.raises(Conflict, match="灯具"):
        case_transition(case_id=t.pk, action="send", actor=people["desk"], data={"crew_note": "x"})
    t.refresh_from_db()
    assert t.status == "new" and t.event_count == 1 and not CaseLink.objects.exists()


def test_an_origin_that_moved_on_gets_a_note(people: dict[str, Actor], city: DemoCity) -> None:
    t = ticket(people, city)
    case_transition(case_id=t.pk, action="send", actor=people["desk"], data={"crew_note": "修"})
    case_transition(case_id=t.pk, action="withdraw", actor=people["desk"], data={})
    # the job it was handed to is still open: no second hand-over
    with pytest.raises(Conflict, match="已转办"):
        case_transition(case_id=t.pk, action="send", actor=people["desk"], data={"crew_note": "x"})
    job = CaseLink.objects.get(from_case=t).to_case
    case_transition(case_id=job.pk, action="finish", actor=people["crew"], data={})
    t.refresh_from_db()
    last = t.events.order_by("-seq").first()
    assert t.status == "new" and last is not None and last.action == "linked_closed"
    assert job.number in last.note and last.data["outcome"] == HANDOVER_DONE
    assert verify_chain(t)


def test_declarations_are_checked() -> None:
    with pytest.raises(ValueError, match="open_starts"):
        Workflow(
            kind="tlh_bad",
            label="x",
            initial="a",
            states={"a": "A"},
            final=S(),
            actions=(),
            open_starts=("nope",),
        )
    with pytest.raises(ValueError, match="handover_returns"):
        Workflow(
            kind="tlh_bad",
            label="x",
            initial="a",
            states={"a": "A"},
            final=S(),
            actions=(),
            handover_returns={"done": "missing"},
        )

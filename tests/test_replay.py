"""The bulk replay (cases.replay) takes the same steps as case_transition: the same rows result,
the same steps are refused, and any workflow (not only 12345) runs through it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Max

from chuangcheng.cases.models import (
    Assignment,
    Case,
    CaseClock,
    CaseEvent,
    CaseRequest,
    ClockStop,
)
from chuangcheng.cases.replay import Replay
from chuangcheng.cases.selectors import verify_chain
from chuangcheng.cases.services import case_open, case_transition
from chuangcheng.cases.workflow import workflow_for
from chuangcheng.core.errors import Conflict, PermissionDenied
from chuangcheng.demo.city import DemoCity
from chuangcheng.org.access import Actor
from tests.conftest import actor
from tests.test_third_workflow import KIND as REPAIR_KIND
from tests.test_third_workflow import staff  # noqa: F401  (fixture)

TZ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=TZ)  # a Monday
FIELDS = {
    "title": "小区门口占道经营",
    "content": "小区门口每天晚上有摊贩占道经营，影响通行",
    "channel": "phone",
}
OWN = {"appeal_type": "help", "urgency": "normal"}  # the order's own row


def _script(city: DemoCity) -> list[tuple[str, str, float, dict[str, Any]]]:
    """(action, who, hours after T0, data): the whole 12345 loop, with a return, an extension,
    a 督办, a result sent back, a caller not reached, an unsatisfied callback and a 重办."""
    zsxl, cg = city.units["S-150103004"].pk, city.units["D-CG"].pk
    return [
        ("review", "dispatcher", 0.2, {"category": "060103", "note": "复核"}),
        ("dispatch", "dispatcher", 0.3, {"lead_unit": cg}),
        ("request_return", "handler_cg", 1, {"reason": "不属于本单位职责"}),
        ("reject_return", "dispatcher", 1.5, {"reason": "属于贵单位"}),
        ("request_return", "handler_cg", 2, {"reason": "确实不属于本单位"}),
        ("approve_return", "dispatcher", 2.5, {"note": "改派街道"}),
        ("dispatch", "dispatcher", 3, {"lead_unit": zsxl, "co_units": [cg]}),
        ("accept", "handler_zsxl", 3.5, {}),
        ("request_extension", "handler_zsxl", 4, {"days": 3, "reason": "需协调多个部门"}),
        ("approve_extension", "dispatcher", 5, {}),
        ("contact", "handler_zsxl", 6, {"note": "已电话联系"}),
        ("supervise", "supervisor", 7, {"level": "key", "note": "尽快办理", "due": "2026-11-05"}),
        ("reply_supervision", "handler_zsxl", 8, {"reason": "正在办理"}),
        ("feedback", "handler_zsxl", 24, {"result": "已清理摊贩。"}),
        ("reject_feedback", "dispatcher", 25, {"reason": "请补充照片"}),
        ("feedback", "handler_zsxl", 26, {"result": "已清理摊贩，设置禁停标识。"}),
        ("approve_feedback", "dispatcher", 27, {}),
        ("callback", "callback", 28, {"contacted": False}),
        (
            "callback",
            "callback",
            50,
            {"contacted": True, "resolution": "unresolved", "satisfaction": "unsatisfied"},
        ),
        ("reopen", "callback", 51, {"reason": "摊贩又回来了"}),
        ("feedback", "handler_zsxl", 70, {"result": "已联合城管长期值守。"}),
        ("approve_feedback", "dispatcher", 71, {}),
        (
            "callback",
            "callback",
            72,
            {"contacted": True, "resolution": "resolved", "satisfaction": "satisfied"},
        ),
    ]


def _rows(case: Case) -> dict[str, Any]:
    """Everything the two ways leave, but the ids and the number."""
    case = Case.objects.get(pk=case.pk)
    skip = {"id", "number", "match_text", "last_hash"}
    return {
        "case": {
            f.attname: getattr(case, f.attname)
            for f in Case._meta.concrete_fields
            if f.attname not in skip
        },
        # the loop's own row (the 12345 order's: hotline.HotlineOrder), when it has one
        "own": (
            {
                f.attname: getattr(own, f.attname)
                for f in own._meta.concrete_fields
                if not f.primary_key
            }
            if (own := workflow_for(case.kind).detail_of(case)) is not None
            else None
        ),
        "events": list(
            CaseEvent.objects.filter(case=case)
            .order_by("seq")
            .values_list(
                "seq",
                "action",
                "from_status",
                "to_status",
                "actor_id",
                "unit_id",
                "note",
                "data",
                "changes",
                "created_at",
            )
        ),
        "clocks": list(
            CaseClock.objects.filter(case=case)
            .order_by("name")
            .values_list(
                "name",
                "started_at",
                "due_at",
                "stopped_at",
                "paused_at",
                "limit_amount",
                "limit_unit",
                "extended",
            )
        ),
        # the engine's record of each clock stop (ADR 0023)
        "stops": list(
            ClockStop.objects.filter(case=case)
            .order_by("seq", "name")
            .values_list(
                "kind",
                "seq",
                "name",
                "action",
                "actor_id",
                "started_at",
                "due_at",
                "stopped_at",
                "met",
            )
        ),
        "requests": list(
            CaseRequest.objects.filter(case=case)
            .order_by("opened_seq")
            .values_list(
                "kind",
                "status",
                "data",
                "from_status",
                "opened_seq",
                "opened_by_id",
                "opened_unit_id",
                "opened_at",
                "decided_seq",
                "decided_by_id",
                "decided_at",
            )
        ),
        "assignments": list(
            Assignment.objects.filter(case=case)
            .order_by("assigned_at", "unit_id")
            .values_list("unit_id", "user_id", "role", "active", "assigned_at", "ended_at")
        ),
    }


def _replay_open(replay: Replay, like: Case, who: Actor, kind: str = "hotline") -> Case:
    """A case opened in the replay with the same intake as `like` (the next free id)."""
    pk = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 100
    fields = {
        k: getattr(like, k)
        for k in ("title", "content", "region_id", "street_id", "region_path")
        + (("channel",) if kind == "hotline" else ())
    }
    detail = (
        {"appeal_type": like.hotline.appeal_type, "urgency": like.hotline.urgency}
        if kind == "hotline"
        else None
    )
    return replay.open(
        kind=kind,
        case_id=pk,
        number=f"R{pk:013d}",
        actor=who,
        at=like.created_at,
        fields=fields,
        detail=detail,
    )


def test_the_replay_leaves_the_rows_case_transition_leaves(
    city: DemoCity, make_handler: Any
) -> None:
    make_handler("D-CG", "handler_cg")
    operator = actor("operator")
    case, _ = case_open(
        kind="hotline",
        actor=operator,
        fields=dict(FIELDS),
        region=city.streets["150103004"],
        now=T0,
        detail=dict(OWN),
    )
    replay = Replay()
    twin = _replay_open(replay, case, operator)
    for action, who, hours, data in _script(city):
        at = T0 + dt.timedelta(hours=hours)
        case_transition(case_id=case.pk, action=action, actor=actor(who), data=data, now=at)
        replay.act(twin, action, actor(who), at, data)
    assert replay.flush() == len(_script(city)) + 1
    by_engine, by_replay = _rows(case), _rows(twin)
    assert by_replay["case"]["status"] == "closed"
    for part in ("case", "events", "clocks", "stops", "requests", "assignments"):
        assert by_replay[part] == by_engine[part], part
    assert len(by_engine["stops"]) >= 3
    assert {r[1] for r in by_replay["requests"]} == {"approved", "rejected"}
    assert verify_chain(Case.objects.get(pk=twin.pk))
    assert verify_chain(Case.objects.get(pk=case.pk))


def test_the_replay_refuses_what_case_transition_refuses(city: DemoCity) -> None:
    operator, dispatcher = actor("operator"), actor("dispatcher")
    case, _ = case_open(
        kind="hotline",
        actor=operator,
        fields=dict(FIELDS),
        region=city.streets["150103004"],
        now=T0,
        detail=dict(OWN),
    )
    replay = Replay()
    twin = _replay_open(replay, case, operator)
    at = T0 + dt.timedelta(hours=1)
    lead = city.units["S-150103004"].pk
    refusals = [
        ("dispatch", dispatcher, {"lead_unit": lead}, Conflict),  # wrong state: not reviewed
        ("approve_return", dispatcher, {}, Conflict),  # wrong state, and no request pending
        ("accept", dispatcher, {}, PermissionDenied),  # wrong role
        ("answer_directly", operator, {}, Conflict),  # the guard: not a consultation
    ]
    for action, who, data, error in refusals:
        with pytest.raises(error) as engine:
            case_transition(case_id=case.pk, action=action, actor=who, data=data, now=at)
        with pytest.raises(error) as replayed:
            replay.act(twin, action, who, at, data)
        assert str(replayed.value) == str(engine.value)
    # nothing changed: still the open event only, in both
    assert twin.status == "received" and twin.event_count == 1
    assert len(replay.store.events) == 1
    replay.flush()
    assert CaseEvent.objects.filter(case_id=twin.pk).count() == 1
    assert CaseEvent.objects.filter(case_id=case.pk).count() == 1


def test_a_third_workflow_runs_through_the_replay(
    city: DemoCity,
    staff: dict[str, Actor],  # noqa: F811
) -> None:
    like, _ = case_open(
        kind=REPAIR_KIND,
        actor=staff["reporter"],
        fields={"title": "路灯不亮", "content": "海亮广场北门两盏路灯不亮"},
        region=city.streets["150103004"],
        now=T0,
    )
    replay = Replay()
    case = _replay_open(replay, like, staff["reporter"], kind=REPAIR_KIND)
    t = iter(T0 + dt.timedelta(hours=h) for h in range(1, 30))
    replay.act(case, "assign", staff["desk"], next(t), {"fixer": staff["fixer"].user_id})
    with pytest.raises(PermissionDenied):  # only the person it is assigned to
        replay.act(case, "start", staff["other_fixer"], next(t))
    replay.act(case, "start", staff["fixer"], next(t))
    replay.act(case, "request_pause", staff["fixer"], next(t), {"note": "等配件"})
    with pytest.raises(Conflict):  # one pending request of a kind at a time
        replay.act(case, "request_pause", staff["fixer"], next(t), {"note": "再等"})
    replay.act(case, "approve_pause", staff["desk"], next(t))
    replay.act(case, "extend", staff["desk"], next(t), {"hours": 2})
    replay.act(case, "fix", staff["fixer"], next(t))
    with pytest.raises(PermissionDenied, match="不能核查自己办理"):
        replay.act(case, "fail", staff["checker_same_unit"], next(t))
    replay.act(case, "fail", staff["checker"], next(t))
    replay.act(case, "fix", staff["fixer"], next(t))
    replay.act(case, "pass", staff["checker"], next(t))
    replay.flush()
    stored = Case.objects.get(pk=case.pk)
    assert stored.status == "closed" and stored.closed_at is not None and stored.next_due is None
    actions = list(CaseEvent.objects.filter(case=stored).values_list("action", flat=True))
    assert actions == [
        "open",
        "assign",
        "start",
        "request_pause",
        "approve_pause",
        "extend",
        "fix",
        "fail",
        "fix",
        "pass",
    ]
    assert verify_chain(stored)
    (request,) = CaseRequest.objects.filter(case=stored)
    assert request.status == "approved" and request.decided_seq == 5
    clock = CaseClock.objects.get(case=stored, name="fix")
    assert clock.stopped_at is not None and clock.limit_unit == "workhours"
    lead = Assignment.objects.get(case=stored)
    assert lead.user_id == staff["fixer"].user_id and lead.active
    # the case is the replay's no more: steps on it go through case_transition
    with pytest.raises(ValueError):
        replay.act(case, "pass", staff["checker"], next(t))

"""The 城管 bulk loader of bench/ writes rows the engine accepts as its own: at a tiny size, every
case's history, clocks, assignments and requests are what the workflow would have left, and the
real services act on the loaded cases."""

from __future__ import annotations

import itertools
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from chuangcheng.cases.clocks import earliest_due
from chuangcheng.cases.models import Assignment, Case, CaseClock, CaseEvent, CaseRequest
from chuangcheng.cases.services import case_transition
from chuangcheng.cases.workflow import workflow_for
from chuangcheng.citymgmt.models import CityCase
from chuangcheng.org.access import actor_for
from chuangcheng.org.models import Unit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

pytestmark = pytest.mark.django_db

N = 400


@pytest.fixture
def loaded(city: Any) -> list[Case]:
    import load_citymgmt

    load_citymgmt.build_reference()
    load_citymgmt.bulk_load_city(N, progress=False)
    return list(Case.objects.filter(kind="citymgmt").order_by("id"))


def test_loaded_city_cases_satisfy_the_engine(loaded: list[Case]) -> None:
    wf = workflow_for("citymgmt")
    assert len(loaded) == N
    assert {c.status for c in loaded} <= set(wf.states)
    # a realistic mix: mostly closed, some open, a few rejected or void
    by_status = defaultdict(int)
    for c in loaded:
        by_status[c.status] += 1
    assert by_status["closed"] > N * 0.8
    assert 0 < by_status["rejected"] + by_status["void"] < N * 0.15
    assert len({c.number for c in loaded}) == N and all(c.number.startswith("CG") for c in loaded)

    ids = [c.pk for c in loaded]
    events: dict[int, list[CaseEvent]] = defaultdict(list)
    for e in CaseEvent.objects.filter(case_id__in=ids).order_by("case_id", "seq"):
        events[e.case_id].append(e)
    clocks: dict[int, list[CaseClock]] = defaultdict(list)
    for k in CaseClock.objects.filter(case_id__in=ids):
        clocks[k.case_id].append(k)
    own = {o.case_id: o for o in CityCase.objects.filter(case_id__in=ids)}
    leads = {
        a.case_id: a.unit_id
        for a in Assignment.objects.filter(case_id__in=ids, active=True, role="lead")
    }
    open_count = 0
    for c in loaded:
        history = events[c.pk]
        # the chain: seq 1..n, linked, its head on the case, ending in the case's status
        assert [e.seq for e in history] == list(range(1, c.event_count + 1)), c.number
        assert history[0].action == "open" and history[0].prev_hash == "0" * 64
        for prev, e in itertools.pairwise(history):
            assert e.prev_hash == prev.hash and e.created_at >= prev.created_at, c.number
            assert e.from_status == prev.to_status, (c.number, e.action)
            assert e.action in {a.name for a in wf.actions}, e.action
        assert c.last_hash == history[-1].hash
        assert history[-1].to_status == c.status
        # the clocks: declared names; next_due is the engine's earliest running due
        assert {k.name for k in clocks[c.pk]} <= {k.name for k in wf.clocks}
        assert c.next_due == earliest_due(wf, c.status, clocks[c.pk]), c.number
        if c.status in wf.final:
            assert c.closed_at is not None
            assert not [k for k in clocks[c.pk] if k.running], c.number
        else:
            open_count += 1
            assert c.closed_at is None
            if c.status in ("verifying", "dispatching", "checking"):
                assert c.next_due is not None, c.number
        # the loop's own row and the lead department
        assert c.pk in own and own[c.pk].grid_id is not None
        if c.status in ("handling", "checking", "closing"):
            assert c.lead_unit_id is not None and leads[c.pk] == c.lead_unit_id
    assert open_count > 0
    # requests: opened and decided by the events that say so
    for r in CaseRequest.objects.filter(case_id__in=ids):
        opened = events[r.case_id][r.opened_seq - 1]
        assert opened.action == f"request_{r.kind}"
        if r.status == "pending":
            assert Case.objects.get(pk=r.case_id).status in ("handling", "dispatching")
        else:
            assert events[r.case_id][r.decided_seq - 1].action == f"approve_{r.kind}"


def test_the_services_act_on_loaded_cases(loaded: list[Case]) -> None:
    waiting = next(c for c in loaded if c.status == "dispatching")
    dispatcher = actor_for(get_user_model().objects.get(username="cm_pqy"))
    done = case_transition(
        case_id=waiting.pk,
        action="dispatch",
        actor=dispatcher,
        data={"unit": Unit.objects.get(code="D-CG").pk},
    )
    assert done.status == "handling"
    assert CaseEvent.objects.filter(case=done).count() == waiting.event_count + 1
    running = [k for k in CaseClock.objects.filter(case=done) if k.running]
    assert [k.name for k in running] == ["handle"]
    assert Case.objects.get(pk=done.pk).next_due == running[0].due_at

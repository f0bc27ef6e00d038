"""A loop's own fields in its own table (`Workflow.detail`), on the engine: the row is written
with the case when it opens, loaded with the locked case when a step runs (no second query),
saved with only the fields the step changed, in the step's transaction; a step that changes
none writes nothing to it. The 数字城管 loop (`CityCase`) runs on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chuangcheng.cases.models import Case, CaseEvent
from chuangcheng.cases.services import case_open, case_transition
from chuangcheng.cases.workflow import (
    _REGISTRY,
    JURISDICTION,
    Action,
    Step,
    Workflow,
    register,
    role,
    workflow_for,
)
from chuangcheng.citymgmt.models import CityCase, UnitGrid
from chuangcheng.citymgmt.services import subclass_by_code
from chuangcheng.core.errors import Conflict
from chuangcheng.org.access import actor_for
from chuangcheng.org.models import Membership, Unit
from tests.test_citymgmt_loop import GARBAGE, go, loop, png, report  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _on(table: str, sqls: list[str], verb: str) -> list[str]:
    return [s for s in sqls if table in s and s.lstrip().upper().startswith(verb)]


def test_the_workflow_declares_its_detail_and_the_case_reaches_it() -> None:
    wf = workflow_for("citymgmt")
    assert wf.detail is CityCase
    assert wf.detail_accessor == "citycase"
    assert wf.detail_of(Case()) is None  # a case without its row: None, not an exception


def test_the_open_writes_the_row_in_the_same_statement(loop: dict[str, Any]) -> None:  # noqa: F811
    with CaptureQueriesContext(connection) as ctx:
        case, created = report(loop)
    assert created
    own = CityCase.objects.get(case=case)
    assert (own.source, own.grid_id, own.client_key) == (
        "inspector",
        loop["grid"].pk,
        f"{loop['inspector'].user_id}:phone-key-0001",
    )
    # no INSERT of its own: the row is part of the case's insert (attachments make it row by
    # row, in one transaction, as for the case's other rows)
    inserts = _on('"citymgmt_citycase"', [q["sql"] for q in ctx.captured_queries], "INSERT")
    assert len(inserts) == 1


def test_a_step_loads_the_row_with_the_lock_and_saves_only_what_changed(
    loop: dict[str, Any],  # noqa: F811
) -> None:
    case, _ = report(loop)
    go(case, "file_case", loop["shift"])
    go(case, "dispatch", loop["dispatcher"], unit=Unit.objects.get(code="D-HW").pk)
    go(case, "feedback", loop["hw"], files=[(png(), "处置后")])
    with CaptureQueriesContext(connection) as ctx:
        go(case, "check_fail", loop["inspector2"], reason="未清理干净")
    sqls = [q["sql"] for q in ctx.captured_queries]
    # read once, joined to the locked case row; the lock is the case's
    selects = _on('"citymgmt_citycase"', sqls, "SELECT")
    assert len(selects) == 1 and "FOR UPDATE OF" in selects[0]
    updates = _on('"citymgmt_citycase"', sqls, "UPDATE")
    assert len(updates) == 1
    assert '"rework_count"' in updates[0] and '"check_result"' in updates[0]
    assert '"suspended"' not in updates[0] and '"grid_id"' not in updates[0]
    own = CityCase.objects.get(case=case)
    assert (own.rework_count, own.check_result) == (1, "not_passed")

    # a step that changes none of the loop's fields writes nothing to its table (申请延期 only
    # opens a request; 处置反馈 would stop the 处置 clock, whose copy the row keeps: 考核键)
    with CaptureQueriesContext(connection) as ctx:
        go(case, "request_extension", loop["hw"], amount=2, reason="需调配清运车辆")
    assert _on('"citymgmt_citycase"', [q["sql"] for q in ctx.captured_queries], "UPDATE") == []
    # and a step that changes one writes just that one
    go(case, "approve_extension", loop["dispatcher"])
    with CaptureQueriesContext(connection) as ctx:
        go(case, "feedback", loop["hw"], files=[(png(), "处置后")])
    (update,) = _on('"citymgmt_citycase"', [q["sql"] for q in ctx.captured_queries], "UPDATE")
    assert '"eval_handle_stopped"' in update and '"rework_count"' not in update


def test_a_refused_step_changes_nothing_in_the_row(loop: dict[str, Any]) -> None:  # noqa: F811
    case, _ = report(loop)
    go(case, "file_case", loop["shift"])
    go(case, "dispatch", loop["dispatcher"], unit=Unit.objects.get(code="D-HW").pk)
    before = CityCase.objects.filter(case=case).values().get()
    events = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(Conflict):  # 恢复 needs a case in 缓办: the guard reads case.citycase
        go(case, "restore", loop["dispatcher"])
    assert CityCase.objects.filter(case=case).values().get() == before
    assert CaseEvent.objects.filter(case=case).count() == events


def test_a_declaration_with_a_bad_detail_is_refused() -> None:
    base: dict[str, Any] = {
        "kind": "tl_detail_check",
        "label": "检查",
        "initial": "new",
        "states": {"new": "新", "done": "完成"},
        "final": frozenset({"done"}),
        "actions": (Action("finish", "完成", frozenset({"new"}), "done", frozenset({"r"})),),
    }
    with pytest.raises(ValueError, match="recorded fields need a detail"):
        Workflow(**base, recorded=("rework_count",))
    with pytest.raises(ValueError, match="primary key must be `case`"):
        Workflow(**base, detail=UnitGrid)
    with pytest.raises(ValueError, match="unknown recorded fields"):
        Workflow(**base, detail=CityCase, recorded=("no_such_field",))
    ok = Workflow(**base, detail=CityCase, recorded=("rework_count", "grid_id"))
    assert ok.detail_accessor == "citycase"


# ---------------------------------------------------------------- recorded fields of the row


def _count(step: Step) -> None:
    step.detail.rework_count += 1
    step.detail.check_result = "not_passed"


@pytest.fixture
def counted(loop: dict[str, Any]) -> Iterator[Workflow]:  # noqa: F811
    """A test-only workflow on the 数字城管 row that records two of its fields."""
    workflow = register(
        Workflow(
            kind="tl_counted",
            label="计数",
            number_prefix="TC",
            initial="open",
            states={"open": "进行中", "done": "完成"},
            final=frozenset({"done"}),
            roles={"tl_counter": role("计数员", JURISDICTION)},
            actions=(
                Action("count", "计数", frozenset({"open"}), None, frozenset({"tl_counter"}),
                       apply=_count),
                Action("finish", "完成", frozenset({"open"}), "done", frozenset({"tl_counter"})),
            ),
            detail=CityCase,
            recorded=("rework_count", "check_result"),
        )
    )  # fmt: skip
    yield workflow
    _REGISTRY.pop(workflow.kind, None)


def test_the_declared_fields_of_the_row_are_recorded_and_verified(
    loop: dict[str, Any],  # noqa: F811
    counted: Workflow,
) -> None:
    from chuangcheng.cases.selectors import history_problems

    grid = loop["grid"]
    sub = subclass_by_code(GARBAGE)
    user = get_user_model().objects.create_user("tl_counter_1")
    Membership.objects.create(user=user, role="tl_counter", unit=Unit.objects.get(code="C-12345"))
    who = actor_for(user)
    case, created = case_open(
        kind="tl_counted",
        actor=who,
        fields={"title": "计数", "content": "计数"},
        region=grid.community,
        detail={
            "family": sub.klass.family,
            "subclass": sub,
            "grid": grid,
            "zone_class": grid.zone_class,
            "source": "inspector",
            "rework_count": 2,
        },
    )
    assert created and CityCase.objects.get(case=case).rework_count == 2
    opened = CaseEvent.objects.get(case=case, seq=1)
    assert opened.changes["rework_count"] == 2 and "check_result" not in opened.changes
    case_transition(case_id=case.pk, action="count", actor=who)
    step = CaseEvent.objects.get(case=case, seq=2)
    assert step.changes == {"rework_count": 3, "check_result": "not_passed"}
    case_transition(case_id=case.pk, action="finish", actor=who)
    assert CaseEvent.objects.get(case=case, seq=3).changes.keys() == {"closed_at"}
    assert history_problems(Case.objects.get(pk=case.pk)) == []
    # someone edits the loop's table directly: the history says otherwise
    CityCase.objects.filter(case=case).update(rework_count=9)
    problems = history_problems(Case.objects.get(pk=case.pk))
    assert problems == ["rework_count: 记录为 3，工单表为 9"]


def test_the_12345_open_orders_index_is_made_by_the_hotline_migrations() -> None:
    """Not declared on the engine's Case (its condition names 12345 states), still there for
    the 12345 "open now" figures: same key and condition as before; its cover is the case's
    own columns (the deadline moved to the order's row, hotline/0004)."""
    with connection.cursor() as cur:
        cur.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'case_open_created'")
        (definition,) = cur.fetchone()
    assert "(kind, created_at) INCLUDE (id, lead_unit_id, street_id)" in definition
    assert "'closed'" in definition and "'merged'" in definition
    assert "case_open_created" not in {i.name for i in Case._meta.indexes}

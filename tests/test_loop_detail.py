"""A loop's own fields in its own table (`Workflow.detail`), on the engine: the row is written
with the case when it opens, loaded with the locked case when a step runs (no second query),
saved with only the fields the step changed, in the step's transaction; a step that changes
none writes nothing to it. The 数字城管 loop (`CityCase`) runs on it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chuangcheng.cases.models import Case, CaseEvent
from chuangcheng.cases.workflow import Action, Workflow, workflow_for
from chuangcheng.citymgmt.models import CityCase, UnitGrid
from chuangcheng.core.errors import Conflict
from chuangcheng.org.models import Unit
from tests.test_citymgmt_loop import go, loop, png, report  # noqa: F401  (fixture)

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

    # a step that changes none of the loop's fields writes nothing to its table
    with CaptureQueriesContext(connection) as ctx:
        go(case, "feedback", loop["hw"], files=[(png(), "处置后")])
    assert _on('"citymgmt_citycase"', [q["sql"] for q in ctx.captured_queries], "UPDATE") == []


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

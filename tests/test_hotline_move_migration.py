"""The 12345 columns move off the engine's case into `hotline.HotlineOrder` (hotline/0003 copies,
cases/0022 drops, ADR 0017): every order keeps its values, its events and its assignments; only
12345 orders get a row; the way back copies the values onto the case again; and a chain written
before the move still verifies after it (its events record the fields under the same names)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from chuangcheng.cases.models import Case, CaseEvent
from chuangcheng.cases.selectors import history_problems, verify_chain
from chuangcheng.demo.city import DemoCity
from chuangcheng.hotline.models import HotlineOrder
from tests.test_engine import drive, new_case

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("hotline", "0002_open_orders_index"), ("cases", "0021_case_links")]
# the columns that moved (the ranking keys came later: hotline/0005, filled from the case)
MOVED = [
    f.attname
    for f in HotlineOrder._meta.concrete_fields
    if not f.primary_key and not f.name.startswith("rank_")
]
AT = dt.datetime(2026, 10, 12, 2, 0, tzinfo=dt.UTC)
OLD_VALUES: dict[str, Any] = {
    "appeal_type": "complaint",
    "urgency": "urgent",
    "sign_due": AT + dt.timedelta(hours=1),
    "sign_at": AT + dt.timedelta(minutes=30),
    "respond_due": AT + dt.timedelta(hours=4),
    "respond_at": AT + dt.timedelta(hours=2),
    "finish_due": AT + dt.timedelta(days=1),
    "finish_at": AT + dt.timedelta(hours=20),
    "result": "已清理完毕",
    "callback_at": AT + dt.timedelta(days=2),
    "contacted": True,
    "resolution": "resolved",
    "satisfaction": "basic",
    "citizen_rating": 4,
    "supervision_level": "key",
    "supervision_due": AT + dt.timedelta(days=3),
    "reporter_count": 3,
    "reopen_count": 1,
    "return_count": 2,
    "extension_workdays": 5,
    "excluded_from_scoring": True,
}


def _migrate(targets: list[tuple[str, str]]) -> Any:
    """Migrate the test database to `targets`; returns the apps of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _case_columns(case_id: int) -> dict[str, Any]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT {', '.join(MOVED)} FROM cases_case WHERE id = %s", [case_id])
        return dict(zip(MOVED, cur.fetchone(), strict=True))


def _own(case_id: int) -> dict[str, Any]:
    row = HotlineOrder.objects.get(case_id=case_id)
    return {name: getattr(row, name) for name in MOVED}


def test_every_order_keeps_its_values_events_and_assignments() -> None:
    apps = _migrate(BEFORE)
    try:
        OldCase = apps.get_model("cases", "Case")
        OldEvent = apps.get_model("cases", "CaseEvent")
        OldAssignment = apps.get_model("cases", "Assignment")
        common = {"status": "closed", "title": "t", "content": "c", "created_at": AT}
        common["closed_at"] = AT + dt.timedelta(days=2)
        order = OldCase.objects.create(
            number="M1", kind="hotline", updated_at=AT, **common, **OLD_VALUES
        )
        # a case of another loop with values in these columns is not a 12345 order
        other = OldCase.objects.create(
            number="M2", kind="citymgmt", updated_at=AT, result="x", return_count=2, **common
        )
        OldEvent.objects.create(
            case=order, seq=1, action="open", to_status="received", created_at=AT,
            prev_hash="0" * 64, hash="1" * 64, changes={"finish_due": "x"},
        )  # fmt: skip
        person = apps.get_model("auth", "User").objects.create(username="move_handler")
        OldAssignment.objects.create(case=order, user=person, role="lead", assigned_at=AT)
    finally:
        _migrate(_latest())
    assert _own(order.pk) == OLD_VALUES
    own = HotlineOrder.objects.get(case_id=order.pk)  # hotline/0005: the ranking keys
    assert (own.rank_closed_at, own.rank_unit) == (AT + dt.timedelta(days=2), None)
    assert not HotlineOrder.objects.filter(case_id=other.pk).exists()
    assert Case.objects.filter(pk__in=[order.pk, other.pk]).count() == 2
    event = CaseEvent.objects.get(case_id=order.pk)
    assert (event.hash, event.changes) == ("1" * 64, {"finish_due": "x"})
    assert Case.objects.get(pk=order.pk).assignments.count() == 1


def test_a_chain_written_before_the_move_verifies_after_it_both_ways(city: DemoCity) -> None:
    case = drive(city, new_case(), "closed")
    values = _own(case.pk)
    assert values["satisfaction"] and values["finish_at"] is not None
    assert history_problems(Case.objects.get(pk=case.pk)) == [] and verify_chain(case)
    _migrate(BEFORE)
    try:
        assert _case_columns(case.pk) == values  # back on the case, as before the move
    finally:
        _migrate(_latest())
    assert _own(case.pk) == values
    case = Case.objects.get(pk=case.pk)
    assert history_problems(case) == [] and verify_chain(case)

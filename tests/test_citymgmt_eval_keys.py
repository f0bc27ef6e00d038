"""考核键 (`CityCase.eval_*`, ADR 0026): the copies of the keys the month's 综合评价 reads are
kept by the loop's hooks in the transaction of every step: after each step of a case walked
through 立案, 派遣, 缓办/恢复, 回退, a second 派遣, 返工 and 结案 they hold the case's columns,
its 处置 clock row and its 立案 time; and over a year of cases walked by the demo generator the
hooks leave exactly what the backfill (citymgmt migration 0008) computes from the truth, also
after steps racing on the same cases in real threads."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chuangcheng.cases.models import Case, CaseClock
from chuangcheng.citymgmt import eval_keys, geo
from chuangcheng.citymgmt.demo_cases import build_citymgmt_history
from chuangcheng.citymgmt.demo_data import build_citymgmt_demo
from chuangcheng.citymgmt.models import CityCase, HandlingLimit
from chuangcheng.citymgmt.seed import ensure_seeded
from chuangcheng.demo.city import DemoCity
from chuangcheng.org.models import Unit
from tests.test_citymgmt_loop import go, png, report
from tests.test_citymgmt_loop import loop as loop  # the fixture
from tests.test_concurrency import race

SH = ZoneInfo("Asia/Shanghai")
MON = dt.datetime(2026, 11, 30, 9, tzinfo=SH)  # a Monday


def keys(case: Case) -> dict[str, Any]:
    own = CityCase.objects.get(case=case)
    return {c: getattr(own, c) for c in eval_keys.COLUMNS}


def handle(case: Case) -> tuple[Any, Any, Any]:
    row = CaseClock.objects.get(case=case, name="handle")
    return row.started_at, row.stopped_at, row.due_at


def at(hours: float) -> dt.datetime:
    return MON + dt.timedelta(hours=hours)


def test_each_step_keeps_the_keys(loop: dict[str, Any]) -> None:
    zone = loop["grid"].zone_class
    HandlingLimit.objects.filter(
        standard__subclass__klass__code="01", standard__subclass__code="02", zone_class=zone
    ).update(amount=8, counting="hours")
    hw, yl = Unit.objects.get(code="D-HW"), Unit.objects.get(code="D-YL")
    case, _ = report(loop)
    k = keys(case)
    assert k == {
        "eval_reported_at": case.created_at,
        "eval_reporter": loop["inspector"].user_id,
        "eval_filed_at": None,
        "eval_dispatched_at": None,
        "eval_unit": None,
        "eval_closed": False,
        "eval_handle_started": None,
        "eval_handle_stopped": None,
        "eval_handle_due": None,
    }
    go(case, "file_case", loop["shift"], at(0))
    assert keys(case)["eval_filed_at"] == at(0)
    go(case, "dispatch", loop["dispatcher"], at(1), unit=hw.pk)
    k = keys(case)
    assert (k["eval_dispatched_at"], k["eval_unit"]) == (at(1), hw.pk)
    # 处置: 8 hours from the dispatch
    assert (k["eval_handle_started"], k["eval_handle_stopped"], k["eval_handle_due"]) == (
        at(1),
        None,
        at(9),
    )
    # 缓办 for two hours: the due moves by the pause
    go(case, "request_suspend", loop["hw"], at(2), reason="需协调产权单位")
    go(case, "approve_suspend", loop["dispatcher"], at(2))
    go(case, "restore", loop["dispatcher"], at(4))
    k = keys(case)
    assert k["eval_handle_due"] == at(11) == handle(case)[2]
    # 回退: no department, the 处置 clock loses its due; the dispatch time stays
    go(case, "request_return", loop["hw"], at(5), reason="不属于本单位职责")
    go(case, "approve_return", loop["dispatcher"], at(5))
    k = keys(case)
    assert (k["eval_unit"], k["eval_dispatched_at"], k["eval_handle_due"]) == (None, at(1), None)
    assert k["eval_handle_due"] == handle(case)[2]
    go(case, "dispatch", loop["dispatcher"], at(6), unit=yl.pk)
    k = keys(case)
    assert (k["eval_dispatched_at"], k["eval_unit"], k["eval_handle_started"]) == (
        at(6),
        yl.pk,
        at(6),
    )
    assert k["eval_handle_due"] == at(14)
    go(case, "feedback", loop["yl"], at(7), files=[(png(), "处置后")])
    assert keys(case)["eval_handle_stopped"] == at(7)
    # 返工: the 处置 clock runs again from the failed check
    go(case, "check_fail", loop["inspector2"], at(8), reason="未清理干净")
    k = keys(case)
    assert (k["eval_handle_started"], k["eval_handle_stopped"], k["eval_handle_due"]) == (
        at(8),
        None,
        at(16),
    )
    go(case, "feedback", loop["yl"], at(17), files=[(png(), "处置后")])
    go(case, "check_pass", loop["inspector"], at(18))
    assert keys(case)["eval_closed"] is False
    go(case, "close", loop["shift"], at(19), close_type="normal")
    k = keys(case)
    assert k["eval_closed"] is True
    assert (k["eval_handle_started"], k["eval_handle_stopped"], k["eval_handle_due"]) == (
        at(8),
        at(17),
        at(16),
    )
    assert (k["eval_filed_at"], k["eval_reporter"]) == (at(0), loop["inspector"].user_id)
    # the backfill computes the same from the truth
    CityCase.objects.filter(case=case).update(
        **{c: None for c in eval_keys.COLUMNS if c != "eval_closed"}, eval_closed=False
    )
    assert eval_keys.backfill() == 1
    assert keys(case) == k


def test_a_rejected_report_keeps_no_filing(loop: dict[str, Any]) -> None:
    case, _ = report(loop)
    go(case, "reject", loop["shift"], at(0), reason="不属于城管范围")
    k = keys(case)
    assert (k["eval_filed_at"], k["eval_closed"], k["eval_unit"]) == (None, False, None)


@pytest.mark.django_db
def test_the_hooks_leave_what_the_backfill_computes(city: DemoCity) -> None:
    ensure_seeded()
    geo.clear_cache()
    build_citymgmt_demo(components=40)
    now = dt.datetime(2026, 11, 20, 16, 0, tzinfo=SH)
    stats = build_citymgmt_history(now=now, password="x-test-pass-1", cases=200, seed=11)
    assert stats["cases"] == 200
    kept = {r["case_id"]: r for r in CityCase.objects.values("case_id", *eval_keys.COLUMNS)}
    assert len(kept) == 200
    # the year's cases went everywhere the keys tell apart
    assert sum(r["eval_filed_at"] is not None for r in kept.values()) > 150
    assert sum(r["eval_closed"] for r in kept.values()) > 150
    assert sum(r["eval_handle_due"] is not None for r in kept.values()) > 150
    assert sum(r["eval_handle_stopped"] is None for r in kept.values()) > 0
    CityCase.objects.update(
        **{c: None for c in eval_keys.COLUMNS if c != "eval_closed"}, eval_closed=False
    )
    assert eval_keys.backfill() == 200
    again = {r["case_id"]: r for r in CityCase.objects.values("case_id", *eval_keys.COLUMNS)}
    assert again == kept


def test_the_migration_fills_with_the_same_statement() -> None:
    migration = importlib.import_module("chuangcheng.citymgmt.migrations.0008_eval_keys")
    assert migration.BACKFILL == eval_keys.BACKFILL


@pytest.mark.django_db(transaction=True)
def test_racing_steps_leave_the_keys_of_the_step_that_won(loop: dict[str, Any]) -> None:
    """Six cases in 处置 with a 回退 requested; on each, 处置反馈 and 同意回退 race (real threads,
    all twelve released at once): one wins per case, and the keys are those of the winner,
    exactly what the backfill computes from the truth."""
    HandlingLimit.objects.filter(
        standard__subclass__klass__code="01",
        standard__subclass__code="02",
        zone_class=loop["grid"].zone_class,
    ).update(amount=8, counting="hours")
    hw = Unit.objects.get(code="D-HW")
    cases = []
    for i in range(6):
        case, _ = report(loop, key=f"race-key-{i:04d}")
        go(case, "file_case", loop["shift"], at(0))
        go(case, "dispatch", loop["dispatcher"], at(1), unit=hw.pk)
        go(case, "request_return", loop["hw"], at(2), reason="不属于本单位职责")
        cases.append(case)

    def attempt(i: int) -> Any:
        case = cases[i // 2]
        if i % 2:
            return go(case, "approve_return", loop["dispatcher"], at(3))
        return go(case, "feedback", loop["hw"], at(3), files=[(png(), "处置后")])

    results = race(12, attempt)
    wins = [r for r in results if not isinstance(r, BaseException)]
    assert len(wins) == 6, results
    kept = {r["case_id"]: r for r in CityCase.objects.values("case_id", *eval_keys.COLUMNS)}
    for case in cases:
        status = Case.objects.get(pk=case.pk).status
        k = kept[case.pk]
        assert status in ("checking", "dispatching")
        if status == "checking":  # 处置反馈 won
            assert (k["eval_unit"], k["eval_handle_stopped"], k["eval_handle_due"]) == (
                hw.pk,
                at(3),
                at(9),
            )
        else:  # 回退 won: no department, the 处置 clock has no due
            assert (k["eval_unit"], k["eval_handle_stopped"], k["eval_handle_due"]) == (
                None,
                None,
                None,
            )
    CityCase.objects.update(
        **{c: None for c in eval_keys.COLUMNS if c != "eval_closed"}, eval_closed=False
    )
    eval_keys.backfill()
    again = {r["case_id"]: r for r in CityCase.objects.values("case_id", *eval_keys.COLUMNS)}
    assert again == kept

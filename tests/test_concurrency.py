"""Races, with real threads and one database connection each (PostgreSQL row locks, unique
constraints and the counter upsert are what is being tested, so nothing is mocked).

Every test starts its threads together on a Barrier; each thread closes its connections."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from chuangcheng.cases.models import Case, CaseEvent
from chuangcheng.cases.selectors import verify_chain
from chuangcheng.cases.services import case_transition
from chuangcheng.core.errors import Conflict, DomainError
from chuangcheng.core.models import DailySequence
from chuangcheng.demo.city import DemoCity
from chuangcheng.hotline.services import hotline_intake
from tests.conftest import INTAKE, actor
from tests.test_engine import _fast_password_hashing, client_for, drive, new_case, step_data

__all__ = ["_fast_password_hashing"]

pytestmark = pytest.mark.django_db(transaction=True)


def race(n: int, fn: Callable[[int], Any]) -> list[Any]:
    """Run fn(0..n-1) in n threads released at once; each result or exception is returned."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            results[i] = fn(i)
        except BaseException as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results


def assert_history_consistent(case_id: int) -> Case:
    case = Case.objects.get(pk=case_id)
    seqs = list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert case.event_count == len(seqs)
    assert verify_chain(case)
    return case


def test_fifty_handlers_accept_at_once_one_wins(city: DemoCity) -> None:
    case = drive(city, new_case(), "dispatched")
    events_before = case.event_count
    handler = actor("handler_zsxl")
    results = race(50, lambda i: case_transition(case_id=case.pk, action="accept", actor=handler))
    wins = [r for r in results if isinstance(r, Case)]
    losers = [r for r in results if not isinstance(r, Case)]
    assert len(wins) == 1, Counter(type(r).__name__ for r in results)
    assert all(isinstance(r, Conflict) for r in losers), {repr(r) for r in losers}
    assert all("当前状态" in r.message for r in losers)
    case = assert_history_consistent(case.pk)
    assert case.status == "handling" and case.event_count == events_before + 1
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1


def test_fifty_dispatchers_approve_feedback_over_the_api(city: DemoCity) -> None:
    case = drive(city, new_case(), "fed_back")
    events_before = case.event_count
    clients = [client_for("dispatcher") for _ in range(50)]
    url = f"/api/v1/cases/{case.pk}/actions/approve_feedback"
    results = race(50, lambda i: clients[i].post(url, {}, format="json").status_code)
    assert Counter(results) == {200: 1, 409: 49}, Counter(map(repr, results))
    case = assert_history_consistent(case.pk)
    assert case.status == "callback" and case.event_count == events_before + 1


def test_concurrent_different_actions_serialise(city: DemoCity) -> None:
    """Feedback and a return request race on one order: exactly one of them happens."""
    case = drive(city, new_case(), "handling")
    case = case_transition(
        case_id=case.pk, action="contact", actor=actor("handler_zsxl"), data={"note": "已联系"}
    )
    handler = actor("handler_zsxl")
    moves = ["feedback", "request_return"] * 10

    def attempt(i: int) -> Any:
        return case_transition(
            case_id=case.pk, action=moves[i], actor=handler, data=step_data(city, moves[i])
        )

    results = race(len(moves), attempt)
    assert sum(isinstance(r, Case) for r in results) == 1
    assert all(isinstance(r, Case | Conflict) for r in results), results
    case = assert_history_consistent(case.pk)
    assert case.status in ("fed_back", "return_requested")


def test_numbers_stay_unique_under_concurrent_intake(city: DemoCity) -> None:
    operator = actor("operator")

    def intake_many(i: int) -> list[str]:
        return [hotline_intake(actor=operator, data=INTAKE)[0].number for _ in range(25)]

    results = race(8, intake_many)
    assert not [r for r in results if isinstance(r, BaseException)], results
    numbers = [n for batch in results for n in batch]
    assert len(numbers) == 200 and len(set(numbers)) == 200
    assert Case.objects.count() == 200
    assert all(len(n) == 14 and n.isdigit() for n in numbers)
    seq = DailySequence.objects.get(series="hotline")
    assert seq.last == 200  # no number lost either: nothing failed
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, 201))


def test_retried_intake_never_doubles_an_order_api(city: DemoCity) -> None:
    clients = [client_for("operator") for _ in range(30)]
    body = {**INTAKE, "external_id": "WX-20261123-0001"}
    results = race(30, lambda i: clients[i].post("/api/v1/cases", body, format="json"))
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert Counter(r.status_code for r in results) == {201: 1, 200: 29}
    assert len({r.json()["id"] for r in results}) == 1
    assert len({r.json()["number"] for r in results}) == 1
    assert Case.objects.filter(external_id="WX-20261123-0001").count() == 1
    assert Case.objects.count() == 1
    assert CaseEvent.objects.count() == 1


def test_retried_intake_never_doubles_an_order_service(city: DemoCity) -> None:
    operator = actor("operator")
    body = {**INTAKE, "external_id": "SMS-77"}
    results = race(20, lambda i: hotline_intake(actor=operator, data=body, source="sms"))
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(created for _case, created in results) == [False] * 19 + [True]
    assert len({case.pk for case, _created in results}) == 1
    assert Case.objects.filter(external_source="sms", external_id="SMS-77").count() == 1


def test_cross_merges_never_end_in_a_server_error(city: DemoCity) -> None:
    """Two dispatchers merge A into B and B into A at the same moment: one merge happens, the
    other is refused with a clear message — never a deadlock surfacing as a 500."""
    dispatcher = actor("dispatcher")
    for _round in range(5):
        a, b = new_case(), new_case()
        pairs = [(a, b), (b, a)]

        def merge(i: int, pairs: list[tuple[Case, Case]] = pairs) -> Any:
            src, dst = pairs[i]
            return case_transition(
                case_id=src.pk, action="merge", actor=dispatcher, data={"into": dst.number}
            )

        results = race(2, merge)
        assert all(isinstance(r, Case | DomainError) for r in results), results
        assert sum(isinstance(r, Case) for r in results) == 1, results
        merged = Case.objects.filter(pk__in=[a.pk, b.pk], status="merged")
        assert merged.count() == 1
        assert_history_consistent(a.pk)
        assert_history_consistent(b.pk)

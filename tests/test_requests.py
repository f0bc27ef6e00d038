"""Requests awaiting a decision (待审申请: 退单, 延期…) are records of their own: several wait at
once, each is decided once, none overwrites another, they lapse when moot, and every queue
shows them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from chuangcheng.cases.models import Case, CaseEvent, CaseRequest
from chuangcheng.cases.services import case_transition
from chuangcheng.core.errors import Conflict
from chuangcheng.demo.city import DEMO_PASSWORD, DemoCity
from tests.conftest import actor
from tests.test_concurrency import race
from tests.test_engine import drive, new_case


def do(case: Case, action: str, username: str, **data: Any) -> Case:
    return case_transition(case_id=case.pk, action=action, actor=actor(username), data=data)


def pending(case: Case) -> dict[str, dict[str, Any]]:
    return {
        r.kind: r.data
        for r in CaseRequest.objects.filter(case=case, status=CaseRequest.Status.PENDING)
    }


@pytest.fixture
def handling(city: DemoCity) -> Case:
    return drive(city, new_case(), "handling")


def test_an_extension_and_a_return_wait_together_and_neither_overwrites(handling: Case) -> None:
    do(handling, "request_extension", "handler_zsxl", days=3, reason="需要协调供水公司")
    case = do(handling, "request_return", "handler_zsxl", reason="属于城管局职责")
    assert case.status == "return_requested"
    assert pending(case) == {
        "extension": {"days": 3, "reason": "需要协调供水公司"},
        "return": {"reason": "属于城管局职责"},
    }
    case = do(case, "reject_return", "dispatcher", reason="属地管理，请继续办理")
    assert case.status == "handling"  # back where it was when the unit asked
    assert pending(case) == {"extension": {"days": 3, "reason": "需要协调供水公司"}}
    due = case.hotline.finish_due
    case = do(case, "approve_extension", "dispatcher")
    assert (
        case.hotline.extension_workdays == 3
        and case.hotline.finish_due is not None
        and due is not None
    )
    assert case.hotline.finish_due > due
    assert pending(case) == {}
    decided = {
        r.kind: (r.status, CaseEvent.objects.get(case=case, seq=r.decided_seq).action)
        for r in CaseRequest.objects.filter(case=case)
    }
    assert decided == {
        "return": ("rejected", "reject_return"),
        "extension": ("approved", "approve_extension"),
    }


def test_each_request_is_decided_once(handling: Case) -> None:
    do(handling, "request_extension", "handler_zsxl", days=2, reason="需要协调多个部门")
    with pytest.raises(Conflict, match="已有延期申请在审批中"):
        do(handling, "request_extension", "handler_zsxl", days=5, reason="再申请一次")
    do(handling, "reject_extension", "dispatcher", reason="理由不充分")
    events = CaseEvent.objects.filter(case=handling).count()
    with pytest.raises(Conflict, match="没有待审批的延期申请"):
        do(handling, "approve_extension", "dispatcher")
    assert CaseEvent.objects.filter(case=handling).count() == events
    assert Case.objects.get(pk=handling.pk).hotline.extension_workdays == 0


def test_a_moot_request_lapses_and_leaves_the_queue(handling: Case) -> None:
    """Feeding back makes a pending extension moot: it lapses, and the 延期待审 tab no longer
    shows an order that has been handled."""
    do(handling, "request_extension", "handler_zsxl", days=2, reason="需要协调多个部门")
    board = _login("dispatcher").get("/hotline/dispatch/?tab=extension").content.decode()
    assert handling.number in board
    do(handling, "contact", "handler_zsxl", note="已联系")
    do(handling, "feedback", "handler_zsxl", result="已清理完毕，恢复通行。")
    (req,) = CaseRequest.objects.filter(case=handling)
    assert req.status == "lapsed" and req.decided_at is not None
    board = _login("dispatcher").get("/hotline/dispatch/?tab=extension").content.decode()
    assert handling.number not in board


def test_an_approved_return_makes_a_pending_extension_moot(handling: Case) -> None:
    do(handling, "request_extension", "handler_zsxl", days=2, reason="需要协调多个部门")
    do(handling, "request_return", "handler_zsxl", reason="属于城管局职责")
    case = do(handling, "approve_return", "dispatcher")
    assert case.status == "reviewed" and pending(case) == {}
    statuses = dict(CaseRequest.objects.filter(case=case).values_list("kind", "status"))
    assert statuses == {"return": "approved", "extension": "lapsed"}


def _login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def test_every_queue_shows_what_awaits_a_decision(handling: Case) -> None:
    do(handling, "request_extension", "handler_zsxl", days=4, reason="需要协调多个部门")
    queue = _login("handler_zsxl").get("/hotline/queue/").content.decode()
    row = queue[queue.index(handling.number) :]
    assert "延期待审" in row[: row.index("</tr>")]
    detail = _login("dispatcher").get(f"/hotline/cases/{handling.pk}/").content.decode()
    assert "延期待审（4 个工作日）" in detail
    found = _login("dispatcher").get("/hotline/cases/").content.decode()
    row = found[found.index(handling.number) :]
    assert "延期待审" in row[: row.index("</tr>")]


@pytest.mark.django_db(transaction=True)
def test_racing_requests_open_one(city: DemoCity) -> None:
    case = drive(city, new_case(), "handling")
    handler = actor("handler_zsxl")

    def ask(i: int) -> Case:
        return case_transition(
            case_id=case.pk,
            action="request_extension",
            actor=handler,
            data={"days": 1 + i % 5, "reason": f"第 {i} 次申请延期"},
        )

    results = race(12, ask)
    assert sum(isinstance(r, Case) for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, Case))
    assert CaseRequest.objects.filter(case=case, status="pending").count() == 1

"""50 dispatchers 派遣 one 城管 case at once (real threads): one success, the rest 409, one
assignment and one event."""

from __future__ import annotations

from typing import Any

import pytest

from chuangcheng.cases.models import Assignment, CaseEvent
from chuangcheng.cases.services import case_transition
from chuangcheng.core.errors import Conflict
from chuangcheng.org.models import Unit
from tests.test_citymgmt_loop import loop, person, report  # noqa: F401  (fixture)
from tests.test_concurrency import assert_history_consistent, race

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_dispatchers_dispatch_at_once_one_wins(loop: dict[str, Any]) -> None:  # noqa: F811
    case, _ = report(loop)
    case_transition(case_id=case.pk, action="file_case", actor=loop["shift"], data={})
    dispatchers = [person(f"cm_dp_{i}", ("cm_dispatcher", "C-12345")) for i in range(50)]
    hw = Unit.objects.get(code="D-HW").pk

    def attempt(i: int) -> Any:
        return case_transition(
            case_id=case.pk, action="dispatch", actor=dispatchers[i], data={"unit": hw}
        )

    results = race(50, attempt)
    wins = [r for r in results if not isinstance(r, BaseException)]
    assert len(wins) == 1
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, BaseException))
    assert Assignment.objects.filter(case_id=case.pk, active=True).count() == 1
    assert CaseEvent.objects.filter(case_id=case.pk, action="dispatch").count() == 1
    assert assert_history_consistent(case.pk).status == "handling"

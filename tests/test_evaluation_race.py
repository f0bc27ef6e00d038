"""创城测评 under real concurrency: two evaluators answering the same item at the same moment
lose neither answer; a phone resending one answer from many connections at once makes one."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from chuangcheng.evaluation import services
from chuangcheng.evaluation.models import Answer, Site
from chuangcheng.org.models import Membership, Unit
from tests.conftest import actor
from tests.test_concurrency import race
from tests.test_evaluation_loop import ev, plan_for, png  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_evaluators_answer_one_item_at_once_and_both_answers_are_kept(
    ev: dict[str, Any],  # noqa: F811
) -> None:
    second = get_user_model().objects.create(username="ev_cpy2", first_name="李测评")
    Membership.objects.create(
        user=second, role="ev_evaluator", unit=Unit.objects.get(code="EV-CCB")
    )
    inspection = plan_for(ev["hotel"], announced=True)
    item = services.checklist(inspection)[0]
    people = [actor("ev_cpy"), actor("ev_cpy2")]

    def answer(i: int) -> Any:
        return services.answer_record(
            actor=people[i],
            inspection_id=inspection.pk,
            item_id=item.pk,
            result=["pass", "fail"][i],
            client_key=f"two-{i}",
            photo=png() if i else None,
            answered_at=f"2026-11-30T10:00:0{i}+08:00",
        )

    results = race(2, answer)
    assert all(isinstance(r, tuple) and r[1] for r in results), results
    assert sorted(Answer.objects.values_list("result", flat=True)) == ["fail", "pass"]
    latest = services.latest_answers(inspection)[item.pk]
    assert latest.result == "fail" and latest.evaluator.username == "ev_cpy2"


def test_twenty_resends_of_one_answer_make_one(ev: dict[str, Any]) -> None:  # noqa: F811
    inspection = plan_for(ev["hotel"], announced=True)
    item = services.checklist(inspection)[0]
    who = actor("ev_cpy")

    def resend(_i: int) -> Any:
        return services.answer_record(
            actor=who,
            inspection_id=inspection.pk,
            item_id=item.pk,
            result="pass",
            client_key="same-key",
        )

    results = race(20, resend)
    assert all(isinstance(r, tuple) for r in results), results
    assert Answer.objects.count() == 1
    assert sum(1 for r in results if r[1]) == 1
    assert len({r[0].pk for r in results}) == 1


def test_one_submission_when_submitted_twice_at_once(ev: dict[str, Any]) -> None:  # noqa: F811
    inspection = plan_for(ev["hotel"], announced=True)
    for item in services.checklist(inspection):
        services.answer_record(
            actor=actor("ev_cpy"),
            inspection_id=inspection.pk,
            item_id=item.pk,
            result="fail",
            client_key=f"f-{item.pk}",
            photo=png(),
        )
    results = race(
        5, lambda _i: services.inspection_submit(actor=actor("ev_cpy"), inspection_id=inspection.pk)
    )
    from chuangcheng.core.errors import Conflict
    from chuangcheng.evaluation.models import Problem

    assert sum(1 for r in results if not isinstance(r, Exception)) == 1
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, Exception))
    assert Problem.objects.filter(inspection=inspection).count() == 3
    assert Site.objects.filter(pk=ev["hotel"].pk).exists()

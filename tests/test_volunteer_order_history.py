"""The demo's year of 志愿服务订单 (volunteer.seed_orders): every month of the last year has
orders at most of the 站, each walked through the workflow, so that a closed order's hours are in
the ledger and the ratings fill the leaders' statistics; the last two weeks keep orders open in
every state; a second build adds nothing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count

from chuangcheng.cases.models import Case, CaseEvent
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.volunteer.models import HourEntry, ServiceOrder, Volunteer
from chuangcheng.volunteer.seed import build_volunteer_demo
from chuangcheng.volunteer.seed_orders import build_order_history, order_history_line
from chuangcheng.volunteer.workflow import KIND

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 20, 15, 30, tzinfo=TZ)


def months_before(now: dt.datetime, n: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """The n whole months before now's month, as [start, end) in local time."""
    out = []
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for _ in range(n):
        start = (first - dt.timedelta(days=1)).replace(day=1)
        out.append((start, first))
        first = start
    return out


@pytest.fixture
def history(city: Any) -> dict[str, Any]:
    build_volunteer_demo(DEMO_PASSWORD, now=NOW)
    return build_order_history(now=NOW, months=3)  # the demo builds 12; the same code


def test_a_year_of_orders_walked_through_the_workflow(history: dict[str, Any]) -> None:
    mine = Case.objects.filter(kind=KIND, external_id__contains=":vh-")
    assert history["orders"] == mine.count() >= 3 * 40
    assert "好评率" in order_history_line(history, 12.3)

    # every one of the last three months: 40–60 orders at four 站 or more, some rated
    for start, end in months_before(NOW, 3):
        month = ServiceOrder.objects.filter(
            case__in=mine, case__created_at__gte=start, case__created_at__lt=end
        )
        assert 35 <= month.count() <= 60, start
        assert month.values("station").distinct().count() >= 4, start
        assert month.filter(stars__isnull=False).count() >= 20, start
    assert ServiceOrder.objects.filter(case__in=mine).values("station").distinct().count() == 6

    # a closed order's service is in the hours ledger: each volunteer, the hours of the step
    closed = mine.filter(status="closed")
    assert closed.count() >= history["rated"]
    volunteers = dict(Volunteer.objects.values_list("number", "pk"))
    completes = CaseEvent.objects.filter(case__in=closed, action="complete")
    assert completes.count() == closed.count()
    ledger = dict(HourEntry.objects.filter(ref__startswith="order:").values_list("ref", "hours"))
    for case_id, data in completes.values_list("case_id", "data"):
        assert 1 <= Decimal(data["hours"]) <= 3
        for number in data["volunteers"]:
            assert ledger[f"order:{case_id}:{volunteers[number]}"] == Decimal(data["hours"])
    # closed by a rating, or unrated by the system's 自动结单
    ends = dict(
        CaseEvent.objects.filter(case__in=closed, action__in=("rate", "auto_close"))
        .values("action")
        .annotate(n=Count("id"))
        .values_list("action", "n")
    )
    assert ends["rate"] == history["rated"] and ends["auto_close"] == history["auto_closed"] > 0
    assert sum(ends.values()) == closed.count()
    assert mine.filter(status="rejected").count() == history["rejected"] > 0
    assert CaseEvent.objects.filter(case__in=mine, action="refuse").count() == history["refused"]

    # the last two weeks: orders open in every state
    recent = mine.filter(created_at__gte=NOW - dt.timedelta(days=14))
    states = set(recent.values_list("status", flat=True))
    assert {"review", "pending", "dispatched", "serving", "rating"} <= states
    assert not mine.filter(created_at__gt=NOW).exists()
    assert not CaseEvent.objects.filter(case__in=mine, created_at__gt=NOW).exists()

    # made once
    cases, entries = Case.objects.count(), HourEntry.objects.count()
    assert build_order_history(now=NOW, months=3) == {}
    assert (Case.objects.count(), HourEntry.objects.count()) == (cases, entries)
    call_command("verify_history", stdout=io.StringIO())

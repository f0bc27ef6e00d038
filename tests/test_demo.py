"""`manage.py demo`: the generated year of 12345 history is valid (hash chains, numbers, the
states and clocks the workflow would have left), plausible (the 三率, the mixes) and useful
(every demo user finds work), and the workflow carries on from it."""

from __future__ import annotations

import collections
import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from chuangcheng.cases.models import Assignment, Case, CaseEvent, CaseRequest
from chuangcheng.cases.selectors import overdue_q, pending_request_q, verify_chain
from chuangcheng.cases.services import case_transition
from chuangcheng.core.numbering import next_number
from chuangcheng.demo.city import DEMO_USERS, build_demo_city
from chuangcheng.demo.history import History, season, summary
from chuangcheng.demo.loader import city_data, ensure_staff
from chuangcheng.hotline.indicators import hotline_indicators, hotline_trend, trend_months
from chuangcheng.hotline.selectors import (
    callback_list,
    handler_queue,
    hotline_cases,
    inbox_for,
    supervision_board,
)
from chuangcheng.hotline.workflow import HOTLINE, STATES
from tests.conftest import actor

ORDERS = 600
TRANSFERS = 36  # the demo's default --transfers: 12345 orders besides the year's, sent to 城管
# and the 12345 orders 人民路街道办 hands down to 仕奇社区's grids (grid.demo_handover)
GRID_DOWN = 3
HANDLER_STATES = {"dispatched", "handling", "return_requested", "fed_back"}
# A month of a 600-order history has only ~45 callbacks: at a fixed "today" the history (and so
# each month's rates) is the same on every run; the real clock is used by the generator test.
TODAY = dt.datetime(2026, 11, 23, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def demo(db: Any) -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        call_command(
            "demo", "--no-serve", "--orders", str(ORDERS), "--citymgmt-cases", "60", verbosity=0
        )
        yield


def _last_month(now: dt.datetime) -> str:
    first = timezone.localtime(now).date().replace(day=1)
    return f"{first - dt.timedelta(days=1):%Y-%m}"


def test_history_is_sealed_and_numbered(demo: None) -> None:
    cases = Case.objects.filter(kind="hotline")
    # the year of history, and the orders the demo then transfers to 数字城管 (--transfers 36)
    # or hands down to a grid
    assert cases.exclude(links_out__kind="handover").count() == ORDERS
    assert cases.filter(links_out__kind="handover").distinct().count() == TRANSFERS + GRID_DOWN
    sample = list(cases.order_by("pk")[::7])
    assert sample and all(verify_chain(c) for c in sample)
    for case in sample:
        events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
        assert case.event_count == len(events) and events[0].action == "open"
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert events[-1].to_status == case.status
        assert all(a.from_status == b.to_status for b, a in itertools.pairwise(events))
        times = [e.created_at for e in events]
        assert times == sorted(times) and times[0] == case.created_at
        assert case.updated_at == times[-1]
    numbers = list(cases.values_list("number", "created_at"))
    assert len({n for n, _ in numbers}) == len(numbers)
    per_day: dict[str, list[int]] = collections.defaultdict(list)
    for number, created in numbers:
        assert len(number) == 14 and number[:8] == f"{timezone.localtime(created):%Y%m%d}"
        per_day[number[:8]].append(int(number[8:]))
    for seqs in per_day.values():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
    # the day's counter moved on: a new intake today does not collide
    today = f"{timezone.localdate():%Y%m%d}"
    assert next_number("hotline") == f"{today}{len(per_day.get(today, [])) + 1:06d}"


def test_rows_are_what_the_workflow_leaves(demo: None) -> None:
    cases = Case.objects.filter(kind="hotline")
    assert set(cases.values_list("status", flat=True)) <= set(STATES)
    closed = cases.filter(status="closed")
    assert not closed.filter(closed_at__isnull=True).exists()
    assert (
        not cases.exclude(status__in=["closed", "merged"]).filter(closed_at__isnull=False).exists()
    )
    dispatched = cases.exclude(status__in=["received", "reviewed", "merged"])
    for case in dispatched.exclude(lead_unit__isnull=True).order_by("pk")[::11]:
        lead = Assignment.objects.get(case=case, role="lead", active=True)
        assert lead.unit_id == case.lead_unit_id and lead.assigned_at == case.dispatched_at
        assert case.hotline.sign_due and case.hotline.respond_due and case.hotline.finish_due
    handled = closed.exclude(hotline__respond_at__isnull=True).exclude(dispatched_at__isnull=True)
    assert not handled.filter(hotline__sign_at__lt=F("dispatched_at")).exists()
    assert not closed.filter(hotline__contacted=True, hotline__resolution="").exists()
    merged = cases.filter(status="merged")
    assert not merged.filter(merged_into__isnull=True).exists()
    for case in merged[:10]:
        main = case.merged_into
        assert main is not None and case.closed_at is not None
        assert main.hotline.reporter_count >= 2 and main.created_at < case.closed_at
        # the workflow's 并单 wrote where the new reporter came from into the main order
        merged_in = CaseEvent.objects.get(
            case=main, action="merged_in", data__merged_from=case.number
        )
        assert merged_in.created_at == case.closed_at
        assert (
            main.hotline.reporter_count
            == 1 + CaseEvent.objects.filter(case=main, action="merged_in").count()
        )
    # requests awaiting a decision are records of their own, each opened by an event
    extensions = CaseRequest.objects.filter(case__in=cases, kind="extension", status="pending")
    assert extensions.exists()
    for req in extensions.select_related("case")[:20]:
        assert req.case.status == "handling" and req.data.get("days")
        opened = CaseEvent.objects.get(case=req.case, seq=req.opened_seq)
        assert opened.action == "request_extension" and opened.created_at == req.opened_at
    assert not cases.filter(status="return_requested").exclude(pending_request_q("return")).exists()
    assert not CaseRequest.objects.filter(case__status__in=["closed", "merged"], status="pending")
    decided = CaseRequest.objects.exclude(status="pending").exclude(status="lapsed")
    for req in decided[:20]:
        event = CaseEvent.objects.get(case_id=req.case_id, seq=req.decided_seq)
        assert event.action.endswith(req.kind) and event.created_at == req.decided_at
    assert cases.filter(hotline__extension_workdays__gt=0).exists()
    assert cases.filter(hotline__return_count__gt=0).exists() or ORDERS < 300


def test_the_three_rates_look_like_the_seed_reports(demo: None) -> None:
    now = timezone.now()
    month = _last_month(now)
    # three months pooled: one month of a 600-order history has only ~45 callbacks, too few
    # for a rate to stay within a few points of what the generator aims at
    months = trend_months(month)[-3:]
    trend = hotline_trend(months)
    valid = sum(t["valid_callbacks"] for t in trend)
    assert valid >= 80

    def pooled(rate: str) -> float:
        return sum(t[rate] * t["valid_callbacks"] for t in trend if t[rate] is not None) / valid

    assert 0.75 <= pooled("resolution_rate") <= 0.95
    assert 0.78 <= pooled("satisfaction_rate") <= 0.97
    assert pooled("response_rate") >= 0.97
    rows = hotline_indicators(month, "unit")
    assert [r.rank for r in rows if r.rank] == list(range(1, len([r for r in rows if r.rank]) + 1))
    assert len({round(r.score or 0, 1) for r in rows if r.rank}) > 3  # units differ


def test_every_demo_user_finds_work(demo: None) -> None:
    now = timezone.now()
    for username in ("handler_zsxl", "handler_cg"):
        queue = handler_queue(actor(username))
        assert set(queue.values_list("status", flat=True)) >= HANDLER_STATES, username
        assert queue.filter(overdue_q(now)).exists(), username
        assert queue.filter(pending_request_q("extension")).exists(), username
        assert queue.exclude(hotline__supervision_level="").exists() or username == "handler_cg"
    dispatcher = set(inbox_for(actor("dispatcher")).values_list("status", flat=True))
    assert dispatcher >= {"received", "reviewed", "return_requested", "fed_back"}
    assert inbox_for(actor("operator")).exists()
    assert callback_list(actor("callback")).exists()
    board = supervision_board(actor("supervisor"), now=now)
    assert board["overdue"].exists() and board["supervised"].exists()
    assert hotline_cases(actor("leader")).count() == ORDERS + TRANSFERS + GRID_DOWN
    assert hotline_cases(actor("admin")).count() == ORDERS + TRANSFERS + GRID_DOWN
    mine = hotline_cases(actor("citizen"))
    assert mine.count() == 3
    assert mine.filter(status="closed", hotline__citizen_rating__isnull=True).exists()
    assert {u for u, *_ in DEMO_USERS} <= {
        "operator",
        "dispatcher",
        "handler_zsxl",
        "handler_cg",
        "callback",
        "supervisor",
        "leader",
        "citizen",
    }


def test_the_workflow_carries_on(demo: None) -> None:
    handler, dispatcher, callback = actor("handler_zsxl"), actor("dispatcher"), actor("callback")
    case = handler_queue(handler).filter(status="dispatched").first()
    assert case is not None
    case_transition(case_id=case.pk, action="accept", actor=handler)
    case_transition(case_id=case.pk, action="contact", actor=handler, data={"note": "已联系"})
    case_transition(
        case_id=case.pk, action="feedback", actor=handler, data={"result": "已到现场处理完毕。"}
    )
    case_transition(case_id=case.pk, action="approve_feedback", actor=dispatcher)
    case = case_transition(
        case_id=case.pk,
        action="callback",
        actor=callback,
        data={"contacted": "true", "resolution": "resolved", "satisfaction": "satisfied"},
    )
    assert case.status == "closed" and verify_chain(case)
    pending = inbox_for(dispatcher).filter(pending_request_q("extension")).first()
    assert pending is not None
    case = case_transition(case_id=pending.pk, action="approve_extension", actor=dispatcher)
    assert case.hotline.extension_workdays > 0 and verify_chain(case)
    citizen = actor("citizen")
    unrated = hotline_cases(citizen).get(status="closed", hotline__citizen_rating__isnull=True)
    case = case_transition(case_id=unrated.pk, action="rate", actor=citizen, data={"rating": 5})
    assert case.hotline.citizen_rating == 5 and verify_chain(case)


def test_running_again_keeps_the_history(demo: None) -> None:
    before = Case.objects.count(), CaseEvent.objects.count()
    call_command("demo", "--no-serve", "--orders", "50", "--citymgmt-cases", "20", verbosity=0)
    assert (Case.objects.count(), CaseEvent.objects.count()) == before


def test_generator_is_deterministic_and_mixed_like_the_reports(db: Any) -> None:
    build_demo_city()
    ensure_staff()
    city = city_data()
    now = timezone.now()
    first = list(History(city, now=now, seed=7).generate(3000))
    again = list(History(city, now=now, seed=7).generate(3000))
    assert [(c.fields["number"], c.fields["status"], len(c.events)) for c in first] == [
        (c.fields["number"], c.fields["status"], len(c.events)) for c in again
    ]
    figures = summary(first)
    assert 0.80 <= figures["types"]["help"] <= 0.88
    assert 0.06 <= figures["types"]["complaint"] <= 0.12
    assert 0.82 <= figures["resolution_rate"] <= 0.91
    assert 0.83 <= figures["satisfaction_rate"] <= 0.93
    assert figures["response_rate"] >= 0.99
    assert 0.01 <= figures["open"] / figures["orders"] <= 0.06
    heating_id = city.categories["080101"]
    heating = collections.Counter(
        timezone.localtime(c.fields["created_at"]).month
        for c in first
        if c.fields["category_id"] == heating_id
    )
    assert season("080101", dt.date(2026, 1, 5)) > season("080101", dt.date(2026, 7, 5))
    assert heating[1] > 5 * max(heating[7], 1)
    actions = {e.action for c in first for e in c.events}
    # the workflow's actions, and the 并入 events its 并单 writes into the order merged into
    assert actions <= {a.name for a in HOTLINE.actions} | {"open"} | set(HOTLINE.event_labels)
    assert actions >= {
        "open",
        "review",
        "dispatch",
        "accept",
        "contact",
        "feedback",
        "callback",
        "request_return",
        "approve_return",
        "reject_return",
        "request_extension",
        "approve_extension",
        "approve_feedback",
        "reject_feedback",
        "reopen",
        "merge",
        "supervise",
        "reply_supervision",
        "answer_directly",
        "close",
        "merged_in",
    }


def test_the_water_outage_is_a_rising_issue_with_repeats(demo: None) -> None:
    """The demo's nine calls about one compound's water outage show on the 热点 page (above
    the street's normal level of 供水 orders) and, at review, as likely repeats of each other."""
    from chuangcheng.intelligence.selectors import likely_repeats, rising_issues

    dispatcher = actor("dispatcher")
    rising = rising_issues(dispatcher)
    outage = Case.objects.filter(title="小区停水没有通知", status="received").latest("created_at")
    hit = [r for r in rising if r["category"] == "供水" and r["street_id"] == outage.street_id]
    assert hit, rising
    assert hit[0]["count"] >= 9 and hit[0]["count"] >= 2 * hit[0]["expected"]
    repeats = likely_repeats(outage, dispatcher)
    assert len(repeats) >= 3
    for r in repeats:
        assert r.case.title == outage.title and r.case.street_id == outage.street_id
        assert any(reason.startswith("内容相似度") for reason in r.reasons)

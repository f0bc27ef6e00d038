"""文明积分: a ledger apart from the hours; every entry append-only; the balance is the sum of the
entries and never negative (a property test, and threads against PostgreSQL); the rules earn by
the hours' service field, per attended activity and per campaign day, once per fact; a
correction takes its points back but never below zero and records what it could not take;
adjustments need a second staff member of the same 站/所; old points expire once."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chuangcheng.core.errors import NotFound, PermissionDenied, ValidationFailed
from chuangcheng.core.settings_store import setting_set
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.org.access import actor_for
from chuangcheng.org.models import Membership
from chuangcheng.volunteer import points as ledger
from chuangcheng.volunteer.ledger import credit_hours, total_hours
from chuangcheng.volunteer.models import (
    HourEntry,
    PointAccount,
    PointAdjustment,
    PointEntry,
    Station,
    Volunteer,
)
from chuangcheng.volunteer.roles import STATION
from chuangcheng.volunteer.seed import build_volunteer_demo
from chuangcheng.volunteer.signals import activity_attended, campaign_day_checked


def who(username: str) -> Any:
    return actor_for(get_user_model().objects.get(username=username))


@pytest.fixture
def pts(city: Any) -> dict[str, Any]:
    build_volunteer_demo(DEMO_PASSWORD)
    home = Station.objects.get(name="中山西路社区新时代文明实践站")
    fresh = Volunteer.objects.filter(station=home, user__isnull=True).order_by("-pk").first()
    return {"home": home, "v": fresh}


def credit(v: Volunteer, hours: str, ref: str, field: str = "other", source: str = "leader") -> Any:
    return credit_hours(
        volunteer=v,
        hours=Decimal(hours),
        source=source,
        ref=ref,
        field=field,
        content="社区服务",
        station=v.station,
        served_on=dt.date(2026, 11, 20),
    )


def bal(v: Volunteer) -> Decimal:
    return ledger.account_for_volunteer(v).balance


def test_the_demos_points_add_up_and_its_hours_earned_through_the_rules(pts: Any) -> None:
    for acc in PointAccount.objects.all():
        assert acc.balance == ledger.balance_of(acc) >= 0
    for entry in HourEntry.objects.all():  # every demo hour entry earned its points once
        earned = PointEntry.objects.get(ref=f"hours:{entry.pk}")
        assert earned.points == entry.hours  # 1 point per hour, coefficient 1 by default
    assert PointAdjustment.objects.filter(status="pending").count() == 1


def test_hours_earn_by_the_fields_coefficient_and_spending_points_keeps_the_hours(
    pts: Any,
) -> None:
    v = pts["v"]
    setting_set(actor=None, key="volunteer.points_coef.health", value=1.5)
    setting_set(actor=None, key="volunteer.points_per_hour", value=2)
    before = bal(v)
    credit(v, "3", "leader:t:1", field="health")
    assert bal(v) == before + Decimal("9.0")  # 3 h × 2 × 1.5
    credit(v, "2", "leader:t:2", field="law")
    assert bal(v) == before + Decimal("13.0")  # 2 h × 2 × 1
    hours = total_hours(v)
    acc = ledger.account_for_volunteer(v)
    ledger.post(acc, kind="spend", points=-10, ref="spend:t:1", reason="兑换")
    assert total_hours(v) == hours and bal(v) == before + Decimal("3.0")


def test_a_correction_takes_back_never_below_zero_and_records_the_rest(pts: Any) -> None:
    v = pts["v"]
    acc = ledger.account_for_volunteer(v)
    start = acc.balance
    credit(v, "4", "leader:c:1")
    ledger.post(acc, kind="spend", points=-(start + 3), ref="spend:c:1", reason="兑换")
    assert bal(v) == Decimal("1.0")
    credit(v, "-4", "correction:c:1", source="correction")
    e = PointEntry.objects.get(ref__startswith="hours:", account=acc, points__lt=0)
    assert (e.points, e.shortfall, e.balance_after) == (Decimal("-1.0"), Decimal("3.0"), 0)
    assert bal(v) == 0 == ledger.balance_of(acc)


def test_activity_and_campaign_days_earn_once_per_fact(pts: Any) -> None:
    v = Volunteer.objects.get(user__username="vol_zyz")
    acc = ledger.account_for_volunteer(v)
    start = acc.balance
    activity = SimpleNamespace(pk=901, station=pts["home"])
    for _ in range(2):
        activity_attended.send(sender=None, volunteer=v, activity=activity, on=dt.date(2026, 11, 1))
    assert bal(v) == start + Decimal("2.0")  # the default: 2 per activity
    campaign = SimpleNamespace(pk=77)
    user = v.user
    for day in (dt.date(2026, 11, 1), dt.date(2026, 11, 1), dt.date(2026, 11, 2)):
        campaign_day_checked.send(sender=None, volunteer=v, user=user, campaign=campaign, day=day)
    assert bal(v) == start + Decimal("4.0")  # two days at 1 point
    # a resident (no volunteer) checking in holds points on their own account
    jm = get_user_model().objects.get(username="vol_jm")
    jm_start = ledger.account_for_user(jm).balance
    campaign_day_checked.send(
        sender=None, volunteer=None, user=jm, campaign=campaign, day=dt.date(2026, 11, 3)
    )
    assert ledger.account_for_user(jm).balance == jm_start + 1


def test_an_adjustment_needs_another_staff_member_of_the_same_station(pts: Any) -> None:
    home, v = pts["home"], pts["v"]
    acc = ledger.account_for_volunteer(v)
    start = acc.balance
    adj = ledger.adjustment_propose(
        actor=who("vol_zhan"), account=acc, station=home, points="15", reason="表彰"
    )
    assert bal(v) == start and adj.status == "pending" and adj.entry is None
    with pytest.raises(PermissionDenied):  # not their own
        ledger.adjustment_decide(actor=who("vol_zhan"), adjustment_id=adj.pk, approve=True)
    users = get_user_model().objects
    other = Station.objects.get(name="海亮社区新时代文明实践站")
    Membership.objects.create(user=users.create(username="zhan2"), role=STATION, unit=other.unit)
    with pytest.raises(NotFound):  # another 站's staff
        ledger.adjustment_decide(actor=who("zhan2"), adjustment_id=adj.pk, approve=True)
    with pytest.raises(PermissionDenied):  # and cannot propose for this 站 either
        ledger.adjustment_propose(
            actor=who("zhan2"), account=acc, station=home, points="5", reason="x"
        )
    adj.refresh_from_db()
    assert adj.status == "pending" and bal(v) == start
    done = ledger.adjustment_decide(actor=who("vol_suo"), adjustment_id=adj.pk, approve=True)
    assert done.status == "approved" and done.entry is not None and done.entry.kind == "adjust"
    assert bal(v) == start + 15
    with pytest.raises(ValidationFailed):  # decided once
        ledger.adjustment_decide(actor=who("vol_suo"), adjustment_id=adj.pk, approve=False)
    # a deduction larger than the balance is refused at approval and changes nothing
    big = ledger.adjustment_propose(
        actor=who("vol_zhan"), account=acc, station=home, points=-(start + 100), reason="更正"
    )
    with pytest.raises(ValidationFailed):
        ledger.adjustment_decide(actor=who("vol_suo"), adjustment_id=big.pk, approve=True)
    big.refresh_from_db()
    assert big.status == "pending" and bal(v) == start + 15
    for bad in ("0", "abc", "20000"):
        with pytest.raises(ValidationFailed):
            ledger.adjustment_propose(
                actor=who("vol_zhan"), account=acc, station=home, points=bad, reason="x"
            )


def test_old_points_expire_once_and_only_what_was_not_used(pts: Any) -> None:
    acc = ledger.account_for_user(get_user_model().objects.create(username="jm_new"))
    now = timezone.now()
    old = now - dt.timedelta(days=800)
    ledger.post(acc, kind="earn", points=30, ref="earn:e:1", reason="旧", now=old)
    ledger.post(acc, kind="spend", points=-10, ref="spend:e:1", reason="兑换", now=old)
    ledger.post(acc, kind="earn", points=5, ref="earn:e:2", reason="新", now=now)
    assert ledger.expire_due(now) == 0  # no expiry by default
    setting_set(actor=None, key="volunteer.points_expire_months", value=24)
    assert ledger.expire_due(now) == 1
    acc.refresh_from_db()
    assert acc.balance == 5  # the 20 unused old points expired, the new 5 stay
    assert PointEntry.objects.get(account=acc, kind="expire").points == -20
    assert ledger.expire_due(now) == 0  # a second run the same day adds nothing
    assert ledger.expire_due(now + dt.timedelta(days=1)) == 0  # nothing more is due
    acc.refresh_from_db()
    assert acc.balance == 5 == ledger.balance_of(acc)


def test_the_expiry_task_is_queued_once(pts: Any, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    assert ledger.schedule_expiry() is True
    assert ledger.schedule_expiry() is False
    assert DBTaskResult.objects.filter(task_path__endswith="expire_points").count() == 1


def test_the_database_refuses_a_negative_balance(pts: Any) -> None:
    from django.db import IntegrityError, transaction

    acc = ledger.account_for_volunteer(pts["v"])
    with pytest.raises(IntegrityError), transaction.atomic():
        PointAccount.objects.filter(pk=acc.pk).update(balance=-1)


# ---------------------------------------------------------------- the property
OPS = st.lists(
    st.tuples(
        st.sampled_from(["earn", "spend", "adjust", "expire", "hours", "correction"]),
        st.integers(min_value=1, max_value=60),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_the_balance_is_the_sum_of_the_entries_and_never_negative(pts: Any, ops: Any) -> None:
    v = pts["v"]
    acc = ledger.account_for_volunteer(v)
    seq = PointEntry.objects.count()
    for i, (kind, n) in enumerate(ops):
        ref = f"prop:{seq}:{i}"
        try:
            if kind == "hours":
                credit(v, str(n / 10), f"leader:{ref}")
            elif kind == "correction":
                credit(v, str(-n / 10), f"correction:{ref}", source="correction")
            elif kind == "earn":
                ledger.post(acc, kind="earn", points=n, ref=ref, reason="得")
            elif kind == "adjust":
                sign = 1 if n % 2 else -1
                ledger.post(acc, kind="adjust", points=sign * n, ref=ref, reason="调")
            else:
                ledger.post(acc, kind=kind, points=-n, ref=ref, reason="出", clip=kind == "expire")
        except ValidationFailed:
            pass  # a debit larger than the balance: refused, nothing written
        acc.refresh_from_db()
        assert acc.balance >= 0
        assert acc.balance == ledger.balance_of(acc)
    last = PointEntry.objects.filter(account=acc).order_by("-pk").first()
    assert last is not None and last.balance_after == acc.balance


# ---------------------------------------------------------------- concurrency (PostgreSQL)
@pytest.mark.django_db(transaction=True)
def test_concurrent_debits_never_overdraw_and_the_same_fact_earns_once(city: Any) -> None:
    build_volunteer_demo(DEMO_PASSWORD)
    v = Volunteer.objects.filter(user__isnull=True).order_by("-pk").first()
    acc = ledger.account_for_volunteer(v)
    if acc.balance:
        ledger.post(acc, kind="spend", points=-acc.balance, ref="spend:x:0", reason="清零")
    ledger.post(acc, kind="earn", points=50, ref="earn:x:1", reason="得")
    n = 20
    barrier = threading.Barrier(n)
    results: list[str] = []

    def spend(i: int) -> None:
        try:
            barrier.wait()
            try:
                ledger.post(acc, kind="spend", points=-10, ref=f"spend:x:{i + 1}", reason="兑换")
                results.append("ok")
            except ValidationFailed:
                results.append("refused")
            # and every thread credits the same fact: once
            ledger.post(acc, kind="earn", points=1, ref="earn:x:same", reason="同一事实")
        finally:
            connection.close()

    threads = [threading.Thread(target=spend, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    acc.refresh_from_db()
    assert results.count("ok") == 5  # 50 points, 10 each: five debits, never a sixth
    assert results.count("ok") + results.count("refused") == n
    assert PointEntry.objects.filter(ref="earn:x:same").count() == 1
    assert acc.balance == ledger.balance_of(acc) == Decimal("1.0")


def test_hours_loaded_in_bulk_earn_as_one_by_one_and_only_once(pts: Any) -> None:
    """earn_for_hours (past hours written without the signal) gives what the rule gives for
    each entry: a 科普 hour at the field's coefficient, a correction clipped at zero with its
    shortfall; a second run writes nothing."""
    v = pts["v"]
    before = bal(v)
    rows = [
        HourEntry(
            volunteer=v,
            hours=Decimal(h),
            source="leader",
            ref=f"bulk:{i}",
            field="other",
            content="历史时长",
            station=v.station,
            served_on=dt.date(2025, 5, 1 + i),
            recorded_at=dt.datetime(2025, 5, 1 + i, 18, tzinfo=dt.UTC),
        )
        for i, h in enumerate(["3.0", "2.5", f"-{before + Decimal('9')}"])
    ]
    HourEntry.objects.bulk_create(rows)
    made = list(HourEntry.objects.filter(ref__startswith="bulk:").order_by("served_on"))
    assert ledger.earn_for_hours(made) == 3
    got = {e.ref: e for e in PointEntry.objects.filter(ref__startswith="hours:")}
    first, second, back = (got[f"hours:{e.pk}"] for e in made)
    assert (first.points, second.points) == (Decimal("3.0"), Decimal("2.5"))  # 1 point an hour
    assert back.points == -(before + Decimal("5.5")) and back.balance_after == 0
    assert back.shortfall == Decimal("3.5")  # 9 more than the balance, of which 5.5 earned
    assert first.created_at == made[0].recorded_at  # dated when the hours were recorded
    assert bal(v) == ledger.balance_of(ledger.account_for_volunteer(v)) == 0
    assert ledger.earn_for_hours(made) == 0
    assert PointEntry.objects.filter(ref__in=[f"hours:{e.pk}" for e in made]).count() == 3

"""The hours ledger: every hour a volunteer has is one append-only entry; an order's 服务完成
writes one entry per volunteer in the step's transaction; the same fact is never credited twice,
not even by two threads at once; the `hours_credited` signal rides the same transaction."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from chuangcheng.core.errors import ValidationFailed
from chuangcheng.volunteer.ledger import credit_hours, total_hours
from chuangcheng.volunteer.models import HourEntry, ServiceRecord, Volunteer
from chuangcheng.volunteer.signals import hours_credited
from tests.test_volunteer_orders import go, place, vol  # noqa: F401  (the fixture)


def test_an_orders_service_lands_in_the_ledger_once_per_volunteer(vol: Any) -> None:  # noqa: F811
    case = place(vol["home"])
    go(case, "accept", "vol_zhan")
    go(case, "dispatch", "vol_zhan", team=str(vol["team"].pk))
    go(case, "take", "vol_dz")
    zyz = Volunteer.objects.get(user__username="vol_zyz")
    other = vol["team"].members.exclude(pk=zyz.pk).first()
    before = total_hours(zyz)
    go(
        case,
        "complete",
        "vol_dz",
        note="完成",
        volunteers=[str(zyz.pk), str(other.pk)],
        hours="2.5",
    )
    entries = HourEntry.objects.filter(ref__startswith=f"order:{case.pk}:")
    assert {e.volunteer_id for e in entries} == {zyz.pk, other.pk}
    e = entries.get(volunteer=zyz)
    assert (e.hours, e.source, e.field, e.content) == (Decimal("2.5"), "order", "other", "理发")
    assert e.station == vol["home"] and e.team == vol["team"]
    assert total_hours(zyz) == before + Decimal("2.5")


def test_a_refused_step_credits_nothing(vol: Any) -> None:  # noqa: F811
    case = place(vol["home"])
    go(case, "accept", "vol_zhan")
    go(case, "dispatch", "vol_zhan", team=str(vol["team"].pk))
    go(case, "take", "vol_dz")
    stranger = Volunteer.objects.exclude(teams=vol["team"]).first()
    n = HourEntry.objects.count()
    with pytest.raises(ValidationFailed):
        go(case, "complete", "vol_dz", note="完成", volunteers=[str(stranger.pk)], hours="2")
    assert HourEntry.objects.count() == n
    assert not ServiceRecord.objects.filter(order_id=case.pk).exists()


def test_the_same_ref_twice_is_one_entry_and_one_signal(vol: Any) -> None:  # noqa: F811
    v = Volunteer.objects.first()
    heard: list[int] = []

    def listen(sender: Any, entry: HourEntry, **kw: Any) -> None:
        heard.append(entry.pk)

    hours_credited.connect(listen)
    try:
        kw: dict[str, Any] = {
            "volunteer": v,
            "hours": Decimal("3"),
            "source": "leader",
            "ref": "leader:test:1",
            "field": "culture",
            "content": "社区文艺演出",
            "station": vol["home"],
            "served_on": dt.date(2026, 11, 28),
        }
        first, created = credit_hours(**kw)
        again, created_again = credit_hours(**kw)
    finally:
        hours_credited.disconnect(listen)
    assert created and not created_again and first.pk == again.pk
    assert heard == [first.pk]


@pytest.mark.parametrize("hours", ["0", "-1", "24.5"])
def test_bad_hours_are_refused_in_chinese(vol: Any, hours: str) -> None:  # noqa: F811
    v = Volunteer.objects.first()
    n = HourEntry.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        credit_hours(
            volunteer=v,
            hours=Decimal(hours),
            source="leader",
            ref="leader:bad",
            field="culture",
            content="x",
            station=vol["home"],
            served_on=dt.date(2026, 11, 28),
        )
    assert "服务时长" in exc.value.message
    assert HourEntry.objects.count() == n


@pytest.mark.django_db(transaction=True)
def test_two_threads_crediting_the_same_fact_write_one_entry(city: Any) -> None:
    from chuangcheng.demo.city import DEMO_PASSWORD
    from chuangcheng.volunteer.models import Station
    from chuangcheng.volunteer.seed import build_volunteer_demo

    build_volunteer_demo(DEMO_PASSWORD)
    v = Volunteer.objects.first()
    station = Station.objects.filter(level="station").first()
    barrier = threading.Barrier(6)
    results: list[bool] = []

    def credit() -> None:
        try:
            barrier.wait()
            _, created = credit_hours(
                volunteer=v,
                hours=Decimal("2"),
                source="checkin",
                ref="checkin:race:1",
                field="ecology",
                content="河道清洁",
                station=station,
                served_on=dt.date(2026, 11, 29),
            )
            results.append(created)
        finally:
            connection.close()

    threads = [threading.Thread(target=credit) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 5 + [True]
    assert HourEntry.objects.filter(ref="checkin:race:1").count() == 1

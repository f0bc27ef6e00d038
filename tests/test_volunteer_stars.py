"""星级认定: 100/300/600/1,000/1,500 hours make one to five stars, awarded in order, one level at
a time, each after a public notice of five working days (the platform's calendar); staff may
withdraw a notice with a reason; a correction lets a notice lapse but never takes an award."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from chuangcheng.core.errors import NotFound, ValidationFailed
from chuangcheng.core.models import Setting
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.org.access import actor_for
from chuangcheng.org.models import Membership
from chuangcheng.volunteer import stars
from chuangcheng.volunteer.ledger import credit_hours
from chuangcheng.volunteer.models import StarAward, StarNotice, Station, Volunteer
from chuangcheng.volunteer.roles import STATION
from chuangcheng.volunteer.seed import build_volunteer_demo

SH = ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 6, 1, 10, 0, tzinfo=SH)  # 2026-06-01 is a Monday, no holiday that week


def add(v: Volunteer, hours: int | str, tag: str, source: str = "leader") -> None:
    """Hours through the ledger, at most 24 a line (as the ledger requires)."""
    left, i = Decimal(hours), 0
    while left != 0:
        chunk = max(min(left, Decimal(24)), Decimal(-24))
        credit_hours(
            volunteer=v,
            hours=chunk,
            source=source,
            ref=f"t:{tag}:{v.pk}:{i}",
            field="health",
            content="陪诊",
            station=v.station,
            served_on=dt.date(2026, 5, 1),
        )
        left -= chunk
        i += 1


@pytest.fixture
def world(city: Any) -> dict[str, Any]:
    build_volunteer_demo(DEMO_PASSWORD)
    home = Station.objects.get(name="中山西路社区新时代文明实践站")
    # volunteers of the home 站 without hours yet (the demo's orders gave some 1.5 h)
    people = list(
        Volunteer.objects.filter(station=home, hour_entries__isnull=True).order_by("number")
    )
    users = get_user_model().objects
    Membership.objects.create(
        user=users.create(username="zhan2"),
        role=STATION,
        unit=Station.objects.get(name="海亮社区新时代文明实践站").unit,
    )
    return {"home": home, "a": people[0], "b": people[1], "c": people[2]}


def test_seven_hundred_hours_go_through_one_level_at_a_time(world: Any) -> None:
    v = world["a"]
    add(v, 700, "a")
    assert stars.stars_due(MONDAY) == {"awarded": 0, "lapsed": 0, "opened": 1}
    notice = StarNotice.objects.get(volunteer=v)
    assert (notice.level, notice.hours, notice.status) == (1, Decimal("700.0"), "open")
    # five working days after Monday 2026-06-01 10:00: Tuesday..Friday and Monday 06-08
    assert notice.ends_at == dt.datetime(2026, 6, 8, 10, 0, tzinfo=SH)
    # nothing before the notice ends; a second run opens nothing more
    assert stars.stars_due(dt.datetime(2026, 6, 8, 9, 59, tzinfo=SH)) == {
        "awarded": 0,
        "lapsed": 0,
        "opened": 0,
    }
    assert not StarAward.objects.filter(volunteer=v).exists()
    # at the end: one star, and the second level's notice opens in the same run
    end = dt.datetime(2026, 6, 8, 10, 0, tzinfo=SH)
    assert stars.stars_due(end) == {"awarded": 1, "lapsed": 0, "opened": 1}
    assert stars.level_of(v) == 1
    second = StarNotice.objects.get(volunteer=v, status="open")
    assert second.level == 2
    assert second.ends_at == dt.datetime(2026, 6, 15, 10, 0, tzinfo=SH)
    stars.stars_due(dt.datetime(2026, 6, 15, 10, 0, tzinfo=SH))
    third = StarNotice.objects.get(volunteer=v, status="open")
    assert third.level == 3
    # 端午节 2026-06-19 (Friday) is a holiday: Tue 16 .. Thu 18, Mon 22, Tue 23
    assert third.ends_at == dt.datetime(2026, 6, 23, 10, 0, tzinfo=SH)
    assert stars.stars_due(third.ends_at) == {"awarded": 1, "lapsed": 0, "opened": 0}
    assert list(
        StarAward.objects.filter(volunteer=v).order_by("level").values_list("level", flat=True)
    ) == [1, 2, 3]
    assert StarNotice.objects.filter(volunteer=v).count() == 3  # no fourth: 700 < 1,000


def test_the_notice_period_is_a_setting(world: Any) -> None:
    Setting.objects.update_or_create(key="volunteer.star_notice_days", defaults={"value": 2})
    add(world["a"], 120, "a")
    stars.stars_due(MONDAY)
    assert StarNotice.objects.get(volunteer=world["a"]).ends_at == dt.datetime(
        2026, 6, 3, 10, 0, tzinfo=SH
    )


def test_below_a_hundred_hours_nothing_is_noticed(world: Any) -> None:
    add(world["a"], "99.5", "a")
    assert stars.stars_due(MONDAY)["opened"] == 0
    assert not StarNotice.objects.exists()


def test_staff_withdraw_a_notice_with_a_reason_and_it_is_not_reopened(world: Any) -> None:
    v = world["a"]
    add(v, 150, "a")
    stars.stars_due(MONDAY)
    notice = StarNotice.objects.get(volunteer=v)
    zhan = get_user_model().objects.get(username="vol_zhan")
    other = get_user_model().objects.get(username="zhan2")
    with pytest.raises(ValidationFailed):
        stars.withdraw(actor=actor_for(zhan), user=zhan, notice_id=notice.pk, reason=" ")
    with pytest.raises(NotFound):  # another 站's staff: not theirs to see
        stars.withdraw(actor=actor_for(other), user=other, notice_id=notice.pk, reason="不实")
    notice.refresh_from_db()
    assert (notice.status, notice.reason, notice.closed_by_id) == ("open", "", None)
    stars.withdraw(
        actor=actor_for(zhan),
        user=zhan,
        notice_id=notice.pk,
        reason="部分时长重复登记",
        now=dt.datetime(2026, 6, 2, 9, 0, tzinfo=SH),
    )
    notice.refresh_from_db()
    assert (notice.status, notice.reason, notice.closed_by) == (
        "withdrawn",
        "部分时长重复登记",
        zhan,
    )
    # the period's end awards nothing; the level is barred for a year
    assert stars.stars_due(dt.datetime(2026, 6, 9, 10, 0, tzinfo=SH)) == {
        "awarded": 0,
        "lapsed": 0,
        "opened": 0,
    }
    assert not StarAward.objects.exists()
    Setting.objects.update_or_create(key="volunteer.star_withdraw_bar_days", defaults={"value": 0})
    assert stars.stars_due(dt.datetime(2026, 6, 9, 11, 0, tzinfo=SH))["opened"] == 1


def test_a_correction_lets_a_notice_lapse_but_never_takes_an_award(world: Any) -> None:
    a, b = world["a"], world["b"]
    add(a, 110, "a")
    add(b, 320, "b")
    stars.stars_due(MONDAY)  # both: a level-1 notice
    add(a, -20, "fix-a", source="correction")  # 90 h during the notice
    out = stars.stars_due(dt.datetime(2026, 6, 8, 10, 0, tzinfo=SH))
    assert out == {"awarded": 1, "lapsed": 1, "opened": 1}
    assert StarNotice.objects.get(volunteer=a, level=1).status == "lapsed"
    assert stars.level_of(a) == 0 and stars.level_of(b) == 1
    add(b, -100, "fix-b", source="correction")  # 220 h: the level-2 notice lapses
    out = stars.stars_due(dt.datetime(2026, 6, 15, 10, 0, tzinfo=SH))
    assert out == {"awarded": 0, "lapsed": 1, "opened": 0}
    add(b, -150, "fix-b2", source="correction")  # 70 h: the star awarded is history
    assert stars.level_of(b) == 1
    assert StarAward.objects.filter(volunteer=b, level=1).exists()
    assert stars.progress(1, Decimal(70))["below_held"] is True
    c = Client()
    c.force_login(get_user_model().objects.create(username="vb"))
    b.user = get_user_model().objects.get(username="vb")
    b.save(update_fields=["user"])
    Membership.objects.create(user=b.user, role="vol_volunteer", unit=world["home"].unit)
    html = c.get("/volunteer/me/").content.decode()
    assert "1 星级志愿者" in html and "已认定的星级保留" in html


def test_the_public_notice_page_masks_names(world: Any) -> None:
    v = world["a"]
    add(v, 105, "a")
    stars.stars_due(MONDAY)
    html = Client().get("/v/stars/").content.decode()
    masked = v.name[0] + "*" * max(1, len(v.name) - 1)
    assert masked in html and v.name not in html
    assert "中山西路社区新时代文明实践站" in html and "1 星" in html and "105.0 小时" in html
    assert "2026年6月8日" in html


def test_progress_to_the_next_level() -> None:
    p = stars.progress(1, Decimal(200))
    assert (p["next"], p["need"], p["missing"], p["percent"]) == (2, 300, 100, 50)
    top = stars.progress(5, Decimal(1600))
    assert top["next"] is None and top["below_held"] is False


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_open_one_notice(city: Any) -> None:
    build_volunteer_demo(DEMO_PASSWORD)
    v = Volunteer.objects.order_by("number").first()
    assert v is not None
    add(v, 130, "race")
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(stars.open_due(MONDAY))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 1]
    assert StarNotice.objects.filter(volunteer=v).count() == 1


def test_the_hourly_run_is_queued_once_and_requeues_itself(db: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    from chuangcheng.core.periodic import _STARTERS, start_cycles

    start_cycles()  # what the task worker does when it starts
    assert stars.schedule_stars in _STARTERS
    waiting = DBTaskResult.objects.filter(task_path=stars.run_stars.module_path, status="READY")
    assert waiting.count() == 1
    assert stars.schedule_stars() is False  # nothing periodic is queued twice
    assert waiting.count() == 1
    # the next run: ten past the next full hour (local)
    assert stars.next_run(dt.datetime(2026, 6, 1, 10, 9, tzinfo=SH)) == dt.datetime(
        2026, 6, 1, 10, 10, tzinfo=SH
    )
    assert stars.next_run(dt.datetime(2026, 6, 1, 10, 10, tzinfo=SH)) == dt.datetime(
        2026, 6, 1, 11, 10, tzinfo=SH
    )

"""Working days on the official Chinese calendar (法定节假日与调休), local overrides, and the
deadlines the hotline computes from them.

2026 (State Council notice, as shipped in chinese_calendar 1.11): 中秋 Sept 25–27 off;
国庆 Oct 1–7 off; Sun Sept 20 and Sat Oct 10 are working days (调休)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from chuangcheng.cases.models import Case
from chuangcheng.cases.services import case_transition
from chuangcheng.core import calendar
from chuangcheng.core.calendar import (
    UNITS,
    add_duration,
    add_working_days,
    count_between,
    is_workday,
    working_days_between,
)
from chuangcheng.core.errors import Conflict
from chuangcheng.core.models import CalendarOverride
from chuangcheng.demo.city import DemoCity
from tests.conftest import actor
from tests.test_engine import _fast_password_hashing, drive, new_case

__all__ = ["_fast_password_hashing"]

SH = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SH)


@pytest.mark.parametrize(
    "day,workday",
    [
        (dt.date(2026, 9, 20), True),  # Sunday, 调休 working day
        (dt.date(2026, 9, 25), False),  # 中秋
        (dt.date(2026, 9, 27), False),  # Sunday in 中秋
        (dt.date(2026, 9, 30), True),
        *[(dt.date(2026, 10, d), False) for d in range(1, 8)],  # 国庆
        (dt.date(2026, 10, 8), True),
        (dt.date(2026, 10, 10), True),  # Saturday, 调休 working day
        (dt.date(2026, 10, 11), False),
        (dt.date(2026, 11, 23), True),
        (dt.date(2026, 11, 22), False),
    ],
)
def test_official_2026_calendar(db: Any, day: dt.date, workday: bool) -> None:
    assert is_workday(day) is workday


def test_five_working_days_over_national_day(db: Any) -> None:
    # Oct 8 (Thu), 9 (Fri), 10 (Sat, 调休), 12 (Mon), 13 (Tue)
    assert add_working_days(at(2026, 9, 30), 5) == at(2026, 10, 13)
    assert add_working_days(at(2026, 9, 30), 3) == at(2026, 10, 10)
    assert add_working_days(at(2026, 9, 30), 0) == at(2026, 9, 30)
    # Saturday Sept 19 + 1 working day = Sunday Sept 20 (调休)
    assert add_working_days(at(2026, 9, 19, 9), 1) == at(2026, 9, 20, 9)
    assert working_days_between(at(2026, 9, 30), at(2026, 10, 9)) == 2
    assert working_days_between(at(2026, 9, 30), at(2026, 10, 7)) == 0


def test_deadlines_are_aware_shanghai_times(db: Any) -> None:
    start_utc = dt.datetime(2026, 9, 30, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
    due = add_working_days(start_utc, 5)
    assert due.tzinfo is not None and due.utcoffset() == dt.timedelta(hours=8)
    assert str(due.tzinfo) == "Asia/Shanghai"
    assert due == at(2026, 10, 13)
    # late in the Shanghai evening is already the next day in UTC terms and vice versa:
    # the working day counted is the local one
    late = dt.datetime(2026, 9, 30, 16, 30, tzinfo=dt.UTC)  # Oct 1 00:30 in Shanghai
    assert add_working_days(late, 1) == at(2026, 10, 8, 0, 30)
    assert add_duration(at(2026, 9, 30), 24, "hours") == at(2026, 10, 1)
    assert add_duration(at(2026, 9, 30), 2, "days") == at(2026, 10, 2)
    with pytest.raises(ValueError):
        add_duration(at(2026, 9, 30), 1, "weeks")
    with pytest.raises(ValueError):
        add_working_days(at(2026, 9, 30), -1)


def test_local_override_wins(db: Any) -> None:
    CalendarOverride.objects.create(day=dt.date(2026, 10, 8), is_workday=False, note="本地调休")
    CalendarOverride.objects.create(day=dt.date(2026, 10, 11), is_workday=True, note="补班")
    calendar.clear_cache()
    assert not is_workday(dt.date(2026, 10, 8))
    assert is_workday(dt.date(2026, 10, 11))
    # Oct 9, 10, 11 (override), 12, 13
    assert add_working_days(at(2026, 9, 30), 5) == at(2026, 10, 13)
    # Oct 9, 10, 11, 12
    assert add_working_days(at(2026, 9, 30), 4) == at(2026, 10, 12)
    CalendarOverride.objects.filter(day=dt.date(2026, 10, 11)).delete()
    calendar.clear_cache()
    assert add_working_days(at(2026, 9, 30), 5) == at(2026, 10, 14)


def test_a_year_the_package_does_not_know_falls_back_to_weekdays(db: Any) -> None:
    # 2030: no State Council notice in the package; Monday–Friday
    assert is_workday(dt.date(2030, 10, 1))  # a Tuesday
    assert not is_workday(dt.date(2030, 10, 5))  # a Saturday
    assert add_working_days(at(2030, 5, 1), 3) == at(2030, 5, 6)  # Wed → Thu, Fri, Mon
    # an override still wins in such a year
    CalendarOverride.objects.create(day=dt.date(2030, 10, 1), is_workday=False, note="国庆")
    calendar.clear_cache()
    assert not is_workday(dt.date(2030, 10, 1))


def test_dispatch_deadlines_and_extension(city: DemoCity) -> None:
    with time_machine.travel(at(2026, 9, 30), tick=False):
        case = drive(city, new_case(), "handling")
    assert case.dispatched_at == at(2026, 9, 30)
    assert case.hotline.sign_due == at(2026, 9, 30, 12)  # 2 hours
    assert case.hotline.respond_due == at(2026, 10, 1)  # 24 hours, calendar time
    assert case.hotline.finish_due == at(2026, 10, 13)  # 5 working days
    handler, dispatcher = actor("handler_zsxl"), actor("dispatcher")
    case_transition(
        case_id=case.pk,
        action="request_extension",
        actor=handler,
        data={"days": 3, "reason": "需要协调供热公司"},
        now=at(2026, 10, 9),
    )
    case = case_transition(
        case_id=case.pk, action="approve_extension", actor=dispatcher, now=at(2026, 10, 9, 11)
    )
    # Oct 14 (Wed), 15 (Thu), 16 (Fri): counted from the old deadline, in working days
    assert case.hotline.finish_due == at(2026, 10, 16)
    assert case.hotline.extension_workdays == 3
    assert Case.objects.get(pk=case.pk).hotline.finish_due == at(2026, 10, 16)


def test_urgent_order_deadlines_follow_the_time_limit_table(city: DemoCity) -> None:
    with time_machine.travel(at(2026, 9, 30, 17), tick=False):
        case = drive(city, new_case(urgency="urgent"), "dispatched")
    assert case.hotline.sign_due == at(2026, 9, 30, 18)
    assert case.hotline.respond_due == at(2026, 9, 30, 21)
    assert case.hotline.finish_due == at(2026, 10, 1, 17)  # 24 hours even on a holiday


def test_return_limit_counts_working_days(city: DemoCity) -> None:
    with time_machine.travel(at(2026, 9, 30), tick=False):
        allowed = drive(city, new_case(), "handling")
        late = drive(city, new_case(), "handling")
    handler = actor("handler_zsxl")
    # Oct 7 is still within the holiday: 0 working days since dispatch
    case = case_transition(
        case_id=allowed.pk,
        action="request_return",
        actor=handler,
        data={"reason": "不属于本单位"},
        now=at(2026, 10, 7),
    )
    assert case.status == "return_requested"
    # Oct 12: Oct 8, 9, 10, 12 = 4 working days > 2
    with pytest.raises(Conflict, match="退单时限"):
        case_transition(
            case_id=late.pk,
            action="request_return",
            actor=handler,
            data={"reason": "不属于本单位"},
            now=at(2026, 10, 12),
        )


# ---------------------------------------------------------------- working hours (工作时)
def test_working_hours_skip_lunch_nights_and_holidays(db: Any) -> None:
    # Wed Sept 30, 10:00 + 4 working hours: 10–12 (2 h), lunch, 14–16 (2 h)
    assert add_duration(at(2026, 9, 30, 10), 4, "workhours") == at(2026, 9, 30, 16)
    # + 8 h: 10–12, 14–18 (6 h), then 国庆 Oct 1–7 off: Oct 8 08:00–10:00
    assert add_duration(at(2026, 9, 30, 10), 8, "workhours") == at(2026, 10, 8, 10)
    # a start in the lunch break counts from 14:00; a start at night from the next morning
    assert add_duration(at(2026, 9, 30, 12, 30), 1, "workhours") == at(2026, 9, 30, 15)
    assert add_duration(at(2026, 9, 29, 22), 1, "workhours") == at(2026, 9, 30, 9)
    # half an hour, exactly to the end of a window
    assert add_duration(at(2026, 9, 30, 11, 30), 0.5, "workhours") == at(2026, 9, 30, 12)
    # Sunday Sept 20 is a 调休 working day
    assert add_duration(at(2026, 9, 19, 17), 1, "workhours") == at(2026, 9, 20, 9)
    assert count_between(at(2026, 9, 30, 10), at(2026, 10, 8, 10), "workhours") == 8
    assert count_between(at(2026, 9, 30, 12), at(2026, 9, 30, 14), "workhours") == 0
    assert count_between(at(2026, 9, 30, 16), at(2026, 9, 30, 10), "workhours") == 0


def test_working_hours_windows_are_a_setting(db: Any, settings: Any) -> None:
    settings.CC_WORK_HOURS = "09:00-12:00,13:30-17:30"
    assert add_duration(at(2026, 9, 30, 11), 2, "workhours") == at(2026, 9, 30, 14, 30)
    assert calendar.work_hours()[1] == (dt.time(13, 30), dt.time(17, 30))
    with pytest.raises(ValueError):
        calendar.parse_work_hours("14:00-12:00")


def test_working_hours_follow_local_overrides(db: Any) -> None:
    CalendarOverride.objects.create(day=dt.date(2026, 10, 8), is_workday=False, note="本地调休")
    calendar.clear_cache()
    assert add_duration(at(2026, 9, 30, 17), 2, "workhours") == at(2026, 10, 9, 9)


def test_count_between_every_unit(db: Any) -> None:
    start = at(2026, 9, 30, 10)
    assert count_between(start, at(2026, 10, 1, 16), "hours") == 30
    assert count_between(start, at(2026, 10, 2, 9), "days") == 1  # 1 day 23 h
    assert count_between(start, at(2026, 10, 2, 10), "days") == 2
    # working days: Oct 8, 9 (whole), Oct 10 (Sat, 调休) not yet at 10:00
    assert count_between(start, at(2026, 10, 10, 9), "workdays") == 2
    assert count_between(start, at(2026, 10, 10, 10), "workdays") == 3
    assert count_between(start, at(2026, 10, 11, 9), "workdays") == 3  # Sunday, off
    with pytest.raises(ValueError):
        count_between(start, at(2026, 10, 2), "weeks")


_starts = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=SH)
)


@hsettings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(start=_starts, amount=st.integers(min_value=0, max_value=60), unit=st.sampled_from(UNITS))
def test_add_then_count_round_trips(db: Any, start: dt.datetime, amount: int, unit: str) -> None:
    end = add_duration(start, amount, unit)
    assert end >= start
    assert count_between(start, end, unit) == amount
    # one step less is never enough: the due is the first moment the amount is reached
    if amount and unit in ("hours", "workhours"):
        assert count_between(start, end - dt.timedelta(minutes=1), unit) < amount


@hsettings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(start=_starts, a=st.integers(0, 30), b=st.integers(0, 30), unit=st.sampled_from(UNITS))
def test_counting_is_additive(db: Any, start: dt.datetime, a: int, b: int, unit: str) -> None:
    middle = add_duration(start, a, unit)
    assert count_between(start, add_duration(middle, b, unit), unit) == a + b

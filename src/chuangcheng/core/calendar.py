"""Working-day arithmetic on the official Chinese calendar (法定节假日与调休) plus local overrides.

`chinese_calendar` knows the State Council's holiday notices, including the weekends that are
swapped into working days (调休). For a year it does not know yet we fall back to Monday–Friday.
Local overrides (`CalendarOverride`) win over both. Deadlines are computed as aware datetimes in
Asia/Shanghai: "N working days" ends at the same clock time on the N-th working day after the start.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from functools import lru_cache

import chinese_calendar
from django.conf import settings
from django.utils import timezone

_OVERRIDE_TTL_SECONDS = 60.0
_overrides_cache: tuple[float, dict[dt.date, bool]] = (0.0, {})


def _overrides() -> dict[dt.date, bool]:
    """Local overrides, cached per process for a minute (reference data, changes rarely)."""
    global _overrides_cache
    loaded_at, data = _overrides_cache
    if time.monotonic() - loaded_at < _OVERRIDE_TTL_SECONDS:
        return data
    from chuangcheng.core.models import CalendarOverride

    data = dict(CalendarOverride.objects.values_list("day", "is_workday"))
    _overrides_cache = (time.monotonic(), data)
    return data


def clear_cache() -> None:
    global _overrides_cache
    _overrides_cache = (0.0, {})


@lru_cache(maxsize=4096)
def _official_workday(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the package has no notice for yet
        return day.weekday() < 5


def is_workday(day: dt.date) -> bool:
    override = _overrides().get(day)
    if override is not None:
        return override
    return _official_workday(day)


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The same local clock time `days` working days after `start` (start's own day not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    local = timezone.localtime(start)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return local.replace(year=day.year, month=day.month, day=day.day)


def working_days_between(start: dt.datetime, end: dt.datetime) -> int:
    """How many working days lie after start's day up to and including end's day."""
    a = timezone.localtime(start).date()
    b = timezone.localtime(end).date()
    count = 0
    while a < b:
        a += dt.timedelta(days=1)
        if is_workday(a):
            count += 1
    return count


UNITS = ("hours", "workhours", "workdays", "days")
"""How a limit is counted: continuous hours (紧急), working hours (工作时), working days, calendar
days."""


def parse_work_hours(text: str) -> tuple[tuple[dt.time, dt.time], ...]:
    """ "08:00-12:00,14:00-18:00" → the day's windows, in order, not overlapping."""
    windows: list[tuple[dt.time, dt.time]] = []
    for part in text.split(","):
        begin, _sep, end = part.strip().partition("-")
        a, b = dt.time.fromisoformat(begin.strip()), dt.time.fromisoformat(end.strip())
        if not a < b or (windows and a < windows[-1][1]):
            raise ValueError(f"bad working-hours window {part!r} in {text!r}")
        windows.append((a, b))
    if not windows:
        raise ValueError("no working-hours window")
    return tuple(windows)


def work_hours() -> tuple[tuple[dt.time, dt.time], ...]:
    """The windows of a working day (setting CC_WORK_HOURS, default 08:00–12:00, 14:00–18:00)."""
    return _parsed_work_hours(getattr(settings, "CC_WORK_HOURS", "08:00-12:00,14:00-18:00"))


@lru_cache(maxsize=8)
def _parsed_work_hours(text: str) -> tuple[tuple[dt.time, dt.time], ...]:
    return parse_work_hours(text)


def _windows_from(start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The working-hour windows that end after `start`, in order (the first one clipped to
    begin at `start`), without end."""
    local = timezone.localtime(start)
    tz = local.tzinfo
    day = local.date()
    windows = work_hours()
    while True:
        if is_workday(day):
            for a, b in windows:
                begin = dt.datetime.combine(day, a, tzinfo=tz)
                end = dt.datetime.combine(day, b, tzinfo=tz)
                if end > local:
                    yield max(begin, local), end
        day += dt.timedelta(days=1)


def add_working_hours(start: dt.datetime, hours: float) -> dt.datetime:
    """The moment when `hours` working hours have passed since `start` (a start outside the
    windows counts from the next window)."""
    if hours < 0:
        raise ValueError("hours must not be negative")
    remaining = dt.timedelta(hours=hours)
    if not remaining:
        return start
    for begin, end in _windows_from(start):
        if remaining <= end - begin:
            return begin + remaining
        remaining -= end - begin
    raise AssertionError("unreachable")  # pragma: no cover


def working_hours_between(start: dt.datetime, end: dt.datetime) -> float:
    """Working hours in [start, end] (0 when end is not after start)."""
    if end <= start:
        return 0.0
    total = dt.timedelta()
    for begin, stop in _windows_from(start):
        if begin >= end:
            break
        total += min(stop, end) - begin
    return total / dt.timedelta(hours=1)


def add_duration(start: dt.datetime, amount: float, unit: str) -> dt.datetime:
    """`start` plus `amount` counted in `unit` (one of UNITS). Days and working days are whole:
    the same local clock time N (working) days later."""
    if unit == "hours":
        return start + dt.timedelta(hours=amount)
    if unit == "workhours":
        return add_working_hours(start, amount)
    if unit == "days":
        return start + dt.timedelta(days=int(amount))
    if unit == "workdays":
        return add_working_days(start, int(amount))
    raise ValueError(f"unknown duration unit {unit!r}")


def count_between(start: dt.datetime, end: dt.datetime, unit: str) -> float:
    """How much of `unit` lies between start and end (0 when end is not after start): hours and
    working hours with fractions, calendar days and working days whole (a day counts once its
    clock time is reached). `count_between(s, add_duration(s, n, u), u) == n`."""
    if end <= start:
        return 0
    if unit == "hours":
        return (end - start) / dt.timedelta(hours=1)
    if unit == "workhours":
        return working_hours_between(start, end)
    if unit == "days":
        return (end - start) // dt.timedelta(days=1)
    if unit == "workdays":
        whole = working_days_between(start, end)
        local_end = timezone.localtime(end)
        # end's own working day counts only once start's clock time is reached on it
        if (
            whole
            and is_workday(local_end.date())
            and local_end.time() < timezone.localtime(start).time()
        ):
            whole -= 1
        return whole
    raise ValueError(f"unknown duration unit {unit!r}")

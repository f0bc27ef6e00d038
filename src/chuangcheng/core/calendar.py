"""Working-day arithmetic on the official Chinese calendar (法定节假日与调休) plus local overrides.

`chinese_calendar` knows the State Council's holiday notices, including the weekends that are
swapped into working days (调休). For a year it does not know yet we fall back to Monday–Friday.
Local overrides (`CalendarOverride`) win over both. Deadlines are computed as aware datetimes in
Asia/Shanghai: "N working days" ends at the same clock time on the N-th working day after the start.
"""

from __future__ import annotations

import datetime as dt
import time
from functools import lru_cache

import chinese_calendar
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


def add_duration(start: dt.datetime, amount: int, unit: str) -> dt.datetime:
    """`unit` is "hours", "days" (calendar days) or "workdays"."""
    if unit == "hours":
        return start + dt.timedelta(hours=amount)
    if unit == "days":
        return start + dt.timedelta(days=amount)
    if unit == "workdays":
        return add_working_days(start, amount)
    raise ValueError(f"unknown duration unit {unit!r}")

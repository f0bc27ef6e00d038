"""星级认定: 100 / 300 / 600 / 1,000 / 1,500 hours of the ledger make one to five stars
(DOMAIN-LOOPS §3.2), awarded in order, one level at a time, each after a public notice (公示) of
`volunteer.star_notice_days` working days on /v/stars/. The task worker runs `stars_due` every
hour: it closes the notices whose period ended (awarded, or lapsed when corrections took the
hours below the threshold meanwhile) and opens a notice for each volunteer whose hours reach
their next level. Staff of the 站/所/中心 may withdraw a notice with a reason (e.g. falsified
hours); that level is then not noticed again for `volunteer.star_withdraw_bar_days`.

An awarded star is never taken away by a later correction (the award is history): the
volunteer's page notes when their hours are below the level they hold."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet, Sum
from django.tasks import task
from django.utils import timezone

from chuangcheng.core.calendar import add_working_days
from chuangcheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from chuangcheng.core.periodic import on_worker_start, schedule_once
from chuangcheng.core.settings_store import get_setting
from chuangcheng.org.access import Actor
from chuangcheng.volunteer.certificates import is_staff, stations_in_scope
from chuangcheng.volunteer.models import HourEntry, StarAward, StarNotice, Volunteer
from chuangcheng.volunteer.settings_keys import STAR_NOTICE_DAYS, STAR_WITHDRAW_BAR_DAYS

THRESHOLDS: dict[int, Decimal] = {
    1: Decimal(100),
    2: Decimal(300),
    3: Decimal(600),
    4: Decimal(1000),
    5: Decimal(1500),
}
TOP = max(THRESHOLDS)
EVERY = dt.timedelta(hours=1)


def level_of(volunteer: Volunteer) -> int:
    """The highest star awarded (0 for none)."""
    return StarAward.objects.filter(volunteer=volunteer).aggregate(m=Max("level"))["m"] or 0


def progress(level: int, hours: Decimal) -> dict[str, Any]:
    """What the volunteer's page shows: the level held, the next, the hours still missing."""
    nxt = level + 1 if level < TOP else None
    out: dict[str, Any] = {"level": level, "next": nxt, "hours": hours}
    out["below_held"] = level > 0 and hours < THRESHOLDS[level]
    if nxt is not None:
        need = THRESHOLDS[nxt]
        base = THRESHOLDS[level] if level else Decimal(0)
        out["need"] = need
        out["missing"] = max(Decimal(0), need - hours)
        span = need - base
        share = (hours - base) * 100 / span
        out["percent"] = int(min(Decimal(100), max(Decimal(0), share)))
    return out


# ---------------------------------------------------------------- the periodic run
def close_due(now: dt.datetime) -> dict[str, int]:
    """Award (or let lapse) every open notice whose period has ended."""
    out = {"awarded": 0, "lapsed": 0}
    due = list(
        StarNotice.objects.filter(status=StarNotice.Status.OPEN, ends_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    for pk in due:
        with transaction.atomic():
            notice = (
                StarNotice.objects.select_for_update()
                .filter(pk=pk, status=StarNotice.Status.OPEN)
                .first()
            )
            if notice is None:  # withdrawn or closed by another run meanwhile
                continue
            v = notice.volunteer
            hours = HourEntry.objects.filter(volunteer=v).aggregate(s=Sum("hours"))["s"] or Decimal(
                0
            )
            notice.closed_at = now
            if hours < THRESHOLDS[notice.level] or level_of(v) != notice.level - 1:
                notice.status = StarNotice.Status.LAPSED
                notice.save(update_fields=["status", "closed_at"])
                out["lapsed"] += 1
                continue
            notice.status = StarNotice.Status.AWARDED
            notice.save(update_fields=["status", "closed_at"])
            StarAward.objects.create(
                volunteer=v, level=notice.level, hours=hours, notice=notice, awarded_at=now
            )
            out["awarded"] += 1
    return out


def open_due(now: dt.datetime) -> int:
    """Open a notice for every volunteer whose hours reach the level after the one they hold
    (none while one is open; not a level withdrawn within the bar)."""
    totals = dict(
        HourEntry.objects.values("volunteer")
        .annotate(t=Sum("hours"))
        .filter(t__gte=THRESHOLDS[1])
        .values_list("volunteer", "t")
    )
    if not totals:
        return 0
    held = dict(
        StarAward.objects.values("volunteer").annotate(m=Max("level")).values_list("volunteer", "m")
    )
    busy = set(
        StarNotice.objects.filter(status=StarNotice.Status.OPEN).values_list(
            "volunteer_id", flat=True
        )
    )
    bar = now - dt.timedelta(days=int(get_setting(STAR_WITHDRAW_BAR_DAYS)))
    barred = set(
        StarNotice.objects.filter(
            status=StarNotice.Status.WITHDRAWN, closed_at__gt=bar
        ).values_list("volunteer_id", "level")
    )
    ends = add_working_days(now, int(get_setting(STAR_NOTICE_DAYS)))
    opened = 0
    for vid, total in sorted(totals.items()):
        level = held.get(vid, 0) + 1
        if level > TOP or vid in busy or total < THRESHOLDS[level] or (vid, level) in barred:
            continue
        try:
            with transaction.atomic():
                StarNotice.objects.create(
                    volunteer_id=vid, level=level, hours=total, opened_at=now, ends_at=ends
                )
        except IntegrityError:  # another run opened it at the same moment
            continue
        opened += 1
    return opened


def stars_due(now: dt.datetime | None = None) -> dict[str, int]:
    """One run: close the ended notices first (an award lets the next level be noticed)."""
    now = now or timezone.now()
    out = close_due(now)
    out["opened"] = open_due(now)
    return out


def next_run(now: dt.datetime | None = None) -> dt.datetime:
    """Ten minutes past the next full hour (local)."""
    local = timezone.localtime(now or timezone.now())
    return local.replace(minute=10, second=0, microsecond=0) + (
        EVERY if local.minute >= 10 else dt.timedelta(0)
    )


@on_worker_start
def schedule_stars() -> bool:
    """Queue the next run unless one is pending (core.periodic). True when it queued one."""
    return schedule_once(run_stars, run_after=next_run())


@task()
def run_stars() -> dict[str, int]:
    result = stars_due()
    schedule_stars()
    return result


# ---------------------------------------------------------------- staff and public reads
def withdraw(
    *, actor: Actor, user: Any, notice_id: Any, reason: str, now: dt.datetime | None = None
) -> StarNotice:
    """撤销公示: staff of the volunteer's 站 (or the 所/中心 above), with a reason."""
    if not is_staff(actor):
        raise PermissionDenied("只有文明实践站、所、中心工作人员可以撤销公示。")
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise ValidationFailed("请填写撤销理由（最多 200 字）。", fields={"reason": ["必填"]})
    if not str(notice_id).isdigit():
        raise NotFound("没有这条公示。")
    with transaction.atomic():
        notice = (
            StarNotice.objects.select_for_update()
            .filter(pk=int(notice_id), volunteer__station_id__in=stations_in_scope(actor))
            .first()
        )
        if notice is None:
            raise NotFound("没有这条公示。")
        if notice.status != StarNotice.Status.OPEN:
            raise Conflict(f"这条公示已{notice.get_status_display()}，不能撤销。")
        notice.status = StarNotice.Status.WITHDRAWN
        notice.reason = reason
        notice.closed_by = user
        notice.closed_at = now or timezone.now()
        notice.save(update_fields=["status", "reason", "closed_by", "closed_at"])
    return notice


def public_notices() -> QuerySet[StarNotice]:
    """公示: the open notices, newest first (names masked by the page)."""
    return (
        StarNotice.objects.filter(status=StarNotice.Status.OPEN)
        .select_related("volunteer__station")
        .order_by("-opened_at", "pk")
    )


def notices_in_scope(actor: Actor) -> QuerySet[StarNotice]:
    return public_notices().filter(volunteer__station_id__in=stations_in_scope(actor))

"""The hours ledger (志愿服务时间): entries are only ever added. A volunteer's hours are the sum of
their entries; nothing else holds a count that could drift from it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from chuangcheng.core.errors import ValidationFailed
from chuangcheng.volunteer.models import HourEntry, Station, Team, Volunteer
from chuangcheng.volunteer.signals import hours_credited

MAX_ENTRY_HOURS = Decimal("24")


def credit_hours(
    *,
    volunteer: Volunteer,
    hours: Decimal,
    source: str,
    ref: str,
    field: str,
    content: str,
    station: Station,
    served_on: dt.date,
    team: Team | None = None,
    by_id: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[HourEntry, bool]:
    """Add one entry; the same `ref` twice returns the first entry (created=False) and adds
    nothing. Sends `hours_credited` in the same transaction."""
    hours = Decimal(hours).quantize(Decimal("0.1"))
    if source != HourEntry.Source.CORRECTION and hours <= 0:
        raise ValidationFailed("服务时长应大于 0 小时。", fields={"hours": ["应大于 0"]})
    if abs(hours) > MAX_ENTRY_HOURS:
        raise ValidationFailed("一条记录的服务时长不能超过 24 小时。", fields={"hours": ["过长"]})
    with transaction.atomic():
        entry, created = HourEntry.objects.get_or_create(
            ref=ref[:80],
            defaults={
                "volunteer": volunteer,
                "hours": hours,
                "source": source,
                "field": field,
                "content": content[:200],
                "station": station,
                "team": team,
                "served_on": served_on,
                "recorded_at": now or timezone.now(),
                "recorded_by_id": by_id,
            },
        )
        if created:
            hours_credited.send(sender=HourEntry, entry=entry)
    return entry, created


def total_hours(volunteer: Volunteer) -> Decimal:
    """A volunteer's hours: the sum of their ledger."""
    s = HourEntry.objects.filter(volunteer=volunteer).aggregate(s=Sum("hours"))["s"]
    return s or Decimal("0")

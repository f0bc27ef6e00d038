"""The demo's stars and certificates: hours for a dozen volunteers of 中山西路社区's 站 entered
through the ledger (`credit_hours`, as a leader's confirmations), the hourly 星级认定 run replayed
over the last two months so that some hold one to three stars (each after its notice), two in
notice now, and one certificate issued to 王小明 (vol_zyz). Deterministic; made once."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from chuangcheng.org.access import actor_for
from chuangcheng.volunteer.certificates import certificate_issue, certificate_request
from chuangcheng.volunteer.ledger import credit_hours
from chuangcheng.volunteer.models import HourEntry, MenuItem, Station, Volunteer
from chuangcheng.volunteer.seed import HOME_COMMUNITY
from chuangcheng.volunteer.stars import stars_due

REF = "demo-hours"
# hours of the home 站's volunteers, in their number order (王小明 is the second); those at the
# end get their hours after the replay, so their notice is open now
EARLY = [Decimal(h) for h in (150, 320, 640, 110, 310, 90, 60, 105)]
LATE = [Decimal(h) for h in (130, 420)]


def _credit(
    v: Volunteer, hours: Decimal, rng: random.Random, menu: list[Any], today: dt.date
) -> None:
    left, i = hours, 0
    while left > 0:
        chunk = min(left, Decimal(rng.choice((2, 3, 4, 4, 6, 8))))
        item = rng.choice(menu)
        day = today - dt.timedelta(days=rng.randrange(70, 700))
        credit_hours(
            volunteer=v,
            hours=chunk,
            source=HourEntry.Source.LEADER,
            ref=f"{REF}:{v.pk}:{i}",
            field=item.field,
            content=item.name,
            station=v.station,
            served_on=day,
            now=timezone.make_aware(dt.datetime.combine(day, dt.time(18))),  # recorded that day
        )
        left -= chunk
        i += 1


def build_star_demo(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    if HourEntry.objects.filter(ref__startswith=f"{REF}:").exists():
        return {}
    home = Station.objects.filter(unit__region__name=HOME_COMMUNITY).first()
    if home is None:
        return {}
    rng = random.Random(31)
    menu = list(MenuItem.objects.filter(station=home).order_by("pk"))
    people = list(Volunteer.objects.filter(station=home).order_by("number"))
    today = timezone.localdate(now)
    early, late = people[: len(EARLY)], people[len(EARLY) : len(EARLY) + len(LATE)]
    for v, h in zip(early, EARLY, strict=False):
        _credit(v, h, rng, menu, today)
    for days in (60, 48, 36, 24):  # the hourly run, replayed: each level after its notice
        stars_due(now - dt.timedelta(days=days))
    for v, h in zip(late, LATE, strict=False):
        _credit(v, h, rng, menu, today)
    opened = stars_due(now - dt.timedelta(hours=2))["opened"]
    cert = 0
    zyz = Volunteer.objects.filter(user__username="vol_zyz").first()
    clerk = get_user_model().objects.filter(username="vol_zhan").first()
    if zyz is not None and clerk is not None:
        c = certificate_request(volunteer=zyz, purpose="评优", now=now - dt.timedelta(days=2))
        certificate_issue(
            actor=actor_for(clerk),
            user=clerk,
            cert_id=c.pk,
            principal="李书记",
            contact=home.phone or "0471-6900000",
            now=now - dt.timedelta(days=1),
        )
        cert = 1
    return {"volunteers": len(early) + len(late), "notices": opened, "certificates": cert}

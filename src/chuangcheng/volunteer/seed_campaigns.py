"""The demo's 百日打卡: one 100-day campaign of the 中山西路街道 文明实践所 that started 40 days
ago, with 300 participants (the demo's 居民刘阿姨, 志愿者小王 and 赵队长, 20 volunteers of the
street given accounts, and generated residents) who checked in on a deterministic random
pattern with streaks (keen people keep going, others drop in and out). Photos only for the last
two days' check-ins of the first few people (tiny generated JPEGs). Rows are written in bulk
(no points signal: the demo's points are not issued for them). Made once; fast on SQLite."""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from chuangcheng.volunteer.models import (
    Campaign,
    CampaignCheckin,
    CampaignParticipant,
    Station,
    Volunteer,
)

TITLE = "文明行为100天打卡"
TASKS = [
    "垃圾分类投放",
    "文明出行，不闯红灯",
    "光盘行动，不浪费粮食",
    "清理楼道杂物",
    "文明养犬，牵绳出行",
    "公共场所不吸烟",
    "帮助一位邻居",
]
PARTICIPANTS = 300
STARTED_DAYS_AGO = 40
PHOTO_PEOPLE = 12
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许"
GIVEN = "伟芳娜英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红玲芬鹏辉"


def _tiny_jpeg(rng: random.Random) -> bytes:
    img = Image.new("RGB", (32, 24), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=70)
    return buf.getvalue()


def build_campaign_demo(password: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """Made once: nothing is added when the demo campaign exists (or the stations do not)."""
    if Campaign.objects.filter(title=TITLE).exists():
        return {}
    suo = Station.objects.filter(name="中山西路街道新时代文明实践所").first()
    if suo is None:
        return {}
    now = now or timezone.now()
    today = timezone.localdate(now)
    rng = random.Random(100)
    users = get_user_model().objects
    with transaction.atomic():
        creator = users.filter(username="vol_suo").first()
        c = Campaign.objects.create(
            station=suo,
            title=TITLE,
            description="每天完成一项文明行为并拍照打卡，连续打卡更有积分奖励。",
            start=today - dt.timedelta(days=STARTED_DAYS_AGO),
            days=100,
            tasks=TASKS,
            created_by=creator,
            created_at=now - dt.timedelta(days=STARTED_DAYS_AGO + 3),
        )
        hashed = make_password(password)
        people: list[tuple[Any, Volunteer | None, str]] = []
        for username in ("vol_jm", "vol_zyz", "vol_dz"):
            u = users.filter(username=username).first()
            if u is not None:
                v = Volunteer.objects.filter(user=u).first()
                people.append((u, v, v.name if v else u.first_name))
        # 20 of the street's volunteers take part with accounts of their own
        free = list(
            Volunteer.objects.filter(user__isnull=True, station__parent=suo).order_by("pk")[:20]
        )
        made = users.bulk_create(
            [users.model(username=f"dk_v{v.pk}", password=hashed, first_name=v.name) for v in free]
        )
        made = list(users.filter(username__in=[u.username for u in made]).order_by("username"))
        by_name = {f"dk_v{v.pk}": v for v in free}
        for u in made:
            v = by_name[u.username]
            Volunteer.objects.filter(pk=v.pk).update(user=u)
            people.append((u, v, v.name))
        need = PARTICIPANTS - len(people)
        residents = users.bulk_create(
            [
                users.model(
                    username=f"dk_r{i:04d}",
                    password=hashed,
                    first_name=rng.choice(SURNAMES)
                    + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                )
                for i in range(need)
            ]
        )
        residents = list(users.filter(username__startswith="dk_r").order_by("username"))
        people += [(u, None, u.first_name) for u in residents]
        parts = CampaignParticipant.objects.bulk_create(
            CampaignParticipant(
                campaign=c,
                user=u,
                volunteer=v,
                display_name=name[:40],
                joined_at=now - dt.timedelta(days=STARTED_DAYS_AGO, minutes=i),
            )
            for i, (u, v, name) in enumerate(people)
        )
        parts = list(
            CampaignParticipant.objects.filter(campaign=c)
            .select_related("volunteer")
            .order_by("pk")
        )
        rows: list[CampaignCheckin] = []
        for i, p in enumerate(parts):
            keen = rng.random()  # how likely one keeps going after a checked day
            keep, restart = 0.6 + 0.38 * keen, 0.15 + 0.5 * keen
            checked = False
            for k in range(STARTED_DAYS_AGO + 1):
                d = c.start + dt.timedelta(days=k)
                if d == today and rng.random() < 0.5:
                    break  # today not checked yet
                checked = rng.random() < (keep if checked else restart)
                if checked:
                    rows.append(
                        CampaignCheckin(
                            campaign=c,
                            participant=p,
                            user_id=p.user_id,
                            station_id=p.volunteer.station_id if p.volunteer else None,
                            day=d,
                            token=f"demo{c.pk}x{i}x{k}",
                            note="",
                            checked_at=dt.datetime.combine(
                                d,
                                dt.time(7 + rng.randrange(14), rng.randrange(60)),
                                tzinfo=timezone.get_current_timezone(),
                            ),
                        )
                    )
        CampaignCheckin.objects.bulk_create(rows, batch_size=2000)
        recent = CampaignCheckin.objects.filter(
            campaign=c,
            participant__in=parts[:PHOTO_PEOPLE],
            day__gte=today - dt.timedelta(days=1),
        )
        for row in recent:
            row.photo.save("photo.jpg", ContentFile(_tiny_jpeg(rng)), save=True)
    return {"participants": len(parts), "checkins": len(rows)}

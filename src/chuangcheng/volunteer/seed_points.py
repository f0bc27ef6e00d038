"""The demo's 文明积分 and 文明团结超市 (called from build_volunteer_demo once the volunteers and
their hours exist): points earned from the demo's hour entries through the rules (the receivers
already did so as the hours were written; running them again adds nothing, so the points add
up), a 超市 at the 中山西路街道 所 and at the 中山西路社区 站 with goods, approved adjustments
(proposed by the 站, approved by the 所), some redemptions, one pending adjustment, and a clerk
(vol_sy). Deterministic; fast on SQLite."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from chuangcheng.org.access import actor_for
from chuangcheng.org.models import Membership
from chuangcheng.volunteer import points as ledger
from chuangcheng.volunteer import shop
from chuangcheng.volunteer.models import HourEntry, Station, Volunteer
from chuangcheng.volunteer.roles import CLERK

GOODS = [
    ("毛巾", 10, 40),
    ("洗衣液", 25, 30),
    ("大米（5斤）", 40, 20),
    ("食用油（1.8升）", 60, 15),
    ("文具套装", 15, 30),
    ("香皂", 5, 60),
    ("牙膏", 8, 50),
    ("抽纸（一提）", 20, 25),
    ("雨伞", 35, 10),
    ("保温杯", 50, 8),
    ("挂面", 12, 40),
    ("鸡蛋（一盒）", 18, 20),
]
INSTITUTE_GOODS = [
    ("电饭煲", 200, 3),
    ("体检套餐兑换券", 150, 5),
    ("图书（文明读本）", 15, 40),
    ("环保购物袋", 6, 80),
]


@transaction.atomic
def build_points_demo(password: str, now: dt.datetime) -> dict[str, Any]:
    home = Station.objects.filter(name="中山西路社区新时代文明实践站").first()
    if home is None or home.parent is None:
        return {}
    institute = home.parent
    # the rules on the hours written in bulk (the activities' year): skipped where posted
    ledger.earn_for_hours(list(HourEntry.objects.select_related("volunteer").order_by("pk")))
    users = get_user_model().objects
    sy = users.filter(username="vol_sy").first() or users.create(
        username="vol_sy", password=make_password(password), first_name="超市收银员小李"
    )
    Membership.objects.get_or_create(user=sy, role=CLERK, unit=home.unit)
    zhan = actor_for(users.get(username="vol_zhan"))
    suo = actor_for(users.get(username="vol_suo"))
    clerk = actor_for(sy)
    t0 = now - dt.timedelta(days=40)
    goods = [
        shop.goods_add(actor=zhan, station=home, name=n, price=p, stock=s, now=t0)
        for n, p, s in GOODS
    ]
    for n, p, s in INSTITUTE_GOODS:
        shop.goods_add(actor=suo, station=institute, name=n, price=p, stock=s, now=t0)
    rng = random.Random(29)
    # the 站's quarterly 表彰: adjustments the 站 proposes and the 所 approves
    holders = list(Volunteer.objects.filter(station=home).order_by("pk"))
    jm = users.get(username="vol_jm")
    accounts = [ledger.account_for_volunteer(v) for v in holders]
    accounts.append(ledger.account_for_user(jm))
    for i, acc in enumerate(accounts):
        adj = ledger.adjustment_propose(
            actor=zhan,
            account=acc,
            station=home,
            points=rng.choice((20, 30, 50, 80)),
            reason="参加“敲门行动”入户走访与文明宣传，季度表彰" if i % 2 else "季度优秀志愿者表彰",
            now=t0 + dt.timedelta(hours=i),
        )
        ledger.adjustment_decide(
            actor=suo, adjustment_id=adj.pk, approve=True, now=t0 + dt.timedelta(days=1, hours=i)
        )
    sold = 0
    for i, acc in enumerate(accounts[::2]):
        acc.refresh_from_db()
        picks = [g for g in rng.sample(goods, 3) if g.price <= acc.balance][:2]
        if not picks:
            continue
        lines: dict[int, int] = {}
        left = acc.balance
        for g in picks:
            if g.price <= left:
                lines[g.pk], left = 1, left - g.price
        shop.redeem(
            actor=clerk,
            station=home,
            code=shop.holder_code(acc),
            lines=lines,
            now=now - dt.timedelta(days=20 - i, hours=2),
        )
        sold += 1
    ledger.adjustment_propose(
        actor=zhan,
        account=accounts[1],
        station=home,
        points=10,
        reason="协助社区开展垃圾分类宣传（待所审核）",
        now=now - dt.timedelta(hours=5),
    )
    return {"goods": len(GOODS) + len(INSTITUTE_GOODS), "redemptions": sold}

"""The demo's year of 志愿服务订单: about 40–60 orders a month over the last twelve months (from
the first day of the month a year ago), at the six 站 of the demo (中山西路社区's the busiest),
each from its 站's own menu, placed by a few dozen resident accounts and driven step by step
through the workflow (ADR 0018) as `seed._orders` drives its few: 审核 (or 不予受理), 派单 to a
team of the 站 or its 所 (now and then refused and dispatched again), 接单, 安排志愿者, 服务完成
(the hours go to the ledger, and the points with them), then 评单 or, unrated, the system's
自动结单. Orders of the last two weeks stay open in every state. Deterministic; made once
(called by `manage.py demo`, not by `build_volunteer_demo`: tests build that one often)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from chuangcheng.cases.models import Case
from chuangcheng.cases.services import case_transition
from chuangcheng.core.settings_store import get_setting
from chuangcheng.demo.city import DEMO_PASSWORD, name_fields
from chuangcheng.org.access import SYSTEM, Actor, actor_for
from chuangcheng.org.models import Membership
from chuangcheng.volunteer.models import MenuItem, ServiceField, Station, Team, Volunteer
from chuangcheng.volunteer.roles import LEADER, RESIDENT, STATION, VOLUNTEER
from chuangcheng.volunteer.seed import HOME_COMMUNITY
from chuangcheng.volunteer.services import EXTERNAL_SOURCE, order_place
from chuangcheng.volunteer.settings_keys import RATE_DAYS
from chuangcheng.volunteer.workflow import KIND

KEY = "vh-"  # the client key's prefix of these orders (Case.external_id "<user id>:vh-0001")
SEED = 20261201
# each 站's share of the orders, by community (the others share what is left equally)
SHARE = {HOME_COMMUNITY: 0.31, "仕奇社区": 0.2, "贝尔路社区": 0.15, "海亮社区": 0.13}
OTHER_SHARE = 0.1
RESIDENTS = [
    "王秀兰", "李桂英", "张淑珍", "刘玉兰", "陈凤英", "杨建国", "赵德明", "黄丽华", "周海燕",
    "吴红梅", "徐国庆", "孙卫东", "胡秀英", "朱志强", "高玉珍", "林建华", "何桂芝", "郭淑华",
    "马凤兰", "罗志刚", "梁秀梅", "宋玉梅", "郑德顺", "谢桂兰", "韩淑英", "唐建军", "冯丽娟",
    "于海涛", "董秀珍", "程玉凤", "曹金花", "袁宝山", "邓桂珍", "许文华", "白玉霞", "田志军",
]  # fmt: skip
# 点单 texts of each menu item; the item's weight among the orders first
CONTENTS: dict[str, tuple[float, list[str]]] = {
    "理发": (
        3,
        [
            "老伴卧床两年了，想请志愿者上门给他理个发",
            "母亲九十岁行动不便，头发长了，麻烦上门理发",
            "腿脚不好下不了楼，想请师傅上门剪头",
            "春节前想理个发，家里老人坐轮椅",
        ],
    ),
    "家电维修": (
        2.5,
        [
            "洗衣机不脱水，转几下就停",
            "电饭锅按了没反应，指示灯不亮",
            "电热水壶漏电，插上就跳闸",
            "家里的电风扇不转了，帮忙看看",
            "电视机有声音没图像",
            "微波炉加热不热，不知道哪里坏了",
        ],
    ),
    "代购": (
        3,
        [
            "腿脚不便，需代买米面油",
            "帮忙去药店买降压药（硝苯地平），钱当面给",
            "独居，最近下雪路滑，想请人代买一周的菜",
            "需要代买成人纸尿裤两包",
            "帮忙买一袋面粉和两桶油",
        ],
    ),
    "陪诊": (
        2.5,
        [
            "下周二去医院复查，需要有人陪同",
            "要去内蒙古医院做眼科检查，孩子在外地，想找人陪",
            "老人每月要去社区医院取药，想请志愿者陪同",
            "周四上午去医院拍片子，一个人不方便",
        ],
    ),
    "心理疏导": (
        1,
        [
            "最近睡不好，想找人聊聊",
            "老伴去世后心里一直放不下，想找人说说话",
            "孩子高考压力大，情绪不稳定，想请老师疏导",
            "退休后在家总觉得空落落的",
        ],
    ),
    "法律咨询": (
        1,
        [
            "想咨询赡养费的问题",
            "老房子拆迁补偿不清楚，想咨询一下",
            "被拖欠工资三个月，想问怎么维权",
            "想立遗嘱，不知道怎样才有效",
            "邻居装修把我家墙面弄裂了，想问怎么处理",
        ],
    ),
    "政策宣讲": (
        0.8,
        [
            "想请人讲讲养老保险新政策",
            "楼里老人多，想请人讲讲医保报销政策",
            "想了解高龄津贴怎么申请",
            "请讲讲防范电信诈骗的知识，楼里有老人被骗过",
        ],
    ),
    "作业辅导": (
        1.5,
        [
            "孙子三年级，数学作业需要辅导",
            "孩子初二英语跟不上，父母上班没时间",
            "双职工家庭，孩子放学后想有人辅导作业",
            "五年级作文需要辅导",
        ],
    ),
    "健身指导": (
        0.8,
        [
            "楼院里几位老人想学太极拳",
            "想请人教广场舞新曲目",
            "膝盖不好，想请人指导适合老人的锻炼",
        ],
    ),
    "垃圾分类指导": (
        0.7,
        [
            "楼里新装了分类垃圾桶，想请人入户讲讲怎么分",
            "小区老人分不清厨余垃圾和其他垃圾，请来讲解",
            "想给楼栋的孩子们讲讲垃圾分类",
        ],
    ),
}
DONE = {
    "理发": ["已上门为老人理发，老人很满意", "上门理发两人，顺便帮忙打扫了碎发"],
    "家电维修": ["更换了损坏的零件，已能正常使用", "检修完毕，线路老化已更换，提醒注意用电安全"],
    "代购": ["已按清单代购送货上门，票据交居民核对", "物品已送达，居民当面结清"],
    "陪诊": ["全程陪同挂号、检查、取药，已送回家", "陪同复查完毕，结果已告知家属"],
    "心理疏导": ["上门倾听交流一次，约定下周电话回访", "进行了一对一疏导，情绪明显好转"],
    "法律咨询": ["已解答相关法律问题，并告知法律援助途径", "律师志愿者当面解答，提供了文书模板"],
    "政策宣讲": ["在楼院开展宣讲，二十余位居民参加", "入户讲解政策，发放明白卡"],
    "作业辅导": ["辅导作业两小时，讲解了错题", "完成当天作业辅导，约定每周两次"],
    "健身指导": ["在小区广场教学一次，十余位老人参加", "指导了适合老人的拉伸动作"],
    "垃圾分类指导": ["入户讲解垃圾分类，发放分类指南", "在楼下现场演示分类投放"],
}
TAKE = ["已电话联系居民", "已接单，约好上门时间", "收到，马上安排", "已联系居民确认需求"]
REJECT = [
    "本站暂无该项服务的志愿者，已转社区书记面谈，请留意电话",
    "需求超出志愿服务范围，建议拨打12345热线",
    "重复点单，已在处理中的订单为准",
]
REFUSE = [
    "本队近期人手不足，请派其他队伍",
    "本队暂无相关专业的志愿者，请派专业服务队",
    "队员外出参加活动，本周无法安排",
]
COMMENTS = {
    5: ["小伙子很耐心，谢谢！", "服务特别好，非常感谢！", "来得很及时，给志愿者点赞", "很专业，下次还找你们", "非常满意"],
    4: ["挺好的，谢谢", "服务不错，就是来得稍晚了点", "满意", "挺耐心的"],
    3: ["一般吧", "问题解决了，但等了好几天", ""],
    2: ["来晚了两天，耽误事", "没完全解决问题"],
    1: ["约好的时间没来", "态度不太好"],
}  # fmt: skip
STARS = ([5, 4, 3, 2, 1], [62, 25, 8, 3, 2])
RECENT = dt.timedelta(days=14)
# what an order of the last two weeks has come to (the others are done: rated, auto-closed or
# rejected), with how far back it was placed at most (days)
STALLS = {
    "review": (1.0, 2),
    "pending": (1.0, 3),
    "dispatched": (1.5, 3),
    "serving": (2.5, 6),
    "rating": (2.5, 6),
    "done": (5.0, 14),
}
OPEN = ("review", "pending", "dispatched", "serving", "rating")
H = dt.timedelta(hours=1)


def _user(username: str, name: str, role: str, unit: Any, hashed: str) -> Any:
    users = get_user_model().objects
    u = users.filter(username=username).first() or users.create(
        username=username, password=hashed, **name_fields(name)
    )
    Membership.objects.get_or_create(user=u, role=role, unit=unit)
    return u


def _staff(st: Station, hashed: str) -> Any:
    """The 站's worker: whoever holds the role there (vol_zhan at 中山西路社区), else a new one."""
    m = Membership.objects.filter(role=STATION, unit=st.unit).order_by("pk").first()
    if m is not None:
        return m.user
    region = st.unit.region
    return _user(f"vol_zhan_{region.code}", f"{region.name}文明实践站", STATION, st.unit, hashed)


def _leader(team: Team, hashed: str) -> Any:
    """The team's leader account: whoever holds the role (vol_dz), else the leading volunteer's
    new account (a volunteer with an account, as vol_dz is)."""
    m = Membership.objects.filter(role=LEADER, unit=team.unit).order_by("pk").first()
    if m is not None:
        return m.user
    v = team.leader
    u = _user(f"vol_dz{team.pk}", v.name if v else f"{team.name}队长", LEADER, team.unit, hashed)
    if v is not None and v.user_id is None and not Volunteer.objects.filter(user=u).exists():
        v.user = u
        v.save(update_fields=["user"])
        Membership.objects.get_or_create(user=u, role=VOLUNTEER, unit=v.station.unit)
    return u


def _teams_for(item: MenuItem, st: Station, teams: list[Team], rng: random.Random) -> list[Team]:
    """The teams an order may go to, the likeliest first: the 站's own (邻里守望队 for health),
    or the 所's team of the item's field."""
    own = [t for t in teams if t.station_id == st.pk]
    above = [t for t in teams if t.station_id != st.pk and t.field == item.field]
    health = item.field == ServiceField.HEALTH
    own.sort(key=lambda t: (t.field == ServiceField.HEALTH) != health)
    first = own[:1] if not above or rng.random() < 0.6 else above[:1]
    rest = [t for t in own + above if t not in first]
    return first + rest


def build_order_history(now: dt.datetime | None = None, *, months: int = 12) -> dict[str, Any]:
    """Made once: nothing is added when these orders exist (or there are no 站). `months`: how
    far back (a test takes fewer)."""
    now = now or timezone.now()
    made = Case.objects.filter(
        kind=KIND, external_source=EXTERNAL_SOURCE, external_id__contains=f":{KEY}"
    )
    if made.exists():
        return {}
    stations = list(
        Station.objects.filter(level=Station.Level.STATION)
        .select_related("unit__region", "parent")
        .order_by("code")
    )
    if not stations:
        return {}
    with transaction.atomic():
        return _build(stations, now, months)


def _build(stations: list[Station], now: dt.datetime, months: int) -> dict[str, Any]:
    rng = random.Random(SEED)
    hashed = make_password(DEMO_PASSWORD)
    tz = timezone.get_current_timezone()
    actors: dict[int, Actor] = {}

    def act(u: Any) -> Actor:
        if u.pk not in actors:
            actors[u.pk] = actor_for(u)
        return actors[u.pk]

    staff = {st.pk: act(_staff(st, hashed)) for st in stations}
    teams: dict[int, list[Team]] = {}
    leaders: dict[int, Actor] = {}
    members: dict[int, list[str]] = {}
    for st in stations:
        allowed = [st.pk] + ([st.parent_id] if st.parent_id else [])
        found = list(
            Team.objects.filter(active=True, station_id__in=allowed)
            .select_related("unit", "leader__station__unit")
            .order_by("station__level", "field", "name")
        )
        for t in found:
            if t.pk not in members:
                members[t.pk] = [
                    str(pk) for pk in t.members.order_by("pk").values_list("pk", flat=True)
                ]
        teams[st.pk] = [t for t in found if members[t.pk]]
        for t in teams[st.pk]:
            if t.pk not in leaders:
                leaders[t.pk] = act(_leader(t, hashed))
    menus = {
        st.pk: {i.name: i for i in MenuItem.objects.filter(station=st, active=True)}
        for st in stations
    }
    # residents: six or so of each community (刘阿姨 of the demo among 中山西路社区's)
    users = get_user_model().objects
    people: dict[int, list[tuple[Any, str, str, str]]] = {st.pk: [] for st in stations}
    for n, name in enumerate(RESIDENTS):
        st = stations[n % len(stations)]
        u = _user(f"vol_jm{n + 1:02d}", name, RESIDENT, None, hashed)
        phone = f"13{rng.choice('5789')}{rng.randrange(10**8):08d}"
        home = f"{st.unit.region.name}{rng.randint(1, 24)}号楼{rng.randint(1, 6)}单元{rng.randint(1, 6)}0{rng.randint(1, 4)}"
        people[st.pk].append((u, name, phone, home))
    jm = users.filter(username="vol_jm").first()
    for st in stations:
        if jm is not None and st.unit.region.name == HOME_COMMUNITY:
            people[st.pk].append((jm, "刘阿姨", "13904710000", "中山西路社区3号楼2单元"))
    shares = [SHARE.get(st.unit.region.name, OTHER_SHARE) for st in stations]
    items = list(CONTENTS)
    item_weights = [CONTENTS[n][0] for n in items]
    days = int(get_setting(RATE_DAYS))

    # when: 40–60 a month from the first day of the month `months` ago, in office-ish hours
    local_now = timezone.localtime(now, tz)
    first = local_now.date().replace(day=1)
    y, m = divmod(first.year * 12 + first.month - 1 - months, 12)
    month = dt.date(y, m + 1, 1)
    times: list[dt.datetime] = []
    while month <= first:
        nxt = (month + dt.timedelta(days=32)).replace(day=1)
        span = (nxt - month).days
        count = rng.randint(40, 60)
        for _ in range(count):
            day = month + dt.timedelta(days=rng.randrange(span))
            at = dt.datetime.combine(day, dt.time(rng.randint(7, 19), rng.randrange(60)), tzinfo=tz)
            if at < now - H:
                times.append(at)
        month = nxt
    times.sort()

    stats: dict[str, Any] = {
        "orders": 0, "rated": 0, "good": 0, "auto_closed": 0, "rejected": 0, "refused": 0, "open": 0,
    }  # fmt: skip
    weights = [w for w, _ in STALLS.values()]
    recent = 0
    for n, placed in enumerate(times):
        st = rng.choices(stations, shares)[0]
        item_name = rng.choices(items, item_weights)[0]
        item = menus[st.pk].get(item_name)
        if item is None or not teams[st.pk]:
            continue
        who, name, phone, address = rng.choice(people[st.pk])
        resident = act(who)
        goal = "done"
        if now - placed < RECENT:
            # the first recent ones: one in each open state for sure, then as they come
            goal = OPEN[recent] if recent < len(OPEN) else rng.choices(list(STALLS), weights)[0]
            back = dt.timedelta(days=STALLS[goal][1])
            if recent < len(OPEN):  # far enough back to have got there, not to be overdue
                placed = now - (back / 2 if goal != "review" else rng.uniform(1, 6) * H)
            elif now - placed > back:  # placed later, so that it is not absurdly late
                placed = now - dt.timedelta(seconds=rng.randrange(int(back.total_seconds())))
            recent += 1
        outcome = rng.random()
        case, _ = order_place(
            actor=resident,
            station_code=st.code,
            item_id=item.pk,
            content=rng.choice(CONTENTS[item_name][1]),
            phone=phone,
            address=address,
            wanted=rng.choice(("工作日白天", "周末", "上午", "下午", "越快越好", "")),
            name=name,
            client_key=f"{KEY}{n:04d}",
            now=placed,
        )
        stats["orders"] += 1
        steps: list[tuple[dt.datetime, Actor, str, dict[str, Any]]] = []
        at = placed + rng.uniform(0.3, 5) * H
        station = staff[st.pk]
        if goal == "done" and outcome < 0.06:
            steps.append((at, station, "reject", {"reason": rng.choice(REJECT)}))
        else:
            steps.append((at, station, "accept", {"note": "需求清楚，予以受理"}))
            if goal != "pending":
                choice = _teams_for(item, st, teams[st.pk], rng)
                at += rng.uniform(0.2, 3) * H
                team = choice[0]
                steps.append((at, station, "dispatch", {"team": str(team.pk)}))
                if len(choice) > 1 and rng.random() < 0.08:
                    at += rng.uniform(1, 10) * H
                    steps.append((at, leaders[team.pk], "refuse", {"reason": rng.choice(REFUSE)}))
                    team = choice[1]
                    at += rng.uniform(0.5, 4) * H
                    steps.append((at, station, "dispatch", {"team": str(team.pk)}))
                leader = leaders[team.pk]
                at += rng.uniform(0.3, 10) * H
                steps.append((at, leader, "take", {"note": rng.choice(TAKE)}))
                came = rng.sample(
                    members[team.pk], min(len(members[team.pk]), rng.choice((1, 1, 2, 2, 3)))
                )
                at += rng.uniform(0.2, 3) * H
                steps.append((at, leader, "assign", {"volunteers": came}))
                at += rng.uniform(20, 96) * H
                done = {
                    "note": rng.choice(DONE[item_name]),
                    "volunteers": came,
                    "hours": rng.choice(("1", "1.5", "2", "2", "2.5", "3")),
                }
                steps.append((at, leader, "complete", done))
                if (goal == "done" and outcome > 0.92) or goal == "rating":
                    at += dt.timedelta(days=days, hours=rng.uniform(0.2, 1))
                    steps.append((at, SYSTEM, "auto_close", {"days": days}))
                else:
                    at += rng.uniform(2, 72) * H
                    stars = rng.choices(*STARS)[0]
                    rate = {"rating": str(stars), "comment": rng.choice(COMMENTS[stars])}
                    steps.append((at, resident, "rate", rate))
        stop = {"review": 0, "pending": 1, "serving": -2, "rating": -1}.get(goal)
        if goal == "dispatched":
            stop = next(i for i, s in enumerate(steps) if s[2] == "take")
        for at, who_, action, data in steps[:stop] if stop is not None else steps:
            if at >= now:
                break
            case_transition(case_id=case.pk, action=action, actor=who_, data=data, now=at)
            if action == "rate":
                stats["rated"] += 1
                stats["good"] += int(data["rating"]) >= 4
            else:
                stats["refused"] += action == "refuse"
                stats["rejected"] += action == "reject"
                stats["auto_closed"] += action == "auto_close"
    stats["open"] = stats["orders"] - stats["rated"] - stats["rejected"] - stats["auto_closed"]
    return stats


def order_history_line(stats: dict[str, Any], seconds: float) -> str:
    """The demo's line about these orders."""
    rated = stats.get("rated", 0)
    good = f"{stats.get('good', 0) * 100 / rated:.0f}%" if rated else "—"
    return (
        f"已生成一年的志愿服务订单 {stats.get('orders', 0)} 件（已评价 {rated} 件，好评率 {good}，"
        f"未评价自动结单 {stats.get('auto_closed', 0)} 件，进行中 {stats.get('open', 0)} 件），"
        f"用时 {seconds:.0f} 秒。"
    )

"""The demo's 新时代文明实践: the 回民区 and 赛罕区 中心, the 中山西路街道 文明实践所 with a 站 in
each of its five communities, the 人民路街道 所 with 仕奇社区's 站; the "8+N" teams, about 60
volunteers (valid, generated ID numbers), each 站's menu, and orders in every state, driven
through the workflow (ADR 0018). Made once; deterministic."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from chuangcheng.cases.services import case_transition
from chuangcheng.core.idcard import check_char
from chuangcheng.org.access import actor_for
from chuangcheng.org.models import Membership, Region, Unit
from chuangcheng.volunteer.models import MenuItem, ServiceField, Station, Team, TeamMember
from chuangcheng.volunteer.roles import CLERK, INSTITUTE, LEADER, RESIDENT, STATION, VOLUNTEER
from chuangcheng.volunteer.seed_activities import build_activities_demo
from chuangcheng.volunteer.seed_points import build_points_demo
from chuangcheng.volunteer.services import order_place, volunteer_register

STREETS = ("150103004", "150105001")  # 中山西路街道 (its five communities), 人民路街道 (仕奇 only)
ONLY = {"150105001": {"仕奇社区"}}
HOME_COMMUNITY = "中山西路社区"
MENU = [
    ("理发", ServiceField.OTHER, "为行动不便的老人上门理发"),
    ("家电维修", ServiceField.SCIENCE, "小家电检修，不收工时费"),
    ("代购", ServiceField.OTHER, "代买米面油、药品等生活用品"),
    ("陪诊", ServiceField.HEALTH, "陪同老人就医、取药"),
    ("心理疏导", ServiceField.HEALTH, "一对一倾听与心理疏导"),
    ("法律咨询", ServiceField.LAW, "婚姻家庭、劳动纠纷等法律咨询"),
    ("政策宣讲", ServiceField.THEORY, "惠民政策进楼院"),
    ("作业辅导", ServiceField.EDUCATION, "中小学生课后作业辅导"),
    ("健身指导", ServiceField.SPORTS, "广场舞、太极拳教学"),
    ("垃圾分类指导", ServiceField.ECOLOGY, "入户讲解垃圾分类"),
]
EIGHT = [
    (ServiceField.THEORY, "理论宣讲志愿服务队"),
    (ServiceField.EDUCATION, "教育服务志愿服务队"),
    (ServiceField.CULTURE, "文化服务志愿服务队"),
    (ServiceField.SCIENCE, "科普服务志愿服务队"),
    (ServiceField.HEALTH, "卫生健康志愿服务队"),
    (ServiceField.LAW, "法律服务志愿服务队"),
    (ServiceField.SPORTS, "体育服务志愿服务队"),
    (ServiceField.ECOLOGY, "生态环保志愿服务队"),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许"
GIVEN = "伟芳娜英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红玲芬鹏辉"
SKILLS = ["理发", "家电维修", "驾驶", "医护", "法律", "心理咨询", "书法", "摄影", "教学", "烹饪"]
# the demo people the banner prints (username, name, role)
VOL_BANNER = [
    ("vol_jm", "居民刘阿姨（点单）", RESIDENT),
    ("vol_zhan", "中山西路社区文明实践站", STATION),
    ("vol_suo", "中山西路街道文明实践所", INSTITUTE),
    ("vol_dz", "中山西路社区志愿服务队队长", LEADER),
    ("vol_zyz", "志愿者小王", VOLUNTEER),
    ("vol_sy", "中山西路社区文明团结超市收银员", CLERK),
]


def _id_number(rng: random.Random, serial: int) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 55))
    male = rng.random() < 0.45
    seq = f"{serial % 100:02d}{rng.randrange(5) * 2 + (1 if male else 0)}"
    body = f"150103{birth:%Y%m%d}{seq}"
    return body + check_char(body)


def _unit(code: str, name: str, kind: str, region: Region, parent: Unit | None) -> Unit:
    unit, _ = Unit.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "short_name": name[:30],
            "kind": kind,
            "region": region,
            "parent": parent,
        },
    )
    return unit


def _existing(region: Region, kind: str) -> Unit | None:
    return Unit.objects.filter(region=region, kind=kind, active=True).order_by("pk").first()


def _station(code: str, name: str, level: str, unit: Unit, parent: Station | None) -> Station:
    return Station.objects.create(
        unit=unit,
        level=level,
        code=code,
        name=name,
        parent=parent,
        address=f"{unit.region.name}党群服务中心",
        phone="0471-6900000",
    )


def _team(station: Station, field: str, name: str) -> Team:
    unit = _unit(
        f"VT-{station.code}-{field}-{len(name)}",
        name,
        Unit.Kind.TEAM,
        station.unit.region,
        station.unit,
    )
    return Team.objects.create(unit=unit, station=station, field=field, name=name)


@transaction.atomic
def _build(password: str, now: dt.datetime) -> dict[str, Any]:
    rng = random.Random(61)
    stations: list[Station] = []
    institutes: dict[str, Station] = {}
    for scode in STREETS:
        street = Region.objects.filter(code=scode).first()
        if street is None or street.parent is None:
            continue
        district = street.parent
        centre = Station.objects.filter(unit__code=f"V-{district.code}").first()
        if centre is None:
            cu = _unit(
                f"V-{district.code}",
                f"{district.name}新时代文明实践中心",
                Unit.Kind.DEPARTMENT,
                district,
                None,
            )
            centre = _station(f"zx{district.code}", cu.name, Station.Level.CENTRE, cu, None)
        # the 所 and the 站 are run by the street office and the community committee: their
        # units (as the other loops bind theirs); only the district's 中心 is a unit of its own
        su = _existing(street, Unit.Kind.STREET) or _unit(
            f"V-{scode}", f"{street.name}办事处", Unit.Kind.STREET, street, None
        )
        name = f"{street.name}新时代文明实践所"
        institute = _station(f"s{scode}", name, Station.Level.INSTITUTE, su, centre)
        institutes[scode] = institute
        for community in Region.objects.filter(parent=street, level=Region.Level.COMMUNITY):
            if scode in ONLY and community.name not in ONLY[scode]:
                continue
            zu = _existing(community, Unit.Kind.COMMUNITY) or _unit(
                f"V-{community.code}", f"{community.name}居委会", Unit.Kind.COMMUNITY, community, su
            )
            name = f"{community.name}新时代文明实践站"
            stations.append(
                _station(f"z{community.code}", name, Station.Level.STATION, zu, institute)
            )
    if not stations:
        return {}
    for st in stations:
        MenuItem.objects.bulk_create(
            MenuItem(station=st, name=n, field=f, description=d, position=i)
            for i, (n, f, d) in enumerate(MENU)
        )
    teams: dict[int, list[Team]] = {}
    for inst in institutes.values():
        if inst.code == f"s{STREETS[0]}":  # the "8" and one "N" of 中山西路街道
            teams[inst.pk] = [_team(inst, f, f"中山西路街道{n}") for f, n in EIGHT]
            teams[inst.pk].append(_team(inst, ServiceField.OTHER, "中山西路街道巾帼志愿服务队"))
    for st in stations:
        short = st.unit.region.name
        teams[st.pk] = [
            _team(st, ServiceField.OTHER, f"{short}志愿服务队"),
            _team(st, ServiceField.HEALTH, f"{short}邻里守望队"),
        ]
    users = get_user_model().objects
    hashed = make_password(password)

    def user(username: str, name: str, role: str, unit: Unit | None) -> Any:
        u = users.filter(username=username).first() or users.create(
            username=username, password=hashed, first_name=name
        )
        Membership.objects.get_or_create(user=u, role=role, unit=unit)
        return u

    home = next(s for s in stations if s.unit.region.name == HOME_COMMUNITY)
    home_team = teams[home.pk][0]
    jm = user("vol_jm", "刘阿姨", RESIDENT, None)
    zhan = user("vol_zhan", "中山西路社区文明实践站", STATION, home.unit)
    user("vol_suo", "中山西路街道文明实践所", INSTITUTE, home.parent.unit if home.parent else None)
    dz = user("vol_dz", "赵队长", LEADER, home_team.unit)
    zyz = users.filter(username="vol_zyz").first() or users.create(
        username="vol_zyz", password=hashed, first_name="小王"
    )
    volunteers = []
    serial = 0
    for st in stations:
        for _ in range(10):
            serial += 1
            account = None
            if st == home and serial % 10 == 1:
                account = dz
            elif st == home and serial % 10 == 2:
                account = zyz
            given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            name = {dz: "赵建国", zyz: "王小明"}.get(account, rng.choice(SURNAMES) + given)
            available = teams[st.pk] + teams.get(st.parent_id or 0, [])
            mine = [home_team] if account is not None else rng.sample(available, 2)
            volunteers.append(
                volunteer_register(
                    station=st,
                    name=name,
                    id_number=_id_number(rng, serial),
                    phone=f"139{rng.randrange(10**8):08d}",
                    skills="、".join(rng.sample(SKILLS, 2)),
                    user=account,
                    teams=mine,
                    now=now - dt.timedelta(days=200 - serial),
                )
            )
    for t_list in teams.values():
        for t in t_list:
            first = TeamMember.objects.filter(team=t).order_by("pk").first()
            if first is not None:
                t.leader = first.volunteer
                t.save(update_fields=["leader"])
    _orders(home, home_team, jm, zhan, dz, zyz, now)
    return {"stations": len(stations), "volunteers": len(volunteers)}


def _orders(
    home: Station, team: Team, jm: Any, zhan: Any, dz: Any, zyz: Any, now: dt.datetime
) -> None:
    """One order in each state (and a refused one back at the 站), each through the workflow."""
    resident, station, leader = actor_for(jm), actor_for(zhan), actor_for(dz)
    items = {i.name: i for i in home.menu.all()}
    members = [str(pk) for pk in team.members.values_list("pk", flat=True)]
    came = [str(zyz.volunteer.pk), members[0]]
    plan = [
        ("理发", "老伴卧床，想请志愿者上门理发", "rated"),
        ("陪诊", "下周二去医院复查，需要有人陪同", "rating"),
        ("家电维修", "洗衣机不脱水", "serving"),
        ("代购", "腿脚不便，需代买米面油", "dispatched"),
        ("心理疏导", "最近睡不好，想找人聊聊", "pending"),
        ("法律咨询", "想咨询赡养费的问题", "refused"),
        ("政策宣讲", "想请人讲讲养老保险新政策", "rejected"),
        ("作业辅导", "孙子三年级，数学作业需要辅导", "review"),
    ]
    for n, (item, content, goal) in enumerate(plan):
        t = now - dt.timedelta(days=len(plan) - n, hours=3)
        case, _ = order_place(
            actor=resident,
            station_code=home.code,
            item_id=items[item].pk,
            content=content,
            phone="13904710000",
            address="中山西路社区3号楼2单元",
            wanted="工作日白天",
            name="刘阿姨",
            client_key=f"demo-{n}",
            now=t,
        )

        def step(
            actor: Any,
            action: str,
            data: dict[str, Any],
            minutes: int,
            case_id: int = case.pk,
            t: dt.datetime = t,
        ) -> None:
            case_transition(
                case_id=case_id,
                action=action,
                actor=actor,
                data=data,
                now=t + dt.timedelta(minutes=minutes),
            )

        if goal == "review":
            continue
        if goal == "rejected":
            step(
                station, "reject", {"reason": "本站暂无宣讲老师，已转社区书记面谈，请留意电话"}, 30
            )
            continue
        step(station, "accept", {"note": "需求清楚，予以受理"}, 20)
        if goal == "pending":
            continue
        step(station, "dispatch", {"team": str(team.pk)}, 40)
        if goal == "refused":
            step(leader, "refuse", {"reason": "本队暂无律师志愿者，请派法律服务队"}, 90)
            continue
        if goal == "dispatched":
            continue
        step(leader, "take", {"note": "已电话联系居民"}, 60)
        step(leader, "assign", {"volunteers": came}, 70)
        if goal == "serving":
            continue
        step(
            leader,
            "complete",
            {"note": "已上门服务，居民满意", "volunteers": came, "hours": "1.5"},
            24 * 60,
        )
        if goal == "rated":
            step(resident, "rate", {"rating": "5", "comment": "小伙子很耐心，谢谢！"}, 26 * 60)


def build_volunteer_demo(password: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """Made once: nothing is added when the demo's stations exist already."""
    if Station.objects.exists():
        return {"stations": Station.objects.count()}
    now = now or timezone.now()
    stats = _build(password, now)
    if stats:
        stats |= build_activities_demo(now)  # 活动, ~500 volunteers
        build_points_demo(password, now)  # 文明积分 and 文明团结超市, on the hours above
    return stats

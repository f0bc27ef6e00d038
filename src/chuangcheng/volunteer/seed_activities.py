"""The demo's 文明实践活动: the volunteers raised to about 500 (spread over the six 站 and their
teams), a year of activities (three per 站 a month) with sign-ups, check-ins and check-outs,
and their hours in the ledger — one entry per attended activity under the same ref a check-out
writes (`activity:<id>:<volunteer>`, hours rounded down to half an hour and capped as the
services do), so every volunteer's hours add up. Bulk-written (fast on SQLite), deterministic.
Today one activity runs at 中山西路社区's 站 where 志愿者小王 (vol_zyz) is approved to check in,
and one next week is open for sign-up."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from chuangcheng.core.idcard import check_char, parse_id
from chuangcheng.core.privacy import mask_phone
from chuangcheng.volunteer.activities import hours_between, ref_for
from chuangcheng.volunteer.models import (
    Activity,
    ActivityCheckin,
    ActivitySignup,
    HourEntry,
    ServiceField,
    Station,
    Team,
    TeamMember,
    Volunteer,
)
from chuangcheng.volunteer.services import NUMBER_PREFIX

TARGET_VOLUNTEERS = 500
PER_MONTH = 3
CAP = Decimal("2")  # the default of volunteer.activity_hours_cap
HOME = "中山西路社区新时代文明实践站"
IDEAS = [
    ("楼道清洁日", ServiceField.ECOLOGY, "清理楼道堆物、擦拭扶手、张贴垃圾分类提示"),
    ("垃圾分类宣传", ServiceField.ECOLOGY, "在小区门口值守，指导居民分类投放"),
    ("文明交通劝导", ServiceField.OTHER, "路口劝导行人和非机动车遵守信号灯"),
    ("理论宣讲进楼院", ServiceField.THEORY, "协助宣讲员布置场地、签到、发放资料"),
    ("义诊进社区", ServiceField.HEALTH, "协助医生量血压、测血糖、登记"),
    ("法律咨询日", ServiceField.LAW, "协助律师接待居民、整理咨询记录"),
    ("四点半课堂", ServiceField.EDUCATION, "陪伴小学生完成作业、讲故事"),
    ("科普进社区", ServiceField.SCIENCE, "讲解防诈骗、用电安全知识"),
    ("广场舞展演", ServiceField.SPORTS, "维持秩序、搬运器材"),
    ("敬老院陪伴", ServiceField.CULTURE, "陪老人聊天、表演节目"),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许"
GIVEN = "伟芳娜英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红玲芬鹏辉"


def _id_number(rng: random.Random, serial: int) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 55))
    male = rng.random() < 0.45
    seq = f"{serial % 100:02d}{rng.randrange(5) * 2 + (1 if male else 0)}"
    body = f"150105{birth:%Y%m%d}{seq}"  # 150105: apart from the first 60 (150103…)
    return body + check_char(body)


def _more_volunteers(
    rng: random.Random, stations: list[Station], teams: dict[int, list[Team]], now: dt.datetime
) -> int:
    """Bulk-registered volunteers up to TARGET_VOLUNTEERS (the first 60 came through
    volunteer_register), each in one or two teams of their 站 or its 所."""
    missing = TARGET_VOLUNTEERS - Volunteer.objects.count()
    if missing <= 0:
        return 0
    rows: list[Volunteer] = []
    seen = set(Volunteer.objects.values_list("id_index", flat=True))
    serial = 0
    while len(rows) < missing:
        serial += 1
        parsed = parse_id(_id_number(rng, serial))
        if parsed.index in seen:
            continue
        seen.add(parsed.index)
        phone = f"138{rng.randrange(10**8):08d}"
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        rows.append(
            Volunteer(
                number=f"T{serial:09d}",
                name=rng.choice(SURNAMES) + given,
                sex=Volunteer.Sex.MALE if parsed.male else Volunteer.Sex.FEMALE,
                birth=parsed.birth,
                id_number=parsed.number,
                id_index=parsed.index,
                id_masked=parsed.masked,
                phone=phone,
                phone_masked=mask_phone(phone),
                skills="",
                station=stations[len(rows) % len(stations)],
                registered_at=now - dt.timedelta(days=rng.randrange(30, 700)),
            )
        )
    made = Volunteer.objects.bulk_create(rows)
    if any(v.pk is None for v in made):  # a database that returns no ids
        numbers = [v.number for v in rows]
        made = list(Volunteer.objects.filter(number__in=numbers))
    for v in made:
        v.number = f"{NUMBER_PREFIX}{v.pk:08d}"
    Volunteer.objects.bulk_update(made, ["number"])
    members = []
    for v in made:
        available = teams.get(v.station_id, []) + teams.get(v.station.parent_id or 0, [])
        for t in rng.sample(available, min(len(available), rng.choice((1, 2)))):
            members.append(TeamMember(team=t, volunteer=v, joined_at=v.registered_at))
    TeamMember.objects.bulk_create(members)
    return len(made)


def _activity(
    rng: random.Random, st: Station, teams: list[Team], start: dt.datetime, hours: int, n: int
) -> Activity:
    title, field, duties = IDEAS[n % len(IDEAS)]
    region = st.unit.region
    lat, lng = float(region.lat or 40.81), float(region.lng or 111.65)
    return Activity(
        station=st,
        team=rng.choice(teams) if teams else None,
        title=title,
        field=field,
        duties=duties,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        address=f"{region.name}{rng.choice(['党群服务中心', '文化广场', '3号楼前', '小区南门'])}",
        lat=round(lat + rng.uniform(-0.001, 0.001), 6),
        lng=round(lng + rng.uniform(-0.001, 0.001), 6),
        capacity=rng.choice((15, 20, 30)),
        radius_m=500,
        margin_min=30,
        token=secrets.token_urlsafe(24),  # random: a printed demo code is not guessable
        created_at=start - dt.timedelta(days=rng.randrange(3, 10)),
    )


@transaction.atomic
def build_activities_demo(now: dt.datetime) -> dict[str, Any]:
    """Made once, after the stations, teams and first volunteers exist."""
    if Activity.objects.exists():
        return {}
    rng = random.Random(28)
    stations = list(
        Station.objects.filter(level=Station.Level.STATION)
        .select_related("unit__region", "parent")
        .order_by("code")
    )
    if not stations:
        return {}
    teams: dict[int, list[Team]] = {}
    for t in Team.objects.order_by("pk"):
        teams.setdefault(t.station_id, []).append(t)
    added = _more_volunteers(rng, stations, teams, now)
    people: dict[int, list[int]] = {}
    for pk, sid in Volunteer.objects.order_by("pk").values_list("pk", "station_id"):
        people.setdefault(sid, []).append(pk)
    home = next(s for s in stations if s.name == HOME)
    zyz = Volunteer.objects.filter(user__username="vol_zyz").values_list("pk", flat=True).first()

    # a year of past activities, PER_MONTH per 站 a month
    acts: list[Activity] = []
    n = 0
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    for month in range(12):
        for st in stations:
            for _ in range(PER_MONTH):
                days = 30 * month + rng.randrange(1, 30)
                start = (today - dt.timedelta(days=days)).replace(hour=rng.choice((9, 14, 15)))
                own = teams.get(st.pk, []) + teams.get(st.parent_id or 0, [])
                acts.append(_activity(rng, st, own, start, rng.choice((2, 3)), n))
                n += 1
    start = now - dt.timedelta(minutes=30)  # today's, where vol_zyz checks in
    today_act = _activity(rng, home, teams.get(home.pk, []), start, 3, n)
    today_act.title, today_act.address = "今日：社区环境整治", "中山西路社区党群服务中心"
    today_act.field = ServiceField.ECOLOGY
    today_act.duties = "清理楼道堆物和绿地垃圾，劝导居民垃圾分类投放"
    today_act.lat = float(home.unit.region.lat or 40.81)
    today_act.lng = float(home.unit.region.lng or 111.65)
    next_week = _activity(
        rng, home, teams.get(home.pk, []), today + dt.timedelta(days=7, hours=9), 2, n + 1
    )
    next_week.title = "下周：文明交通劝导"
    next_week.field = ServiceField.OTHER
    next_week.duties = "在路口劝导行人和电动车遵守信号灯、不闯红灯"
    acts += [today_act, next_week]
    acts = Activity.objects.bulk_create(acts)
    if any(a.pk is None for a in acts):
        acts = list(Activity.objects.order_by("pk"))
    today_act, next_week = acts[-2], acts[-1]

    signups: list[ActivitySignup] = []
    scans: list[ActivityCheckin] = []
    entries: list[HourEntry] = []
    for act in acts[:-2]:
        pool = people.get(act.station_id, [])
        chosen = rng.sample(pool, min(len(pool), rng.randrange(6, act.capacity // 2 + 2)))
        if (
            act.station_id == home.pk
            and zyz is not None
            and zyz not in chosen
            and rng.random() < 0.3
        ):
            chosen[0] = zyz
        for vid in chosen:
            declined = rng.random() < 0.06
            signups.append(
                ActivitySignup(
                    activity=act,
                    volunteer_id=vid,
                    status="declined" if declined else "approved",
                    reason="名额已满" if declined else "",
                    created_at=act.created_at + dt.timedelta(hours=rng.randrange(1, 48)),
                    decided_at=act.created_at + dt.timedelta(hours=50),
                )
            )
            if declined or rng.random() < 0.1:  # approved but did not come
                continue
            t_in = act.starts_at + dt.timedelta(minutes=rng.randrange(-25, 15))
            if rng.random() < 0.07:  # could not scan: the leader confirmed
                source, hours, t_out = "leader", Decimal(rng.choice(("1", "1.5", "2"))), None
            else:
                t_out = act.ends_at + dt.timedelta(minutes=rng.randrange(-30, 25))
                source, hours = "checkin", hours_between(t_in, t_out, CAP)
                for kind, at in (("in", t_in), ("out", t_out)):
                    scans.append(
                        ActivityCheckin(
                            activity=act,
                            volunteer_id=vid,
                            kind=kind,
                            at=at,
                            lat=act.lat,
                            lng=act.lng,
                            distance_m=rng.randrange(5, 200),
                            client_key=f"demo-{act.pk}-{vid}-{kind}",
                        )
                    )
            entries.append(
                HourEntry(
                    volunteer_id=vid,
                    hours=hours,
                    source=source,
                    ref=ref_for(act.pk, vid),
                    field=act.field,
                    content=f"活动：{act.title}" + ("（负责人确认）" if source == "leader" else ""),
                    station_id=act.station_id,
                    team_id=act.team_id,
                    served_on=timezone.localdate(act.starts_at),
                    recorded_at=t_out or act.ends_at + dt.timedelta(hours=2),
                )
            )
    # today's: vol_zyz and a few neighbours approved (two already checked in); next week's:
    # sign-ups waiting for the 站
    home_people = [p for p in people.get(home.pk, []) if p != zyz]
    for i, vid in enumerate(([zyz] if zyz else []) + home_people[:8]):
        signups.append(
            ActivitySignup(
                activity=today_act,
                volunteer_id=vid,
                status="approved",
                created_at=now - dt.timedelta(days=2),
                decided_at=now - dt.timedelta(days=1),
            )
        )
        if vid != zyz and i <= 2:
            scans.append(
                ActivityCheckin(
                    activity=today_act,
                    volunteer_id=vid,
                    kind="in",
                    at=now - dt.timedelta(minutes=20),
                    lat=today_act.lat,
                    lng=today_act.lng,
                    distance_m=20,
                    client_key=f"demo-today-{vid}",
                )
            )
    for vid in home_people[8:14]:
        signups.append(
            ActivitySignup(
                activity=next_week,
                volunteer_id=vid,
                status="pending",
                created_at=now - dt.timedelta(hours=rng.randrange(1, 30)),
            )
        )
    ActivitySignup.objects.bulk_create(signups)
    ActivityCheckin.objects.bulk_create(scans)
    HourEntry.objects.bulk_create(entries)
    return {
        "volunteers": Volunteer.objects.count(),
        "volunteers_added": added,
        "activities": len(acts),
        "activity_hours": sum((e.hours for e in entries), Decimal("0")),
    }

"""The demo's 网格: 仕奇社区 (赛罕区人民路街道) and its 10 grids, one 专职网格员 each, a 楼栋长,
the community's staff and 综治专干, the street's grid centre; and the 人房 ledgers of the ten grids
(100 buildings, 3,000 homes, about 7,000 people with valid, generated ID numbers, rented homes,
floating people, some who have moved out), the six care ledgers (164 households) with a year of
visits by tier (some overdue now), the control register, a year of patrols (two a day per
worker, a few flagged) and of events down the three roads. Made once; deterministic."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from chuangcheng.core.idcard import check_char, mask_id
from chuangcheng.core.privacy import mask_phone
from chuangcheng.grid import command_demo
from chuangcheng.grid.models import Building, GridPost, Home, Person, Residence, phone_index
from chuangcheng.grid.roles import COMMUNITY, DEPARTMENT, HELPER, STREET, WORKER, ZONGZHI
from chuangcheng.grid.seed_mustreport import build_mustreport_demo
from chuangcheng.org.models import Membership, Region, Unit

COMMUNITY_NAME = "仕奇社区"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬鹏辉建华国庆志强海燕雪梅晓东宏伟晓红丽娟桂芝凤英淑珍"
# the demo people the banner prints (username, name, role)
GRID_BANNER = [
    ("gd_sq01", "网格员01（仕奇社区第1网格）", WORKER),
    ("gd_sqzz", "仕奇社区综治专干", ZONGZHI),
    ("gd_rml", "人民路街道网格中心", STREET),
]
RELATIONS = ["配偶", "子", "女", "父亲", "母亲", "孙子", "孙女"]
BUILDINGS_PER_GRID = 10


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def _id_number(rng: random.Random, birth: dt.date, male: bool, serial: int) -> str:
    region = rng.choice(("150105", "150102", "150103", "150104", "150121", "152601"))
    seq = f"{serial % 100:02d}{(rng.randrange(5) * 2 + (1 if male else 0))}"
    body = f"{region}{birth:%Y%m%d}{seq}"
    return body + check_char(body)


def _users(password: str, community: Region, grids: list[Region]) -> None:
    users = get_user_model().objects
    hashed = make_password(password)
    community_unit = Unit.objects.filter(region=community, kind=Unit.Kind.COMMUNITY).first()
    street_unit = Unit.objects.filter(region=community.parent, kind=Unit.Kind.STREET).first()
    if community_unit is None or street_unit is None:
        return

    def person(username: str, name: str, role: str, unit: Unit) -> Any:
        user = users.filter(username=username).first() or users.create(
            username=username, password=hashed, first_name=name
        )
        Membership.objects.get_or_create(user=user, role=role, unit=unit)
        return user

    for n, grid in enumerate(grids, start=1):
        worker = person(f"gd_sq{n:02d}", f"网格员{n:02d}", WORKER, community_unit)
        GridPost.objects.get_or_create(
            grid=grid, user=worker, defaults={"kind": GridPost.Kind.FULL_TIME}
        )
    helper = person("gd_sqld", "楼栋长老赵", HELPER, community_unit)
    GridPost.objects.get_or_create(
        grid=grids[0], user=helper, defaults={"kind": GridPost.Kind.BUILDING}
    )
    person("gd_sq", "仕奇社区工作人员", COMMUNITY, community_unit)
    person("gd_sqzz", "仕奇社区综治专干", ZONGZHI, community_unit)
    person("gd_rml", "人民路街道网格中心", STREET, street_unit)
    department = Unit.objects.filter(code="D-CG").first()
    if department is not None:
        person("gd_cg", "城管局网格事件专员", DEPARTMENT, department)


def build_grid_demo(
    password: str, seed: int = 31000, today: dt.date | None = None, *, full: bool = False
) -> dict[str, int]:
    """The grid demo. `full` (the demo command): 10 buildings a grid (3,000 homes), a year of
    patrols (two a day per worker) and of events down the three roads besides the recent ones;
    without it (tests, the bench: quick to build) 3 buildings a grid (720 homes), the last
    patrols and the nine recent events. The registers are the same in both."""
    community = Region.objects.filter(level=Region.Level.COMMUNITY, name=COMMUNITY_NAME).first()
    if community is None:
        return {"people": 0}
    grids = list(Region.objects.filter(parent=community, level=Region.Level.GRID).order_by("code"))
    if not grids:
        return {"people": 0}
    _users(password, community, grids)
    if Building.objects.filter(grid__in=grids).exists():
        return {"people": Person.objects.count()}
    rng = random.Random(seed)
    today = today or timezone.localdate()
    serial = 0
    taken: set[str] = set()
    people: list[Person] = []
    residences: list[tuple[int, int, dict[str, object]]] = []  # (person idx, home idx, fields)
    homes: list[Home] = []
    with transaction.atomic():
        for g, grid in enumerate(grids):
            # ten buildings a grid, six floors, two doors a floor, two or three units: 300
            # homes a grid, 3,000 in the community (not full: 3 of two units, 720 homes)
            per_grid = BUILDINGS_PER_GRID if full else 3
            for b in range(1, per_grid + 1):
                n = g * per_grid + b
                building = Building.objects.create(
                    grid=grid,
                    number=f"{n:05d}",
                    name=f"仕奇小区{n}号楼",
                    floors=6,
                    lat=(grid.lat or 40.8) + rng.uniform(-0.0004, 0.0004),
                    lng=(grid.lng or 111.7) + rng.uniform(-0.0004, 0.0004),
                )
                for unit_no in ("1", "2", "3")[: 2 + b % 2 if full else 2]:
                    for floor in range(1, 7):
                        for door in ("01", "02"):
                            rented = rng.random() < 0.14
                            homes.append(
                                Home(
                                    building=building,
                                    unit_no=unit_no,
                                    floor=floor,
                                    door=f"{floor}{door}",
                                    rented=rented,
                                    hazard=Home.Hazard.FIRE
                                    if rng.random() < 0.01
                                    else Home.Hazard.NONE,
                                )
                            )
        Home.objects.bulk_create(homes)
        for h, home in enumerate(homes):
            if rng.random() < 0.08:
                continue  # 空置
            size = rng.choice((1, 2, 2, 3, 3, 3, 4))
            moved_in = today - dt.timedelta(days=rng.randint(90, 9000))
            floating = home.rented and rng.random() < 0.7
            for member in range(size):
                age = rng.randint(28, 88) if member == 0 else rng.randint(1, 70)
                birth = today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
                male = rng.random() < 0.5
                serial += 1
                number = _id_number(rng, birth, male, serial)
                while number in taken:  # the same region, birthday and sequence: draw again
                    serial += 1
                    number = _id_number(rng, birth, male, serial)
                taken.add(number)
                phone = f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}"
                people.append(
                    Person(
                        name=_name(rng),
                        sex=Person.Sex.MALE if male else Person.Sex.FEMALE,
                        birth=birth,
                        id_number=number,
                        id_index="",  # filled below, once the keys are at hand
                        id_masked=mask_id(number),
                        phone=phone if member == 0 else "",
                        phone_masked=mask_phone(phone) if member == 0 else "",
                        person_type=Person.Type.FLOATING if floating else Person.Type.REGISTERED,
                        inflow=rng.choice(("01", "01", "03", "04", "06")) if floating else "",
                        community=community,
                    )
                )
                kind = Residence.Kind.RENT if home.rented else Residence.Kind.OWN
                residences.append(
                    (
                        len(people) - 1,
                        h,
                        {
                            "kind": kind,
                            "is_owner": member == 0 and not home.rented,
                            "relation": "" if member == 0 else rng.choice(RELATIONS),
                            "start": moved_in,
                        },
                    )
                )
        from chuangcheng.core.idcard import id_index

        for p in people:
            p.id_index = id_index(p.id_number)
            p.phone_index = phone_index(p.phone)  # bulk_create does not call save()
        Person.objects.bulk_create(people, batch_size=500)
        links = [Residence(person=people[p], home=homes[h], **f) for p, h, f in residences]
        # some earlier tenants who have moved out: their residence ends, their record stays
        for link in rng.sample(links, k=len(links) // 40):
            if link.kind == Residence.Kind.RENT:
                link.end = today - dt.timedelta(days=rng.randint(10, 300))
                link.start = min(link.start, link.end - dt.timedelta(days=200))
        Residence.objects.bulk_create(links, batch_size=1000)
        care = _registers(rng, today, people, links, grids)
        # the full demo: a year, each worker more or less diligent (so the ranking means
        # something); the quick one (tests): the last days, and since the first of last month
        walked = _patrols(rng, today, grids, days=365 if full else 2)
        if not full:
            walked += command_demo.patrol_history(today, grids)
    made = _events(grids)
    past = _year_of_events(rng, grids) if full and made else 0
    must = build_mustreport_demo(grids, today)  # 必报事项 and 季度更新 (grid/seed_mustreport.py)
    return {
        "people": len(people),
        "homes": len(homes),
        **care,
        "patrols": walked,
        "events": made,
        "events_year": past,
        **must,
    }


# (grid no., class, title, content, the road it takes as (action, data) steps, hours ago)
DEMO_EVENTS: list[tuple[int, str, str, str, list[tuple[str, dict[str, Any]]], int]] = [
    (1, "SJ04", "3号楼楼道堆放杂物", "3号楼2单元楼道内堆放纸箱、旧家具，影响通行", [("fix_on_spot", {"note": "已劝导住户清理，楼道畅通"}), ("rate", {"satisfaction": "satisfied"})], 30),
    (2, "SJ05", "小区路灯不亮", "仕奇小区5号楼前两盏路灯不亮", [("fix_on_spot", {"note": "已联系物业更换灯泡"}), ("rate", {"satisfaction": "satisfied"})], 50),
    (3, "MD02", "楼上漏水邻里纠纷", "4号楼602卫生间漏水至502，两户多次争吵", [("consult", {"attendees": "两户住户、物业公司、网格员", "agreement": "602 户三日内维修防水，物业协助；502 吊顶由 602 户承担"}), ("implement", {"note": "防水已维修，吊顶已修复"}), ("rate", {"satisfaction": "basic"})], 90),
    (4, "MD04", "物业停车收费争议", "业主对地面停车涨价有意见，十余户到物业反映", [("consult", {"attendees": "业主代表 5 人、物业公司、社区书记", "agreement": "暂缓涨价，下月召开业主大会表决"})], 20),
    (5, "SJ01", "燃气管道锈蚀", "8号楼外墙燃气立管锈蚀严重", [("escalate", {"reason": "需燃气公司检测更换，网格无法处置"})], 6),
    (6, "SJ04", "绿化带垃圾堆积", "小区东门外绿化带内堆积建筑垃圾约 2 立方", [("escalate", {"reason": "建筑垃圾需城管清运"}), ("assign_department", {"unit": "D-CG", "days": 3, "note": "请三个工作日内清运"})], 40),
    (7, "SJ04", "违规占道经营", "东门外早市摊贩占用人行道", [("escalate", {"reason": "需执法"}), ("assign_department", {"unit": "D-CG", "days": 5}), ("department_done", {"note": "已规范摊位至划定区域"}), ("rate", {"satisfaction": "satisfied"})], 120),
    (8, "SJ06", "独居老人家中水管爆裂", "11号楼独居老人家中水管爆裂，需帮助", [("fix_on_spot", {"note": "关闭总阀，联系志愿者维修"})], 3),
    (9, "SJ03", "楼道电动车充电", "12号楼楼道内私拉电线给电动车充电", [], 2),
]  # fmt: skip


def _events(grids: list[Region]) -> int:
    """A few events of the last days down each road (现场处置, 协商议事, 上报 → 部门), walked
    through the workflow by the grid's worker, the community and the department."""
    import datetime as _dt

    from chuangcheng.cases.models import Case
    from chuangcheng.cases.services import case_transition
    from chuangcheng.grid.events import event_report
    from chuangcheng.grid.workflow import KIND
    from chuangcheng.org.access import actor_for

    if Case.objects.filter(kind=KIND).exists():
        return 0
    users = get_user_model().objects
    community = actor_for(users.get(username="gd_sq"))
    department = users.filter(username="gd_cg").first()
    now = timezone.now()
    made = 0
    for n, category, title, content, steps, hours in DEMO_EVENTS:
        grid = grids[n - 1]
        worker = actor_for(users.get(username=f"gd_sq{n:02d}"))
        at = now - _dt.timedelta(hours=hours)
        case, _ = event_report(
            actor=worker,
            grid_id=grid.pk,
            category=category,
            scale="02" if "十余户" in content else "01",
            title=title,
            content=content,
            lat=grid.lat,
            lng=grid.lng,
            client_key=f"demo-event-{n}",
            now=at,
        )
        for action, data in steps:
            at += _dt.timedelta(hours=max(1, hours // (len(steps) + 1)))
            if action in ("fix_on_spot", "escalate"):
                who = worker
            elif action == "department_done":
                if department is None:
                    break
                who = actor_for(department)
            else:
                who = community
            if action == "assign_department":
                unit = Unit.objects.filter(code=str(data["unit"])).first()
                if unit is None:
                    break
                data = {**data, "unit": unit.pk}
            case_transition(case_id=case.pk, action=action, actor=who, data=data, now=min(at, now))
        made += 1
    return made


def _patrols(rng: random.Random, today: dt.date, grids: list[Region], *, days: int = 2) -> int:
    """Every grid worker's patrols at 08:00 and 15:00 of the last `days` days (and today's
    done), each a short route inside the grid of four points; about one in a hundred wanders
    out of its grid and is flagged, and one of the last three of worker 4 does."""
    from chuangcheng.grid.models import Patrol, PatrolPoint

    tz = dt.timezone(dt.timedelta(hours=8))
    posts = list(
        GridPost.objects.filter(grid__in=grids, kind=GridPost.Kind.FULL_TIME).select_related("grid")
    )
    now = dt.datetime.now(tz)
    slots = sorted(
        dt.datetime.combine(today - dt.timedelta(days=d), dt.time(h), tzinfo=tz)
        for d in range(days + 1)
        for h in (8, 15)
    )
    slots = [s for s in slots if s + dt.timedelta(hours=1, minutes=40) < now]
    notes = ("走访 10 户，无异常", "发现楼道堆物 1 处，已现场劝导清理", "提醒 2 户出租房登记")
    patrols: list[Patrol] = []
    routes: list[list[tuple[dt.datetime, float, float, bool]]] = []
    recent = dt.datetime.combine(today - dt.timedelta(days=2), dt.time(), tzinfo=tz)
    for n, post in enumerate(posts):
        grid = post.grid
        diligence = 1.0 - 0.035 * n - rng.uniform(0, 0.05)  # worker 1 misses least
        for k, slot in enumerate(slots):
            if slot < recent and rng.random() > diligence:
                continue  # a missed patrol (the last days are all walked)
            start = slot + dt.timedelta(minutes=rng.randint(0, 40))
            wander = (n == 3 and slot.hour == 15 and k >= len(slots) - 3) or rng.random() < 0.01
            route = []
            for i in range(4):
                far = wander and i >= 1
                lat = (grid.lat or 40.8) + (0.02 if far else rng.uniform(-0.0002, 0.0002))
                lng = (grid.lng or 111.7) + (0.02 if far else rng.uniform(-0.0002, 0.0002))
                route.append((start + dt.timedelta(minutes=15 * i), lat, lng, not far))
            outside = sum(1 for r in route if not r[3])
            patrols.append(
                Patrol(
                    user_id=post.user_id,
                    grid=grid,
                    started_at=start,
                    start_lat=route[0][1],
                    start_lng=route[0][2],
                    ended_at=route[-1][0],
                    end_lat=route[-1][1],
                    end_lng=route[-1][2],
                    points=len(route),
                    outside=outside,
                    flagged=outside > 0.2 * len(route),
                    note=rng.choice(notes),
                    client_key=f"demo-patrol-{post.pk}-{start:%Y%m%d%H}",
                )
            )
            routes.append(route)
    Patrol.objects.bulk_create(patrols, batch_size=1000)
    PatrolPoint.objects.bulk_create(
        [
            PatrolPoint(patrol=patrol, at=a, lat=la, lng=ln, inside=ins)
            for patrol, route in zip(patrols, routes, strict=True)
            for a, la, ln, ins in route
        ],
        batch_size=2000,
    )
    return len(patrols)


# a year of events, a few a month, down the three roads (class, title, content, steps)
YEAR_EVENTS: list[tuple[str, str, str, list[tuple[str, dict[str, Any]]]]] = [
    ("SJ04", "楼道堆放杂物", "楼道内堆放纸箱、旧家具，影响通行", [("fix_on_spot", {"note": "已劝导住户清理"}), ("rate", {"satisfaction": "satisfied"})]),
    ("SJ05", "单元门禁损坏", "单元门禁无法关闭", [("fix_on_spot", {"note": "已联系物业维修"}), ("rate", {"satisfaction": "satisfied"})]),
    ("MD02", "邻里噪音纠纷", "楼上住户夜间噪音，楼下多次投诉", [("consult", {"attendees": "两户住户、网格员、楼栋长", "agreement": "晚十点后不再装修、走动放轻"}), ("implement", {"note": "回访两户，已无噪音"}), ("rate", {"satisfaction": "basic"})]),
    ("MD04", "物业维修基金使用争议", "电梯维修费用分摊有争议", [("consult", {"attendees": "业主代表、物业公司、社区", "agreement": "按面积分摊，公示三日"}), ("implement", {"note": "已公示并完成维修"}), ("rate", {"satisfaction": "satisfied"})]),
    ("SJ04", "绿化带建筑垃圾", "绿化带内堆积建筑垃圾", [("escalate", {"reason": "需城管清运"}), ("assign_department", {"unit": "D-CG", "days": 3}), ("department_done", {"note": "已清运"}), ("rate", {"satisfaction": "satisfied"})]),
    ("SJ03", "楼道电动车充电", "楼道内私拉电线充电", [("fix_on_spot", {"note": "已劝导拆除，告知充电桩位置"}), ("rate", {"satisfaction": "basic"})]),
    ("SJ01", "井盖松动", "小区主路井盖松动有响声", [("escalate", {"reason": "需市政维修"}), ("assign_department", {"unit": "D-CG", "days": 5}), ("department_done", {"note": "已更换井盖"}), ("rate", {"satisfaction": "satisfied"})]),
    ("SJ06", "独居老人求助", "独居老人家中灯坏，无法自行更换", [("fix_on_spot", {"note": "志愿者上门更换"}), ("rate", {"satisfaction": "satisfied"})]),
]  # fmt: skip


def _year_of_events(rng: random.Random, grids: list[Region], per_month: int = 3) -> int:
    """Events over the last year (before the recent ones), `per_month` a month in turn down
    the three roads, reported by the grid's worker and walked through the workflow as the
    recent ones are; all closed by now."""
    from chuangcheng.cases.services import case_transition
    from chuangcheng.grid.events import event_report
    from chuangcheng.org.access import actor_for

    users = get_user_model().objects
    community = actor_for(users.get(username="gd_sq"))
    department = users.filter(username="gd_cg").first()
    cg = Unit.objects.filter(code="D-CG").first()
    if department is None or cg is None:
        return 0
    workers = {n: actor_for(users.get(username=f"gd_sq{n:02d}")) for n in range(1, len(grids) + 1)}
    now = timezone.now()
    made = 0
    for month in range(12, 0, -1):
        for k in range(per_month):
            category, title, content, steps = YEAR_EVENTS[
                (month * per_month + k) % len(YEAR_EVENTS)
            ]
            n = rng.randint(1, len(grids))
            grid = grids[n - 1]
            at = now - dt.timedelta(
                days=month * 30 - k * 9 - rng.randint(0, 6), hours=rng.randint(0, 8)
            )
            case, _ = event_report(
                actor=workers[n],
                grid_id=grid.pk,
                category=category,
                scale="01",
                title=title,
                content=content,
                lat=grid.lat,
                lng=grid.lng,
                client_key=f"demo-year-{month}-{k}",
                now=at,
            )
            for action, data in steps:
                at += dt.timedelta(hours=rng.randint(3, 30))
                who = {"fix_on_spot": workers[n], "escalate": workers[n]}.get(action, community)
                if action == "department_done":
                    who = actor_for(department)
                if action == "assign_department":
                    data = {**data, "unit": cg.pk}
                case_transition(case_id=case.pk, action=action, actor=who, data=data, now=at)
            made += 1
    return made


# the six ledgers of 六必访 in the seed community: 164 households in all
CARE_SIZES = {"dibao": 30, "disabled": 28, "empty_nest": 32, "very_old": 30, "single_parent": 20, "unemployed": 24}  # fmt: skip
VISIT_NOTES = [
    "身体状况良好，生活能自理",
    "血压偏高，已提醒按时服药",
    "家中燃气、用电检查无隐患",
    "子女每周来看望，情绪稳定",
    "行动不便，需要助餐服务",
    "反映楼道灯不亮，已报物业",
]


def _registers(
    rng: random.Random,
    today: dt.date,
    people: list[Person],
    links: list[Residence],
    grids: list[Region],
) -> dict[str, int]:
    """The care register (六必访, with visits over the last months, some overdue) and the
    control register (a few GB/T 31000 特殊人群)."""
    from chuangcheng.grid.models import CareEntry, CareTier, ControlEntry, Visit, VisitMethod

    tz = dt.timezone(dt.timedelta(hours=8))
    now = dt.datetime.combine(today, dt.time(10), tzinfo=tz)
    workers = {
        p.grid_id: p.user_id
        for p in GridPost.objects.filter(grid__in=grids, kind=GridPost.Kind.FULL_TIME)
    }
    grid_of = {link.person.pk: link.home.building.grid_id for link in links if link.end is None}
    current = [p for p in people if p.pk in grid_of]
    elderly = [p for p in current if p.birth and (today - p.birth).days > 75 * 365]
    chosen: set[int] = set()
    entries: list[CareEntry] = []
    for category, size in CARE_SIZES.items():
        pool = elderly if category in ("empty_nest", "very_old") else current
        picks = [p for p in rng.sample(pool, k=min(len(pool), size * 2)) if p.pk not in chosen][
            :size
        ]
        for p in picks:
            chosen.add(p.pk)
            old = p.birth is not None and (today - p.birth).days > 80 * 365
            tier = (
                CareTier.HIGH
                if old and rng.random() < 0.5
                else rng.choice((CareTier.KEY, CareTier.GENERAL))
            )
            entries.append(
                CareEntry(
                    person=p,
                    category=category,
                    tier=tier,
                    since=today - dt.timedelta(days=rng.randint(120, 900)),
                    changed_at=now - dt.timedelta(hours=rng.randint(2, 20))
                    if tier == CareTier.HIGH and rng.random() < 0.08
                    else None,
                    note="独居" if category == "empty_nest" and rng.random() < 0.4 else "",
                )
            )
    CareEntry.objects.bulk_create(entries)
    gaps: dict[str, int] = {CareTier.HIGH: 7, CareTier.KEY: 30, CareTier.GENERAL: 91}
    visits: list[Visit] = []
    for e in entries:
        visitor = workers.get(grid_of[e.person.pk])
        if visitor is None:
            continue
        gap = gaps[e.tier]
        # most are visited on time; about one in seven has slipped past its due
        last = now - dt.timedelta(days=rng.uniform(gap * 1.05, gap * 1.6) if rng.random() < 0.15 else rng.uniform(0.5, gap * 0.9))  # fmt: skip
        at = last
        # a year of them (or since registered), the gap kept or a little shorter
        back_to = max(
            now - dt.timedelta(days=365), dt.datetime.combine(e.since, dt.time(), tzinfo=tz)
        )
        while at > back_to:
            visits.append(
                Visit(
                    person=e.person,
                    visitor_id=visitor,
                    at=at,
                    method=VisitMethod.HOME
                    if e.tier == CareTier.HIGH
                    else rng.choice((VisitMethod.HOME, VisitMethod.HOME, VisitMethod.MESSAGE)),
                    found=rng.choice(VISIT_NOTES),
                    needs="助餐" if rng.random() < 0.05 else "",
                    client_key=f"demo-{e.person.pk}-{at:%Y%m%d%H%M}",
                )
            )
            at -= dt.timedelta(days=gap * rng.uniform(0.6, 0.95))
    Visit.objects.bulk_create(
        [v for v in visits if v.visitor_id is not None], ignore_conflicts=True
    )
    control = []
    for p in rng.sample([p for p in current if p.pk not in chosen], k=15):
        control.append(
            ControlEntry(
                person=p,
                type=rng.choice(ControlEntry.Type.values),
                attention=rng.choice(ControlEntry.Attention.values),
                source=rng.choice(ControlEntry.Source.values),
                since=today - dt.timedelta(days=rng.randint(30, 1500)),
                note=rng.choice(
                    ("已落实帮教责任人", "定期谈话，表现稳定", "已联系社区民警共同关注")
                ),
            )
        )
    ControlEntry.objects.bulk_create(control)
    return {"care": len(entries), "control": len(control), "visits": len(visits)}

"""Demo 必报事项 and 季度更新 for the seed community: a year of must-report items (about 150, a few
filed late, each landed in its ledger; the last hazards became 网格事件), two drafts of the first
grid's worker (one overdue) and the current quarter's refresh partly done. Deterministic; made
once."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction

from chuangcheng.core.idcard import check_char, id_index, mask_id
from chuangcheng.grid.models import (
    GridPost,
    Home,
    HomeCheck,
    IssueEntry,
    MustReport,
    Person,
    Pregnancy,
    RentalRecord,
    Residence,
)
from chuangcheng.grid.mustreport import EVENT_CLASS, limit_hours
from chuangcheng.grid.refresh import quarter_of, quarter_start
from chuangcheng.org.models import Region

TZ = dt.timezone(dt.timedelta(hours=8))
HAZARDS = [
    (IssueEntry.Type.FIRE, "楼道电动车充电", "楼道内私拉电线为电动车充电"),
    (IssueEntry.Type.SAFETY, "外墙瓷砖松动", "外墙瓷砖松动，有坠落危险"),
    (IssueEntry.Type.ORDER, "单元门禁损坏", "单元门禁损坏，外来人员随意进出"),
    (IssueEntry.Type.UNSTABLE, "拖欠工资聚集", "装修工人因拖欠工资在小区门口聚集"),
    (IssueEntry.Type.FIRE, "消防通道堆物", "消防通道堆放杂物"),
]
FACILITIES = [
    ("路灯不亮", "两盏路灯不亮"),
    ("健身器材损坏", "健身器材螺丝松脱"),
    ("井盖破损", "雨水井盖破损"),
    ("垃圾桶破损", "分类垃圾桶破损"),
]
NAMES = [
    "王丽",
    "李娜",
    "张敏",
    "刘洋",
    "陈静",
    "杨帆",
    "赵雪",
    "黄晓",
    "周燕",
    "吴倩",
    "徐婷",
    "孙悦",
]


def build_mustreport_demo(grids: list[Region], today: dt.date, seed: int = 1224) -> dict[str, int]:
    if not grids or MustReport.objects.filter(grid__in=grids).exists():
        return {"must_reports": 0}
    workers = {
        p.grid_id: p.user_id
        for p in GridPost.objects.filter(grid__in=grids, kind=GridPost.Kind.FULL_TIME)
    }
    if not workers:
        return {"must_reports": 0}
    rng = random.Random(seed)
    homes_of = {
        g.pk: list(Home.objects.filter(building__grid=g).select_related("building")) for g in grids
    }
    women_of: dict[int, list[Person]] = {}
    made = 0
    with transaction.atomic():
        for n in range(150):
            grid = grids[n % len(grids)]
            user = workers.get(grid.pk)
            if user is None:
                continue
            days_ago = rng.randint(1, 364)
            learned = dt.datetime.combine(
                today - dt.timedelta(days=days_ago), dt.time(rng.randint(8, 18)), tzinfo=TZ
            )
            kind = rng.choice(["hazard"] * 3 + ["facility"] * 3 + ["newcomer"] * 3 + ["rental"] * 2 + ["pregnancy"])  # fmt: skip
            due = learned + dt.timedelta(hours=limit_hours(kind))
            late = rng.random() < 0.06
            reported = due + dt.timedelta(hours=rng.randint(2, 30)) if late else (
                learned + dt.timedelta(hours=rng.randint(1, 20))
            )  # fmt: skip
            item = MustReport(
                kind=kind,
                grid=grid,
                reported_by_id=user,
                learned_at=learned,
                due_at=due,
                reported_at=reported,
                on_time=reported <= due,
                client_key=f"demo-mr-{n}",
            )
            home = rng.choice(homes_of[grid.pk]) if homes_of[grid.pk] else None
            if kind in ("hazard", "facility") or home is None:
                if kind == "hazard":
                    type_, place, text = rng.choice(HAZARDS)
                else:
                    item.kind = "facility"
                    type_, (place, text) = IssueEntry.Type.FACILITY, rng.choice(FACILITIES)
                issue = IssueEntry.objects.create(
                    grid=grid, type=type_, place=place, description=text, found_at=learned
                )
                item.issue, item.summary = issue, f"{IssueEntry.Type(type_).label}·{place}"
            elif kind == "newcomer":
                male = rng.random() < 0.5
                birth = dt.date(rng.randint(1970, 2004), rng.randint(1, 12), rng.randint(1, 28))
                body = f"152601{birth:%Y%m%d}{n % 100:02d}{rng.randrange(5) * 2 + int(male)}"
                number = body + check_char(body)
                if Person.objects.filter(id_index=id_index(number)).exists():
                    continue
                person = Person.objects.create(
                    name=rng.choice(NAMES) + "新",
                    sex=Person.Sex.MALE if male else Person.Sex.FEMALE,
                    birth=birth,
                    id_number=number,
                    id_index=id_index(number),
                    id_masked=mask_id(number),
                    person_type=Person.Type.FLOATING,
                    inflow=Person.Inflow.WORK,
                    community=grid.parent or grid,
                    confirmed_at=reported,
                )
                res = Residence.objects.create(
                    person=person, home=home, kind=Residence.Kind.RENT, start=learned.date()
                )
                item.home, item.person, item.residence = home, person, res
                item.summary = f"外来人口·{person.name}·{home}"
            elif kind == "rental":
                rental = RentalRecord.objects.create(
                    home=home,
                    landlord=rng.choice(NAMES),
                    tenant=rng.choice(NAMES),
                    start=learned.date(),
                    end=learned.date() + dt.timedelta(days=365),
                )
                Home.objects.filter(pk=home.pk).update(rented=True)
                item.home, item.rental, item.summary = home, rental, f"房屋出租·{home}"
            else:
                women = women_of.setdefault(grid.pk, _women(grid, today))
                woman = women.pop(rng.randrange(len(women))) if women else None
                if woman is None:
                    continue
                preg = Pregnancy.objects.create(
                    person=woman,
                    expected=learned.date() + dt.timedelta(days=rng.randint(120, 250)),
                    filed=rng.choice(Pregnancy.Filed.values),
                )
                item.person, item.pregnancy = woman, preg
                item.summary = f"新增孕妇·{woman.name}·预产期 {preg.expected:%Y-%m-%d}"
            item.save()
            made += 1
        _drafts(grids[0], workers.get(grids[0].pk), today)
        checks = _refresh(grids, workers, homes_of, today, rng)
    made += _recent_events(grids, workers)
    return {"must_reports": made, "home_checks": checks}


def _women(grid: Region, today: dt.date) -> list[Person]:
    return list(
        Person.objects.filter(
            sex=Person.Sex.FEMALE,
            birth__gte=today - dt.timedelta(days=40 * 365),
            birth__lte=today - dt.timedelta(days=20 * 365),
            residences__home__building__grid=grid,
            residences__end__isnull=True,
        )
        .distinct()
        .order_by("pk")[:40]
    )


def _drafts(grid: Region, user: int | None, today: dt.date) -> None:
    if user is None:
        return
    now = dt.datetime.now(TZ)
    for key, kind, summary, hours_ago in (
        ("demo-mr-draft-1", "newcomer", "2号楼302新住进一户租客（待核身份证）", 3),
        ("demo-mr-draft-2", "facility", "东门外路灯杆倾斜", 30),
    ):
        learned = now - dt.timedelta(hours=hours_ago)
        MustReport.objects.create(
            kind=kind,
            status=MustReport.Status.DRAFT,
            grid=grid,
            reported_by_id=user,
            learned_at=learned,
            due_at=learned + dt.timedelta(hours=limit_hours(kind)),
            summary=summary,
            client_key=key,
        )


def _refresh(
    grids: list[Region],
    workers: dict[int, int],
    homes_of: dict[int, list[Home]],
    today: dt.date,
    rng: random.Random,
) -> int:
    """Last quarter: every home confirmed; this quarter: from all to a third, grid by grid."""
    this_q, start = quarter_of(today), quarter_start(today)
    last_day = start - dt.timedelta(days=1)
    last_q = quarter_of(last_day)
    rows: list[HomeCheck] = []
    for g, grid in enumerate(grids):
        user = workers.get(grid.pk)
        if user is None:
            continue
        share = [0.6, 1.0, 0.9, 0.7, 0.33, 1.0, 0.4, 0.8, 0.5, 0.75][g % 10]
        for home in homes_of[grid.pk]:
            at = dt.datetime.combine(last_day - dt.timedelta(days=rng.randint(0, 40)), dt.time(10), tzinfo=TZ)  # fmt: skip
            rows.append(HomeCheck(home=home, quarter=last_q, confirmed_by_id=user, confirmed_at=at))
            if rng.random() < share and (today - start).days > 0:
                day = start + dt.timedelta(days=rng.randint(0, (today - start).days - 1))
                at = dt.datetime.combine(day, dt.time(15), tzinfo=TZ)
                rows.append(HomeCheck(home=home, quarter=this_q, confirmed_by_id=user, confirmed_at=at))  # fmt: skip
    HomeCheck.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def _recent_events(grids: list[Region], workers: dict[int, int]) -> int:
    """Two hazards of the last hours that needed handling: filed through the loop, so each is
    a 网格事件 as well."""
    from chuangcheng.grid.mustreport import report_file
    from chuangcheng.org.access import actor_for

    users = get_user_model().objects
    made = 0
    for n, (grid, type_, place, text) in enumerate(
        [
            (grids[1], IssueEntry.Type.FIRE, "7号楼地下室", "地下室堆放大量废旧纸箱，有火灾隐患"),
            (grids[2], IssueEntry.Type.SAFETY, "9号楼雨棚", "单元门雨棚支架锈断，随时可能掉落"),
        ]
    ):
        user = workers.get(grid.pk)
        if user is None or EVENT_CLASS.get(type_) is None:
            continue
        report_file(
            actor=actor_for(users.get(pk=user)),
            data={
                "kind": "hazard",
                "grid": grid.pk,
                "type": type_,
                "place": place,
                "description": text,
                "client_key": f"demo-mr-event-{n}",
            },
        )
        made += 1
    return made

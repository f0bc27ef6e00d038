"""统计分析: the figures of March 2024 on a small fixture, each expectation worked out by hand
below (never by the code under test); each person sees their own units only; a bad month is a
Chinese 400; the Excel export holds the same figures; who may open the page (a literal table)."""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from chuangcheng.cases.models import Case, CaseClock
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.org.access import actor_for
from chuangcheng.org.models import Membership, Unit
from chuangcheng.volunteer import stats
from chuangcheng.volunteer.models import (
    Campaign,
    CampaignCheckin,
    CampaignParticipant,
    HourEntry,
    PointAccount,
    PointEntry,
    Redemption,
    ServiceOrder,
    ServiceRecord,
    StarAward,
    StarNotice,
    Station,
    Team,
    Volunteer,
)
from chuangcheng.volunteer.roles import CENTRE, INSTITUTE
from chuangcheng.volunteer.seed import _id_number, build_volunteer_demo
from chuangcheng.volunteer.services import order_place, volunteer_register

TZ = timezone.get_fixed_timezone(8 * 60)


def at(day: int, hour: int = 10, month: int = 3) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, 0, tzinfo=TZ)


@pytest.fixture
def world(city: Any) -> dict[str, Any]:
    """March 2024 in 中山西路街道 (district 新城区... its 中心) and at 仕奇 (another district):

    volunteers registered by 10 Feb: A B C at 中山西路社区站 (home), D E at 海亮社区站 (hl),
    F at 仕奇社区站; G at home on 2 April (not yet registered in March).
    hours served in March: A 2.0 + 1.5 (home, team T1), B 3.0 (home), D 4.0 (hl),
    E 2.5 (at the 所, team T2), F 5.0 (仕奇); C 9.0 on 1 April (not March).
    orders placed in March: at home O1 closed ★5, O2 closed ★3, O3 rating, O4 review; at 仕奇
    O5 closed ★4. 接单 clocks (派单 → 接单): O1 2 h, O2 1 h, O3 4 h, O5 6 h; O4's clock (10 h,
    stopped by a refusal: the order was never taken) does not count.
    served in March (服务完成): O1 and O2 at home. Check-ins in March: 2 at home (A), one in
    April."""
    build_volunteer_demo(DEMO_PASSWORD)
    users = get_user_model().objects
    home = Station.objects.get(name="中山西路社区新时代文明实践站")
    hl = Station.objects.get(name="海亮社区新时代文明实践站")
    shiqi = Station.objects.get(name="仕奇社区新时代文明实践站")
    suo = Station.objects.get(name="中山西路街道新时代文明实践所")
    t1 = Team.objects.get(name="中山西路社区志愿服务队")
    t2 = Team.objects.get(name="中山西路街道理论宣讲志愿服务队")
    rng = random.Random(5)
    vols: dict[str, Volunteer] = {}
    for i, (key, st, when) in enumerate(
        [
            ("A", home, at(10, month=2)),
            ("B", home, at(10, month=2)),
            ("C", home, at(10, month=2)),
            ("D", hl, at(10, month=2)),
            ("E", hl, at(10, month=2)),
            ("F", shiqi, at(10, month=2)),
            ("G", home, at(2, month=4)),
        ]
    ):
        vols[key] = volunteer_register(
            station=st,
            name=f"测试{key}",
            id_number=_id_number(rng, 900 + i),
            phone=f"1390000{i:04d}",
            now=when,
        )
    for i, (key, st, team, day, hours) in enumerate(
        [
            ("A", home, t1, dt.date(2024, 3, 3), "2.0"),
            ("A", home, t1, dt.date(2024, 3, 10), "1.5"),
            ("B", home, None, dt.date(2024, 3, 15), "3.0"),
            ("D", hl, None, dt.date(2024, 3, 20), "4.0"),
            ("E", suo, t2, dt.date(2024, 3, 21), "2.5"),
            ("F", shiqi, None, dt.date(2024, 3, 5), "5.0"),
            ("C", home, t1, dt.date(2024, 4, 1), "9.0"),
        ]
    ):
        HourEntry.objects.create(
            volunteer=vols[key],
            hours=Decimal(hours),
            source=HourEntry.Source.LEADER,
            ref=f"test:{i}",
            field="other",
            content="测试",
            station=st,
            team=team,
            served_on=day,
            recorded_at=timezone.now(),
        )
    resident = users.get(username="vol_jm")
    actor = actor_for(resident)
    orders = {}
    for key, st, status, stars, take_hours in [
        ("O1", home, "closed", 5, 2),
        ("O2", home, "closed", 3, 1),
        ("O3", home, "rating", None, 4),
        ("O4", home, "review", None, 10),
        ("O5", shiqi, "closed", 4, 6),
    ]:
        case, _ = order_place(
            actor=actor,
            station_code=st.code,
            item_id=st.menu.first().pk,
            content="测试点单",
            phone="13904710000",
            client_key=f"stats-{key}",
            now=at(4),
        )
        Case.objects.filter(pk=case.pk).update(status=status)
        ServiceOrder.objects.filter(pk=case.pk).update(stars=stars)
        CaseClock.objects.create(
            case=case,
            name="take",
            started_at=at(5, 8),
            stopped_at=at(5, 8 + take_hours),
        )
        orders[key] = case
    for key, v in (("O1", "A"), ("O2", "B")):
        ServiceRecord.objects.create(
            order_id=orders[key].pk, volunteer=vols[v], hours=Decimal("1.0"), served_at=at(6)
        )
    c = Campaign.objects.create(
        station=suo, title="测试打卡", start=dt.date(2024, 3, 1), days=100, created_at=at(1)
    )
    u = users.create(username="vol_a")
    Volunteer.objects.filter(pk=vols["A"].pk).update(user=u)
    p = CampaignParticipant.objects.create(campaign=c, user=u, volunteer=vols["A"], joined_at=at(1))
    for i, day in enumerate((dt.date(2024, 3, 1), dt.date(2024, 3, 2), dt.date(2024, 4, 1))):
        CampaignCheckin.objects.create(
            campaign=c,
            participant=p,
            user=u,
            station=home,
            day=day,
            token=f"t{i}",
            checked_at=at(1),
        )

    # stars (each award closes its notice): A 1★ on 5 Feb and 2★ on 20 March, D 1★ in January,
    # F 3★ on 1 March (仕奇); B's notice open since 25 March; E's opened 28 March, awarded 3
    # April (so still in notice at the end of March)
    def notice(key: str, level: int, opened: dt.datetime, closed: dt.datetime | None) -> None:
        n = StarNotice.objects.create(
            volunteer=vols[key],
            level=level,
            hours=Decimal(100 * level),
            status="awarded" if closed else "open",
            opened_at=opened,
            ends_at=opened + dt.timedelta(days=7),
            closed_at=closed,
        )
        if closed is not None:
            StarAward.objects.create(
                volunteer=vols[key], level=level, hours=n.hours, notice=n, awarded_at=closed
            )

    notice("A", 1, at(29, month=1), at(5, month=2))
    notice("A", 2, at(12), at(20))
    notice("D", 1, at(2, month=1), at(10, month=1))
    notice("F", 3, at(20, month=2), at(1))
    notice("B", 1, at(25), None)
    notice("E", 1, at(28), at(3, month=4))
    # points: A earns 10 at home (3 Mar), spends 6 there (12 Mar, one redemption), 1 expires
    # (31 Mar), earns 5 in April; D gets a +2 adjustment at hl (15 Mar) and earned 4 in
    # February; F earns 7 at 仕奇 (5 Mar)
    accounts = {
        k: PointAccount.objects.create(volunteer=vols[k], name=vols[k].name, created_at=at(1))
        for k in "ADF"
    }
    clerk = users.create(username="clerk_t")
    for i, (k, kind, pts, st, when) in enumerate(
        [
            ("A", "earn", "10", home, at(3)),
            ("A", "spend", "-6", home, at(12)),
            ("A", "expire", "-1", home, at(31)),
            ("A", "earn", "5", home, at(2, month=4)),
            ("D", "adjust", "2", hl, at(15)),
            ("D", "earn", "4", hl, at(20, month=2)),
            ("F", "earn", "7", shiqi, at(5)),
        ]
    ):
        e = PointEntry.objects.create(
            account=accounts[k],
            kind=kind,
            points=Decimal(pts),
            balance_after=Decimal("0"),
            ref=f"stats:{i}",
            reason="测试",
            station=st,
            created_at=when,
        )
        if kind == "spend":
            Redemption.objects.create(
                account=accounts[k],
                station=st,
                number=f"T{i}",
                points=6,
                entry=e,
                clerk=clerk,
                created_at=when,
            )
    centre = suo.parent
    assert centre is not None
    Membership.objects.create(
        user=users.create(username="vol_centre"), role=CENTRE, unit=centre.unit
    )
    Membership.objects.create(
        user=users.create(username="zhan_hl"), role="vol_station", unit=hl.unit
    )
    Membership.objects.create(
        user=users.create(username="street_leader"),
        role="leader",
        unit=Unit.objects.get(code="S-150103004"),
    )
    other = Station.objects.get(level=Station.Level.INSTITUTE, name__startswith="人民路")
    Membership.objects.create(user=users.create(username="suo2"), role=INSTITUTE, unit=other.unit)
    return {"orders": orders}


def figures(username: str) -> dict[str, dict[str, Any]]:
    actor = actor_for(get_user_model().objects.get(username=username))
    return {s.key: s.__dict__ for s in stats.build(actor, stats.parse_month("2024-03"))}


def test_the_centres_figures(world: Any) -> None:
    f = figures("vol_centre")
    assert f["volunteers"]["figures"] == [
        ("注册志愿者（人）", 5),
        ("活跃志愿者（人）", 4),
        ("活跃率", "80.0%"),
        ("服务时长（小时）", Decimal("13.0")),
    ]
    assert f["by_team"]["rows"] == [
        ["中山西路社区志愿服务队", "中山西路社区新时代文明实践站", Decimal("3.5"), 2],
        ["中山西路街道理论宣讲志愿服务队", "中山西路街道新时代文明实践所", Decimal("2.5"), 1],
    ]
    by_station = {r[0]: (r[2], r[3]) for r in f["by_station"]["rows"]}
    assert by_station["中山西路社区新时代文明实践站"] == (3, Decimal("6.5"))
    assert by_station["海亮社区新时代文明实践站"] == (2, Decimal("4.0"))
    assert by_station["中山西路街道新时代文明实践所"] == (0, Decimal("2.5"))
    assert "仕奇社区新时代文明实践站" not in by_station
    assert f["by_street"]["rows"] == [
        ["中山西路街道", Decimal("13.0")],
        ["区级（中心）", Decimal("0")],
    ]
    orders = dict(f["orders"]["rows"])
    assert (orders["已完成"], orders["待评价"], orders["待审核"], orders["待派单"]) == (2, 1, 1, 0)
    assert f["orders"]["figures"] == [
        ("本月点单（件）", 4),
        ("已评价（件）", 2),
        ("好评率", "50.0%"),
        ("接单时间中位数", "2.0 小时"),
    ]
    ranking = [r[:7] for r in f["ranking"]["rows"][:2]]
    assert ranking == [
        [1, "中山西路社区新时代文明实践站", 3, Decimal("6.5"), Decimal("2.17"), 2, 2],
        [2, "海亮社区新时代文明实践站", 2, Decimal("4.0"), Decimal("2.00"), 0, 0],
    ]
    # the other 站 of the street: nobody registered by March, nothing served
    assert [r[2:] for r in f["ranking"]["rows"][2:]] == [[0, Decimal("0"), Decimal("0"), 0, 0]] * 3
    assert f["stars"]["rows"] == [
        ["★★★★★（5 星）", 0, "0.0%"],
        ["★★★★（4 星）", 0, "0.0%"],
        ["★★★（3 星）", 0, "0.0%"],  # F's is 仕奇's, another district
        ["★★（2 星）", 1, "20.0%"],
        ["★（1 星）", 1, "20.0%"],
        ["未评星", 3, "60.0%"],
    ]
    assert f["stars"]["figures"] == [
        ("星级志愿者（人）", 2),
        ("本月认定（人次）", 1),
        ("月末公示中（人）", 2),
    ]
    assert {r[0]: r[1:] for r in f["points"]["rows"]} == {
        "中山西路社区新时代文明实践站": [
            Decimal("10.0"),
            Decimal("0.0"),
            Decimal("6.0"),
            Decimal("1.0"),
            1,
        ],
        "海亮社区新时代文明实践站": [
            Decimal("0.0"),
            Decimal("2.0"),
            Decimal("0.0"),
            Decimal("0.0"),
            0,
        ],
    }
    assert f["points"]["figures"] == [
        ("本月发放积分", Decimal("10.0")),
        ("本月兑换积分", Decimal("6.0")),
        ("本月兑换笔数", 1),
    ]


def test_a_street_leader_and_a_station_see_their_own(world: Any) -> None:
    street = figures("street_leader")
    assert street["volunteers"]["figures"][:2] == [("注册志愿者（人）", 5), ("活跃志愿者（人）", 4)]
    assert street["by_street"]["rows"] == [["中山西路街道", Decimal("13.0")]]
    hl = figures("zhan_hl")
    assert hl["volunteers"]["figures"] == [
        ("注册志愿者（人）", 2),
        ("活跃志愿者（人）", 1),  # D; E served at the 所 (counted where the hours were)
        ("活跃率", "50.0%"),
        ("服务时长（小时）", Decimal("4.0")),
    ]
    assert hl["by_team"]["rows"] == []
    assert dict(hl["orders"]["rows"])["已完成"] == 0
    assert [r[1] for r in hl["ranking"]["rows"]] == ["海亮社区新时代文明实践站"]
    other = figures("suo2")  # 人民路街道: 仕奇 only
    assert other["volunteers"]["figures"][:2] == [("注册志愿者（人）", 1), ("活跃志愿者（人）", 1)]
    assert other["orders"]["figures"][2:] == [("好评率", "100.0%"), ("接单时间中位数", "6.0 小时")]


def test_the_city_leader_sees_everything(world: Any) -> None:
    f = figures("leader")
    assert f["volunteers"]["figures"] == [
        ("注册志愿者（人）", 6),
        ("活跃志愿者（人）", 5),
        ("活跃率", "83.3%"),
        ("服务时长（小时）", Decimal("18.0")),
    ]
    assert f["orders"]["figures"] == [
        ("本月点单（件）", 5),
        ("已评价（件）", 3),
        ("好评率", "66.7%"),
        ("接单时间中位数", "3.0 小时"),
    ]
    assert ["人民路街道", Decimal("5.0")] in f["by_street"]["rows"]
    assert [r[1] for r in f["stars"]["rows"]] == [0, 0, 1, 1, 1, 3]  # F's 3★ counts here
    assert f["stars"]["figures"][1:] == [("本月认定（人次）", 2), ("月末公示中（人）", 2)]
    assert f["points"]["figures"] == [
        ("本月发放积分", Decimal("17.0")),
        ("本月兑换积分", Decimal("6.0")),
        ("本月兑换笔数", 1),
    ]


def client(username: str | None) -> Client:
    c = Client()
    if username:
        c.force_login(get_user_model().objects.get(username=username))
    return c


PEOPLE = [
    "vol_jm",
    "vol_zyz",
    "vol_dz",
    "vol_zhan",
    "zhan_hl",
    "vol_suo",
    "suo2",
    "vol_centre",
    "leader",
    "street_leader",
    "dispatcher",
    None,
]


def test_who_may_open_the_statistics(world: Any) -> None:
    expected = {
        "vol_jm": 403,
        "vol_zyz": 403,
        "vol_dz": 403,
        "vol_zhan": 200,
        "zhan_hl": 200,
        "vol_suo": 200,
        "suo2": 200,
        "vol_centre": 200,
        "leader": 200,
        "street_leader": 200,
        "dispatcher": 403,
        None: 302,
    }
    for url in ("/volunteer/stats/?month=2024-03", "/volunteer/stats.xlsx?month=2024-03"):
        got = {who: client(who).get(url).status_code for who in PEOPLE}
        assert got == expected, url
    page = client("vol_centre").get("/volunteer/stats/?month=2024-03").content.decode()
    assert "2024年3月" in page and "中山西路社区新时代文明实践站" in page
    assert "仕奇社区新时代文明实践站" not in page


def test_a_bad_month_is_a_chinese_400(world: Any) -> None:
    for bad in ("2025-13", "三月", "2024/03", "1999-01"):
        r = client("vol_centre").get(f"/volunteer/stats/?month={bad}")
        assert r.status_code == 400 and "月份格式应为 YYYY-MM" in r.content.decode()
    nxt = timezone.localdate().replace(day=28) + dt.timedelta(days=5)
    r = client("vol_centre").get(f"/volunteer/stats.xlsx?month={nxt:%Y-%m}")
    assert r.status_code == 400 and "不能查看未来月份" in r.content.decode()


def test_the_workbook_holds_the_same_figures(world: Any) -> None:
    r = client("street_leader").get("/volunteer/stats.xlsx?month=2024-03")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == [
        "志愿者",
        "服务时长-按队伍",
        "服务时长-按站点",
        "服务时长-按街道",
        "志愿服务订单",
        "站点活跃度排名",
        "志愿者星级分布",
        "积分发放与兑换",
    ]
    rows = [tuple(row) for row in wb["志愿者"].iter_rows(values_only=True)]
    assert ("注册志愿者（人）", 5) in rows and ("服务时长（小时）", 13.0) in rows
    ranking = [tuple(row) for row in wb["站点活跃度排名"].iter_rows(values_only=True)]
    assert (1, "中山西路社区新时代文明实践站", 3, 6.5, 2.17, 2, 2) in ranking
    stars = [tuple(row) for row in wb["志愿者星级分布"].iter_rows(values_only=True)]
    assert ("★★（2 星）", 1, "20.0%") in stars and ("月末公示中（人）", 2, None) in stars
    points = [tuple(row) for row in wb["积分发放与兑换"].iter_rows(values_only=True)]
    assert ("中山西路社区新时代文明实践站", 10, 0, 6, 1, 1) in points


def test_people_without_a_statistics_role_have_no_scope(world: Any) -> None:
    for who in ("vol_jm", "vol_zyz", "dispatcher"):
        actor = actor_for(get_user_model().objects.get(username=who))
        assert not stats.scope_stations(actor).exists(), who

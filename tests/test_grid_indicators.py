"""网格 monthly indicators on a small hand-built October 2026 (仕奇社区's grids 1 and 2, their
workers' patrols, six events walked through the engine, seven people of the care register):
every figure written out here, month edges in Asia/Shanghai, the same overdue count as the visit
plan on the demo, the ranking page and its Excel export, and a constant number of queries."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from chuangcheng.cases.models import Case
from chuangcheng.cases.services import case_transition
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.grid import indicators, registers
from chuangcheng.grid.events import event_report
from chuangcheng.grid.models import (
    Building,
    CareEntry,
    Home,
    Patrol,
    Person,
    Residence,
    Visit,
)
from chuangcheng.grid.seed import _users, build_grid_demo
from chuangcheng.org.models import Membership, Region, Unit
from tests.conftest import actor
from tests.test_grid_ledger import login

TZ = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai has no summer time
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=TZ)


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


def users() -> Any:
    return get_user_model().objects


@pytest.fixture
def october(city: Any) -> dict[str, Any]:
    """Grids 1 and 2 of 仕奇社区 with the loop's people (no demo ledger, patrols or events)."""
    community = Region.objects.get(level=Region.Level.COMMUNITY, name="仕奇社区")
    grids = list(Region.objects.filter(parent=community, level=Region.Level.GRID).order_by("code"))
    _users(DEMO_PASSWORD, community, grids)
    street_unit = Unit.objects.get(region=community.parent, kind=Unit.Kind.STREET)
    cm = users().create(username="cm_lead", first_name="城管领导")
    cm.set_password(DEMO_PASSWORD)
    cm.save()
    Membership.objects.create(user=cm, role="cm_leader", unit=street_unit)
    g1, g2 = grids[0], grids[1]
    _patrols(g1, g2)
    events = _events(g1, g2)
    people = _care(g1)
    return {"grids": grids, "g1": g1, "g2": g2, "events": events, "people": people}


def _patrol(who: str, grid: Region, start: dt.datetime, *, ended: bool = True, **kw: Any) -> None:
    Patrol.objects.create(
        user=users().get(username=who),
        grid=grid,
        started_at=start,
        start_lat=grid.lat,
        start_lng=grid.lng,
        ended_at=start + dt.timedelta(minutes=40) if ended else None,
        end_lat=grid.lat if ended else None,
        end_lng=grid.lng if ended else None,
        client_key=f"{who}-{start.isoformat()}",
        **kw,
    )


def _patrols(g1: Region, g2: Region) -> None:
    w1 = "gd_sq01"
    for hour in (8, 12, 16):  # three on 1 October: two count
        _patrol(w1, g1, at(10, 1, hour))
    _patrol(w1, g1, at(10, 2, 8))  # counts
    _patrol(w1, g1, at(10, 2, 15), flagged=True)  # mostly outside the grid: does not count
    _patrol(w1, g1, at(10, 3, 8), ended=False)  # never ended: does not count
    # local days, not UTC days: 22:00 and 23:00 on the 4th and 01:00 on the 5th are the same
    # UTC day (14:00–17:00 UTC on the 4th), two local days: all three count
    _patrol(w1, g1, at(10, 4, 22))
    _patrol(w1, g1, at(10, 4, 23))
    _patrol(w1, g1, at(10, 5, 1))
    _patrol(w1, g1, at(10, 31, 23, 30))  # the month's last half hour: counts
    _patrol(w1, g1, at(11, 1, 0, 10))  # November
    _patrol(w1, g1, at(9, 30, 23, 50))  # September
    _patrol("gd_sqld", g1, at(10, 6, 9))  # a 楼栋长: no 专职 post, not counted
    _patrol("gd_sq02", g2, at(10, 10, 8))
    _patrol("gd_sq02", g2, at(10, 10, 15))
    _patrol("gd_sq02", g1, at(10, 11, 8))  # in a grid where gd_sq02 holds no post


def _report(who: str, grid: Region, when: dt.datetime, key: str) -> Case:
    case, _ = event_report(
        actor=actor(who),
        grid_id=grid.pk,
        category="SJ04",
        scale="01",
        title=f"事件 {key}",
        content="楼道堆放杂物",
        lat=grid.lat,
        lng=grid.lng,
        client_key=key,
        now=when,
    )
    return case


def _step(case: Case, action: str, who: str, when: dt.datetime, **data: Any) -> None:
    case_transition(case_id=case.pk, action=action, actor=actor(who), data=data, now=when)


def _events(g1: Region, g2: Region) -> dict[str, Case]:
    dept = Unit.objects.get(code="D-CG")
    e1 = _report("gd_sq01", g1, at(10, 2, 9), "e1")  # 现场处置 in an hour, 满意
    _step(e1, "fix_on_spot", "gd_sq01", at(10, 2, 10), note="已清理")
    _step(e1, "rate", "gd_sq", at(10, 3), satisfaction="satisfied")
    e2 = _report("gd_sq01", g1, at(10, 5, 9), "e2")  # 协商议事 after 48 h (响应 late), 基本满意
    _step(e2, "consult", "gd_sq", at(10, 7, 9), attendees="居民代表 3 人", agreement="统一清理")
    _step(e2, "implement", "gd_sq", at(10, 8), note="已落实")
    _step(e2, "rate", "gd_sq", at(10, 9), satisfaction="basic")
    e3 = _report("gd_sq01", g1, at(10, 12, 9), "e3")  # 上报 → 部门 3 days, done late, 不满意
    _step(e3, "escalate", "gd_sq01", at(10, 12, 12), reason="需城管清运")
    _step(e3, "assign_department", "gd_sq", at(10, 13), unit=dept.pk, days=3)
    _step(e3, "department_done", "gd_cg", at(10, 26), note="已清运")
    _step(e3, "rate", "gd_sq", at(10, 27), satisfaction="unsatisfied")
    e4 = _report("gd_sq01", g1, at(10, 20), "e4")  # reported in October, closed in November
    _step(e4, "fix_on_spot", "gd_sq01", at(10, 20, 11), note="已处置")
    _step(e4, "rate", "gd_sq", at(11, 1, 0, 30), satisfaction="satisfied")
    e5 = _report("gd_sq01", g1, at(9, 30, 23, 30), "e5")  # reported in September, closed in Oct
    _step(e5, "fix_on_spot", "gd_sq01", at(10, 1, 8), note="已处置")
    _step(e5, "rate", "gd_sq", at(10, 1, 12), satisfaction="satisfied")
    e6 = _report("gd_sq02", g2, at(10, 15), "e6")  # 作废: reported, never closed
    _step(e6, "void", "gd_sq", at(10, 16), reason="不属于网格事件")
    return {"e1": e1, "e2": e2, "e3": e3, "e4": e4, "e5": e5, "e6": e6}


def _care(g1: Region) -> dict[str, Person]:
    building = Building.objects.create(grid=g1, number="00001", name="1号楼")
    worker = users().get(username="gd_sq01")
    out: dict[str, Person] = {}

    def person(key: str, tier: str, since: dt.date, **entry: Any) -> Person:
        p = Person.objects.create(name=f"关爱{key}", sex="f", community=g1.parent)
        home = Home.objects.create(building=building, unit_no="1", door=f"10{len(out) + 1}")
        Residence.objects.create(person=p, home=home, kind="01", start=dt.date(2020, 1, 1))
        CareEntry.objects.create(person=p, category="empty_nest", tier=tier, since=since, **entry)
        out[key] = p
        return p

    def visit(p: Person, when: dt.datetime, method: str = "home") -> None:
        Visit.objects.create(
            person=p,
            visitor=worker,
            at=when,
            method=method,
            found="身体尚可",
            client_key=f"v-{p.pk}-{when.isoformat()}-{method}",
        )

    p1 = person("P1", "high", dt.date(2026, 9, 1))
    visit(p1, at(10, 28))  # due 4 November: covered
    p2 = person("P2", "high", dt.date(2026, 9, 1))
    visit(p2, at(10, 20))  # due 27 October: overdue …
    visit(p2, at(10, 28), "message")  # … a message does not count for 高风险 …
    visit(p2, at(11, 1, 9))  # … and November's visit comes after the month
    person("P3", "key", dt.date(2026, 10, 20))  # registered 20 October, due 19 November: covered
    p4 = person("P4", "general", dt.date(2026, 1, 1))
    visit(p4, at(9, 1), "hotline")  # 一般: any method, due 1 December: covered
    p5 = person("P5", "high", dt.date(2026, 9, 1), changed_at=at(10, 30, 20))
    visit(p5, at(10, 30, 10))  # changed after the visit: due 31 October 20:00: overdue
    person("P6", "key", dt.date(2026, 9, 1), until=dt.date(2026, 10, 15))  # left the register
    p7 = person("P7", "high", dt.date(2026, 9, 1))  # moved out of the grid on 10 October
    Residence.objects.filter(person=p7).update(end=dt.date(2026, 10, 10))
    return out


def row(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, match
    return found[0]


def test_every_figure_of_october_by_grid_and_worker(october: dict[str, Any]) -> None:
    month = indicators.parse_month("2026-10", now=NOW)
    assert (month.days, month.until) == (31, at(11, 1, 0))
    table = indicators.month_indicators(actor("gd_sq"), month)
    assert len(table.grids) == 10
    g1 = row(table.grids, id=october["g1"].pk)
    # 巡查: 2 (1 Oct) + 1 (2 Oct) + 3 (4th/5th, local days) + 1 (31 Oct) = 7 of 2 × 31
    assert (g1["patrol_num"], g1["patrol_den"], g1["patrol"]) == (7, 62, round(7 / 62, 4))
    assert g1["reported"] == 4  # e1–e4 (e5 was reported in September)
    # closed in October: e1, e2, e3, e5 (e4 closed on 1 November, e6 voided)
    assert (g1["self_num"], g1["self_den"], g1["self"]) == (3, 4, 0.75)  # 协商议事 counts
    assert (g1["on_time_num"], g1["on_time_den"], g1["on_time"]) == (2, 4, 0.5)  # e2, e3 late
    assert (g1["satisfaction_num"], g1["satisfaction_den"]) == (3, 4)
    assert (g1["care_num"], g1["care_den"], g1["care"]) == (3, 5, 0.6)
    g2 = row(table.grids, id=october["g2"].pk)
    assert (g2["patrol_num"], g2["patrol_den"], g2["reported"]) == (2, 62, 1)
    assert (g2["self"], g2["on_time"], g2["satisfaction"], g2["care"]) == (None, None, None, None)
    w1 = row(table.workers, name="网格员01")
    assert (w1["patrol_num"], w1["patrol_den"], w1["reported"], w1["self_den"]) == (7, 62, 4, 4)
    assert (w1["care_num"], w1["care_den"]) == (3, 5)
    w2 = row(table.workers, name="网格员02")
    assert (w2["patrol_num"], w2["reported"], w2["self_den"]) == (2, 1, 0)
    # ranked by 巡查完成率: grid 1, then grid 2, then the grids with none (by code)
    assert [r["id"] for r in table.grids[:2]] == [october["g1"].pk, october["g2"].pk]
    assert [r["rank"] for r in table.grids] == list(range(1, 11))


def test_the_street_sees_the_same_and_a_worker_only_their_grid(october: dict[str, Any]) -> None:
    month = indicators.parse_month("2026-10", now=NOW)
    street = indicators.month_indicators(actor("gd_rml"), month)
    g1 = row(street.grids, id=october["g1"].pk)
    assert (g1["patrol_num"], g1["reported"], g1["on_time_num"], g1["care_num"]) == (7, 4, 2, 3)
    mine = indicators.month_indicators(actor("gd_sq02"), month)
    assert [r["id"] for r in mine.grids] == [october["g2"].pk]
    assert [r["name"] for r in mine.workers] == ["网格员02"]
    for nobody in ("dispatcher", "citizen", "cm_lead", "gd_cg"):
        empty = indicators.month_indicators(actor(nobody), month)
        assert (empty.grids, empty.workers) == ([], [])


def test_november_so_far_counts_the_days_until_today(october: dict[str, Any]) -> None:
    month = indicators.parse_month("2026-11", now=NOW)
    assert (month.days, month.until) == (20, NOW)
    table = indicators.month_indicators(actor("gd_sq"), month)
    g1 = row(table.grids, id=october["g1"].pk)
    # the patrol at 00:10 on 1 November; e4 closed at 00:30 on 1 November (满意, on time)
    assert (g1["patrol_num"], g1["patrol_den"]) == (1, 40)
    assert (g1["reported"], g1["self_den"], g1["on_time_num"], g1["satisfaction_num"]) == (
        0,
        1,
        1,
        1,
    )


def test_month_edges_in_shanghai_time() -> None:
    # 00:30 on 1 December in Shanghai is still 30 November in UTC: November is the last full month
    assert indicators.parse_month("", now=dt.datetime(2026, 12, 1, 0, 30, tzinfo=TZ)).label == (
        "2026-11"
    )
    assert indicators.parse_month(None, now=NOW).label == "2026-10"
    jan = indicators.parse_month("", now=dt.datetime(2027, 1, 15, tzinfo=TZ))
    assert (jan.label, jan.days, jan.start) == (
        "2026-12",
        31,
        dt.datetime(2026, 12, 1, tzinfo=TZ),
    )
    feb = indicators.parse_month("2026-02", now=NOW)
    assert (feb.days, feb.end) == (28, dt.datetime(2026, 3, 1, tzinfo=TZ))


@pytest.mark.parametrize(
    "raw", ["2026-13", "2026-00", "2026/10", "202610", "十月", "1999-12", "2026-12", "2027-01"]
)
def test_a_bad_or_future_month_is_refused_in_chinese(raw: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        indicators.parse_month(raw, now=NOW)
    assert "月" in err.value.message


def test_coverage_agrees_with_the_visit_plan_on_the_demo(city: Any) -> None:
    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    grids = list(Region.objects.filter(parent__name="仕奇社区", level=Region.Level.GRID))
    now = timezone.now()
    plan = registers.visit_plan(actor("gd_sq"))
    overdue = registers.overdue_counts(plan, now)
    people = {g.pk: 0 for g in grids}
    for d in plan:
        people[d.grid.pk] += 1
    coverage = indicators.care_coverage([g.pk for g in grids], now)
    assert sum(people.values()) > 20
    for g in grids:
        ok, total = coverage.get(g.pk, (0, 0))
        assert (total, total - ok) == (people[g.pk], overdue.get(g.pk, 0)), g.name


def test_the_queries_do_not_grow_with_the_grids(october: dict[str, Any]) -> None:
    month = indicators.parse_month("2026-10", now=NOW)
    community, worker = actor("gd_sqzz"), actor("gd_sq01")
    with CaptureQueriesContext(connection) as few:
        indicators.month_indicators(community, month)  # 10 grids
    with CaptureQueriesContext(connection) as one:
        indicators.month_indicators(worker, month)  # 1 grid
    assert len(few) == len(one) <= 11  # 9 + 必报及时率's 2


def test_the_ranking_page_and_its_excel(october: dict[str, Any]) -> None:
    client = login("gd_sq")
    resp = client.get("/grid/ranking/?month=2026-10&by=on_time")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "按期办结率" in body and "仕奇社区第1网格" in body and "gd-chart-data" in body
    assert resp.context["table"].grids[0]["id"] == october["g1"].pk  # the only one with a rate
    resp = client.get("/grid/ranking.xlsx?month=2026-10")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["网格", "网格员"]
    head = [c.value for c in wb["网格"][1]]
    first = dict(zip(head, [c.value for c in wb["网格"][2]], strict=True))
    assert first["网格"] == "仕奇社区第1网格" and first["上报事件数"] == 4
    assert (first["完成巡查"], first["应巡查"]) == (7, 62)
    assert (first["网格内处置"], first["办结事件"]) == (3, 4)
    workers = [[c.value for c in r] for r in wb["网格员"].iter_rows(min_row=2)]
    assert len(workers) == 10


@pytest.mark.parametrize(
    "query,message",
    [
        ("month=2026-13", "月份格式"),
        ("month=abc", "月份格式"),
        ("month=2099-01", "未来月份"),
        ("by=nothing", "排序指标"),
    ],
)
def test_bad_input_on_the_ranking_page_is_a_400(
    october: dict[str, Any], query: str, message: str
) -> None:
    for url in ("/grid/ranking/", "/grid/ranking.xlsx"):
        resp = login("gd_rml").get(f"{url}?{query}")
        assert resp.status_code == 400 and message in resp.content.decode(), url


# who opens the map and the ranking (stated here): anonymous goes to the login page
PAGES = {
    "gd_sq01": (200, 403),  # 专职网格员: the map of their own grid
    "gd_sq02": (200, 403),
    "gd_sqld": (200, 403),  # 楼栋长
    "gd_sq": (200, 200),  # 社区工作人员
    "gd_sqzz": (200, 200),  # 综治专干
    "gd_rml": (200, 200),  # 街道网格中心
    "gd_cg": (403, 403),  # 承办部门
    "dispatcher": (403, 403),  # 12345
    "cm_lead": (403, 403),  # 城管
    "citizen": (403, 403),
}


@pytest.mark.parametrize("who", list(PAGES))
def test_who_opens_the_map_and_the_ranking(october: dict[str, Any], who: str) -> None:
    client = login(who)
    expect_map, expect_rank = PAGES[who]
    assert client.get("/grid/map/").status_code == expect_map
    assert client.get("/grid/map.json").status_code == expect_map
    assert client.get("/grid/ranking/?month=2026-10").status_code == expect_rank
    assert client.get("/grid/ranking.xlsx?month=2026-10").status_code == expect_rank


def test_anonymous_is_sent_to_login(october: dict[str, Any]) -> None:
    from django.test import Client

    for url in ("/grid/map/", "/grid/map.json", "/grid/ranking/", "/grid/ranking.xlsx"):
        resp = Client().get(url)
        assert resp.status_code == 302 and "/login/" in resp["Location"], url


def test_the_map_data_of_a_worker_and_of_the_community(city: Any) -> None:
    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    mine = login("gd_sq01").get("/grid/map.json").json()
    assert [g["name"] for g in mine["grids"]] == ["仕奇社区第1网格"]
    assert all(e["grid"] == mine["grids"][0]["id"] for e in mine["events"])
    assert all(p["grid"] == mine["grids"][0]["id"] for p in mine["patrols"])
    data = login("gd_sq").get("/grid/map.json").json()
    assert len(data["grids"]) == 10
    # every grid is drawn as a polygon of its own
    assert all(g["geometry"]["type"] in ("Polygon", "MultiPolygon") for g in data["grids"])
    open_cases = Case.objects.filter(
        kind="gridevent", status__in=["reported", "agreed", "escalated", "department", "rating"]
    )
    assert len(data["events"]) == open_cases.count() > 0
    assert {e["light"] for e in data["events"]} <= {"red", "yellow", "green", ""}
    assert sum(g["open_events"] for g in data["grids"]) == open_cases.count()
    today = timezone.localdate()
    todays = Patrol.objects.filter(started_at__date=today).count()
    assert len(data["patrols"]) == sum(g["patrols"] for g in data["grids"]) == todays
    assert all(len(p["route"]) >= 1 for p in data["patrols"])
    plan = registers.visit_plan(actor("gd_sq"))
    overdue = registers.overdue_counts(plan, timezone.now())
    assert {g["id"]: g["overdue_visits"] for g in data["grids"] if g["overdue_visits"]} == overdue
    # the demo's patrol history gives the default month (the last full one) its figures
    table = indicators.month_indicators(actor("gd_sq"), indicators.parse_month(""))
    assert all(0.3 < (g["patrol"] or 0) <= 1 for g in table.grids)
    assert len({g["patrol"] for g in table.grids}) > 3  # the workers differ


def test_the_monthly_table_in_the_report_archive(october: dict[str, Any]) -> None:
    from chuangcheng.core import reports
    from chuangcheng.core.errors import PermissionDenied

    report, queued = reports.report_request(actor("gd_sq"), "grid.monthly", {"month": "2026-10"})
    assert queued and report.title == "网格月度指标 2026年10月"
    assert reports.run_build(report.pk) == "done"
    report.refresh_from_db()
    wb = load_workbook(report.file.open("rb"))
    head = [c.value for c in wb["网格"][1]]
    first = dict(zip(head, [c.value for c in wb["网格"][2]], strict=True))
    assert (first["网格"], first["完成巡查"], first["应巡查"], first["上报事件数"]) == (
        "仕奇社区第1网格",
        7,
        62,
        4,
    )
    # the 综治专干 reads the same grids: the same archive; the street its own
    assert list(reports.reports_visible_to(actor("gd_sqzz"))) == [report]
    assert list(reports.reports_visible_to(actor("gd_rml"))) == []
    for who in ("gd_sq01", "gd_sqld", "dispatcher", "cm_lead", "citizen"):
        assert list(reports.reports_visible_to(actor(who))) == []
    with pytest.raises(PermissionDenied):
        reports.report_request(actor("gd_sq01"), "grid.monthly", {"month": "2026-10"})
    with pytest.raises(ValidationFailed):
        reports.report_request(actor("gd_sq"), "grid.monthly", {"month": "2026-13"})

"""The 网格化 reads through /api/v1/grid/ (grids, patrols, events, people, visits, indicators):
who gets what (every kind of user, expected answers written here), each list scoped, the ledger
search masked and logged, pages and bad input (400 in Chinese), and the event report (POST on
the same path) unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from chuangcheng.grid.models import Home, Person, PersonRead, Residence
from tests.test_grid_indicators import october  # noqa: F401  (fixture)

ENDPOINTS = ["grids", "patrols", "events", "people?q=关爱", "visits", "indicators?month=2026-10"]
# who → status per endpoint, in ENDPOINTS' order (stated here, not read from the code)
MATRIX: dict[str | None, list[int]] = {
    "gd_sq01": [200, 200, 200, 200, 200, 403],  # 专职网格员
    "gd_sq02": [200, 200, 200, 200, 200, 403],  # 专职网格员 of another grid
    "gd_sqld": [200, 200, 200, 200, 200, 403],  # 楼栋长
    "gd_sq": [200, 200, 200, 200, 200, 200],  # 社区工作人员
    "gd_sqzz": [200, 200, 200, 200, 200, 200],  # 综治专干
    "gd_rml": [200, 200, 200, 200, 200, 200],  # 街道网格中心
    "gd_cg": [403, 403, 200, 403, 403, 403],  # 承办部门: its events only
    "dispatcher": [403, 403, 403, 403, 403, 403],  # 12345
    "cm_lead": [403, 403, 403, 403, 403, 403],  # 城管
    "citizen": [403, 403, 403, 403, 403, 403],
    None: [401, 401, 401, 401, 401, 401],  # anonymous
}
# how many grids each reads
GRIDS = {"gd_sq01": 1, "gd_sq02": 1, "gd_sqld": 1, "gd_sq": 10, "gd_sqzz": 10, "gd_rml": 10}


@pytest.mark.parametrize("who", list(MATRIX))
def test_who_reads_what(october: dict[str, Any], api: Any, who: str | None) -> None:  # noqa: F811
    client = api(who)
    reads = PersonRead.objects.count()
    for url, expected in zip(ENDPOINTS, MATRIX[who], strict=True):
        resp = client.get(f"/api/v1/grid/{url}")
        assert resp.status_code == expected, (who, url, resp.content[:200])
    if who in GRIDS:
        assert client.get("/api/v1/grid/grids").json()["count"] == GRIDS[who]
    if MATRIX[who][3] != 200:  # a refused ledger search logs no read
        assert PersonRead.objects.count() == reads


def test_grids_with_their_worker_and_counts(october: dict[str, Any], api: Any) -> None:  # noqa: F811
    body = api("gd_sq").get("/api/v1/grid/grids?page_size=3").json()
    assert (body["count"], body["page"], body["page_size"], len(body["results"])) == (10, 1, 3, 3)
    g1 = body["results"][0]
    assert (g1["code"], g1["name"], g1["workers"]) == (
        october["g1"].code,
        "仕奇社区第1网格",
        ["网格员01"],
    )
    # 1 building, 7 homes, 6 living there now (P7 moved out); no open event (all closed)
    assert (g1["buildings"], g1["homes"], g1["people"], g1["open_events"]) == (1, 7, 6, 0)
    assert api("gd_sq").get("/api/v1/grid/grids?page=2&page_size=3").json()["results"][0][
        "name"
    ] == ("仕奇社区第4网格")


def test_patrols_scoped_and_filtered_by_local_date(october: dict[str, Any], api: Any) -> None:  # noqa: F811
    mine = api("gd_sq01").get("/api/v1/grid/patrols?date=2026-10-04").json()
    assert [p["started_at"][11:16] for p in mine["results"]] == ["23:00", "22:00"]
    # gd_sq02: their own three (two in grid 2, one in grid 1) — nothing else of grid 1
    other = api("gd_sq02").get("/api/v1/grid/patrols").json()
    assert other["count"] == 3
    g2 = october["g2"].pk
    only = api("gd_sq").get(f"/api/v1/grid/patrols?grid={g2}").json()
    assert only["count"] == 2 and {p["grid"] for p in only["results"]} == {g2}
    assert api("gd_sq").get("/api/v1/grid/patrols").json()["count"] == 16


def test_events_list_scoped_and_the_report_still_posts(october: dict[str, Any], api: Any) -> None:  # noqa: F811
    numbers = {k: c.number for k, c in october["events"].items()}

    def seen(who: str, query: str = "status=all") -> set[str]:
        body = api(who).get(f"/api/v1/grid/events?{query}").json()
        return {e["number"] for e in body["results"]}

    assert seen("gd_sq01") == {numbers[k] for k in ("e1", "e2", "e3", "e4", "e5")}
    assert seen("gd_sq02") == {numbers["e6"]}
    assert seen("gd_sq") == set(numbers.values())
    assert seen("gd_cg") == {numbers["e3"]}
    assert seen("gd_sq") == seen("gd_rml")
    assert seen("gd_sq", "status=void") == {numbers["e6"]}
    assert seen("gd_sq", "status=open") == set()
    e3 = next(
        e
        for e in api("gd_sq").get("/api/v1/grid/events?status=closed").json()["results"]
        if e["number"] == numbers["e3"]
    )
    assert (e3["road"], e3["satisfaction"], e3["status_label"]) == (
        "escalate",
        "unsatisfied",
        "已办结",
    )
    g1 = october["g1"]
    form = {
        "grid": g1.pk,
        "category": "SJ05",
        "title": "路灯不亮",
        "content": "3号楼前路灯不亮",
        "lat": g1.lat,
        "lng": g1.lng,
        "client_key": "api-read-1",
    }
    client = api("gd_sq01")
    first = client.post("/api/v1/grid/events", form, format="json")
    again = client.post("/api/v1/grid/events", form, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert seen("gd_sq01", "status=open") == {first.json()["number"]}


def test_the_ledger_search_is_masked_scoped_and_logged(october: dict[str, Any], api: Any) -> None:  # noqa: F811
    g1 = october["g1"]
    home = Home.objects.filter(building__grid=g1).first()
    assert home is not None
    people = {}
    for name, phone in (("王电话", "13800001234"), ("李电话", "13899991234")):  # same mask
        p = Person(name=name, sex="m", community=g1.parent, phone=phone, phone_masked="138****1234")
        p.save()  # (save keeps the phone's blind index)
        Residence.objects.create(person=p, home=home, kind="02", start="2024-01-01")
        people[name] = p
    before = PersonRead.objects.count()
    body = api("gd_sq01").get("/api/v1/grid/people?q=138 0000 1234").json()
    assert [r["name"] for r in body["results"]] == ["王电话"]
    assert body["results"][0]["phone_masked"] == "138****1234"
    assert "13800001234" not in str(body)
    assert PersonRead.objects.count() == before + 1  # a phone search says whose number it is
    read = PersonRead.objects.order_by("-pk").first()
    assert read is not None
    assert (read.person_id, read.user.username, read.what) == (
        people["王电话"].pk,
        "gd_sq01",
        "按电话号码查找",
    )
    found = api("gd_sq01").get("/api/v1/grid/people?q=关爱&page_size=5").json()
    assert (found["count"], len(found["results"])) == (7, 5)  # P7 lived there before
    assert PersonRead.objects.count() == before + 1  # names: the ledger shows them anyway
    assert api("gd_sq02").get("/api/v1/grid/people?q=关爱").json()["count"] == 0
    assert api("gd_rml").get("/api/v1/grid/people?q=李电").json()["count"] == 1  # a name's start
    assert api("gd_rml").get("/api/v1/grid/people?q=电话").json()["count"] == 0  # not its middle


def test_visits_scoped(october: dict[str, Any], api: Any) -> None:  # noqa: F811
    assert api("gd_sq01").get("/api/v1/grid/visits").json()["count"] == 6
    assert api("gd_sq02").get("/api/v1/grid/visits").json()["count"] == 0
    p2 = october["people"]["P2"]
    body = api("gd_sqzz").get(f"/api/v1/grid/visits?person={p2.pk}").json()
    assert [v["method"] for v in body["results"]] == ["home", "message", "home"]
    day = api("gd_sq").get("/api/v1/grid/visits?date=2026-11-01").json()
    assert [v["name"] for v in day["results"]] == ["关爱P2"]


def test_indicators_api(october: dict[str, Any], api: Any) -> None:  # noqa: F811
    body = api("gd_rml").get("/api/v1/grid/indicators?month=2026-10&by=care").json()
    assert (body["month"], body["days"]) == ("2026-10", 31)
    assert [c["key"] for c in body["columns"]] == [
        "patrol",
        "self",
        "on_time",
        "satisfaction",
        "care",
        "must_report",
    ]
    first = body["grids"][0]
    assert (first["id"], first["care"], first["rank"]) == (october["g1"].pk, 0.6, 1)
    assert (first["self"], first["on_time"], first["reported"]) == (0.75, 0.5, 4)
    assert len(body["workers"]) == 10


@pytest.mark.parametrize(
    "url,words",
    [
        ("indicators?month=2026-13", "月份格式"),
        ("indicators?month=2099-01", "未来月份"),
        ("indicators?by=x", "排序指标"),
        ("grids?page=abc", "页码"),
        ("grids?page=0", "页码"),
        ("patrols?date=2026-02-30", "日期格式"),
        ("patrols?grid=x", "网格"),
        ("events?status=nothing", "未知的状态"),
        ("events?grid=-1", "网格"),
        ("people?q=", "请输入姓名"),
        ("visits?person=abc", "人员"),
        ("visits?page_size=abc", "每页条数"),
    ],
)
def test_bad_input_is_a_400_in_chinese(
    october: dict[str, Any],  # noqa: F811
    api: Any,
    url: str,
    words: str,
) -> None:
    resp = api("gd_sq").get(f"/api/v1/grid/{url}")
    assert resp.status_code == 400, resp.content[:200]
    assert words in resp.content.decode()

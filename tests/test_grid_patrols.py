"""巡查: start and end on the phone with place and time, the route as points (a resend ignored,
points taken offline accepted later), points outside the grid counted and a patrol mostly outside
it flagged; one patrol at a time; who may patrol and who sees the patrols."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.grid import patrols
from chuangcheng.grid.models import Patrol, PatrolPoint
from chuangcheng.grid.seed import build_grid_demo
from chuangcheng.org.models import Region
from tests.conftest import actor
from tests.test_grid_ledger import login


@pytest.fixture
def grids(city: Any) -> list[Region]:
    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    return list(
        Region.objects.filter(parent__name="仕奇社区", level=Region.Level.GRID).order_by("code")
    )


def far_away() -> Region:
    other = Region.objects.filter(level=Region.Level.COMMUNITY).exclude(name="仕奇社区").exclude(parent__name="人民路街道").first()  # fmt: skip
    assert other is not None and other.lat is not None
    return other


def start(
    client: Any, grid: Region, key: str = "start-1", extra: dict[str, Any] | None = None
) -> Any:
    data = {"grid": grid.pk, "lat": grid.lat, "lng": grid.lng, "client_key": key, **(extra or {})}
    return client.post("/grid/patrols/start/", data, HTTP_ACCEPT="application/json")


def send(client: Any, patrol_id: int, points: list[dict[str, Any]]) -> Any:
    return client.post(
        f"/grid/patrols/{patrol_id}/points/",
        json.dumps({"points": points}),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    )


def test_a_patrol_from_start_to_end_with_its_route(grids: list[Region]) -> None:
    grid = grids[0]
    client = login("gd_sq01")
    resp = start(client, grid)
    assert resp.status_code == 201
    patrol_id = resp.json()["id"]
    assert start(client, grid).json()["id"] == patrol_id  # the same start again: same patrol
    now = timezone.now()
    route = [
        {
            "at": (now + dt.timedelta(seconds=s)).isoformat(),
            "lat": grid.lat + 0.0001,
            "lng": grid.lng,
        }
        for s in (10, 20, 30)
    ]
    assert send(client, patrol_id, route).json() == {"points": 4, "outside": 0}
    # on the way: the page offers to record what is found as an event
    assert 'href="/grid/events/new/"' in client.get("/grid/today/").content.decode()
    assert send(client, patrol_id, route).json() == {"points": 4, "outside": 0}
    # on the way: the page offers to record what is found as an event
    assert 'href="/grid/events/new/"' in client.get("/grid/today/").content.decode()  # resend
    end = client.post(
        f"/grid/patrols/{patrol_id}/end/",
        {
            "lat": grid.lat,
            "lng": grid.lng,
            "note": "走访 12 户，发现楼道堆物 1 处",
            "at": (now + dt.timedelta(seconds=60)).isoformat(),
        },
        HTTP_ACCEPT="application/json",
    )
    assert end.status_code == 200 and end.json()["ended_at"] and not end.json()["flagged"]
    patrol = Patrol.objects.get(pk=patrol_id)
    assert patrol.points == 5 and patrol.note.startswith("走访 12 户")
    # points taken offline during the patrol arrive after it ended: still counted
    late = [{"at": (now + dt.timedelta(seconds=45)).isoformat(), "lat": grid.lat, "lng": grid.lng}]
    assert send(client, patrol_id, late).json()["points"] == 6
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    today = Patrol.objects.filter(user__username="gd_sq01", started_at__gte=midnight).count()
    page = client.get("/grid/today/").content.decode()
    assert f"今天已巡查 {today} 次" in page and "开始巡查" in page
    listed = login("gd_sq").get("/grid/patrols/").content.decode()
    assert "走访 12 户" in listed


def test_a_patrol_mostly_outside_the_grid_is_flagged(grids: list[Region]) -> None:
    grid, away = grids[0], far_away()
    client = login("gd_sq01")
    patrol_id = start(client, grid).json()["id"]
    now = timezone.now()
    away_route = [
        {"at": (now + dt.timedelta(seconds=s)).isoformat(), "lat": away.lat, "lng": away.lng}
        for s in (20, 30, 40, 50)
    ]
    assert send(client, patrol_id, away_route).json() == {"points": 5, "outside": 4}
    patrol = Patrol.objects.get(pk=patrol_id)
    assert patrol.flagged
    assert "越出网格" in login("gd_sq").get("/grid/patrols/").content.decode()


def test_one_patrol_at_a_time_and_bad_input(grids: list[Region]) -> None:
    client = login("gd_sq01")
    before = Patrol.objects.count()
    first = start(client, grids[0]).json()["id"]
    second = start(client, grids[0], key="start-2")
    assert second.status_code == 409 and "还没有结束" in second.json()["detail"]
    bad = [
        ({"lat": "北纬"}, "纬度不是数字"),
        ({"lat": 39.9, "lng": 116.4}, "不在本市范围内"),  # Beijing
        ({"grid": grids[1].pk}, "请选择您负责的网格"),
        ({"at": "2099-01-01T08:00:00"}, "不能晚于现在"),
    ]
    for extra, message in bad:
        resp = start(client, grids[0], key=f"bad-{message}", extra=extra)
        assert resp.status_code == 400 and message in resp.json()["detail"], resp.content
    assert Patrol.objects.count() == before + 1
    assert send(client, first, [{"at": "x", "lat": 1, "lng": 2}]).status_code == 400
    assert send(client, first, [{"lat": "a"}]).status_code == 400
    resp = client.post(
        f"/grid/patrols/{first}/points/", "not json", content_type="application/json"
    )
    assert resp.status_code == 400 and PatrolPoint.objects.filter(patrol_id=first).count() == 1


def test_nobody_else_touches_a_patrol(grids: list[Region]) -> None:
    patrol_id = start(login("gd_sq01"), grids[0]).json()["id"]
    now = timezone.now().isoformat()
    point = [{"at": now, "lat": grids[0].lat, "lng": grids[0].lng}]
    assert send(login("gd_sq02"), patrol_id, point).status_code == 404
    assert (
        login("gd_sq02")
        .post(f"/grid/patrols/{patrol_id}/end/", {"lat": 40.8, "lng": 111.7})
        .status_code
        == 404
    )
    for who in ("gd_sq", "gd_sqzz", "gd_rml", "dispatcher", "citizen"):
        assert send(login(who), patrol_id, point).status_code == 403
        assert start(login(who), grids[0], key=f"k-{who}").status_code == 403
    assert PatrolPoint.objects.filter(patrol_id=patrol_id).count() == 1
    assert Patrol.objects.get(pk=patrol_id).ended_at is None
    # the list: the community and street see the grid's patrols; a worker of another grid does not
    assert "网格员01" in login("gd_rml").get("/grid/patrols/").content.decode()
    assert "网格员01" not in login("gd_sq02").get("/grid/patrols/").content.decode()
    assert login("dispatcher").get("/grid/patrols/").status_code == 403
    assert login("gd_sq").get("/grid/patrols/?day=昨天").status_code == 400


def test_the_helper_patrols_too_and_the_service_reports_the_open_one(grids: list[Region]) -> None:
    patrol, created = patrols.patrol_start(
        actor=actor("gd_sqld"),
        grid_id=grids[0].pk,
        lat=grids[0].lat,
        lng=grids[0].lng,
        client_key="ld",
    )
    assert created and patrols.open_patrol(actor("gd_sqld")) == patrol
    patrols.patrol_end(
        actor=actor("gd_sqld"), patrol_id=patrol.pk, lat=grids[0].lat, lng=grids[0].lng
    )
    assert patrols.open_patrol(actor("gd_sqld")) is None

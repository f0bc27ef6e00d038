"""服务菜单维护: a 站's staff (and its 所's) add, edit, reorder, take off (下架) and put back
(上架) the items of their menu; names unique per 站 (a Chinese message); an item with orders
is never deleted; nobody else changes anything. ADR 0032."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.org.models import Membership, Unit
from chuangcheng.volunteer.models import MenuItem, ServiceOrder, Station
from chuangcheng.volunteer.roles import STATION
from chuangcheng.volunteer.seed import build_volunteer_demo

PEOPLE = [
    "vol_jm",
    "vol_zhan",
    "zhan2",
    "vol_suo",
    "vol_dz",
    "vol_zyz",
    "dispatcher",
    "gridworker",
    "leader",
    None,
]


@pytest.fixture
def world(city: Any) -> dict[str, Any]:
    build_volunteer_demo(DEMO_PASSWORD)
    users = get_user_model().objects
    Membership.objects.create(
        user=users.create(username="zhan2"),
        role=STATION,
        unit=Station.objects.get(name="海亮社区新时代文明实践站").unit,
    )
    Membership.objects.create(
        user=users.create(username="gridworker"),
        role="gd_worker",
        unit=Unit.objects.get(name="仕奇社区居委会"),
    )
    return {"home": Station.objects.get(name="中山西路社区新时代文明实践站")}


def client(username: str | None) -> Client:
    c = Client()
    if username:
        c.force_login(get_user_model().objects.get(username=username))
    return c


def names(station: Station) -> list[str]:
    return list(station.menu.order_by("position", "pk").values_list("name", flat=True))


def snapshot() -> list[tuple[Any, ...]]:
    return list(
        MenuItem.objects.order_by("pk").values_list(
            "pk", "station_id", "name", "field", "description", "active", "position"
        )
    )


def test_a_station_keeps_its_menu(world: Any) -> None:
    home = world["home"]
    c = client("vol_zhan")
    assert "服务菜单维护" in c.get("/volunteer/orders/").content.decode()
    page = c.get("/volunteer/menu/")
    assert page.status_code == 200
    html = page.content.decode()
    assert home.name in html and "理发" in html and "海亮社区新时代文明实践站" not in html
    # add: at the end of the menu
    resp = c.post(
        "/volunteer/menu/add/",
        {"station": home.pk, "name": "助浴", "field": "health", "description": "上门助浴"},
    )
    assert resp.status_code == 302
    assert names(home)[-1] == "助浴"
    item = home.menu.get(name="助浴")
    # a name already on this 站's menu is refused in Chinese, nothing written
    before = snapshot()
    dup = c.post("/volunteer/menu/add/", {"station": home.pk, "name": "理发", "field": "other"})
    assert dup.status_code == 400 and "已有名为「理发」的服务项目" in dup.content.decode()
    assert snapshot() == before
    # … but another 站 may have the same name
    other = Station.objects.get(name="海亮社区新时代文明实践站")
    assert (
        client("zhan2")
        .post("/volunteer/menu/add/", {"station": other.pk, "name": "助浴", "field": "health"})
        .status_code
        == 302
    )
    # edit (and a duplicate name on edit)
    assert c.get(f"/volunteer/menu/{item.pk}/edit/").status_code == 200
    resp = c.post(
        f"/volunteer/menu/{item.pk}/edit/",
        {"name": "助浴服务", "field": "health", "description": "为失能老人上门助浴"},
    )
    assert resp.status_code == 302
    item.refresh_from_db()
    assert (item.name, item.description) == ("助浴服务", "为失能老人上门助浴")
    bad = c.post(f"/volunteer/menu/{item.pk}/edit/", {"name": "代购", "field": "health"})
    assert bad.status_code == 400 and "已有名为「代购」" in bad.content.decode()
    bad = c.post(f"/volunteer/menu/{item.pk}/edit/", {"name": " ", "field": "health"})
    assert bad.status_code == 400 and "请填写服务项目名称" in bad.content.decode()
    bad = c.post(f"/volunteer/menu/{item.pk}/edit/", {"name": "x", "field": "magic"})
    assert bad.status_code == 400 and "请选择服务领域" in bad.content.decode()
    item.refresh_from_db()
    assert item.name == "助浴服务"
    # reorder: up twice, then down once
    start = names(home)
    c.post(f"/volunteer/menu/{item.pk}/change/", {"do": "up"})
    c.post(f"/volunteer/menu/{item.pk}/change/", {"do": "up"})
    assert names(home) == [*start[:-3], "助浴服务", start[-3], start[-2]]
    c.post(f"/volunteer/menu/{item.pk}/change/", {"do": "down"})
    assert names(home) == [*start[:-3], start[-3], "助浴服务", start[-2]]
    first = home.menu.order_by("position", "pk").first()
    assert first is not None
    c.post(f"/volunteer/menu/{first.pk}/change/", {"do": "up"})  # the first stays first
    assert names(home)[0] == first.name
    # 下架: residents no longer see it; 上架 again
    c.post(f"/volunteer/menu/{item.pk}/change/", {"do": "off"})
    item.refresh_from_db()
    assert item.active is False
    public = client(None).get(f"/v/{home.code}/").content.decode()
    assert "助浴服务" not in public and "理发" in public
    c.post(f"/volunteer/menu/{item.pk}/change/", {"do": "on"})
    assert "助浴服务" in client(None).get(f"/v/{home.code}/").content.decode()
    # an item nobody ordered may be deleted
    assert c.post(f"/volunteer/menu/{item.pk}/change/", {"do": "delete"}).status_code == 302
    assert not MenuItem.objects.filter(pk=item.pk).exists()
    bad = c.post(f"/volunteer/menu/{first.pk}/change/", {"do": "explode"})
    assert bad.status_code == 400


def test_an_item_with_orders_is_never_deleted(world: Any) -> None:
    ordered = MenuItem.objects.filter(station=world["home"], orders__isnull=False).first()
    assert ordered is not None and ServiceOrder.objects.filter(item=ordered).exists()
    c = client("vol_zhan")
    assert "删除" in c.get("/volunteer/menu/").content.decode()
    before = snapshot()
    resp = c.post(f"/volunteer/menu/{ordered.pk}/change/", {"do": "delete"})
    assert resp.status_code == 409 and "已有订单，不能删除，可以下架" in resp.content.decode()
    assert snapshot() == before
    # it can be taken off, and its orders go on
    c.post(f"/volunteer/menu/{ordered.pk}/change/", {"do": "off"})
    ordered.refresh_from_db()
    assert ordered.active is False and ServiceOrder.objects.filter(item=ordered).exists()


def test_the_institute_keeps_the_menus_of_its_stations(world: Any) -> None:
    home = world["home"]
    html = client("vol_suo").get("/volunteer/menu/").content.decode()
    assert home.name in html and "海亮社区新时代文明实践站" in html  # both under 中山西路街道
    item = home.menu.get(name="理发")
    resp = client("vol_suo").post(
        f"/volunteer/menu/{item.pk}/edit/", {"name": "上门理发", "field": "other"}
    )
    assert resp.status_code == 302
    item.refresh_from_db()
    assert item.name == "上门理发"


def test_who_may_keep_a_menu(world: Any) -> None:
    home = world["home"]
    item = home.menu.get(name="理发")
    pages = {p: 403 for p in PEOPLE} | {"vol_zhan": 200, "zhan2": 200, "vol_suo": 200, None: 302}
    assert {who: client(who).get("/volunteer/menu/").status_code for who in PEOPLE} == pages
    edit = pages | {"zhan2": 404}  # another 站's item is not found
    got = {who: client(who).get(f"/volunteer/menu/{item.pk}/edit/").status_code for who in PEOPLE}
    assert got == edit
    before = snapshot()
    refused = [p for p in PEOPLE if p not in ("vol_zhan", "vol_suo")]
    writes = {p: 403 for p in refused} | {"zhan2": 404, None: 302}
    calls = {
        "add": lambda c: c.post(
            "/volunteer/menu/add/", {"station": home.pk, "name": "新项目", "field": "other"}
        ),
        "edit": lambda c: c.post(
            f"/volunteer/menu/{item.pk}/edit/", {"name": "改名", "field": "other"}
        ),
        "off": lambda c: c.post(f"/volunteer/menu/{item.pk}/change/", {"do": "off"}),
        "down": lambda c: c.post(f"/volunteer/menu/{item.pk}/change/", {"do": "down"}),
        "delete": lambda c: c.post(f"/volunteer/menu/{item.pk}/change/", {"do": "delete"}),
    }
    for name, call in calls.items():
        got = {who: call(client(who)).status_code for who in refused}
        assert got == writes, name
    assert snapshot() == before  # nothing changed on any refusal
    # a GET never changes anything
    assert client("vol_zhan").get(f"/volunteer/menu/{item.pk}/change/").status_code == 405

"""文明团结超市: at the counter the points are spent and the stock taken in one transaction; 50
counters selling the last item at once sell it once and leave the others' points untouched; a
refused redemption changes nothing; limits per quarter; the quarterly publication masks names.
And the permission matrix of every 积分/超市 page and endpoint, with every kind of user and the
expected status written out."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from chuangcheng.core.errors import ValidationFailed
from chuangcheng.core.settings_store import setting_set
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.org.access import actor_for
from chuangcheng.org.models import Membership, Unit
from chuangcheng.volunteer import points as ledger
from chuangcheng.volunteer import shop
from chuangcheng.volunteer.models import (
    Goods,
    PointAccount,
    PointAdjustment,
    PointEntry,
    Redemption,
    Station,
    StockMove,
    Volunteer,
)
from chuangcheng.volunteer.seed import build_volunteer_demo

User = get_user_model()


def who(username: str) -> Any:
    return actor_for(User.objects.get(username=username))


def login(username: str | None) -> Client:
    c = Client()
    if username:
        c.force_login(User.objects.get(username=username))
    return c


def api(username: str | None) -> APIClient:
    c = APIClient()
    if username:
        c.force_authenticate(User.objects.get(username=username))
    return c


def fund(acc: PointAccount, points: int, ref: str) -> None:
    ledger.post(acc, kind="earn", points=points, ref=ref, reason="测试积分")


def snapshot() -> tuple[Any, ...]:
    return (
        Redemption.objects.count(),
        PointEntry.objects.count(),
        StockMove.objects.count(),
        tuple(Goods.objects.order_by("pk").values_list("stock", flat=True)),
        tuple(PointAccount.objects.order_by("pk").values_list("balance", flat=True)),
    )


@pytest.fixture
def mart(city: Any) -> dict[str, Any]:
    build_volunteer_demo(DEMO_PASSWORD)
    setting_set(actor=None, key="volunteer.redemptions_per_quarter", value=0)
    home = Station.objects.get(name="中山西路社区新时代文明实践站")
    other = Station.objects.get(name="海亮社区新时代文明实践站")
    v = (  # a volunteer the demo's 超市 has not served (no redemptions this quarter)
        Volunteer.objects.filter(station=home, user__isnull=True)
        .exclude(point_account__redemptions__isnull=False)
        .order_by("-pk")
        .first()
    )
    assert v is not None
    acc = ledger.account_for_volunteer(v)
    fund(acc, 100, "earn:fix:1")
    acc.refresh_from_db()
    return {"home": home, "other": other, "acc": acc, "towel": Goods.objects.get(name="毛巾")}


def test_the_counter_spends_points_and_takes_stock_in_one_step(mart: Any) -> None:
    acc, towel = mart["acc"], mart["towel"]
    rice = Goods.objects.get(name="大米（5斤）", station=mart["home"])
    before, stock, hours = acc.balance, towel.stock, ledger.balance_of(acc)
    clerk = login("vol_sy")
    page = clerk.get("/volunteer/shop/counter/")
    assert page.status_code == 200 and "毛巾" in page.content.decode()
    code = shop.holder_code(acc)
    resp = clerk.post(
        "/volunteer/shop/counter/",
        {"station": mart["home"].pk, "code": code, f"q_{towel.pk}": "2", f"q_{rice.pk}": "1"},
    )
    assert resp.status_code == 302
    r = Redemption.objects.get(account=acc)
    assert resp["Location"] == f"/volunteer/shop/receipts/{r.pk}/"
    acc.refresh_from_db()
    towel.refresh_from_db()
    assert r.points == 2 * 10 + 40 and acc.balance == before - 60 == hours - 60
    assert towel.stock == stock - 2
    assert r.entry.kind == "spend" and r.entry.points == -60
    assert StockMove.objects.filter(redemption=r, kind="sale").count() == 2
    receipt = clerk.get(resp["Location"]).content.decode()
    assert r.number in receipt and "毛巾" in receipt and str(acc.balance) in receipt
    assert acc.name not in receipt  # the holder's name is masked on the receipt
    assert shop.mask(acc.name) in receipt


def test_a_refused_redemption_changes_nothing(mart: Any) -> None:
    acc, towel = mart["acc"], mart["towel"]
    clerk = who("vol_sy")
    code = shop.holder_code(acc)
    rice = Goods.objects.get(name="大米（5斤）", station=mart["home"])
    elsewhere = Goods.objects.filter(station=mart["home"].parent).first()
    state = snapshot()
    cases = [
        (code, {rice.pk: rice.stock}, "积分不足"),  # 20 × 40 points
        (code, {towel.pk: towel.stock + 1}, "库存不足"),
        (code + "x", {towel.pk: 1}, "无法识别"),
        ("JF1", {towel.pk: 1}, "无法识别"),
        (code, {elsewhere.pk: 1}, "不在本超市"),
    ]
    for c, lines, message in cases:
        with pytest.raises(ValidationFailed) as exc:
            shop.redeem(actor=clerk, station=mart["home"], code=c, lines=lines)
        assert message in exc.value.message
        assert snapshot() == state
    # the form: a Chinese 400, nothing written
    resp = login("vol_sy").post(
        "/volunteer/shop/counter/", {"code": code, f"q_{rice.pk}": str(rice.stock)}
    )
    assert resp.status_code == 400 and "积分不足" in resp.content.decode()
    resp = login("vol_sy").post("/volunteer/shop/counter/", {"code": code, f"q_{rice.pk}": "abc"})
    assert resp.status_code == 400 and "兑换数量" in resp.content.decode()
    resp = login("vol_sy").post("/volunteer/shop/counter/", {"code": code})
    assert resp.status_code == 400 and "至少选择一件商品" in resp.content.decode()
    assert snapshot() == state


def test_the_quarterly_limit(mart: Any) -> None:
    setting_set(actor=None, key="volunteer.redemptions_per_quarter", value=2)
    acc, towel = mart["acc"], mart["towel"]
    code = shop.holder_code(acc)
    for _ in range(2):
        shop.redeem(actor=who("vol_sy"), station=mart["home"], code=code, lines={towel.pk: 1})
    state = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        shop.redeem(actor=who("vol_sy"), station=mart["home"], code=code, lines={towel.pk: 1})
    assert "每人每季度最多兑换 2 次" in exc.value.message
    assert snapshot() == state


def test_the_quarterly_publication_masks_names(mart: Any) -> None:
    acc, towel = mart["acc"], mart["towel"]
    shop.redeem(
        actor=who("vol_sy"), station=mart["home"], code=shop.holder_code(acc), lines={towel.pk: 1}
    )
    page = Client().get(f"/v/{mart['home'].code}/gongshi/")
    body = page.content.decode()
    assert page.status_code == 200 and "文明积分及兑换公示" in body
    assert shop.mask(acc.name) in body and acc.name not in body
    assert "毛巾×1" in body
    assert Client().get(f"/v/{mart['home'].code}/gongshi/?q=2026-9").status_code == 400
    assert Client().get(f"/v/{mart['home'].code}/gongshi/?q=x").status_code == 400
    assert Client().get("/v/nosuch/gongshi/").status_code == 404
    assert shop.mask("张三明") == "张*明" and shop.mask("李四") == "李*"


def test_goods_and_stock_by_the_stations_staff(mart: Any) -> None:
    home = mart["home"]
    staff = login("vol_zhan")
    resp = staff.post(
        "/volunteer/shop/goods/",
        {"station": home.pk, "name": "晾衣架", "price": "12", "stock": "5"},
    )
    assert resp.status_code == 302
    g = Goods.objects.get(station=home, name="晾衣架")
    assert (g.price, g.stock) == (12, 5)
    resp = staff.post(
        "/volunteer/shop/goods/",
        {"station": home.pk, "action": "stock", "goods": g.pk, "quantity": "-2", "note": "破损"},
    )
    assert resp.status_code == 302
    g.refresh_from_db()
    assert g.stock == 3
    assert list(g.moves.order_by("pk").values_list("kind", "quantity", "stock_after")) == [
        ("in", 5, 5),
        ("out", -2, 3),
    ]
    n = Goods.objects.count()
    bad = staff.post("/volunteer/shop/goods/", {"station": home.pk, "name": "", "price": "x"})
    assert bad.status_code == 400 and "商品名称" in bad.content.decode()
    bad = staff.post(
        "/volunteer/shop/goods/",
        {"station": home.pk, "action": "stock", "goods": g.pk, "quantity": "-10"},
    )
    assert bad.status_code == 400 and "库存不足" in bad.content.decode()
    g.refresh_from_db()
    assert Goods.objects.count() == n and g.stock == 3
    # another 站's staff cannot touch this 超市's stock
    other = User.objects.create(username="zhan_other")
    Membership.objects.create(user=other, role="vol_station", unit=mart["other"].unit)
    resp = login("zhan_other").post(
        "/volunteer/shop/goods/", {"action": "stock", "goods": g.pk, "quantity": "100"}
    )
    g.refresh_from_db()
    assert resp.status_code == 404 and g.stock == 3


def test_adjustments_through_the_pages(mart: Any) -> None:
    v = Volunteer.objects.get(pk=mart["acc"].volunteer_id)
    before = mart["acc"].balance
    zhan = login("vol_zhan")
    resp = zhan.post(
        "/volunteer/points/adjustments/", {"holder": v.number, "points": "8", "reason": "表彰"}
    )
    assert resp.status_code == 302
    adj = PointAdjustment.objects.get(account=mart["acc"], status="pending", reason="表彰")
    own = zhan.post(f"/volunteer/points/adjustments/{adj.pk}/decide/", {"decision": "approve"})
    assert own.status_code == 403
    adj.refresh_from_db()
    assert adj.status == "pending"
    ok = login("vol_suo").post(
        f"/volunteer/points/adjustments/{adj.pk}/decide/", {"decision": "approve"}
    )
    assert ok.status_code == 302
    mart["acc"].refresh_from_db()
    assert mart["acc"].balance == before + 8
    bad = zhan.post("/volunteer/points/adjustments/", {"holder": "nobody", "points": "8"})
    assert bad.status_code == 400 and "没有找到" in bad.content.decode()


def test_the_api_redeems_and_refuses_in_chinese(mart: Any) -> None:
    acc, towel = mart["acc"], mart["towel"]
    body = {
        "station": mart["home"].code,
        "code": shop.holder_code(acc),
        "items": [{"goods": towel.pk, "quantity": 1}],
    }
    resp = api("vol_sy").post("/api/v1/volunteer/redemptions", body, format="json")
    assert resp.status_code == 201
    assert resp.json()["points"] == 10 and Decimal(resp.json()["balance"]) == acc.balance - 10
    state = snapshot()
    for bad, message in [
        ({**body, "items": "x"}, "items"),
        ({**body, "items": [{"goods": towel.pk, "quantity": 500}]}, "兑换数量"),
        ({**body, "code": "nonsense"}, "积分码"),
    ]:
        r = api("vol_sy").post("/api/v1/volunteer/redemptions", bad, format="json")
        assert r.status_code == 400 and message in r.json()["detail"], r.json()
    r = api("vol_sy").post(
        "/api/v1/volunteer/redemptions", {**body, "station": mart["other"].code}, format="json"
    )
    assert r.status_code == 404
    assert snapshot() == state
    goods = api("vol_sy").get("/api/v1/volunteer/goods").json()
    assert {g["station"] for g in goods} == {mart["home"].code}
    made = api("vol_zhan").post(
        "/api/v1/volunteer/goods",
        {"station": mart["home"].code, "name": "茶叶", "price": 30, "stock": 4},
        format="json",
    )
    assert made.status_code == 201 and made.json()["stock"] == 4
    again = api("vol_zhan").post(
        "/api/v1/volunteer/goods",
        {"station": mart["home"].code, "name": "茶叶", "price": 30},
        format="json",
    )
    assert again.status_code == 400 and "已有商品" in again.json()["detail"]


# ---------------------------------------------------------------- 50 counters, the last item
@pytest.mark.django_db(transaction=True)
def test_fifty_counters_sell_the_last_item_once(city: Any) -> None:
    build_volunteer_demo(DEMO_PASSWORD)
    setting_set(actor=None, key="volunteer.redemptions_per_quarter", value=0)
    home = Station.objects.get(name="中山西路社区新时代文明实践站")
    last = Goods.objects.create(station=home, name="最后一台电饭煲", price=30, stock=1)
    clerk = who("vol_sy")
    n = 50
    accounts = []
    for i in range(n):
        acc = ledger.account_for_user(User.objects.create(username=f"buyer{i}", first_name="买"))
        fund(acc, 40, f"earn:buyer:{i}")
        accounts.append(acc)
    codes = [shop.holder_code(a) for a in accounts]
    barrier = threading.Barrier(n)
    outcome: dict[int, str] = {}

    def buy(i: int) -> None:
        try:
            barrier.wait()
            try:
                shop.redeem(actor=clerk, station=home, code=codes[i], lines={last.pk: 1})
                outcome[i] = "sold"
            except ValidationFailed as exc:
                outcome[i] = exc.message
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sold = [i for i, o in outcome.items() if o == "sold"]
    assert len(sold) == 1 and len(outcome) == n
    assert all("库存不足" in o for i, o in outcome.items() if i not in sold)
    last.refresh_from_db()
    assert last.stock == 0
    assert Redemption.objects.filter(lines__goods=last).count() == 1
    assert StockMove.objects.filter(goods=last, kind="sale").count() == 1
    for i, acc in enumerate(accounts):
        acc.refresh_from_db()
        assert acc.balance == (Decimal("10.0") if i in sold else Decimal("40.0"))
        assert acc.balance == ledger.balance_of(acc)
        assert PointEntry.objects.filter(account=acc, kind="spend").count() == (i in sold)


# ---------------------------------------------------------------- the permission matrix
# 站 staff (own 站), 站 staff of another 站, 所 staff, 中心 staff, the clerk, a team leader, a
# volunteer, a resident, a 12345 dispatcher, a street-level leader, anonymous
PEOPLE = [
    "vol_zhan",
    "zhan2",
    "vol_suo",
    "centre",
    "vol_sy",
    "vol_dz",
    "vol_zyz",
    "vol_jm",
    "dispatcher",
    "streetleader",
    None,
]


@pytest.fixture
def world(mart: Any) -> dict[str, Any]:
    Membership.objects.create(
        user=User.objects.create(username="zhan2"), role="vol_station", unit=mart["other"].unit
    )
    centre = Station.objects.filter(level="centre").order_by("pk").first()
    Membership.objects.create(
        user=User.objects.create(username="centre"), role="vol_centre", unit=centre.unit
    )
    Membership.objects.create(
        user=User.objects.create(username="streetleader"),
        role="leader",
        unit=Unit.objects.get(code="S-150103004"),
    )
    r = shop.redeem(
        actor=who("vol_sy"),
        station=mart["home"],
        code=shop.holder_code(ledger.account_for_user(User.objects.get(username="vol_jm"))),
        lines={mart["towel"].pk: 1},
    )
    return {**mart, "receipt": r}


def check(expected: dict[str | None, int], call: Any) -> None:
    assert set(expected) == set(PEOPLE)
    got = {p: call(p).status_code for p in PEOPLE}
    assert got == expected


def test_pages_matrix(world: Any) -> None:
    code = world["home"].code
    check(
        {
            "vol_zhan": 403,
            "zhan2": 403,
            "vol_suo": 403,
            "centre": 403,
            "vol_sy": 403,
            "vol_dz": 200,
            "vol_zyz": 200,
            "vol_jm": 200,
            "dispatcher": 403,
            "streetleader": 403,
            None: 302,
        },
        lambda p: login(p).get("/v/me/points/"),
    )
    check(
        {
            "vol_zhan": 200,
            "zhan2": 200,
            "vol_suo": 200,
            "centre": 403,
            "vol_sy": 200,
            "vol_dz": 403,
            "vol_zyz": 403,
            "vol_jm": 403,
            "dispatcher": 403,
            "streetleader": 403,
            None: 302,
        },
        lambda p: login(p).get("/volunteer/shop/counter/"),
    )
    staff = {
        "vol_zhan": 200,
        "zhan2": 200,
        "vol_suo": 200,
        "centre": 403,
        "vol_sy": 403,
        "vol_dz": 403,
        "vol_zyz": 403,
        "vol_jm": 403,
        "dispatcher": 403,
        "streetleader": 403,
        None: 302,
    }
    check(staff, lambda p: login(p).get("/volunteer/shop/goods/"))
    check(staff, lambda p: login(p).get("/volunteer/points/adjustments/"))
    check({p: 200 for p in PEOPLE}, lambda p: login(p).get(f"/v/{code}/gongshi/"))
    # the receipt: the 超市's people and the holder (vol_jm) only
    url = f"/volunteer/shop/receipts/{world['receipt'].pk}/"
    check(
        {
            "vol_zhan": 200,
            "zhan2": 404,
            "vol_suo": 200,
            "centre": 403,
            "vol_sy": 200,
            "vol_dz": 404,
            "vol_zyz": 404,
            "vol_jm": 200,
            "dispatcher": 403,
            "streetleader": 403,
            None: 302,
        },
        lambda p: login(p).get(url),
    )
    # another 站's staff asking for this 站's goods page: refused, by the 站 parameter
    assert (
        login("zhan2").get(f"/volunteer/shop/goods/?station={world['home'].pk}").status_code == 404
    )


def test_refused_posts_change_nothing(world: Any) -> None:
    towel, acc = world["towel"], world["acc"]
    state = snapshot()
    adjustments = PointAdjustment.objects.count()
    body = {"station": world["home"].pk, "code": shop.holder_code(acc), f"q_{towel.pk}": "1"}
    got = {p: login(p).post("/volunteer/shop/counter/", body).status_code for p in PEOPLE}
    assert got == {
        "vol_zhan": 302,  # the 站's own staff may serve the counter: allowed, undone below
        "zhan2": 404,
        "vol_suo": 302,
        "centre": 403,
        "vol_sy": 302,
        "vol_dz": 403,
        "vol_zyz": 403,
        "vol_jm": 403,
        "dispatcher": 403,
        "streetleader": 403,
        None: 302,
    }
    assert Redemption.objects.count() == state[0] + 3  # vol_zhan, vol_suo, vol_sy only
    state = snapshot()
    pending = PointAdjustment.objects.filter(status="pending").first()
    for p in ["vol_sy", "vol_dz", "vol_zyz", "vol_jm", "dispatcher", "streetleader", "zhan2"]:
        login(p).post(
            f"/volunteer/points/adjustments/{pending.pk}/decide/", {"decision": "approve"}
        )
        home = {"station": world["home"].pk}
        login(p).post(
            "/volunteer/points/adjustments/",
            {**home, "holder": "x", "points": "5", "reason": "r"},
        )
        login(p).post("/volunteer/shop/goods/", {**home, "name": "偷偷上架", "price": "1"})
    pending.refresh_from_db()
    assert pending.status == "pending" and snapshot() == state
    assert PointAdjustment.objects.count() == adjustments


def test_api_matrix(world: Any) -> None:
    check(
        {
            "vol_zhan": 200,
            "zhan2": 200,
            "vol_suo": 200,
            "centre": 403,
            "vol_sy": 403,
            "vol_dz": 200,
            "vol_zyz": 200,
            "vol_jm": 200,
            "dispatcher": 403,
            "streetleader": 403,
            None: 401,
        },
        lambda p: api(p).get("/api/v1/volunteer/points"),
    )
    # what each sees: their own account, or their 站's holders
    jm = api("vol_jm").get("/api/v1/volunteer/points").json()
    assert [a["name"] for a in jm] == ["刘阿姨"]
    zhan = api("vol_zhan").get("/api/v1/volunteer/points?page_size=100").json()
    assert world["acc"].pk in {a["id"] for a in zhan} and len(zhan) > 10
    zhan2 = api("zhan2").get("/api/v1/volunteer/points?page_size=100").json()
    assert zhan2 and {a["station"] for a in zhan2} == {"海亮社区新时代文明实践站"}
    assert world["acc"].pk not in {a["id"] for a in zhan2}  # home's holders are not theirs
    counter = {
        "vol_zhan": 200,
        "zhan2": 200,
        "vol_suo": 200,
        "centre": 403,
        "vol_sy": 200,
        "vol_dz": 403,
        "vol_zyz": 403,
        "vol_jm": 403,
        "dispatcher": 403,
        "streetleader": 403,
        None: 401,
    }
    check(counter, lambda p: api(p).get("/api/v1/volunteer/goods"))
    assert api("zhan2").get("/api/v1/volunteer/goods").json() == []
    state = snapshot()
    body = {
        "station": world["home"].code,
        "code": shop.holder_code(world["acc"]),
        "items": [{"goods": world["towel"].pk, "quantity": 1}],
    }
    others = [p for p in PEOPLE if p not in ("vol_zhan", "vol_suo", "vol_sy")]
    got = {
        p: api(p).post("/api/v1/volunteer/redemptions", body, format="json").status_code
        for p in others
    }
    assert got == {
        "zhan2": 404,
        "centre": 403,
        "vol_dz": 403,
        "vol_zyz": 403,
        "vol_jm": 403,
        "dispatcher": 403,
        "streetleader": 403,
        None: 401,
    }
    goods_body = {"station": world["home"].code, "name": "偷偷上架", "price": 1}
    got = {
        p: api(p).post("/api/v1/volunteer/goods", goods_body, format="json").status_code
        for p in others
    }
    assert got == {
        "zhan2": 404,
        "centre": 403,
        "vol_dz": 403,
        "vol_zyz": 403,
        "vol_jm": 403,
        "dispatcher": 403,
        "streetleader": 403,
        None: 401,
    }
    assert snapshot() == state

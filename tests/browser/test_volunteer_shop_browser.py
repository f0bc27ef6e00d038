"""文明团结超市 through real pages in headless Chromium: a resident shows their points code on
the phone; the clerk types it at the counter (as a scanner would), picks goods, redeems; the
receipt shows; the resident's balance and the stock went down."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from chuangcheng.core.settings_store import setting_set
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.volunteer.models import Goods, PointAccount, Station
from chuangcheng.volunteer.seed import build_volunteer_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_clerk_redeems_at_the_counter(city: Any, live_server: Any, as_user: Any) -> None:
    build_volunteer_demo(DEMO_PASSWORD)
    setting_set(actor=None, key="volunteer.redemptions_per_quarter", value=0)
    home = Station.objects.get(name="中山西路社区新时代文明实践站")
    towel = Goods.objects.get(station=home, name="毛巾")
    soap = Goods.objects.get(station=home, name="香皂")
    phone = as_user("vol_jm", mobile=True)
    phone.goto(f"{live_server.url}/v/me/points/")
    assert phone.locator("[data-testid=points-qr] svg").count() == 1
    code = phone.inner_text("[data-testid=points-code]").strip()
    before = Decimal(phone.inner_text("[data-testid=points-balance]"))
    acc = PointAccount.objects.get(user__username="vol_jm")
    assert acc.balance == before >= 20
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    desk = as_user("vol_sy")
    desk.goto(f"{live_server.url}/volunteer/shop/counter/")
    desk.fill("#id_code", code)
    desk.fill(f"input[name=q_{towel.pk}]", "1")
    desk.fill(f"input[name=q_{soap.pk}]", "2")
    desk.click("[data-testid=counter-form] button[type=submit]")
    desk.wait_for_selector("[data-testid=receipt]")
    assert desk.inner_text("[data-testid=receipt-points]") == "20"  # 10 + 2 × 5
    assert Decimal(desk.inner_text("[data-testid=receipt-balance]")) == before - 20
    assert "刘*姨" in desk.content() and "刘阿姨" not in desk.inner_text("[data-testid=receipt]")
    towel_stock, soap_stock = towel.stock, soap.stock
    towel.refresh_from_db()
    soap.refresh_from_db()
    assert (towel.stock, soap.stock) == (towel_stock - 1, soap_stock - 2)

    phone.goto(f"{live_server.url}/v/me/points/")
    assert Decimal(phone.inner_text("[data-testid=points-balance]")) == before - 20
    assert "文明团结超市兑换" in phone.inner_text("[data-testid=entries]")

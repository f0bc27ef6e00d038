"""The leader's dashboard (数据看板): every figure opens the list of its orders, and the list
has exactly as many orders as the figure; the lowest-ranked are at the top; the month picker
offers only months with orders.

The orders are those of tests/test_indicators.py's `october` fixture (built through the real
transitions at known times), seen on 2026-11-23."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import json
import re

import pytest
import time_machine
from django.test import Client

from chuangcheng.cases.models import Case
from chuangcheng.demo.city import DEMO_PASSWORD, DemoCity
from chuangcheng.org.models import Region
from tests.test_indicators import NOW, SH, october

__all__ = ["october"]

LINK = re.compile(r'<a (?:class="[^"]*" )?href="([^"]*figure=[^"]*)"[^>]*>(.*?)</a>', re.S)


def login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def figure_links(page: str) -> list[tuple[str, str]]:
    """(url, text) of every link to a figure's orders on the page."""
    return [
        (htmllib.unescape(url), re.sub(r"<[^>]+>", "", text).strip())
        for url, text in LINK.findall(page)
    ]


def listed(client: Client, url: str) -> tuple[int, set[str]]:
    """The count the list states and the order numbers it shows (one page is enough here)."""
    resp = client.get(url)
    assert resp.status_code == 200, url
    page = resp.content.decode()
    count = int(re.search(r'data-testid="figure-count">(\d+)<', page).group(1))  # type: ignore[union-attr]
    return count, set(re.findall(r'data-case="([^"]+)"', page))


@pytest.fixture
def unassigned(city: DemoCity) -> Case:
    """Taken in in September and never dispatched: in October it is 在办 with no unit."""
    with time_machine.travel(dt.datetime(2026, 9, 28, 10, tzinfo=SH), tick=False):
        from tests.test_engine import new_case

        return new_case()


@pytest.mark.parametrize("group_by", ["unit", "street"])
def test_every_count_on_the_dashboard_lists_as_many_orders(
    october: dict[str, Case], unassigned: Case, group_by: str
) -> None:
    client = login("leader")
    with time_machine.travel(NOW, tick=False):
        page = client.get("/hotline/dashboard/", {"month": "2026-10", "group_by": group_by})
        links = figure_links(page.content.decode())
        # a count is a link whose text ends in a whole number (a KPI has its label before it)
        counts = [
            (url, m.group(1))
            for url, text in links
            if (m := re.fullmatch(r"[^\d.%]*?([\d,]+)", text.replace("\n", "")))
        ]
        # 6 KPIs, the 末位 panel's 超期, 6 counts in each row and 6 in the total; by unit, three
        # rows (two units and （未指定）: the September order no one was given); by street, two
        rows = 3 if group_by == "unit" else 2
        assert len(counts) == 6 + 1 + rows * 6 + 6
        if group_by == "unit":
            assert sum("unit=none" in u for u, _ in counts) == 6
        for url, text in counts:
            count, numbers = listed(client, url)
            assert count == int(text.replace(",", "")), url
            assert len(numbers) == count, url


def test_the_lists_are_the_orders_of_the_figure(october: dict[str, Case], unassigned: Case) -> None:
    """Spelled out for 中山西路街道办事处 (see the fixture): which orders each figure holds."""
    client = login("leader")
    with time_machine.travel(NOW, tick=False):
        page = client.get("/hotline/dashboard/", {"month": "2026-10", "group_by": "unit"})
        row = re.search(
            r'<td class="name">中山西路街道办事处</td>(.*?)</tr>', page.content.decode(), re.S
        )
        assert row is not None
        urls = {
            dict(p.split("=") for p in url.split("?")[1].split("&"))["figure"]: url
            for url, _ in figure_links(row.group(1))
        }
        n = {k: o.number for k, o in october.items()}
        expected = {
            "received": {n["a1"], n["a2"], n["a3"], n["a4"], n["a5"]},  # r1 is 城管局's now
            "returned": {n["r1"]},  # returned by this unit, now 城管局's
            "in_progress": {n["a5"]},
            "completed": {n["a1"], n["a2"], n["a3"], n["a4"]},
            "overdue": {n["a3"], n["a5"]},
            "valid": {n["a1"], n["a2"], n["a3"]},
            "responded": {n["a1"], n["a2"]},  # a3 was contacted late
            "resolved": {n["a1"], n["a2"]},
            "satisfied": {n["a1"], n["a2"]},  # satisfied and basically satisfied
        }
        assert set(urls) == set(expected)
        for figure, numbers in expected.items():
            assert listed(client, urls[figure]) == (len(numbers), numbers), figure
        # the total 在办 includes the order that has no unit yet
        total = client.get(
            "/hotline/cases/", {"month": "2026-10", "figure": "in_progress", "group_by": "unit"}
        ).content.decode()
        assert unassigned.number in total and n["a5"] in total and n["r1"] in total


def test_charts_link_to_their_orders(october: dict[str, Case]) -> None:
    client = login("leader")
    with time_machine.travel(NOW, tick=False):
        page = client.get("/hotline/dashboard/", {"month": "2026-10"}).content.decode()
    data = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', page, re.S)
    charts = json.loads(data.group(1))  # type: ignore[union-attr]
    assert len(charts["ranking"]["links"]) == len(charts["ranking"]["names"]) == 2
    assert all("figure=valid" in u for u in charts["ranking"]["links"])
    assert len(charts["trend"]["links"]["受理量"]) == 12
    help_link = next(r["link"] for r in charts["by_type"] if r["name"] == "求助")
    with time_machine.travel(NOW, tick=False):
        count, numbers = listed(client, help_link)
    assert count == 8 and n_help(october) == numbers  # every October order is a 求助


def n_help(orders: dict[str, Case]) -> set[str]:
    return {o.number for k, o in orders.items() if o.hotline.appeal_type == "help"}


def test_lowest_ranked_are_above_the_charts(october: dict[str, Case]) -> None:
    with time_machine.travel(NOW, tick=False):
        page = login("leader").get("/hotline/dashboard/", {"month": "2026-10"}).content.decode()
    panel = page.index('data-testid="bottom-ranked"')
    assert panel < page.index('id="chart-ranking"') < page.index('data-testid="indicators"')
    bottom = page[panel : page.index("</section>", panel)]
    assert "中山西路街道办事处" in bottom and "第2名" in bottom  # the last of two
    assert "市城市管理综合执法局" not in bottom


def test_month_picker_offers_only_months_with_orders(october: dict[str, Case]) -> None:
    client = login("leader")
    with time_machine.travel(NOW, tick=False):
        page = client.get("/hotline/dashboard/").content.decode()
        picker = page[
            page.index('name="month"') : page.index("</select>", page.index('name="month"'))
        ]
        assert re.findall(r'<option value="([\d-]+)"', picker) == ["2026-11", "2026-10"]
        assert "2026年10月考核" in page  # last month is the default
        # a month with no orders is not shown even when asked for
        page = client.get("/hotline/dashboard/", {"month": "2026-09"}).content.decode()
        assert "2026年10月考核" in page


def test_a_street_leader_sees_the_months_of_their_street(october: dict[str, Case]) -> None:
    """Scoped: the picker of someone who sees nothing offers no month with data of others."""
    from django.contrib.auth import get_user_model

    from chuangcheng.org.models import Membership, Unit

    street = Region.objects.get(name="海拉尔东路街道")
    unit = Unit.objects.filter(region=street).first() or Unit.objects.create(
        code="S-TEST", name="测试街道", kind=Unit.Kind.STREET, region=street
    )
    u = get_user_model().objects.create_user("leader_street", password=DEMO_PASSWORD)
    Membership.objects.create(user=u, unit=unit, role="leader")
    with time_machine.travel(NOW, tick=False):
        page = login("leader_street").get("/hotline/dashboard/").content.decode()
    picker = page[page.index('name="month"') : page.index("</select>", page.index('name="month"'))]
    # b1, b2 and r1 are located in 海拉尔东路街道 (October); the November order is not
    assert re.findall(r'<option value="([\d-]+)"', picker) == ["2026-10"]


@pytest.mark.parametrize(
    "params",
    [
        {"month": "2026-10", "figure": "nonsense"},
        {"month": "October", "figure": "received"},
        {"month": "2026-10", "figure": "received", "group_by": "district"},
        {"month": "2026-10", "figure": "received", "unit": "abc"},
        {"month": "9999-12", "figure": "received"},
        {"month": "0000-01", "figure": "received"},
    ],
)
def test_a_malformed_figure_is_a_400(city: DemoCity, params: dict[str, str]) -> None:
    resp = login("leader").get("/hotline/cases/", params)
    assert resp.status_code == 400
    assert re.search("无效|格式|未知|只能|超出", resp.content.decode())


def test_a_handler_cannot_open_a_figure(october: dict[str, Case]) -> None:
    resp = login("handler_zsxl").get(
        "/hotline/cases/", {"month": "2026-10", "figure": "received", "group_by": "unit"}
    )
    assert resp.status_code == 403

"""The phone layout wears the loop of the page it shows: its title and its tab bar. A resident at
a 文明实践站 is not offered 12345's tabs, a volunteer's own page gets the loop's, and the 12345
citizen's pages keep theirs."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.volunteer.seed import build_volunteer_demo


def shell(client: Client, url: str) -> tuple[str, list[str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    brand = re.search(r'class="m-brand">([^<]*)<', html)
    bar = re.search(r'<nav class="m-tabbar">(.*?)</nav>', html, re.S)
    tabs = re.findall(r">([^<]+)</a>", bar.group(1)) if bar else []
    assert brand is not None, url
    return brand.group(1), tabs


def signed_in(username: str) -> Client:
    c = Client()
    assert c.login(username=username, password=DEMO_PASSWORD)
    return c


def test_each_loops_phone_pages_wear_their_own_title_and_tabs(city: Any) -> None:
    build_volunteer_demo(DEMO_PASSWORD)
    anonymous = Client()
    assert shell(anonymous, "/v/z150103004003/") == (
        "新时代文明实践",
        ["我的点单", "文明打卡", "我的积分"],
    )
    assert shell(signed_in("vol_jm"), "/v/orders/")[0] == "新时代文明实践"
    assert shell(anonymous, "/m/") == (
        "12345 市民诉求",
        ["首页", "我要反映", "进度查询", "我的诉求"],
    )
    assert shell(signed_in("vol_zyz"), "/volunteer/me/") == (
        "新时代文明实践",
        ["我的点单", "文明打卡", "我的积分"],
    )
    assert shell(signed_in("citizen"), "/m/cases/")[0] == "12345 市民诉求"

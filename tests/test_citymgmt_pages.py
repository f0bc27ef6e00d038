"""The 数字城管 pages: who may open each (anonymous → login, a 12345 role or another post of
the loop → 403, the post's own role → 200), the inspector's report from the phone page (a
refused report creates nothing), the boards list what waits for each post, the shared case
page shows the loop's panel."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from chuangcheng.cases.models import Case
from chuangcheng.cases.services import case_transition
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.org.models import Unit
from tests.conftest import user
from tests.test_citymgmt_loop import GARBAGE, loop, png, report  # noqa: F401  (fixture)


def login(username: str) -> Client:
    u = user(username)
    u.set_password(DEMO_PASSWORD)
    u.save()
    client = Client()
    client.force_login(u)
    return client


PAGES = {
    "inspector": "/citymgmt/report/",
    "shift": "/citymgmt/board/",
    "dispatch": "/citymgmt/dispatch/",
    "queue": "/citymgmt/queue/",
}
# who → the pages they may open; every other page is 403 — written out here
MAY_OPEN = {
    "cm_insp": {"inspector"},
    "cm_sh": {"shift"},
    "cm_dp": {"dispatch"},
    "cm_hw": {"queue"},
    "dispatcher": set(),  # 12345: wrong loop
    "citizen": set(),
}


@pytest.mark.parametrize("who", sorted(MAY_OPEN))
def test_who_opens_which_page(loop: dict[str, Any], who: str) -> None:  # noqa: F811
    client = login(who)
    for name, url in PAGES.items():
        expected = 200 if name in MAY_OPEN[who] else 403
        assert client.get(url).status_code == expected, (who, name)


def test_anonymous_is_sent_to_login(loop: dict[str, Any]) -> None:  # noqa: F811
    for url in PAGES.values():
        resp = Client().get(url)
        assert resp.status_code == 302 and "/login/" in resp["Location"]


def test_report_from_the_phone_page(loop: dict[str, Any]) -> None:  # noqa: F811
    client = login("cm_insp")
    grid = loop["grid"]
    data = {
        "subclass": GARBAGE,
        "lat": str(grid.center_lat),
        "lng": str(grid.center_lng),
        "client_key": "page-key-0001",
        "description": "垃圾",
        "near": png("n.png"),
    }
    bad = client.post(PAGES["inspector"], {**data, "subclass": "299999", "near": png()})
    assert bad.status_code == 400 and "没有代码为 299999 的小类" in bad.content.decode()
    assert not Case.objects.filter(kind="citymgmt").exists()
    resp = client.post(PAGES["inspector"], data)
    assert resp.status_code == 302
    case = Case.objects.get(kind="citymgmt")
    page = client.get(PAGES["inspector"]).content.decode()
    assert case.number in page and "暴露垃圾" in page  # his recent report and quick pick
    # the resend (same key) creates nothing new
    client.post(PAGES["inspector"], {**data, "near": png()})
    assert Case.objects.filter(kind="citymgmt").count() == 1


def test_the_boards_and_the_case_page(loop: dict[str, Any]) -> None:  # noqa: F811
    case, _ = report(loop)
    assert case.number in login("cm_sh").get(PAGES["shift"]).content.decode()
    case_transition(case_id=case.pk, action="file_case", actor=loop["shift"], data={})
    assert case.number not in login("cm_sh").get(PAGES["shift"]).content.decode()
    assert case.number in login("cm_dp").get(PAGES["dispatch"]).content.decode()
    hw = Unit.objects.get(code="D-HW")
    case_transition(
        case_id=case.pk, action="dispatch", actor=loop["dispatcher"], data={"unit": hw.pk}
    )
    queue = login("cm_hw").get(PAGES["queue"]).content.decode()
    assert case.number in queue and 'data-light="green"' in queue
    assert case.number not in login("cm_yl").get(PAGES["queue"]).content.decode()
    detail = login("cm_hw").get(f"/hotline/cases/{case.pk}/").content.decode()
    assert "城管案卷" in detail and "处置中" in detail and "处置反馈" in detail

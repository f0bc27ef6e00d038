"""转数字城管 in headless Chromium: the 12345 dispatcher transfers an order from its page (the
form pre-filled with the suggested 小类), the page shows the linked 城管 case under 关联工单;
the 城管 值班长 sees the origin's number on the 城管 case."""

from __future__ import annotations

from typing import Any

import pytest

from chuangcheng.cases.models import Case, CaseLink
from chuangcheng.cases.services import case_open, case_transition
from chuangcheng.citymgmt import geo
from chuangcheng.citymgmt.demo_cases import build_citymgmt_people
from chuangcheng.citymgmt.demo_data import build_citymgmt_demo
from chuangcheng.citymgmt.models import UnitGrid
from chuangcheng.citymgmt.seed import ensure_seeded
from chuangcheng.demo.city import DEMO_PASSWORD
from tests.browser.test_hotline_browser import do_action
from tests.conftest import actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_order_page_transfers_and_shows_the_linked_case(
    city: Any, as_user: Any, live_server: Any
) -> None:
    ensure_seeded()
    geo.clear_cache()
    build_citymgmt_demo(components=20)
    build_citymgmt_people(DEMO_PASSWORD)
    grid = UnitGrid.objects.select_related("community").order_by("code").first()
    assert grid is not None
    dispatcher = actor("dispatcher")
    order, _ = case_open(
        kind="hotline",
        actor=dispatcher,
        fields={
            "title": "小区门口垃圾堆积",
            "content": "海亮广场北门垃圾多日无人清运。",
            "lat": grid.center_lat,
            "lng": grid.center_lng,
        },
        contact={"name": "王先生", "phone": "13812341234"},
        region=grid.community,
    )
    case_transition(
        case_id=order.pk, action="review", actor=dispatcher, data={"category": "020103"}
    )

    page = as_user("dispatcher")
    page.goto(f"{live_server.url}/hotline/cases/{order.pk}/")
    page.locator("button[data-action=transfer_citymgmt]").first.click()
    dialog = page.locator("dialog[id^=dlg-transfer_citymgmt-][open]")
    assert dialog.locator("[name=subclass]").input_value() == "200102"  # suggested
    do_action(page, "transfer_citymgmt", fill={"note": "属城管职责"})
    page.wait_for_selector("[data-testid=links]")
    cm = CaseLink.objects.get(from_case=order).to_case
    links = page.locator("[data-testid=links]").inner_text()
    assert cm.number in links and "待立案" in links and "数字城管" in links
    assert Case.objects.get(pk=order.pk).status == "transferred"

    page = as_user("cm_zbz")
    page.goto(f"{live_server.url}/hotline/cases/{cm.pk}/")
    page.wait_for_selector("[data-testid=case-number]")
    body = page.locator("body").inner_text()
    assert order.number in body and "12345转办" in body and "13812341234" not in body

"""网格化 walked in headless Chromium on a phone-sized page, the way a grid worker's day goes: an
event found on a patrol settled through 协商议事 (a meeting, what was agreed, done, the residents'
satisfaction); an event the grid cannot settle, escalated, sent on to 数字城管 by the community,
closed there by 城管's own steps, and rated back on the worker's phone. (The patrol and a visit:
test_grid_browser.py; a must-report item: test_grid_mustreport_browser.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from chuangcheng.cases.models import Case, CaseLink
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.grid.models import GridEvent, Patrol
from chuangcheng.grid.seed import build_grid_demo
from chuangcheng.org.models import Region
from tests.browser.conftest import PHONE
from tests.browser.test_hotline_browser import do_action

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def phone(browser: Any, live_server: Any, grid: Region, username: str) -> Any:
    ctx = browser.new_context(
        viewport=PHONE,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": grid.lat, "longitude": grid.lng},
        permissions=["geolocation"],
    )
    ctx.set_default_timeout(15000)
    page = ctx.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=start-form], [data-testid=end-form]")
    return page


def test_an_event_found_on_a_patrol_settled_by_a_meeting(
    city: Any, browser: Any, live_server: Any
) -> None:
    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    grid = Region.objects.get(parent__name="仕奇社区", level=Region.Level.GRID, code__endswith="01")
    page = phone(browser, live_server, grid, "gd_sq01")
    page.click("[data-testid=start]")
    page.wait_for_selector("[data-testid=end-form]")
    patrol = Patrol.objects.get(user__username="gd_sq01", ended_at__isnull=True)

    # found on the way: the form says it goes with the patrol
    page.click("[data-testid=report-event]")
    page.wait_for_selector("[data-testid=event-form]")
    assert "记入本次巡查" in page.inner_text("[data-testid=on-patrol]")
    form = page.locator("[data-testid=event-form]")
    form.locator("select[name=category]").select_option("MD04")
    form.locator("input[name=title]").fill("小区停车位纠纷")
    form.locator("textarea[name=content]").fill("业主与物业对3号楼前停车位收费有争议")
    page.wait_for_function(
        "document.querySelector('[data-testid=event-form] input[name=lat]').value !== ''"
    )
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=case-number]")
    case = Case.objects.get(title="小区停车位纠纷")
    assert case.gridevent.patrol == patrol and case.status == "reported"

    # 协商议事: who came, what was agreed; then done; then what the residents said
    do_action(
        page,
        "consult",
        fill={"attendees": "业主代表3人、物业经理、社区主任", "agreement": "临时车位按月收费50元"},
    )
    assert Case.objects.get(pk=case.pk).status == "agreed"
    do_action(page, "implement", fill={"note": "物业已公示收费标准"})
    do_action(page, "rate", checks=["input[name=satisfaction][value=satisfied]"])
    case.refresh_from_db()
    event = GridEvent.objects.get(pk=case.pk)
    assert case.status == "closed"
    assert (event.road, event.satisfaction) == ("consult", "satisfied")
    assert event.agreement == "临时车位按月收费50元"
    timeline = page.locator("[data-testid=timeline]").inner_text()
    assert "协商议事" in timeline and "群众评价" in timeline
    page.context.close()


def test_an_escalated_event_closed_in_citymgmt_then_rated_on_the_phone(
    city: Any, browser: Any, live_server: Any, as_user: Any
) -> None:
    from chuangcheng.cases.services import case_transition
    from chuangcheng.citymgmt import geo
    from chuangcheng.citymgmt.demo_data import build_citymgmt_demo, unit_grids_for
    from chuangcheng.org.models import Unit
    from tests.conftest import actor
    from tests.test_grid_handover import RML, member, photo

    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    geo.clear_cache()
    build_citymgmt_demo(components=20)
    unit_grids_for(RML)  # 城管's unit grids over 仕奇社区 (its middle grids)
    member("cm_sh", "cm_shift", "C-12345")
    member("cm_dp", "cm_dispatcher", "C-12345")
    member("cm_jd", "cm_inspector", f"S-{RML}")
    member("cm_hw", "cm_handler", "D-HW")
    grid = Region.objects.get(parent__name="仕奇社区", level=Region.Level.GRID, code__endswith="05")

    # the grid worker records it on the phone and escalates it: the grid cannot settle it
    page = phone(browser, live_server, grid, "gd_sq05")
    page.goto(f"{live_server.url}/grid/events/new/")
    form = page.locator("[data-testid=event-form]")
    form.locator("select[name=category]").select_option("SJ04")
    form.locator("input[name=title]").fill("路边垃圾堆积")
    form.locator("textarea[name=content]").fill("5号楼东侧路边生活垃圾成堆，需清运车")
    page.wait_for_function(
        "document.querySelector('[data-testid=event-form] input[name=lat]').value !== ''"
    )
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=case-number]")
    event = Case.objects.get(title="路边垃圾堆积")
    do_action(page, "escalate", fill={"reason": "需城管清运，网格无法处置"})
    assert Case.objects.get(pk=event.pk).status == "escalated"

    # the community sends it on to 数字城管 (the 小类 pre-filled from the event's class)
    staff = as_user("gd_sq")
    staff.goto(f"{live_server.url}/hotline/cases/{event.pk}/")
    do_action(staff, "to_citymgmt")
    event.refresh_from_db()
    assert event.status == "citymgmt"
    link = staff.locator("[data-testid=link]").first.inner_text()
    cm = CaseLink.objects.get(from_case=event).to_case
    assert cm.number in link and "数字城管" in link

    # 数字城管 closes it by its own steps
    after = [(photo(), "after")]
    for action, who, data, files in (
        ("file_case", "cm_sh", {}, ()),
        ("dispatch", "cm_dp", {"unit": Unit.objects.get(code="D-HW").pk}, ()),
        ("feedback", "cm_hw", {"note": "垃圾已清运，路面冲洗干净"}, after),
        ("check_pass", "cm_jd", {}, ()),
        ("close", "cm_sh", {"close_type": "normal"}, ()),
    ):
        case_transition(
            case_id=cm.pk, action=action, actor=actor(who), data=data, attachments=files
        )
    assert Case.objects.get(pk=event.pk).status == "rating"

    # back on the worker's phone: the result is in the history; the residents' word closes it
    page.goto(f"{live_server.url}/hotline/cases/{event.pk}/")
    assert "垃圾已清运" in page.locator("[data-testid=timeline]").inner_text()
    do_action(page, "rate", checks=["input[name=satisfaction][value=basic]"])
    event.refresh_from_db()
    assert event.status == "closed"
    assert GridEvent.objects.get(pk=event.pk).satisfaction == "basic"
    page.context.close()

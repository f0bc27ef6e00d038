"""The 数字城管 loop through real pages in headless Chromium: an inspector reports on a
phone-sized page → 值班长 立案 → 派遣员 派遣 (the 权责清单's suggestion shown) → 专业部门 处置
with photos → a failed 核查 → 返工 → a passed 核查 → 结案."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from chuangcheng.cases.models import Case
from chuangcheng.citymgmt import geo
from chuangcheng.citymgmt.demo_cases import build_citymgmt_people
from chuangcheng.citymgmt.demo_data import build_citymgmt_demo
from chuangcheng.citymgmt.models import CityCase, UnitGrid
from chuangcheng.citymgmt.seed import ensure_seeded
from chuangcheng.demo.city import DEMO_PASSWORD
from tests.browser.test_hotline_browser import do_action, photo, status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_from(page: Any, number: str) -> None:
    page.click(f"a:has-text('{number}')")
    page.wait_for_selector("[data-testid=case-number]")


def test_a_city_case_from_the_phone_to_closure(
    city: Any, as_user: Any, live_server: Any, tmp_path: Path
) -> None:
    ensure_seeded()
    geo.clear_cache()
    build_citymgmt_demo(components=40)
    build_citymgmt_people(DEMO_PASSWORD)
    grid = UnitGrid.objects.order_by("code").first()
    assert grid is not None

    # 1 the inspector reports on his phone: subclass, photo, location
    page = as_user("cm_jdy01", mobile=True)
    assert page.url.endswith("/citymgmt/report/")
    assert page.viewport_size["width"] == 390
    page.fill("#id_subclass", "200102")
    page.fill("#id_description", "路口西侧成堆生活垃圾")
    page.set_input_files("#id_photo_near", photo(tmp_path, "near.jpg", "olive"))
    page.evaluate(
        f"document.getElementById('id_lat').value='{grid.center_lat}';"
        f"document.getElementById('id_lng').value='{grid.center_lng}'"
    )
    assert page.input_value("#id_client_key")  # made on the phone
    page.click("[data-testid=cm-report-submit]")
    page.wait_for_selector("text=已上报")
    case = Case.objects.get(kind="citymgmt")
    number = case.number
    assert number in page.locator("[data-testid=cm-recent]").inner_text()
    assert case.status == "filing" and case.attachments.get().label == "近景"

    # 2 立案 by the shift leader
    page = as_user("cm_zbz")
    assert page.url.endswith("/citymgmt/board/")
    open_from(page, number)
    do_action(page, "file_case", fill={"note": "符合立案条件"})
    assert status(case) == "dispatching"

    # 3 派遣, the 权责清单 suggests 环卫处 for 暴露垃圾
    page = as_user("cm_pqy")
    assert page.url.endswith("/citymgmt/dispatch/")
    row = page.locator(f"tr[data-case='{number}']")
    assert row.locator("[data-testid=suggestion]").inner_text() == "市环境卫生管理处"
    open_from(page, number)
    page.locator("button[data-action=dispatch]").click()
    dialog = page.locator("dialog[id^=dlg-dispatch-][open]")
    dialog.locator("select[name=unit]").select_option(label="市环境卫生管理处")
    dialog.locator("button[data-submit=dispatch]").click()
    page.wait_for_load_state()
    assert status(case) == "handling"

    # 4 处置 by the department, from its queue (with its light), with photos
    handler = as_user("cm_hw")
    assert handler.url.endswith("/citymgmt/queue/")
    assert handler.locator(f"tr[data-case='{number}']").get_attribute("data-light") in (
        "green",
        "yellow",
        "red",
    )
    open_from(handler, number)
    do_action(
        handler,
        "feedback",
        fill={"note": "已清运"},
        files={
            "before": photo(tmp_path, "before.jpg", "gray"),
            "after": photo(tmp_path, "after.jpg", "white"),
        },
    )
    assert status(case) == "checking"

    # 5 a failed 核查 by another inspector, on his phone → 返工
    checker = as_user("cm_jdy02", mobile=True)
    assert number in checker.locator("[data-testid=cm-tasks]").inner_text()
    open_from(checker, number)
    do_action(checker, "check_fail", fill={"reason": "仍有散落垃圾"})
    assert status(case) == "handling"
    assert CityCase.objects.get(case=case).rework_count == 1
    assert "返工 1 次" in checker.locator("[data-testid=rework]").inner_text()

    # 6 返工 done, 7 a passed 核查
    handler.reload()
    do_action(handler, "feedback", files={"after": photo(tmp_path, "after2.jpg", "white")})
    assert status(case) == "checking"
    checker.reload()
    do_action(checker, "check_pass", fill={"note": "已清理干净"})
    assert status(case) == "closing"

    # 8 结案 with its type
    page = as_user("cm_zbz")
    open_from(page, number)
    do_action(page, "close", checks=["input[name=close_type][value=normal]"])
    assert status(case) == "closed"
    assert page.locator("[data-testid=close-type]").inner_text() == "正常结案"
    timeline = page.locator("[data-testid=timeline]").inner_text()
    for label in ("立案", "派遣", "处置反馈", "核查不通过", "核查通过", "结案"):
        assert re.search(label, timeline), label

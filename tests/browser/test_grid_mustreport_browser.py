"""必报事项 on a phone-sized page in headless Chromium: the form filed with no network waits on
the phone and goes once the network is back (one record, not two); a quick note (知悉) from
今日工作 shows up with the time left."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.grid.models import MustReport
from chuangcheng.grid.seed import build_grid_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_must_report_filed_offline_goes_once(
    city: Any, browser: Any, live_server: Any, as_user: Any
) -> None:
    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    page = as_user("gd_sq01", mobile=True)
    page.goto(f"{live_server.url}/grid/reports/new/?kind=facility")
    page.fill("#r-place", "仕奇小区北门")
    page.fill("#r-description", "北门道闸损坏，无法抬杆")
    page.context.set_offline(True)
    page.click("#r-submit")
    page.wait_for_selector("text=已暂存在手机上", timeout=30000)
    assert not MustReport.objects.filter(summary__contains="仕奇小区北门").exists()
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    kept = MustReport.objects.filter(summary__contains="仕奇小区北门")
    for _ in range(600):  # a request lost offline gives up in 10 s, then the page tries again
        if kept.exists():
            break
        page.wait_for_timeout(100)
    item = kept.get()  # sent once
    assert item.status == "filed" and item.on_time is True and item.case is None
    for _ in range(100):  # the phone forgets it once it has read the answer (the page's CSP
        # forbids wait_for_function's string predicates once they have to poll)
        if page.evaluate("JSON.parse(localStorage.getItem('cc-grid-queue') || '[]').length") == 0:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("JSON.parse(localStorage.getItem('cc-grid-queue') || '[]')") == []
    page.goto(f"{live_server.url}/grid/reports/{item.pk}/")
    assert "仕奇小区北门" in page.inner_text("[data-testid=report-detail]")
    # online, a form goes at once and opens what was filed
    page.goto(f"{live_server.url}/grid/reports/new/?kind=hazard")
    page.select_option("#r-type", "fire")
    page.fill("#r-place", "12号楼楼道")
    page.fill("#r-description", "楼道内电动车充电")
    page.click("#r-submit")
    page.wait_for_url("**/grid/reports/*/")
    hazard = MustReport.objects.get(summary__contains="12号楼楼道")
    assert hazard.case is not None  # 需要处置 is ticked for hazards: a 网格事件 too
    assert hazard.case.number in page.inner_text("[data-testid=event-link]")

    page.goto(f"{live_server.url}/grid/today/")
    page.select_option("#n-kind", "rental")
    page.fill("#n-summary", "9号楼201新出租")
    page.click("#n-submit")
    page.wait_for_selector("[data-testid=pending-reports] >> text=9号楼201新出租")
    assert "剩余" in page.inner_text("[data-testid=pending-reports]")
    assert MustReport.objects.filter(summary="9号楼201新出租", status="draft").count() == 1

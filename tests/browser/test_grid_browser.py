"""网格化 through real pages in headless Chromium on a phone-sized page: a grid worker starts a
patrol where the phone says they are, walks (the route kept on the phone while the network is
gone, sent when it returns), ends it; records a visit to someone overdue; the 综治专干 sees the
control register."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.grid import registers
from chuangcheng.grid.models import Patrol, PatrolPoint, Visit
from chuangcheng.grid.seed import build_grid_demo
from chuangcheng.org.models import Region
from tests.browser.conftest import PHONE
from tests.conftest import actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patrol_and_a_visit_on_the_phone(
    city: Any, browser: Any, live_server: Any, as_user: Any
) -> None:
    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    grid = Region.objects.get(parent__name="仕奇社区", level=Region.Level.GRID, code__endswith="01")
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
    page.fill("#id_username", "gd_sq01")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=start-form]")
    assert page.url.endswith("/grid/today/")

    # 1 start where the phone is
    page.click("[data-testid=start]")
    page.wait_for_selector("[data-testid=end-form]")
    patrol = Patrol.objects.get(ended_at__isnull=True)
    # the start point, and maybe already the first point of the route the page is watching
    assert patrol.grid == grid and patrol.points >= 1 and patrol.ended_at is None

    # 2 no network: route points wait on the phone; back online, they go
    ctx.set_offline(True)
    page.evaluate(
        """([lat, lng]) => {
              const key = 'cc-patrol-points-' + document.querySelector('[data-patrol]').dataset.patrol;
              const queued = JSON.parse(localStorage.getItem(key) || '[]');
              queued.push({at: new Date().toISOString(), lat: lat, lng: lng});
              localStorage.setItem(key, JSON.stringify(queued));
            }""",
        [grid.lat + 0.0001, grid.lng],
    )
    ctx.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    kept = PatrolPoint.objects.filter(patrol=patrol, lat=grid.lat + 0.0001)
    for _ in range(600):  # a request lost offline gives up in 10 s, then the page tries again
        if kept.exists():
            break
        page.wait_for_timeout(100)
    assert kept.count() == 1  # the point that waited on the phone, sent once
    patrol.refresh_from_db()
    assert patrol.points >= 2 and patrol.outside == 0

    # 3 end it with a note
    page.fill("[data-testid=end-form] textarea[name=note]", "走访 8 户，无异常")
    page.click("[data-testid=end]")
    # (on a loaded machine a request lost while offline may hold the queue until it gives up)
    page.wait_for_selector("[data-testid=start-form]", timeout=45000)
    patrol.refresh_from_db()
    assert patrol.ended_at is not None and patrol.note == "走访 8 户，无异常"
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    today = Patrol.objects.filter(user__username="gd_sq01", started_at__gte=midnight).count()
    assert f"今天已巡查 {today} 次" in page.inner_text("h1")

    # 4 a visit to someone due: from today's list to their page, recorded once
    now = timezone.now()
    due = [d for d in registers.visit_plan(actor("gd_sq01")) if d.due <= now]
    assert due
    person = due[0].person
    page.click(f"[data-testid=due-visits] a[href='/grid/people/{person.pk}/']")
    page.wait_for_selector("[data-testid=visit-form]")
    page.select_option("[data-testid=visit-form] select[name=method]", "home")
    page.fill("[data-testid=visit-form] textarea[name=found]", "老人在家，精神不错")
    page.click("[data-testid=visit-form] button[type=submit]")
    page.wait_for_selector("text=探访已登记")
    assert Visit.objects.filter(person=person, found="老人在家，精神不错").count() == 1
    ctx.close()

    # 5 the 综治专干 sees the control register; community staff do not
    zongzhi = as_user("gd_sqzz")
    zongzhi.goto(f"{live_server.url}/grid/control/")
    assert zongzhi.locator("[data-testid=control] tbody tr").count() == 15
    staff = as_user("gd_sq")
    staff.goto(f"{live_server.url}/grid/control/")
    assert "仅限本网格专职网格员和社区综治专干" in staff.content()

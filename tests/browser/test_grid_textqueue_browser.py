"""The grid phone's text queue (必报事项, 知悉, 核实房屋) in headless Chromium at phone size: a form
sent while the login has lapsed stays on the phone until the worker signs in again (the login
page is not an answer); a form the server refuses stays marked with the server's reason on
今日工作 (修改后重发 / 删除), never sent again by itself, while a page that is not the app's
(a proxy's 400) leaves it waiting; on a phone shared by two workers each one's forms go only in
their own session, and every grid page that loads the queue sends both queues."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from chuangcheng.cases.models import Case
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.grid.models import MustReport
from chuangcheng.grid.seed import build_grid_demo
from chuangcheng.org.models import Region
from tests.browser.test_grid_offline_browser import fill_event, wait_until
from tests.browser.test_grid_walk_browser import phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIST = "[data-testid=queued-forms]"
NOTE_FORM = "[data-testid=note-form]"


def kept(page: Any) -> list[dict[str, Any]]:
    """The text queue as the phone keeps it (all workers' items)."""
    return page.evaluate("JSON.parse(localStorage.getItem('cc-grid-queue') || '[]')")  # type: ignore[no-any-return]


def sign_in(page: Any, live_server: Any, username: str, then: str) -> None:
    page.goto(f"{live_server.url}/login/?next={then}")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{then}")


def foreign_grid(page: Any, pk: int) -> None:
    """Choose a grid that is not the worker's (as if their post had changed while it waited)."""
    page.evaluate(
        "pk => { const s = document.querySelector('[data-testid=note-form] select[name=grid]');"
        " s.add(new Option('别的网格', pk)); s.value = pk; }",
        str(pk),
    )


def test_a_form_sent_after_the_login_lapsed_waits_until_the_worker_signs_in(
    city: Any, browser: Any, live_server: Any
) -> None:
    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    grid = Region.objects.get(parent__name="仕奇社区", level=Region.Level.GRID, code__endswith="01")
    page = phone(browser, live_server, grid, "gd_sq01")
    ctx = page.context
    me = get_user_model().objects.get(username="gd_sq01")
    reports = MustReport.objects.filter(summary__contains="仕奇小区东门")
    page.goto(f"{live_server.url}/grid/reports/new/?kind=facility")
    page.fill("#r-place", "仕奇小区东门")
    page.fill("#r-description", "东门路灯不亮")

    # the session ends (logged out in another tab): the login page answers the form
    other = ctx.new_page()
    other.goto(f"{live_server.url}/grid/today/")
    other.evaluate("document.querySelector(\"form[action$='/logout/']\").submit()")  # 退出
    other.wait_for_url("**/login/**")
    other.close()
    page.click("#r-submit")
    page.wait_for_selector("[data-queue-note] >> text=登录已过期，请重新登录后自动发送")
    assert page.url.endswith("/grid/reports/new/?kind=facility")  # not taken anywhere
    assert page.input_value("#r-place") == ""  # the form is free; what was filled in is kept
    items = kept(page)
    assert [(i["user"], i["data"]["place"], i["failed"]) for i in items] == [
        (str(me.pk), "仕奇小区东门", "")
    ]
    assert not reports.exists()
    # tried again (every 20 s, on `online`): still the login page, still kept
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(1000)
    assert len(kept(page)) == 1 and not reports.exists()
    page.close()

    # signed in again: the first grid page opened (the list of 必报事项) sends it, once
    page = ctx.new_page()
    sign_in(page, live_server, "gd_sq01", "/grid/reports/")
    wait_until(page, reports.exists)
    item = reports.get()
    assert item.reported_by == me and item.status == "filed" and item.grid == grid
    wait_until(page, lambda: kept(page) == [])
    page.reload()
    page.wait_for_timeout(500)
    assert reports.count() == 1


def test_a_refused_form_waits_marked_until_fixed_or_deleted(
    city: Any, browser: Any, live_server: Any
) -> None:
    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    grids = list(
        Region.objects.filter(parent__name="仕奇社区", level=Region.Level.GRID).order_by("code")
    )
    page = phone(browser, live_server, grids[0], "gd_sq01")
    ctx = page.context
    notes = MustReport.objects.filter(summary="7号楼101新住进一户")
    sent: list[str] = []
    page.on(
        "request",
        lambda r: sent.append(r.url) if r.method == "POST" and "/reports/note/" in r.url else None,
    )

    # online, the form on the page says why at once; nothing is kept
    page.fill("#n-summary", "7号楼101新住进一户")
    foreign_grid(page, grids[1].pk)
    page.click("#n-submit")
    page.wait_for_selector(f"{NOTE_FORM} [data-error] >> text=请选择您负责的网格", state="attached")
    assert kept(page) == [] and not notes.exists()

    # filed with no network, then refused by the server: kept, marked with its reason
    ctx.set_offline(True)
    page.fill("#n-summary", "7号楼101新住进一户")
    foreign_grid(page, grids[1].pk)
    page.click("#n-submit")
    page.wait_for_selector("[data-queue-note] >> text=网络不好，知悉已暂存在手机上")
    row = page.locator(f"{LIST} li")
    assert "待发送" in row.inner_text()
    # a page that is not the app's answer (a proxy's 400) is no refusal: still waiting
    ctx.route(
        "**/grid/reports/note/",
        lambda route: route.fulfill(status=400, content_type="text/html", body="<h1>400</h1>"),
    )
    sent.clear()
    ctx.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until(page, lambda: bool(sent))
    page.wait_for_timeout(300)
    assert "待发送" in row.inner_text() and not kept(page)[0]["failed"]
    ctx.unroute("**/grid/reports/note/")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector(f"{LIST} li >> text=未被接受：请选择您负责的网格")
    assert not notes.exists()
    # never sent again by itself
    sent.clear()
    page.reload()
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(1000)
    assert sent == [] and not notes.exists()
    assert "1 条未被接受" in page.inner_text("[data-queue-note]")

    # 修改后重发: the form comes back filled in with the reason; the worker's grid, and it goes
    page.locator(f"{LIST} li >> text=修改后重发").click()
    page.wait_for_selector(f"{NOTE_FORM} [data-error] >> text=上次未被接受：请选择您负责的网格")
    assert page.input_value("#n-summary") == "7号楼101新住进一户"
    page.select_option("#n-grid", str(grids[0].pk))
    page.click("#n-submit")
    wait_until(page, notes.exists)
    page.wait_for_url("**/grid/today/")
    page.wait_for_selector(LIST, state="hidden")
    assert notes.get().grid == grids[0] and kept(page) == []

    # another refused one is deleted by the worker instead
    ctx.set_offline(True)
    page.fill("#n-summary", "要删除的知悉")
    foreign_grid(page, grids[1].pk)
    page.click("#n-submit")
    page.wait_for_selector(f"{LIST} li >> text=待发送")
    ctx.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector(f"{LIST} li >> text=未被接受")
    page.once("dialog", lambda d: d.accept())
    page.locator(f"{LIST} li >> text=删除").click()
    page.wait_for_selector(LIST, state="hidden")
    page.reload()
    page.wait_for_timeout(500)
    assert kept(page) == [] and not MustReport.objects.filter(summary="要删除的知悉").exists()


def test_a_phone_shared_by_two_workers_sends_each_ones_forms_as_theirs(
    city: Any, browser: Any, live_server: Any
) -> None:
    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    grid = Region.objects.get(parent__name="仕奇社区", level=Region.Level.GRID, code__endswith="01")
    page = phone(browser, live_server, grid, "gd_sq01")
    ctx = page.context
    notes = MustReport.objects.filter(summary="交班前知悉的出租")
    events = Case.objects.filter(kind="gridevent", title="交班前登记的堆物")
    # a note and an event with its photo, both filed with no network
    ctx.set_offline(True)
    page.fill("#n-summary", "交班前知悉的出租")
    page.click("#n-submit")
    page.wait_for_selector(f"{LIST} li >> text=待发送")
    ctx.route("**/grid/reports/note/", lambda route: route.abort())  # sends still lost
    ctx.route(
        "**/grid/events/new/", lambda r: r.abort() if r.request.method == "POST" else r.continue_()
    )
    ctx.set_offline(False)
    page.goto(f"{live_server.url}/grid/events/new/")
    ctx.set_offline(True)
    fill_event(page, "交班前登记的堆物")
    page.click("[data-testid=event-form] button[type=submit]")
    page.wait_for_selector("[data-testid=queue-note] >> text=1 条待发送")
    ctx.set_offline(False)

    # the next worker signs in on the same phone: not theirs to see or to send
    ctx.clear_cookies()
    sign_in(page, live_server, "gd_sq02", "/grid/today/")
    ctx.unroute("**/grid/reports/note/")
    ctx.unroute("**/grid/events/new/")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(1500)
    assert page.locator(f"{LIST} li").count() == 0
    assert page.inner_text("[data-testid=today-reports] [data-queue-note]") == ""
    assert not notes.exists() and not events.exists()
    assert len(kept(page)) == 1  # still on the phone, for its worker

    # back in the first worker's session, on the 季度更新 page: both go, recorded as theirs
    ctx.clear_cookies()
    sign_in(page, live_server, "gd_sq01", "/grid/refresh/")
    wait_until(page, lambda: notes.exists() and events.exists())
    assert notes.get().reported_by.username == "gd_sq01"
    assert events.get().created_by.username == "gd_sq01"
    wait_until(page, lambda: kept(page) == [])

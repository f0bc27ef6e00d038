"""The 网格事件 form on a phone with no network, in headless Chromium: the event and its photo are
kept on the phone (IndexedDB, the photo scaled to ≤ 1600 px), survive a reload and the tab being
closed, and arrive once when the network is back — also when the first send reached the server
but its answer was lost. A form the server refuses stays on the phone, marked with the server's
reason, until the worker fixes it (修改后重发) or deletes it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

from chuangcheng.cases.models import Case
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.grid.seed import build_grid_demo
from chuangcheng.org.models import Region
from tests.browser.test_grid_walk_browser import phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "[data-testid=queue-note]"
QUEUED = "[data-testid=queued-events]"


def big_jpeg() -> bytes:
    """A 3000×2000 camera-sized photo (noisy, so it does not compress to nothing)."""
    img = Image.effect_noise((3000, 2000), 60).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=95)
    return buf.getvalue()


def fill_event(page: Any, title: str) -> None:
    form = page.locator("[data-testid=event-form]")
    page.wait_for_function(
        "document.querySelector('[data-testid=event-form] input[name=lat]').value !== ''"
    )
    form.locator("select[name=category]").select_option("SJ04")
    form.locator("input[name=title]").fill(title)
    form.locator("textarea[name=content]").fill("2单元楼道堆放纸箱、旧家具，堵塞通道")
    form.locator("input[name=before]").set_input_files(
        files=[{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": big_jpeg()}]
    )


def wait_until(page: Any, done: Any, seconds: int = 60) -> None:
    for _ in range(seconds * 10):  # the page tries again on `online`, on load and every 20 s
        if done():
            return
        page.wait_for_timeout(100)
    raise AssertionError("timed out")


def test_an_event_with_its_photo_filed_offline_arrives_once(
    city: Any, browser: Any, live_server: Any
) -> None:
    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    grid = Region.objects.get(parent__name="仕奇社区", level=Region.Level.GRID, code__endswith="01")
    page = phone(browser, live_server, grid, "gd_sq01")
    ctx = page.context
    events = Case.objects.filter(kind="gridevent", title="离线登记的楼道堆物")
    page.goto(f"{live_server.url}/grid/events/new/")

    # 1 no network: the event and its photo stay on the phone, the form is free for the next one
    ctx.set_offline(True)
    fill_event(page, "离线登记的楼道堆物")
    page.click("[data-testid=event-form] button[type=submit]")
    page.wait_for_selector(f"{NOTE} >> text=已保存在手机上，联网后自动上报（1 条待发送）")
    assert page.input_value("[data-testid=event-form] input[name=title]") == ""
    assert not events.exists()

    # 2 a network that opens pages but loses every send of the event
    def lose_sends(route: Any) -> None:
        if route.request.method == "POST":
            route.abort()
        else:
            route.continue_()

    ctx.route("**/grid/events/new/", lose_sends)
    ctx.set_offline(False)
    # reloaded, and the tab closed: still kept on the phone, listed on 今日工作
    page.reload()
    page.wait_for_selector(f"{NOTE} >> text=已保存在手机上，联网后自动上报（1 条待发送）")
    page.close()
    page = ctx.new_page()
    page.goto(f"{live_server.url}/grid/today/")
    row = page.locator(f"{QUEUED} li")
    row.first.wait_for()
    assert row.count() == 1
    assert "离线登记的楼道堆物" in row.inner_text() and "照片 1 张" in row.inner_text()
    assert "待发送" in row.inner_text()
    page.wait_for_timeout(500)  # the load's send was lost
    assert not events.exists()

    # 3 the first send reaches the server, but its answer is lost on the way back
    ctx.unroute("**/grid/events/new/")
    answered: list[int] = []

    def lose_answer(route: Any) -> None:
        if route.request.method == "POST" and not answered:
            answered.append(route.fetch().status)
            route.abort()
        else:
            route.continue_()

    ctx.route("**/grid/events/new/", lose_answer)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until(page, lambda: bool(answered))
    assert answered == [201] and events.count() == 1
    assert row.count() == 1  # the phone does not know: it keeps it and sends it again

    # 4 the resend gets the same event back: one event, one photo, the queue empty
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector(QUEUED, state="hidden", timeout=60000)
    case = events.get()
    assert case.status == "reported" and case.gridevent.grid == grid
    shot = case.attachments.get()
    assert (shot.label, shot.content_type) == ("before", "image/jpeg")
    with shot.file.open("rb") as fh, Image.open(fh) as img:
        assert img.format == "JPEG" and max(img.size) == 1600  # scaled on the phone
    page.reload()
    page.wait_for_timeout(500)
    assert page.locator(f"{QUEUED} li").count() == 0 and events.count() == 1


def test_a_refused_event_waits_marked_until_fixed(
    city: Any, browser: Any, live_server: Any
) -> None:
    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    grids = list(
        Region.objects.filter(parent__name="仕奇社区", level=Region.Level.GRID).order_by("code")
    )
    page = phone(browser, live_server, grids[0], "gd_sq01")
    ctx = page.context
    events = Case.objects.filter(kind="gridevent", title="换了网格的事件")
    page.goto(f"{live_server.url}/grid/events/new/")
    ctx.set_offline(True)
    fill_event(page, "换了网格的事件")
    # a grid that is not the worker's (as if their post had changed while it waited)
    page.evaluate(
        "pk => { const s = document.querySelector('[data-testid=event-form] select[name=grid]');"
        " s.add(new Option('别的网格', pk)); s.value = pk; }",
        str(grids[1].pk),
    )
    page.click("[data-testid=event-form] button[type=submit]")
    page.wait_for_selector(f"{NOTE} >> text=1 条待发送")
    ctx.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector(f"{NOTE} >> text=1 条未被接受")
    assert not events.exists()

    # listed on 今日工作 with the server's reason; not sent again by itself
    page.goto(f"{live_server.url}/grid/today/")
    row = page.locator(f"{QUEUED} li")
    row.first.wait_for()
    assert "未被接受：请选择您负责的网格" in row.inner_text()
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(1000)
    assert not events.exists() and row.count() == 1

    # 修改后重发: the form comes back filled in, with its photo; the right grid, and it goes
    row.locator("text=修改后重发").click()
    page.wait_for_selector("[data-testid=event-error] >> text=请选择您负责的网格")
    form = page.locator("[data-testid=event-form]")
    assert form.locator("input[name=title]").input_value() == "换了网格的事件"
    assert "沿用暂存的照片 1 张" in form.inner_text()
    page.wait_for_selector("[data-locate-status] >> text=沿用登记时的位置")
    form.locator("select[name=grid]").select_option(str(grids[0].pk))
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=case-number]")
    case = events.get()
    assert case.gridevent.grid == grids[0] and case.attachments.count() == 1

    # a second refused one is deleted by the worker instead
    page.goto(f"{live_server.url}/grid/events/new/")
    ctx.set_offline(True)
    fill_event(page, "要删除的事件")
    form.locator("input[name=title]").fill("要删除的事件")
    page.evaluate(
        "pk => { const s = document.querySelector('[data-testid=event-form] select[name=grid]');"
        " s.add(new Option('别的网格', pk)); s.value = pk; }",
        str(grids[1].pk),
    )
    page.click("[data-testid=event-form] button[type=submit]")
    page.wait_for_selector(f"{NOTE} >> text=1 条待发送")
    ctx.set_offline(False)
    page.goto(f"{live_server.url}/grid/today/")
    page.wait_for_selector(f"{QUEUED} li >> text=未被接受")
    page.once("dialog", lambda d: d.accept())
    page.locator(f"{QUEUED} li >> text=删除").click()
    page.wait_for_selector(QUEUED, state="hidden")
    page.reload()
    page.wait_for_timeout(500)
    assert page.locator(f"{QUEUED} li").count() == 0
    assert not Case.objects.filter(title="要删除的事件").exists()


def test_a_full_phone_keeps_nothing_and_says_so(city: Any, browser: Any, live_server: Any) -> None:
    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    grid = Region.objects.get(parent__name="仕奇社区", level=Region.Level.GRID, code__endswith="01")
    page = phone(browser, live_server, grid, "gd_sq01")
    page.goto(f"{live_server.url}/grid/events/new/")
    # a phone allowed to keep 100 KB of photos (the page says 50 MB): one scaled photo is more
    page.evaluate(
        "document.querySelector('[data-testid=event-form]')"
        ".setAttribute('data-queue-max-bytes', '102400')"
    )
    page.context.set_offline(True)
    fill_event(page, "存不下的事件")
    page.click("[data-testid=event-form] button[type=submit]")
    page.wait_for_selector("[data-testid=event-error] >> text=手机上暂存的照片已满")
    assert page.input_value("[data-testid=event-form] input[name=title]") == "存不下的事件"
    assert (
        page.evaluate(
            "new Promise(ok => { const r = indexedDB.open('cc-grid-queue', 1); r.onsuccess = () =>"
            " { const q = r.result.transaction('forms').objectStore('forms').count();"
            " q.onsuccess = () => ok(q.result); }; })"
        )
        == 0
    )
    page.context.set_offline(False)
    assert not Case.objects.filter(title="存不下的事件").exists()


def log_in_again(page: Any, live_server: Any, username: str) -> None:
    page.context.clear_cookies()  # the phone's IndexedDB stays
    page.goto(f"{live_server.url}/login/?next=/grid/today/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/grid/today/")


def test_a_phone_shared_by_two_workers_sends_each_ones_events_as_theirs(
    city: Any, browser: Any, live_server: Any
) -> None:
    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    grid = Region.objects.get(parent__name="仕奇社区", level=Region.Level.GRID, code__endswith="01")
    page = phone(browser, live_server, grid, "gd_sq01")
    events = Case.objects.filter(kind="gridevent", title="交班前登记的事件")
    page.goto(f"{live_server.url}/grid/events/new/")
    page.context.set_offline(True)
    fill_event(page, "交班前登记的事件")
    page.click("[data-testid=event-form] button[type=submit]")
    page.wait_for_selector(f"{NOTE} >> text=1 条待发送")
    page.context.route("**/grid/events/new/", lambda route: route.abort())  # still no network
    page.context.set_offline(False)

    # the next worker signs in on the same phone: not theirs to see or to send
    log_in_again(page, live_server, "gd_sq02")
    page.context.unroute("**/grid/events/new/")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(1500)
    assert page.locator(f"{QUEUED} li").count() == 0 and not events.exists()

    # back in the first worker's session it goes, recorded as theirs
    log_in_again(page, live_server, "gd_sq01")
    wait_until(page, events.exists)
    case = events.get()
    assert case.created_by.username == "gd_sq01" and case.attachments.count() == 1

"""文明实践活动 through real pages in headless Chromium: the 站 publishes an activity (its QR code
on the page), 志愿者小王 signs up on a phone, the 站 approves, the volunteer opens the QR code's
check-in page with the phone's position (Playwright's geolocation), checks in, and checks out;
the hours show on 我的志愿服务."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.volunteer.models import Activity, ActivityCheckin, HourEntry, Station, Volunteer
from chuangcheng.volunteer.seed import build_volunteer_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_publish_sign_up_approve_check_in_and_out_on_a_phone(
    city: Any, live_server: Any, as_user: Any
) -> None:
    build_volunteer_demo(DEMO_PASSWORD)
    home = Station.objects.get(name="中山西路社区新时代文明实践站")
    lat, lng = float(home.unit.region.lat or 40.8), float(home.unit.region.lng or 111.6)
    start = timezone.localtime() + dt.timedelta(minutes=10)

    desk = as_user("vol_zhan")
    desk.goto(f"{live_server.url}/volunteer/activities/")
    desk.click("[data-testid=act-new]")
    form = desk.locator("[data-testid=activity-form]")
    form.locator("input[name=title]").fill("浏览器测试：楼道清洁")
    form.locator("select[name=field]").select_option("ecology")
    form.locator("textarea[name=duties]").fill("清理楼道堆物")
    form.locator("input[name=starts_at]").fill(f"{start:%Y-%m-%dT%H:%M}")
    form.locator("input[name=ends_at]").fill(f"{start + dt.timedelta(hours=2):%Y-%m-%dT%H:%M}")
    form.locator("input[name=address]").fill("中山西路社区3号楼前")
    form.locator("input[name=lat]").fill(str(lat))
    form.locator("input[name=lng]").fill(str(lng))
    form.locator("input[name=capacity]").fill("10")
    form.locator("button[type=submit]").click()
    desk.wait_for_selector("[data-testid=qr] svg")
    act = Activity.objects.get(title="浏览器测试：楼道清洁")
    assert (act.radius_m, act.margin_min) == (500, 30)
    checkin_url = desk.get_attribute("[data-testid=checkin-url]", "href")
    assert checkin_url.endswith(f"/volunteer/m/checkin/{act.pk}/{act.token}/")

    phone = as_user("vol_zyz", mobile=True)
    phone.context.grant_permissions(["geolocation"], origin=live_server.url)
    phone.context.set_geolocation({"latitude": lat + 0.001, "longitude": lng})  # ~110 m away
    phone.goto(f"{live_server.url}/volunteer/m/activities/")
    phone.click(f"[data-activity='{act.pk}'] a")
    phone.click("[data-testid=signup]")
    phone.wait_for_selector("[data-testid=my-signup]")
    assert "待审核" in phone.inner_text("[data-testid=my-signup]")

    desk.reload()
    zyz = Volunteer.objects.get(user__username="vol_zyz")
    desk.click(f"tr[data-volunteer='{zyz.number}'] [data-testid=approve]")
    desk.wait_for_load_state()
    assert desk.inner_text(f"tr[data-volunteer='{zyz.number}'] [data-testid=status]") == "已通过"

    phone.goto(checkin_url)  # what scanning the QR code opens
    phone.wait_for_selector("[data-locate-status][data-located]")
    phone.click("[data-testid=check-in]")
    phone.wait_for_selector("[data-testid=check-out]")
    scan = ActivityCheckin.objects.get(activity=act, volunteer=zyz, kind="in")
    assert 80 <= scan.distance_m <= 140
    assert "未签到" not in phone.inner_text("[data-testid=in]")
    # an hour and a quarter of service later (the clock moved back rather than waited for)
    ActivityCheckin.objects.filter(pk=scan.pk).update(at=scan.at - dt.timedelta(minutes=75))
    phone.reload()
    phone.wait_for_selector("[data-locate-status][data-located]")
    phone.click("[data-testid=check-out]")
    phone.wait_for_selector("[data-testid=hours]")
    assert phone.inner_text("[data-testid=hours]") == "1.0"
    entry = HourEntry.objects.get(ref=f"activity:{act.pk}:{zyz.pk}")
    assert (entry.hours, entry.source) == (1, "checkin")

    phone.goto(f"{live_server.url}/volunteer/me/")
    row = phone.locator(f"[data-testid=my-activities] li[data-activity='{act.pk}']")
    assert "1.0 小时" in row.inner_text() and "已参加" in row.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # too far: refused on the page with the distance, nothing recorded
    other = Activity.objects.exclude(pk=act.pk).get(title="今日：社区环境整治")
    phone.context.set_geolocation({"latitude": lat + 0.02, "longitude": lng})
    before = ActivityCheckin.objects.count()
    phone.goto(f"{live_server.url}/volunteer/m/checkin/{other.pk}/{other.token}/")
    phone.wait_for_selector("[data-locate-status][data-located]")
    phone.click("[data-testid=check-in]")
    phone.wait_for_selector("[data-testid=error]")
    assert "超出签到范围" in phone.inner_text("[data-testid=error]")
    assert ActivityCheckin.objects.count() == before

"""The README tour's screenshots (run with CC_SCREENSHOTS=1; skipped otherwise)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from chuangcheng.cases.models import Case
from chuangcheng.cases.services import case_transition
from tests.browser import screenshots
from tests.conftest import actor

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not screenshots.enabled(), reason="set CC_SCREENSHOTS=1 to take them"),
]


def jpeg(color: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    img = Image.new("RGB", (320, 240), color)
    for x in range(0, 320, 40):  # a little texture so it reads as a photo
        for y in range(0, 240, 40):
            img.paste((200, 200, 200) if (x + y) % 80 else (120, 120, 120), (x, y, x + 8, y + 8))
    buf = io.BytesIO()
    img.save(buf, "JPEG")
    return SimpleUploadedFile(f"{color}.jpg", buf.getvalue(), content_type="image/jpeg")


def test_tour(city: Any, as_user: Any, live_server: Any, tmp_path: Path) -> None:
    screenshots.seed_history(city)
    busy = Case.objects.filter(lead_unit=city.units["S-150103004"], status="handling").first()
    assert busy is not None
    h = actor("handler_zsxl")
    case_transition(case_id=busy.pk, action="contact", actor=h, data={"note": "已电话联系诉求人"})
    case_transition(
        case_id=busy.pk,
        action="feedback",
        actor=h,
        data={"result": "已协调物业清理，并加装围挡。"},
        attachments=[(jpeg("gray"), "before"), (jpeg("green"), "after")],
    )

    page = as_user("operator")
    page.locator("#intake-map").click(position={"x": 260, "y": 150})
    page.fill("#id_title", "小区门口占道经营")
    page.fill("#id_content", "海亮广场北门每天晚上有流动摊贩占道经营，油烟很大，影响通行。")
    page.fill("#id_citizen_phone", "13812341234")
    screenshots.save(page, "intake")

    page = as_user("handler_zsxl")  # queue.png comes from the demo (screenshots.demo_tour)
    assert page.locator("tbody tr").count() >= 8

    page = as_user("dispatcher")
    page.goto(f"{live_server.url}/hotline/cases/{busy.pk}/")
    page.wait_for_timeout(500)
    screenshots.save(page, "detail")

    from chuangcheng.hotline.services import hotline_intake
    from tests.conftest import INTAKE

    fresh, _ = hotline_intake(
        actor=actor("operator"),
        data={
            **INTAKE,
            "title": "楼上住户长期漏水",
            "content": "海亮社区5号楼楼上漏水三个月，协商无果。",
        },
    )
    case_transition(
        case_id=fresh.pk, action="review", actor=actor("dispatcher"), data={"category": "090104"}
    )
    page.goto(f"{live_server.url}/hotline/cases/{fresh.pk}/")
    page.locator("button[data-action=dispatch]").click()
    screenshots.save(page, "dispatch")

    page = as_user("leader")  # dashboard.png comes from the demo (screenshots.demo_tour)
    page.wait_for_selector("#chart-trend[data-rendered]")

    from chuangcheng.cases.models import CaseContact

    phone = CaseContact.objects.get(case=busy).phone
    page = as_user(None, mobile=True)
    page.goto(f"{live_server.url}/m/track/")  # POSTed: the phone is never in a URL
    page.fill("#t-number", busy.number)
    page.fill("#t-phone", phone)
    page.click("button:has-text('查询')")
    screenshots.save(page, "citizen-track")

    page = as_user("citizen", mobile=True, next_url="/m/")
    page.goto(f"{live_server.url}/m/submit/")
    screenshots.save(page, "citizen-submit")
    page.goto(f"{live_server.url}/m/")
    screenshots.save(page, "citizen-home")
    for path in screenshots.OUT.glob("*.png"):
        assert path.stat().st_size < screenshots.MAX_BYTES, path

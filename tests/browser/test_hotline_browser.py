"""The 12345 loop driven through real pages in headless Chromium, one person at a time."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from chuangcheng.cases.models import Attachment, Case, CaseEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "13812341234"


def photo(tmp_path: Path, name: str, color: str) -> str:
    path = tmp_path / name
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return str(path)


def open_case(page: Any, live_server: Any, case: Case) -> None:
    page.goto(f"{live_server.url}/hotline/cases/{case.pk}/")
    page.wait_for_selector("[data-testid=case-number]")


def do_action(
    page: Any,
    name: str,
    fill: dict[str, str] | None = None,
    files: dict[str, str] | None = None,
    checks: list[str] | None = None,
    selects: dict[str, str] | None = None,
) -> None:
    """Click an action button; when it opens a dialog, fill it and confirm."""
    dialog = page.locator(f"dialog[id^=dlg-{name}-][open]")
    if not dialog.count():  # (a dialog re-shown after an error is open already)
        page.locator(f"button[data-action={name}]").first.click()
    if dialog.count():
        for field, value in (fill or {}).items():
            dialog.locator(f"[name={field}]").fill(value)
        for field, value in (selects or {}).items():
            dialog.locator(f"select[name={field}]").select_option(value)
        for selector in checks or []:
            dialog.locator(selector).check()
        for field, path in (files or {}).items():
            dialog.locator(f"input[type=file][name={field}]").set_input_files(path)
        dialog.locator(f"button[data-submit={name}]").click()
    page.wait_for_load_state()


def status(case: Case) -> str:
    return Case.objects.get(pk=case.pk).status


def test_seven_steps_in_the_browser(
    city: Any, as_user: Any, live_server: Any, tmp_path: Path
) -> None:
    # 1 接单: the operator records the call, pins the map, sees the caller's history
    page = as_user("operator")
    assert page.url.endswith("/hotline/intake/")
    page.select_option("#id_appeal_type", "help")
    page.fill("#id_title", "小区门口占道经营")
    page.fill("#id_content", "海亮广场北门每天晚上有流动摊贩占道经营，油烟很大，影响通行。")
    page.fill("#id_citizen_name", "王先生")
    page.fill("#id_citizen_phone", PHONE)
    page.fill("#id_address", "回民区中山西路海亮广场北门")
    page.locator("#intake-map").click(position={"x": 200, "y": 160})
    assert page.input_value("#id_lat") and page.input_value("#id_lng")
    # the pin above is wherever the click landed; put it on the real spot for the region lookup
    page.evaluate(
        "document.getElementById('id_lat').value='40.8146';"
        "document.getElementById('id_lng').value='111.6389'"
    )
    page.click("[data-testid=submit-intake]")
    number = page.locator("[data-testid=order-number]").inner_text().strip()
    assert re.fullmatch(r"\d{14}", number)
    case = Case.objects.get(number=number)
    assert case.status == "received" and case.street and case.street.name == "中山西路街道"
    # the next call from the same phone shows the earlier order (htmx)
    page.fill("#id_citizen_phone", PHONE)
    page.locator("#id_citizen_phone").dispatch_event("change")
    page.wait_for_selector(f"[data-testid=caller-history] >> text={number}")
    page.click("button:has-text('退出')")
    page.wait_for_url(re.compile(r".*/login/"))

    # 2 复核 + 3 派单: the dispatcher reviews and dispatches (unit picked from the catalogue)
    page = as_user("dispatcher")
    assert page.url.endswith("/hotline/dispatch/")
    page.click(f"a:has-text('{number}')")
    page.wait_for_selector("[data-testid=case-number]")
    do_action(page, "review", selects={"category": "060103"})
    assert status(case) == "reviewed"
    page.locator("button[data-action=dispatch]").click()
    dialog = page.locator("dialog[id^=dlg-dispatch-][open]")
    chosen = dialog.locator("select[name=lead_unit] option:checked").inner_text()
    assert chosen == "市城市管理综合执法局"  # suggested by the 派单目录 for 占道经营
    dialog.locator("input.unit-filter").first.fill("中山西路")
    dialog.locator("select[name=lead_unit]").select_option(label="中山西路街道办事处")
    dialog.locator("[name=note]").fill("请街道牵头，城管配合")
    dialog.locator("button[data-submit=dispatch]").click()
    page.wait_for_load_state()
    assert status(case) == "dispatched"
    assert (
        "派至中山西路街道办事处" in page.locator("[data-testid=timeline]").inner_text()
        or "中山西路街道办事处" in page.locator("[data-testid=assignments]").inner_text()
    )

    # 4 办理: the street's handler signs, contacts the caller, feeds back with photos
    page = as_user("handler_zsxl")
    assert page.url.endswith("/hotline/queue/")
    row = page.locator(f"tr[data-case='{number}']")
    assert "剩余" in row.locator(".countdown").inner_text()
    row.locator("a.mono").click()
    page.wait_for_selector("[data-testid=case-number]")
    do_action(page, "accept")
    assert status(case) == "handling"
    page.click("[data-testid=reveal]")
    page.wait_for_selector(f"[data-testid=full-phone] >> text={PHONE}")
    do_action(page, "contact", fill={"note": "已电话联系王先生，约定今晚现场查看"})
    do_action(
        page,
        "feedback",
        fill={"result": "已联合城管清理摊贩，设置禁止占道经营标识。"},
        files={
            "before": photo(tmp_path, "before.jpg", "gray"),
            "after": photo(tmp_path, "after.jpg", "green"),
        },
    )
    assert status(case) == "fed_back"
    assert Attachment.objects.filter(case=case).count() == 2
    thumbs = page.locator(".thumbs img")
    assert thumbs.count() == 2
    thumbs.last.scroll_into_view_if_needed()
    # page.wait_for_function polls by eval() once the first check fails, which the page's CSP
    # refuses; page.evaluate runs through the debugger protocol, so poll with it instead
    for _ in range(100):
        if page.evaluate(
            "Array.from(document.querySelectorAll('.thumbs img'))"
            ".every(i => i.complete && i.naturalWidth > 0)"
        ):
            break
        page.wait_for_timeout(100)
    else:
        pytest.fail("the photo thumbnails did not load within 10 s")
    page.evaluate("window.scrollTo(0, 0)")

    # 5 审核: the dispatcher approves the feedback
    page = as_user("dispatcher")
    page.click("a[data-tab=fed_back]")
    page.click(f"a:has-text('{number}')")
    page.wait_for_selector("[data-testid=case-number]")
    do_action(page, "approve_feedback", fill={"note": "办理到位"})
    assert status(case) == "callback"

    # 6 回访: the callback agent calls back from the list
    page = as_user("callback")
    row = page.locator(f"tr[data-case='{number}']")
    row.locator("button[data-action=callback]").click()
    dialog = page.locator("dialog[id^=dlg-callback-][open]")
    dialog.locator("input[name=contacted][value=true]").check()
    dialog.locator("input[name=resolution][value=resolved]").check()
    dialog.locator("input[name=satisfaction][value=satisfied]").check()
    dialog.locator("[name=comment]").fill("群众表示满意")
    dialog.locator("button[data-submit=callback]").click()
    page.wait_for_load_state()
    assert page.url.endswith("/hotline/callbacks/")

    # 7 结案
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_at is not None
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True)) == [
        "open",
        "review",
        "dispatch",
        "accept",
        "contact",
        "feedback",
        "approve_feedback",
        "callback",
    ]

    # the citizen follows it with the number and phone, on a phone-sized screen
    page = as_user(None, mobile=True)
    page.goto(f"{live_server.url}/m/track/")
    page.fill("#t-number", number)
    page.fill("#t-phone", PHONE)
    page.click("button:has-text('查询')")
    progress = page.locator("[data-testid=progress]").inner_text()
    assert "已办结" in progress and "清理摊贩" in progress, progress
    assert "已派至中山西路街道办事处办理" in progress, progress
    assert "约定今晚" not in progress and "handler_zsxl" not in progress

    # the leader sees it counted on the dashboard
    page = as_user("leader")
    page.goto(f"{live_server.url}/hotline/dashboard/?month={case.closed_at:%Y-%m}")
    page.wait_for_selector("#chart-ranking[data-rendered]")
    assert "中山西路街道办事处" in page.locator("[data-testid=indicators]").inner_text()
    assert "100.00%" in page.locator("[data-testid=indicators]").inner_text()


def test_return_and_redispatch(city: Any, as_user: Any, live_server: Any) -> None:
    from chuangcheng.cases.services import case_transition
    from chuangcheng.hotline.services import hotline_intake
    from tests.conftest import INTAKE, actor

    case, _ = hotline_intake(actor=actor("operator"), data=INTAKE)
    d = actor("dispatcher")
    case_transition(case_id=case.pk, action="review", actor=d, data={"category": "060103"})
    case_transition(
        case_id=case.pk,
        action="dispatch",
        actor=d,
        data={"lead_unit": city.units["S-150103004"].pk},
    )

    # the street asks to return it: not theirs, it is a 城管 matter
    page = as_user("handler_zsxl")
    open_case(page, live_server, case)
    page.locator("button[data-action=request_return]").click()
    dialog = page.locator("dialog[id^=dlg-request_return-][open]")
    dialog.locator("button[data-submit=request_return]").click()  # empty reason → error, kept
    page.wait_for_load_state()
    assert "请填写理由" in page.locator("dialog[id^=dlg-request_return-][open]").inner_text()
    assert status(case) == "dispatched"
    do_action(page, "request_return", fill={"reason": "占道经营属城管执法职责，非本街道职责"})
    assert status(case) == "return_requested"

    # the dispatcher approves and re-dispatches to 城管局
    page = as_user("dispatcher")
    page.click("a[data-tab=return]")
    page.click(f"a:has-text('{case.number}')")
    page.wait_for_selector("[data-testid=case-number]")
    assert "占道经营属城管执法职责" in page.locator("[data-testid=timeline]").inner_text()
    do_action(page, "approve_return", fill={"note": "同意退单，改派城管局"})
    assert status(case) == "reviewed"
    page.locator("button[data-action=dispatch]").click()
    dialog = page.locator("dialog[id^=dlg-dispatch-][open]")
    assert (
        dialog.locator("select[name=lead_unit] option:checked").inner_text()
        == "市城市管理综合执法局"
    )
    dialog.locator("button[data-submit=dispatch]").click()
    page.wait_for_load_state()
    assert status(case) == "dispatched"
    assert Case.objects.get(pk=case.pk).lead_unit == city.units["D-CG"]

    # the street no longer sees it; 城管局's handler signs for it
    page = as_user("handler_zsxl")
    assert case.number not in page.content()
    page = as_user("handler_cg")
    row = page.locator(f"tr[data-case='{case.number}']")
    row.locator("a.mono").click()
    page.wait_for_selector("[data-testid=case-number]")
    do_action(page, "accept")
    case.refresh_from_db()
    assert case.status == "handling" and case.hotline.return_count == 1

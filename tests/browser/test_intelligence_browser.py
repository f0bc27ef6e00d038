"""智能辅助 in headless Chromium: the operator sees likely repeats while typing, the dispatcher
merges an order into the one it repeats, the hot page links to its orders."""

from __future__ import annotations

from typing import Any

import pytest

from chuangcheng.cases.models import Case
from chuangcheng.hotline.services import hotline_intake
from tests.conftest import INTAKE, actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def intake(title: str, content: str) -> Case:
    case, _ = hotline_intake(
        actor=actor("operator"), data={**INTAKE, "title": title, "content": content}
    )
    return case


def test_operator_sees_repeats_while_typing(city: Any, as_user: Any) -> None:
    first = intake("海亮广场北门占道经营", "海亮广场北门每天晚上流动摊贩占道经营")
    page = as_user("operator")
    assert page.url.endswith("/hotline/intake/")
    page.locator("#id_title").press_sequentially("北门摊贩占道经营")
    page.locator("#id_content").press_sequentially("海亮广场北门每天晚上流动摊贩占道经营")
    panel = page.locator("#intake-repeats [data-testid=intake-repeats]")
    # no place yet: repeats are looked for within a street, so none
    panel.wait_for()
    assert "未发现可能重复的在办工单" in panel.inner_text()
    # a pin on the map looks again
    page.locator("#intake-map").click(position={"x": 200, "y": 160})
    page.evaluate(
        "document.getElementById('id_lat').value='40.8146';"
        "document.getElementById('id_lng').value='111.6389';"
        "document.getElementById('id_lat').dispatchEvent(new Event('change', {bubbles: true}))"
    )
    page.locator(f"#intake-repeats [data-repeat='{first.number}']").wait_for()
    assert "可能重复的在办工单（1）" in panel.inner_text()
    assert "内容相似度" in panel.inner_text()


def test_dispatcher_merges_from_the_repeat_panel(city: Any, as_user: Any, live_server: Any) -> None:
    first = intake("海亮广场北门占道经营", "海亮广场北门每天晚上流动摊贩占道经营")
    again = intake("海亮广场北门摊贩占道", "海亮广场北门晚上又有摊贩占道经营，油烟大")
    page = as_user("dispatcher")
    page.goto(f"{live_server.url}/hotline/cases/{again.pk}/")
    panel = page.locator("[data-testid=intel-repeats]")
    assert first.number in panel.inner_text() and "内容相似度" in panel.inner_text()
    assert "尚未训练派单模型" in page.locator("[data-testid=intel-suggestions]").inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"button[data-merge-into='{first.number}']").click()
    page.wait_for_load_state()
    assert "已完成" in page.locator(".messages").inner_text()
    assert Case.objects.get(pk=again.pk).status == "merged"
    assert Case.objects.get(pk=first.pk).hotline.reporter_count == 2
    page.locator("[data-testid=merged-into] a").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=case-number]").inner_text().strip() == first.number
    assert page.locator("[data-testid=reporter-count]").inner_text().strip() == "2 人反映"

"""Under the Content-Security-Policy the pages still work in Chromium: the vendored ECharts,
Leaflet and htmx run, and the browser reports no blocked script, style or image."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import INTAKE, actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _violations(page: Any) -> list[str]:
    seen: list[str] = []
    page.on(
        "console",
        lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.on("pageerror", lambda err: seen.append(f"pageerror: {err}"))
    return seen


def test_pages_run_under_the_policy(city: Any, as_user: Any, live_server: Any) -> None:
    from chuangcheng.hotline.services import hotline_intake

    hotline_intake(actor=actor("operator"), data=INTAKE)

    leader = as_user("leader")
    seen = _violations(leader)
    leader.goto(f"{live_server.url}/hotline/dashboard/")
    leader.wait_for_load_state("networkidle")
    # ECharts drew its charts (a canvas inside each chart box)
    assert leader.locator("canvas").count() >= 1
    assert seen == [], seen

    operator = as_user("operator")
    seen = _violations(operator)
    operator.goto(f"{live_server.url}/hotline/intake/")
    operator.wait_for_load_state("networkidle")
    # Leaflet built its map; htmx loaded the suggestions panel
    assert operator.locator(".leaflet-container").count() == 1
    assert operator.evaluate("typeof window.htmx") == "object"
    assert seen == [], seen

    dispatcher = as_user("dispatcher")
    seen = _violations(dispatcher)
    dispatcher.goto(f"{live_server.url}/hotline/dispatch/")
    dispatcher.wait_for_load_state("networkidle")
    assert seen == [], seen

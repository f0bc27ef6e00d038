"""网格地图 and 月度指标 in headless Chromium: the community's map draws its ten grids as
polygons with the open events, a click on a grid fills the panel with its figures; the ranking
page draws its chart and sorts a table by a click on its head; no console errors on either."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.grid.seed import build_grid_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_map_and_the_ranking_render_without_errors(
    city: Any, live_server: Any, as_user: Any
) -> None:
    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    page = as_user("gd_sq")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{live_server.url}/grid/map/")
    page.wait_for_selector("[data-testid=grid-map][data-grids='10']")
    assert int(page.get_attribute("[data-testid=grid-map]", "data-events") or 0) > 0
    assert page.locator("#grid-map path.leaflet-interactive").count() >= 10
    # a click on a grid (the first outline drawn: grid 1) names it with its figures below
    page.locator("#grid-map path.leaflet-interactive").first.dispatch_event("click")
    page.wait_for_selector("[data-testid=grid-info][data-grid]")
    assert "仕奇社区第1网格" in page.inner_text("[data-testid=grid-info]")
    assert page.locator("[data-testid=info-overdue]").count() == 1

    page.goto(f"{live_server.url}/grid/ranking/?month={timezone.localdate():%Y-%m}")
    page.wait_for_selector("[data-testid=chart][data-rendered='1']")
    head = page.locator("[data-testid=grid-table] th", has_text="走访覆盖率")
    head.click()
    values = page.eval_on_selector_all(
        "[data-testid=grid-table] tbody td[data-key=care]",
        "cells => cells.map(c => parseFloat(c.dataset.v))",
    )
    assert len(values) == 10 and values == sorted(values, reverse=True)
    assert errors == []

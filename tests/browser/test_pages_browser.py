"""Maps and the dashboard in headless Chromium: with no tiles configured the intake map draws
the city's street outlines with their names (not a blank grid), and a click still pins the
appeal; the leader sees the lowest-ranked units without scrolling."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_offline_map_shows_the_streets(city: Any, as_user: Any, settings: Any) -> None:
    settings.CC_MAP_TIANDITU_KEY = settings.CC_MAP_TILES = ""
    page = as_user("operator")
    assert page.url.endswith("/hotline/intake/")
    page.wait_for_selector("#intake-map[data-outlines]")
    assert int(page.get_attribute("#intake-map", "data-outlines") or 0) >= 40
    labels = page.locator("#intake-map .region-label").all_inner_texts()
    assert "中山西路街道" in labels and len(labels) == 12  # the streets, named
    assert page.locator("#intake-map path.leaflet-interactive, #intake-map path").count() >= 40
    page.locator("#intake-map").click(position={"x": 300, "y": 160})
    assert page.input_value("#id_lat") and page.input_value("#id_lng")


def test_the_lowest_ranked_are_seen_without_scrolling(city: Any, as_user: Any) -> None:
    """The leader's dashboard on a laptop screen: the 末位 panel is above the fold, and clicking
    a KPI opens the list of its orders with the same count."""
    from tests.browser.screenshots import seed_history

    seed_history(city, months=2, per_month=8)
    page = as_user("leader")
    assert "/hotline/dashboard/" in page.url
    panel = page.locator("[data-testid=bottom-ranked]")
    box = panel.bounding_box()
    height = page.viewport_size["height"]
    assert box is not None and box["y"] + box["height"] <= height, (box, height)
    assert panel.locator("li").count() == 3 and "末位3名" in panel.inner_text()
    received = page.locator("[data-testid=kpi-received]").inner_text()
    page.click("[data-testid=kpi-received-link]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=figure-count]").inner_text() == received.replace(",", "")

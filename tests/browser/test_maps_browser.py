"""Maps in headless Chromium: with no tiles configured the intake map draws the city's street
outlines with their names (not a blank grid), and a click still pins the appeal."""

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

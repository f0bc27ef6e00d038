"""Maps that show the city: a configurable tile source (天地图 with a key, or any XYZ URL), and the
city's own street and community outlines, served as GeoJSON, that agree with the pin lookup."""

from __future__ import annotations

import json
import re
from typing import Any

from django.test import Client
from shapely.geometry import shape

from chuangcheng.demo.city import DEMO_PASSWORD, DemoCity
from chuangcheng.org.models import Region
from chuangcheng.org.selectors import region_id_for_point

URL = "/map/outlines.geojson"


def map_config(page: str) -> dict[str, Any]:
    found = re.search(r'<script id="map-config" type="application/json">(.*?)</script>', page)
    assert found is not None
    return dict(json.loads(found.group(1)))


def operator_page(settings: Any, **over: str) -> dict[str, Any]:
    for k, v in over.items():
        setattr(settings, k, v)
    client = Client()
    assert client.login(username="operator", password=DEMO_PASSWORD)
    return map_config(client.get("/hotline/intake/").content.decode())


def test_outlines_are_public_geojson_of_streets_and_communities(city: DemoCity) -> None:
    resp = Client().get(URL)  # no login: the citizen's form shows them too
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/geo+json"
    assert "public" in resp["Cache-Control"]
    data = resp.json()
    assert data["type"] == "FeatureCollection"
    levels: dict[str, set[str]] = {"street": set(), "community": set()}
    for f in data["features"]:
        assert set(f["properties"]) <= {"code", "name", "level", "street"}  # nothing else
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert shape(f["geometry"]).is_valid and shape(f["geometry"]).area > 0
        levels[f["properties"]["level"]].add(f["properties"]["name"])
    assert levels["street"] == set(
        Region.objects.filter(level=Region.Level.STREET, children__isnull=False).values_list(
            "name", flat=True
        )
    )
    assert levels["community"] == set(
        Region.objects.filter(level=Region.Level.COMMUNITY).values_list("name", flat=True)
    )
    assert "中山西路街道" in levels["street"]


def test_a_pin_inside_an_outline_resolves_to_that_community(city: DemoCity) -> None:
    data = Client().get(URL).json()
    communities = [f for f in data["features"] if f["properties"]["level"] == "community"]
    assert len(communities) >= 20
    for f in communities:
        inside = shape(f["geometry"]).representative_point()
        leaf = Region.objects.get(pk=region_id_for_point(inside.y, inside.x))
        community = leaf if leaf.level == Region.Level.COMMUNITY else leaf.parent
        assert community is not None and community.name == f["properties"]["name"]
        assert community.parent is not None and community.parent.name == f["properties"]["street"]


def test_with_no_tiles_the_map_draws_the_outlines(city: DemoCity, settings: Any) -> None:
    config = operator_page(settings, CC_MAP_TIANDITU_KEY="", CC_MAP_TILES="")
    assert config == {"layers": [], "outlines": URL}


def test_a_tianditu_key_gives_its_vector_map_and_labels(city: DemoCity, settings: Any) -> None:
    config = operator_page(settings, CC_MAP_TIANDITU_KEY="abc123", CC_MAP_TILES="")
    urls = [layer["url"] for layer in config["layers"]]
    assert len(urls) == 2
    assert all(u.startswith("https://t{s}.tianditu.gov.cn/DataServer?") for u in urls)
    assert "T=vec_w" in urls[0] and "T=cva_w" in urls[1]
    assert all("tk=abc123" in u and "x={x}&y={y}&l={z}" in u for u in urls)
    assert config["layers"][0]["subdomains"] == "01234567"
    assert "天地图" in config["layers"][0]["attribution"]
    assert config["outlines"] == URL


def test_any_xyz_source(city: DemoCity, settings: Any) -> None:
    url = "https://{s}.tiles.example.cn/{z}/{x}/{y}.png"
    config = operator_page(
        settings, CC_MAP_TILES=url, CC_MAP_SUBDOMAINS="12", CC_MAP_ATTRIBUTION="© 某测绘院"
    )
    assert config["layers"] == [{"url": url, "subdomains": "12", "attribution": "© 某测绘院"}]


def test_the_citizens_form_has_the_map_config(city: DemoCity) -> None:
    client = Client()
    assert client.login(username="citizen", password=DEMO_PASSWORD)
    assert map_config(client.get("/m/submit/").content.decode())["outlines"] == URL

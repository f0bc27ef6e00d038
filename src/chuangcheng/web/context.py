"""Template context: the person's roles and the navigation they get."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from chuangcheng.core.reports import kinds_for
from chuangcheng.org.access import actor_for
from chuangcheng.org.people import citizen_facing_name, person_name
from chuangcheng.org.roles import role_label
from chuangcheng.web.access import may
from chuangcheng.web.loops import nav_links, public_brand, public_links, public_track_url


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    actor = actor_for(user)
    links = []
    if actor.user_id is not None:
        path = request.path
        for name, label, roles in nav_links():
            if may(actor, roles):
                url = reverse(name)
                links.append(
                    {
                        "url": url,
                        "label": label,
                        "active": path.startswith(url) and (url != "/m/" or path.startswith("/m/")),
                    }
                )
        if kinds_for(actor):
            url = reverse("web:reports")
            links.append({"url": url, "label": "报表", "active": path.startswith(url)})
    display = ""
    if user is not None and getattr(user, "is_authenticated", False):
        display = citizen_facing_name(user) if actor.is_citizen_only else person_name(user)
    return {
        "actor": actor,
        "role_labels": [role_label(r) for r in sorted(actor.roles)],
        "nav_links": links,
        "public_links": public_links(request),
        "public_brand": public_brand(request),
        "public_track_url": public_track_url(),
        "display_name": display,
        "is_admin": bool(getattr(user, "is_staff", False) and getattr(user, "is_active", False)),
        "now": timezone.now(),
        "map_tiles": settings.CC_MAP_TILES,
        "map_config": map_config(),
        "city_bounds": list(settings.CC_CITY_BOUNDS),
    }


TIANDITU = "https://t{s}.tianditu.gov.cn/DataServer?T=%s&x={x}&y={y}&l={z}&tk=%s"


def map_config() -> dict[str, Any]:
    """What map.js draws: tile layers (天地图 with a key, else CC_MAP_TILES, else none) and
    where the city's outlines are (drawn always; filled and labelled when there are no tiles)."""
    layers: list[dict[str, str]] = []
    key = settings.CC_MAP_TIANDITU_KEY
    if key:
        attribution = settings.CC_MAP_ATTRIBUTION or "© 天地图"
        for layer in ("vec_w", "cva_w"):  # the vector map, then its Chinese labels
            url = TIANDITU % (layer, key)
            layers.append({"url": url, "subdomains": "01234567", "attribution": attribution})
    elif settings.CC_MAP_TILES:
        layers.append(
            {
                "url": settings.CC_MAP_TILES,
                "subdomains": settings.CC_MAP_SUBDOMAINS,
                "attribution": settings.CC_MAP_ATTRIBUTION,
            }
        )
    return {"layers": layers, "outlines": reverse("web:map_outlines")}

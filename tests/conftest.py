"""Shared fixtures: the demo city on PostgreSQL, users per role, API clients."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from chuangcheng.core import calendar
from chuangcheng.demo.city import DEMO_PASSWORD, DemoCity, build_demo_city
from chuangcheng.hotline.roles import HANDLER
from chuangcheng.org import selectors as org_selectors
from chuangcheng.org.access import Actor, actor_for
from chuangcheng.org.models import Membership, Unit


@pytest.fixture(autouse=True)
def _fresh_caches(settings: Any) -> None:
    """Every test starts with empty process caches and throttle counters, and hashes
    passwords fast (the demo city creates nine users)."""
    from django.core.cache import cache

    from chuangcheng.intelligence import services as intelligence_services

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    calendar.clear_cache()
    org_selectors.clear_cache()
    intelligence_services.clear_cache()
    cache.clear()


@pytest.fixture
def city(db: Any) -> DemoCity:
    return build_demo_city()


def user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def actor(username: str) -> Actor:
    return actor_for(user(username))


@pytest.fixture
def make_handler(city: DemoCity) -> Any:
    """A handler of any unit: make_handler("D-SJ") → username."""

    def make(unit_code: str, username: str | None = None) -> str:
        name = username or f"h_{unit_code.lower().replace('-', '_')}"
        u, _ = get_user_model().objects.get_or_create(username=name)
        u.set_password(DEMO_PASSWORD)
        u.save()
        Membership.objects.get_or_create(
            user=u, role=HANDLER, unit=Unit.objects.get(code=unit_code)
        )
        return name

    return make


@pytest.fixture
def api() -> Any:
    """api("dispatcher") → an APIClient logged in through the token endpoint."""

    def make(username: str | None) -> APIClient:
        client = APIClient()
        if username is None:
            return client
        resp = client.post(
            "/api/v1/auth/token", {"username": username, "password": DEMO_PASSWORD}, format="json"
        )
        assert resp.status_code == 200, resp.content
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {resp.json()['token']}")
        return client

    return make


INTAKE = {
    "channel": "phone",
    "appeal_type": "help",
    "title": "小区门口占道经营",
    "content": "海亮广场北门每天晚上有流动摊贩占道经营，油烟很大，影响通行。",
    "citizen_name": "王先生",
    "citizen_phone": "13812341234",
    "address": "回民区中山西路海亮广场北门",
    "lat": 40.8146,
    "lng": 111.6389,
    "urgency": "normal",
}

"""A token leaves no session behind: a client that keeps cookies does not make every
bearer-token request read and rewrite a session (SESSION_SAVE_EVERY_REQUEST), while a
signed-in browser asking for a token keeps its web session."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from chuangcheng.demo.city import DEMO_PASSWORD
from tests.conftest import user

pytestmark = pytest.mark.django_db


def _token(client: APIClient, username: str) -> Any:
    return client.post(
        "/api/v1/auth/token", {"username": username, "password": DEMO_PASSWORD}, format="json"
    )


def test_token_sets_no_session_and_bearer_requests_touch_none(city: Any) -> None:
    client = APIClient()
    resp = _token(client, "dispatcher")
    assert resp.status_code == 200
    assert Session.objects.count() == 0
    cookie = resp.cookies.get(settings.SESSION_COOKIE_NAME)
    assert cookie is None or cookie.value == ""
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {resp.json()['token']}")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/cases").status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]
    assert Session.objects.count() == 0


def test_a_signed_in_browser_keeps_its_session(city: Any) -> None:
    client = APIClient()
    client.force_login(user("dispatcher"))
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert _token(client, "dispatcher").status_code == 200
    assert Session.objects.filter(session_key=key).exists()
    # still signed in on the web: the session works for a page
    assert client.get("/api/v1/cases").status_code == 200

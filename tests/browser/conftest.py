"""Browser tests: pytest-django's live server + Debian's headless Chromium through Playwright.

Playwright's sync API runs an event loop in the test thread, so Django's ORM calls from the test
need DJANGO_ALLOW_ASYNC_UNSAFE. Never run `playwright install`: we use /usr/bin/chromium.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from chuangcheng.demo.city import DEMO_PASSWORD

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _browser_settings(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CC_MAP_TILES = ""  # offline: no tile server


@pytest.fixture
def as_user(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """as_user("dispatcher") → a logged-in Playwright page (a fresh browser context each)."""
    contexts: list[Any] = []

    def make(username: str | None, *, mobile: bool = False, next_url: str = "") -> Any:
        viewport = PHONE if mobile else DESKTOP
        ctx = browser.new_context(
            viewport=viewport,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            is_mobile=mobile,
            has_touch=mobile,
            device_scale_factor=1,
        )
        ctx.set_default_timeout(15000)
        contexts.append(ctx)
        page = ctx.new_page()
        if username is None:
            return page
        page.goto(f"{live_server.url}/login/{'?next=' + next_url if next_url else ''}")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert "/login/" not in page.url, f"login failed for {username}: {page.url}"
        return page

    yield make
    for ctx in contexts:
        ctx.close()

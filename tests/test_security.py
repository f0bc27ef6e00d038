"""Signing in as the 12345 centre does it, and as an attacker would: the lockout on failed
logins (web, token endpoint and admin alike; per account and per address; forwarded addresses
trusted only from configured proxies; successes never counted), the second factor, tokens
that die with a password change or 退出, password rules, the idle timeout and the CSP."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from chuangcheng.api.models import ApiToken
from chuangcheng.demo.city import DEMO_PASSWORD, DemoCity
from tests.conftest import INTAKE

TOKEN = "/api/v1/auth/token"
WRONG = "not-the-password"


def _token_login(username: str, password: str, **meta: str) -> Any:
    return APIClient(**meta).post(
        TOKEN, {"username": username, "password": password}, format="json"
    )


def _web_login(username: str, password: str, **meta: str) -> tuple[Any, Client]:
    client = Client(**meta)
    return client.post("/login/", {"username": username, "password": password}), client


def _admin_login(username: str, password: str, **meta: str) -> tuple[Any, Client]:
    client = Client(**meta)
    resp = client.post("/admin/login/?next=/admin/", {"username": username, "password": password})
    return resp, client


# ---------------------------------------------------------------- lockout
def test_rotating_forwarded_for_from_an_untrusted_client_does_not_dodge_the_lock(
    city: DemoCity, settings: Any
) -> None:
    settings.CC_TRUSTED_PROXIES = ["127.0.0.1"]
    for i in range(5):
        resp = _token_login(
            "dispatcher", WRONG, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}"
        )
        assert resp.status_code in (401, 429)
    resp = _token_login(
        "dispatcher", DEMO_PASSWORD, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.77"
    )
    assert resp.status_code == 429
    assert "登录失败次数过多" in resp.json()["detail"]
    assert ApiToken.objects.count() == 0


def test_guessing_many_accounts_from_one_untrusted_client_locks_its_address(
    city: DemoCity, settings: Any
) -> None:
    settings.CC_LOGIN_ADDRESS_LIMIT = 6
    names = ["operator", "dispatcher", "callback", "supervisor", "leader", "handler_cg"]
    for i, name in enumerate(names):
        _token_login(name, WRONG, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"10.9.0.{i}")
    # each account has one failure only, but the address has six: locked, whatever the header
    resp = _token_login(
        "citizen", DEMO_PASSWORD, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.9.9.9"
    )
    assert resp.status_code == 429 and ApiToken.objects.count() == 0
    # another address is not
    assert _token_login("citizen", DEMO_PASSWORD, REMOTE_ADDR="203.0.113.10").status_code == 200


def test_behind_the_trusted_proxy_one_locked_account_does_not_lock_the_office(
    city: DemoCity, settings: Any
) -> None:
    """Every request comes from nginx (127.0.0.1); the office is 10.1.1.5."""
    settings.CC_TRUSTED_PROXIES = ["127.0.0.1"]
    office = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "10.1.1.5"}
    for _ in range(5):
        resp, _client = _web_login("dispatcher", WRONG, **office)
    assert resp.status_code == 429
    resp, client = _web_login("dispatcher", DEMO_PASSWORD, **office)
    assert resp.status_code == 429 and "_auth_user_id" not in client.session
    # the account stays locked from any other address too
    resp, client = _web_login(
        "dispatcher", DEMO_PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.7.7.7"
    )
    assert resp.status_code == 429 and "_auth_user_id" not in client.session
    # a colleague at the same office address signs in
    resp, client = _web_login("operator", DEMO_PASSWORD, **office)
    assert resp.status_code == 302 and client.session["_auth_user_id"]
    assert _token_login("callback", DEMO_PASSWORD, **office).status_code == 200


def test_the_trusted_proxy_address_is_the_one_nginx_appended(city: DemoCity, settings: Any) -> None:
    """A client behind nginx who sends its own X-Forwarded-For only prepends to the chain:
    the address nginx appended (the right-most) is the one counted."""
    settings.CC_TRUSTED_PROXIES = ["127.0.0.0/8"]
    settings.CC_LOGIN_ADDRESS_LIMIT = 6
    names = ["operator", "dispatcher", "callback", "supervisor", "leader", "handler_cg"]
    for i, name in enumerate(names):
        _token_login(
            name, WRONG, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.9.0.{i}, 10.2.2.2"
        )
    resp = _token_login(
        "citizen", DEMO_PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.2.2.2"
    )
    assert resp.status_code == 429
    resp = _token_login(
        "citizen", DEMO_PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.3.3.3"
    )
    assert resp.status_code == 200


def test_fifty_successful_logins_from_one_office_address_all_succeed(
    city: DemoCity, settings: Any
) -> None:
    """08:00: the whole shift signs in through one NAT address; a few typos among them."""
    settings.CC_TRUSTED_PROXIES = ["127.0.0.1"]
    office = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "10.1.1.5"}
    names = ["operator", "dispatcher", "callback", "supervisor", "leader"]
    for i in range(50):
        name = names[i % len(names)]
        if i % 10 == 0:
            assert _token_login(name, WRONG, **office).status_code == 401
        assert _token_login(name, DEMO_PASSWORD, **office).status_code == 200, i
    for name in names:
        resp, client = _web_login(name, DEMO_PASSWORD, **office)
        assert resp.status_code == 302 and client.session["_auth_user_id"]
    assert ApiToken.objects.count() == 50


LOGINS = {
    "web": lambda u, p: _web_login(u, p, REMOTE_ADDR="10.0.0.7")[0],
    "token": lambda u, p: _token_login(u, p, REMOTE_ADDR="10.0.0.7"),
    "admin": lambda u, p: _admin_login(u, p, REMOTE_ADDR="10.0.0.7")[0],
}


@pytest.mark.parametrize("fail_on", sorted(LOGINS))
def test_web_token_and_admin_logins_are_locked_alike(city: DemoCity, fail_on: str) -> None:
    for _ in range(5):
        assert LOGINS[fail_on]("admin", WRONG).status_code in (200, 400, 401, 429)
    for name, login in LOGINS.items():
        resp = login("admin", DEMO_PASSWORD)
        assert resp.status_code == 429, name
        assert "登录失败次数过多" in resp.content.decode()
    assert ApiToken.objects.count() == 0
    admin = get_user_model().objects.get(username="admin")
    assert admin.last_login is None


def test_the_lock_ends_after_the_cool_off(city: DemoCity, settings: Any) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            _token_login("operator", WRONG, REMOTE_ADDR="10.0.0.9")
        assert _token_login("operator", DEMO_PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 429
    later = start + settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert _token_login("operator", DEMO_PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 200


# ---------------------------------------------------------------- tokens
def _bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _token(username: str = "operator") -> str:
    resp = _token_login(username, DEMO_PASSWORD)
    assert resp.status_code == 200
    return str(resp.json()["token"])


def test_a_token_is_refused_after_the_password_changes(city: DemoCity) -> None:
    client = _bearer(_token())
    assert client.get("/api/v1/cases").status_code == 200
    user = get_user_model().objects.get(username="operator")
    user.set_password("a-new-Passw0rd-2026")
    user.save()
    resp = client.get("/api/v1/cases")
    assert resp.status_code == 401 and "令牌无效" in resp.json()["detail"]
    assert _token_login("operator", "a-new-Passw0rd-2026").status_code == 200


def test_logout_revokes_the_token_and_all_revokes_every_token(city: DemoCity) -> None:
    first, second, other = _token(), _token(), _token("dispatcher")
    resp = _bearer(first).post("/api/v1/auth/logout")
    assert resp.status_code == 204
    assert _bearer(first).get("/api/v1/cases").status_code == 401
    assert _bearer(second).get("/api/v1/cases").status_code == 200
    third = _token()
    resp = _bearer(third).post("/api/v1/auth/logout", {"all": True}, format="json")
    assert resp.status_code == 204
    assert _bearer(second).get("/api/v1/cases").status_code == 401
    assert _bearer(third).get("/api/v1/cases").status_code == 401
    assert _bearer(other).get("/api/v1/cases").status_code == 200
    # without a token, nothing to revoke
    assert APIClient().post("/api/v1/auth/logout").status_code in (401, 403)


def test_last_used_at_is_recorded(city: DemoCity) -> None:
    token = _token()
    row = ApiToken.objects.get()
    assert row.last_used_at is None
    before = timezone.now()
    assert _bearer(token).get("/api/v1/cases").status_code == 200
    row.refresh_from_db()
    assert row.last_used_at is not None and row.last_used_at >= before


def test_the_admin_lists_and_revokes_tokens(city: DemoCity) -> None:
    token = _token()
    admin = Client()
    admin.force_login(get_user_model().objects.get(username="admin"))
    page = admin.get("/admin/api/apitoken/")
    assert page.status_code == 200 and "operator" in page.content.decode()
    resp = admin.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [ApiToken.objects.get().pk]},
    )
    assert resp.status_code == 302
    assert ApiToken.objects.get().revoked_at is not None
    assert _bearer(token).get("/api/v1/cases").status_code == 401


# ---------------------------------------------------------------- passwords, sessions, CSP
@pytest.mark.parametrize(
    "password",
    ["Ab1!xk9#q", "password123", "4730298615274", "operator2026", "Operator-2026"],
    ids=["short", "common", "numeric", "similar", "similar-case"],
)
def test_weak_passwords_are_refused(city: DemoCity, password: str) -> None:
    user = get_user_model().objects.get(username="operator")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_strong_password_is_accepted(city: DemoCity) -> None:
    validate_password("晚班-受理-Kx7q-2026", get_user_model().objects.get(username="operator"))


def test_an_idle_session_is_logged_out_and_an_active_one_is_not(
    city: DemoCity, settings: Any
) -> None:
    idle = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        resp, client = _web_login("dispatcher", DEMO_PASSWORD)
        assert resp.status_code == 302
        assert client.get("/hotline/dispatch/").status_code == 200
    # active: a request every two thirds of the timeout keeps the session
    with time_machine.travel(start + idle * 2 / 3, tick=False):
        assert client.get("/hotline/dispatch/").status_code == 200
    with time_machine.travel(start + idle * 4 / 3, tick=False):
        assert client.get("/hotline/dispatch/").status_code == 200
    # idle: longer than the timeout since the last request
    with time_machine.travel(start + idle * 4 / 3 + idle + dt.timedelta(seconds=1), tick=False):
        resp = client.get("/hotline/dispatch/")
        assert resp.status_code == 302 and resp["Location"].startswith("/login/")


@pytest.mark.parametrize("path", ["/login/", "/hotline/dispatch/", "/admin/login/", "/m/"])
def test_every_page_carries_a_content_security_policy(city: DemoCity, path: str) -> None:
    client = Client()
    client.force_login(get_user_model().objects.get(username="dispatcher"))
    resp = client.get(path)
    assert resp.status_code in (200, 302)
    policy = resp["Content-Security-Policy"]
    directives = dict(([*d.strip().split(" ", 1), ""])[:2] for d in policy.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"].startswith("'self'")
    assert "unsafe-inline" not in directives["script-src"]
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_pages_have_no_inline_scripts_or_handlers(city: DemoCity) -> None:
    """An inline <script> or on*= handler would be blocked by the policy and break the page."""
    import re

    client = Client()
    client.force_login(get_user_model().objects.get(username="operator"))
    for path in ["/login/", "/hotline/intake/", "/hotline/cases/", "/api/docs/"]:
        html = client.get(path).content.decode()
        # json_script data (type="application/json") is not executed, so the policy allows it
        assert not re.search(r'<script(?![^>]*\b(src=|type="application/json"))[^>]*>', html)
        assert not re.search(r"\son[a-z]+=\"", html), path


# ---------------------------------------------------------------- second factor
def _code(device: TOTPDevice, drift: int = 0) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, drift):06d}"


@pytest.fixture
def require_2fa(settings: Any) -> None:
    settings.CC_REQUIRE_2FA = True
    # django-otp makes a device wait 1 s, 2 s, 4 s… after each wrong code; these tests retry
    # at once (the wait is django-otp's own, tested there)
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_2fa_is_off_unless_the_setting_turns_it_on(city: DemoCity) -> None:
    _resp, client = _web_login("dispatcher", DEMO_PASSWORD)
    assert client.get("/hotline/dispatch/").status_code == 200


def test_a_phone_revealing_role_enrols_then_verifies(city: DemoCity, require_2fa: None) -> None:
    resp, client = _web_login("dispatcher", DEMO_PASSWORD)
    assert resp.status_code == 302
    resp = client.get("/hotline/dispatch/")
    assert resp.status_code == 302 and resp["Location"].startswith("/2fa/setup/")
    # the API refuses the unverified session too
    assert client.get("/api/v1/cases").status_code == 403
    page = client.get(resp["Location"])
    assert page.status_code == 200 and "绑定手机验证器" in page.content.decode()
    device = TOTPDevice.objects.get(user__username="dispatcher")
    assert not device.confirmed
    bad = client.post("/2fa/setup/", {"otp_token": "000000", "next": "/hotline/dispatch/"})
    assert bad.status_code == 400 and "验证码不正确" in bad.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/hotline/dispatch/").status_code == 302
    ok = client.post("/2fa/setup/", {"otp_token": _code(device), "next": "/hotline/dispatch/"})
    assert ok.status_code == 302 and ok["Location"] == "/hotline/dispatch/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/hotline/dispatch/").status_code == 200
    # next time: password, then the code
    client.post("/logout/")
    resp, client = _web_login("dispatcher", DEMO_PASSWORD)
    resp = client.get("/hotline/dispatch/")
    assert resp["Location"].startswith("/2fa/verify/")
    assert client.post("/2fa/verify/", {"otp_token": "000000"}).status_code == 400
    assert client.get("/hotline/dispatch/").status_code == 302
    ok = client.post("/2fa/verify/", {"otp_token": _code(device, drift=1), "next": "/"})
    assert ok.status_code == 302
    assert client.get("/hotline/dispatch/").status_code == 200


def test_the_admin_needs_the_second_factor(city: DemoCity, require_2fa: None) -> None:
    resp, client = _admin_login("admin", DEMO_PASSWORD)
    assert resp.status_code == 302
    resp = client.get("/admin/")
    assert resp.status_code == 302 and resp["Location"].startswith("/2fa/setup/")
    assert client.get("/admin/api/apitoken/").status_code == 302


def test_roles_that_see_no_phone_numbers_need_no_second_factor(
    city: DemoCity, require_2fa: None
) -> None:
    _resp, client = _web_login("leader", DEMO_PASSWORD)
    assert client.get("/hotline/dashboard/").status_code == 200
    assert _token_login("leader", DEMO_PASSWORD).status_code == 200


def test_the_token_endpoint_asks_for_the_code(city: DemoCity, require_2fa: None) -> None:
    resp = _token_login("operator", DEMO_PASSWORD)
    assert resp.status_code == 403 and resp.json()["code"] == "otp_setup_required"
    device = TOTPDevice.objects.create(user=get_user_model().objects.get(username="operator"))
    resp = _token_login("operator", DEMO_PASSWORD)
    assert resp.status_code == 401 and resp.json()["code"] == "otp_required"
    resp = APIClient().post(
        TOKEN, {"username": "operator", "password": DEMO_PASSWORD, "otp": "000000"}, format="json"
    )
    assert resp.status_code == 401 and resp.json()["code"] == "invalid_otp"
    assert ApiToken.objects.count() == 0
    resp = APIClient().post(
        TOKEN,
        {"username": "operator", "password": DEMO_PASSWORD, "otp": _code(device)},
        format="json",
    )
    assert resp.status_code == 200
    client = _bearer(resp.json()["token"])
    assert client.post("/api/v1/cases", INTAKE, format="json").status_code == 201


def test_the_api_docs_load_their_script_as_a_file(city: DemoCity) -> None:
    import re

    client = Client()
    client.force_login(get_user_model().objects.get(username="dispatcher"))
    page = client.get("/api/docs/")
    assert page.status_code == 200
    scripts = re.findall(r'<script src="([^"]+)"', page.content.decode())
    start = [s for s in scripts if s.startswith("/api/docs/")]
    assert start, scripts
    js = client.get(start[0].replace("&amp;", "&"))
    assert js.status_code == 200 and "SwaggerUIBundle" in js.content.decode()
    redoc = client.get("/api/redoc/")
    assert redoc.status_code == 200
    assert "'unsafe-inline'" in redoc["Content-Security-Policy"]

"""Sign-in security shared by the pages, the admin and the API token endpoint.

- Who the client is: `client_ip` trusts X-Forwarded-For only on a request that comes from one
  of `CC_TRUSTED_PROXIES` (REMOTE_ADDR), and lets django-ipware read the header.
- Lockout on failed logins (django-axes, database handler: every process and the SQLite demo
  see the same counts): an account is locked after `AXES_FAILURE_LIMIT` failures, a client
  address after `CC_LOGIN_ADDRESS_LIMIT` (higher: an office signs in from one address).
  Successful logins are never counted; one clears that account's own failures only.
- Second factor (django-otp TOTP) for the admin and the roles that may reveal phone numbers,
  when `CC_REQUIRE_2FA` is on: `SecondFactorMiddleware` sends such a session to 绑定 (enroll)
  or 验证 (verify) before anything else.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from ipware.ip import get_client_ip

from chuangcheng.org.access import actor_for
from chuangcheng.org.roles import REVEAL_PHONE, role_group

LOCKED_MESSAGE = "登录失败次数过多，请 {minutes} 分钟后再试。"


# ---------------------------------------------------------------- who the client is
def _is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in settings.CC_TRUSTED_PROXIES:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, unless that is a trusted proxy, in which case the
    address the proxy put into X-Forwarded-For (django-ipware parses the header; with
    CC_PROXY_COUNT further proxies before it, the entry that many from the right)."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    if not _is_trusted_proxy(remote):
        return remote
    forwarded, _routable = get_client_ip(
        request,
        proxy_count=settings.CC_PROXY_COUNT,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    return forwarded or remote


# ---------------------------------------------------------------- lockout (django-axes)
class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, first in AUTHENTICATION_BACKENDS. The login page, the admin and the
    token endpoint all pass the request; a call without one (a test client's login(), a
    shell) has no client to count and is left to the next backend."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class LockoutHandler(AxesDatabaseHandler):
    """Two limits on one table of failures: per account (AXES_FAILURE_LIMIT) and per client
    address (CC_LOGIN_ADDRESS_LIMIT). axes compares one number with one limit, so a locked
    address reports the account limit as its failure count."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        by_account, by_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.CC_LOGIN_ADDRESS_LIMIT:
            return max(by_account, get_failure_limit(request, credentials))
        return int(by_account)

    def reset_user_attempts(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """A successful login clears that account's failures, not its address's: an attacker
        signing in with their own account cannot wipe the count of their guesses."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def lockout_minutes() -> int:
    return max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """429 for a locked account or address: JSON for the API, the page otherwise."""
    message = LOCKED_MESSAGE.format(minutes=lockout_minutes())
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": message, "code": "locked_out"},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    return render(request, "web/locked_out.html", {"message": message}, status=429)


# ---------------------------------------------------------------- second factor (django-otp)
def second_factor_required(user: Any) -> bool:
    """The admin (staff) and whoever holds a role that may see a caller's full phone number
    must confirm a TOTP code, when CC_REQUIRE_2FA is on."""
    if not settings.CC_REQUIRE_2FA or not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return bool(actor_for(user).roles & role_group(REVEAL_PHONE))


def totp_device_for_enrolment(*, actor: Any) -> TOTPDevice:
    """绑定: the person's unconfirmed authenticator (a new secret, made once and shown until
    they confirm it with a code)."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=actor, name="手机验证器", confirmed=False)
    return device


def totp_device_confirm(*, actor: Any, device: TOTPDevice, token: str) -> bool:
    """Confirm the new authenticator with a code it shows; False (nothing changes) when the
    code is wrong."""
    if device.user_id != actor.pk or device.confirmed:
        return False
    with transaction.atomic():
        if not device.verify_token(token):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return True


def has_confirmed_device(user: Any) -> bool:
    return bool(user_has_device(user, confirmed=True))


def safe_next(request: HttpRequest, default: str = "/") -> str:
    target = str(request.POST.get("next") or request.GET.get("next") or "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# the token endpoint checks the code itself (`otp`), whatever session the caller has
_EXEMPT_PREFIXES = ("/2fa/", "/logout/", "/login/", "/static/", "/i18n/", "/api/v1/auth/")


class SecondFactorMiddleware:
    """A session of someone who must use a second factor and has not confirmed a code yet
    reaches only the enrol/verify pages and 退出; the API answers 403 (tokens are checked by
    the token endpoint itself)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and settings.CC_REQUIRE_2FA
            and user.is_authenticated
            and not request.path.startswith(_EXEMPT_PREFIXES)
            and not user.is_verified()
            and second_factor_required(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "请先完成二次验证（手机验证器）。", "code": "otp_required"},
                    status=403,
                )
            name = "web:otp_verify" if has_confirmed_device(user) else "web:otp_setup"
            return HttpResponseRedirect(
                f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}"
            )
        return self.get_response(request)

"""登录 / 退出, the second factor (绑定/验证手机验证器) and the home redirect.

Failed logins are locked out by django-axes (web/security.py): the login form authenticates
with the request, so a locked account or address gets the 429 page from the axes middleware.
"""

from __future__ import annotations

from typing import Any

import segno
from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django_otp import login as otp_login
from django_otp import match_token

from chuangcheng.org.access import actor_for
from chuangcheng.web import loops, security


class ChineseAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码错误。",
        "inactive": "该账号已停用。",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"
        self.fields["username"].error_messages["required"] = "请输入用户名"
        self.fields["password"].error_messages["required"] = "请输入密码"


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = ChineseAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class LogoutView(auth_views.LogoutView):
    template_name = "web/logged_out.html"


class OtpForm(forms.Form):
    otp_token = forms.CharField(
        label="验证码",
        max_length=8,
        error_messages={"required": "请输入手机验证器上的 6 位验证码"},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _qr_svg(url: str) -> str:
    """The otpauth:// URL as an inline SVG QR code (no image request, nothing for the CSP)."""
    return str(segno.make(url, error="m").svg_inline(scale=4, dark="#1f2933", light="#ffffff"))


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """绑定手机验证器: scan the code (or type the key) into an authenticator app, then confirm
    with the code it shows."""
    user = request.user
    if security.has_confirmed_device(user):
        return redirect(
            f"{reverse('web:otp_verify')}?{urlencode({'next': security.safe_next(request)})}"
        )
    device = security.totp_device_for_enrolment(actor=user)
    form = OtpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if security.totp_device_confirm(
            actor=user, device=device, token=form.cleaned_data["otp_token"].strip()
        ):
            otp_login(request, device)
            return HttpResponseRedirect(security.safe_next(request))
        form.add_error("otp_token", "验证码不正确或已过期，请输入验证器上最新的验证码。")
        status = 400
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "qr_svg": mark_safe(_qr_svg(device.config_url)),
        "secret": _spaced_key(device),
        "next": security.safe_next(request),
    }
    return render(request, "web/otp_setup.html", context, status=status)


def _spaced_key(device: Any) -> str:
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """二次验证: the code from the authenticator bound earlier."""
    user = request.user
    if not security.has_confirmed_device(user):
        return redirect(
            f"{reverse('web:otp_setup')}?{urlencode({'next': security.safe_next(request)})}"
        )
    form = OtpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["otp_token"].strip())
        if device is not None:
            otp_login(request, device)
            return HttpResponseRedirect(security.safe_next(request))
        form.add_error("otp_token", "验证码不正确或已过期，请输入验证器上最新的验证码。")
        status = 400
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "web/otp_verify.html",
        {"form": form, "next": security.safe_next(request)},
        status=status,
    )


def home(request: HttpRequest) -> HttpResponse:
    """`/`: each person to their workbench."""
    if not request.user.is_authenticated:
        return redirect(reverse("web:login"))
    actor = actor_for(request.user)
    for role, name in loops.home_by_role():
        if actor.has(role):
            return HttpResponseRedirect(reverse(name))
    target = loops.superuser_home() if actor.is_superuser else None
    target = target or loops.no_role_home()
    if target is None:  # no loop installed that has pages
        return redirect(reverse("web:notifications"))
    return redirect(reverse(target))

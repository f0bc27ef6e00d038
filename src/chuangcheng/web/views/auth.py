"""登录 / 退出 and the home redirect. Login is throttled per username + IP (see throttle.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse

from chuangcheng.org.access import actor_for
from chuangcheng.web import throttle
from chuangcheng.web.access import HOME_BY_ROLE


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

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = str(request.POST.get("username") or "")
        ip = throttle.client_ip(request)
        if username and throttle.is_locked(username, ip):
            form = self.get_form()
            minutes = max(1, round(throttle.seconds_left(username, ip) / 60))
            form.errors.clear()
            form.add_error(None, f"登录失败次数过多，请 {minutes} 分钟后再试。")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        username = str(form.cleaned_data.get("username") or "")
        throttle.reset(username, throttle.client_ip(self.request))
        return super().form_valid(form)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        username = str(self.request.POST.get("username") or "")
        if username:
            throttle.record_failure(username, throttle.client_ip(self.request))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class LogoutView(auth_views.LogoutView):
    template_name = "web/logged_out.html"


def home(request: HttpRequest) -> HttpResponse:
    """`/`: each person to their workbench."""
    if not request.user.is_authenticated:
        return redirect(reverse("web:login"))
    actor = actor_for(request.user)
    for role, name in HOME_BY_ROLE:
        if actor.has(role):
            return HttpResponseRedirect(reverse(name))
    if actor.is_superuser:
        return HttpResponseRedirect(reverse("web:case_list"))
    return redirect(reverse("web:m_home"))

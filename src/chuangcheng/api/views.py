"""REST API v1: sign-in and tokens, and the case endpoints every loop shares (one case, its
actions, its reporter's contact) plus the organisation's units and regions. Thin: parse, call a
service or selector, present. No business rule lives here.

Each loop's own endpoints live in its app's api.py (for 12345: the order list and intake,
callers, repeats, suggestions, indicators), included under /api/v1/ from config/urls.py."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.http import HttpRequest
from django_otp import match_token
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chuangcheng.api.auth import token_issue, token_revoke
from chuangcheng.api.models import ApiToken
from chuangcheng.api.params import files, plain, request_actor
from chuangcheng.api.schema import ACTION_HELP, ACTION_NAMES, ActionIn, CaseOut
from chuangcheng.cases.presenters import case_detail_for
from chuangcheng.cases.selectors import case_get_visible
from chuangcheng.cases.services import allowed_actions, case_transition, contact_reveal
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.org.selectors import regions_tree, units_search
from chuangcheng.web import security


class TokenView(APIView):
    """登录换取令牌. Failed attempts count towards the same lockout as the login page and the
    admin (django-axes: the request goes into authenticate()); successful ones never do. A
    person who must use a second factor (CC_REQUIRE_2FA) also sends `otp`, the code of the
    authenticator bound on the web."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {
                "username": serializers.CharField(),
                "password": serializers.CharField(),
                "otp": serializers.CharField(required=False),
            },
        ),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
        summary="登录换取令牌",
    )
    def post(self, request: Request) -> Response:
        body = plain(request.data)
        username = str(body.get("username") or "")
        password = str(body.get("password") or "")
        if not username or not password:
            raise ValidationFailed(
                "请输入用户名和密码。",
                fields={
                    k: ["必填"]
                    for k, v in (("username", username), ("password", password))
                    if not v
                },
            )
        user = authenticate(request._request, username=username, password=password)
        if getattr(request._request, "axes_locked_out", False):
            return security.lockout_response(request._request)  # type: ignore[return-value]
        if user is None:
            return Response(
                {"detail": "用户名或密码错误", "code": "invalid_credentials"}, status=401
            )
        if security.second_factor_required(user):
            if not security.has_confirmed_device(user):
                return Response(
                    {
                        "detail": "该账号需要二次验证：请先在网页登录并绑定手机验证器。",
                        "code": "otp_setup_required",
                    },
                    status=403,
                )
            code = str(body.get("otp") or "").strip()
            if not code or match_token(user, code) is None:
                user_login_failed.send(
                    sender=__name__,
                    credentials={"username": username},
                    request=request._request,
                )
                if getattr(request._request, "axes_locked_out", False):
                    return security.lockout_response(request._request)  # type: ignore[return-value]
                return Response(
                    {
                        "detail": "请输入手机验证器上的验证码" if not code else "验证码不正确",
                        "code": "otp_required" if not code else "invalid_otp",
                    },
                    status=401,
                )
        # a successful sign-in, as on the login page: last_login, the access log, and the
        # account's earlier failures cleared (django-axes listens)
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        _drop_empty_session(request._request)
        return Response({"token": token_issue(user=user)})


def _drop_empty_session(request: HttpRequest) -> None:
    """django-axes stores a hash of the session key in its access log and creates a session for
    it. A token client has no use for that session; one that keeps cookies (most HTTP libraries,
    the test client) would send it back with every bearer-token request, and with
    SESSION_SAVE_EVERY_REQUEST each of those would read and rewrite it (4 more queries, ~+30 %
    on a list request). An empty session is deleted again: no row, no cookie. A session that
    holds something (a signed-in browser asking for a token) is left alone."""
    session = getattr(request, "session", None)
    if session is not None and session.session_key and not dict(session.items()):
        session.flush()


class LogoutView(APIView):
    """退出: revoke the token this request carries (`{"all": true}`: every token of the user)."""

    @extend_schema(
        request=inline_serializer(
            "LogoutRequest", {"all": serializers.BooleanField(required=False)}
        ),
        responses={204: None},
        summary="退出（吊销令牌）",
    )
    def post(self, request: Request) -> Response:
        body = plain(request.data)
        revoke_all = str(body.get("all", "")).lower() in ("1", "true")
        if revoke_all:
            tokens = ApiToken.objects.filter(user_id=int(request.user.pk or 0))
        elif isinstance(request.auth, ApiToken):
            tokens = ApiToken.objects.filter(pk=request.auth.pk)
        else:
            raise ValidationFailed('此请求未携带令牌；要吊销本人全部令牌请发送 {"all": true}。')
        token_revoke(actor=request.user, tokens=tokens)
        return Response(status=204)


class CaseDetailView(APIView):
    @extend_schema(
        summary="工单详情",
        description="工作人员得到完整视图（诉求人信息脱敏）；居民只得到其手机页面上显示的内容"
        "（公开的办理进度、公开后的办理结果、自己的评价），没有工作人员姓名和内部意见。",
        responses=CaseOut,
    )
    def get(self, request: Request, case_id: int) -> Response:
        actor = request_actor(request)
        case = case_get_visible(actor, case_id)
        return Response(case_detail_for(case, actor, allowed_actions(case, actor)))


class CaseActionView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="执行工单操作",
        description="各操作所需字段：" + ACTION_HELP,
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=ACTION_NAMES)],
        request=ActionIn,
        responses=CaseOut,
    )
    def post(self, request: Request, case_id: int, action: str) -> Response:
        actor = request_actor(request)
        case = case_transition(
            case_id=case_id,
            action=action,
            actor=actor,
            data=plain(request.data),
            attachments=files(request),
        )
        return Response(case_detail_for(case, actor, allowed_actions(case, actor)))


class CaseContactView(APIView):
    @extend_schema(
        summary="查看诉求人完整联系方式（留痕）",
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request: Request, case_id: int) -> Response:
        actor = request_actor(request)
        contact = contact_reveal(
            actor=actor, case_id=case_id, reason=str(plain(request.data).get("reason") or "")
        )
        return Response(
            {"name": contact.name, "phone": contact.phone, "confidential": contact.confidential}
        )


class UnitListView(APIView):
    @extend_schema(
        summary="承办单位", parameters=[OpenApiParameter("q", str)], responses=OpenApiTypes.OBJECT
    )
    def get(self, request: Request) -> Response:
        units = units_search(request.query_params.get("q", ""))[:200]
        return Response(
            {
                "results": [
                    {
                        "id": u.pk,
                        "name": u.name,
                        "code": u.code,
                        "kind": u.kind,
                        "kind_label": u.get_kind_display(),
                        "region": u.region.name,
                        "region_id": u.region_id,
                    }
                    for u in units
                ]
            }
        )


class RegionListView(APIView):
    @extend_schema(summary="区域树", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return Response(
            {
                "results": [
                    {
                        "id": r.pk,
                        "code": r.code,
                        "name": r.name,
                        "level": r.level,
                        "level_label": r.get_level_display(),
                        "parent": r.parent_id,
                    }
                    for r in regions_tree()
                ]
            }
        )

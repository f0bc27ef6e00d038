"""REST API v1. Thin: parse, call a service or selector, present. No business rule lives here.

Who may call which endpoint comes from the loop's roles (hotline.roles), the same role sets the pages use; what comes
back is scoped like the matching page (a citizen gets what their phone pages show)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.http import QueryDict
from django_otp import match_token
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chuangcheng.api.auth import token_issue, token_revoke
from chuangcheng.api.models import ApiToken
from chuangcheng.api.schema import (
    ACTION_HELP,
    ACTION_NAMES,
    STATUS_CHOICES,
    ActionIn,
    CaseListOut,
    CaseOut,
    IntakeIn,
)
from chuangcheng.cases.presenters import case_detail_for, case_summary, case_summary_for
from chuangcheng.cases.selectors import case_get_visible
from chuangcheng.cases.services import allowed_actions, case_transition, contact_reveal
from chuangcheng.core.errors import DomainError, PermissionDenied, ValidationFailed
from chuangcheng.hotline import selectors as hotline_selectors
from chuangcheng.hotline.indicators import hotline_indicators
from chuangcheng.hotline.roles import (
    ANALYTICS_ROLES,
    CALLER_HISTORY_ROLES,
    INTAKE_REPEAT_ROLES,
    SUGGESTION_ROLES,
)
from chuangcheng.hotline.services import BATCH_MAX, hotline_intake, hotline_intake_many
from chuangcheng.org.access import Actor, actor_for
from chuangcheng.org.selectors import regions_tree, units_search
from chuangcheng.web import security

# a page past this is an attacker's or a typo: far beyond any real list, far below bigint
MAX_PAGE = 100_000


def _actor(request: Request) -> Actor:
    return actor_for(request.user)


def _require(actor: Actor, roles: Iterable[str], message: str) -> None:
    """The same role check the matching page makes (web.access.may); 403 otherwise."""
    if not (actor.roles & frozenset(roles)) and not actor.is_superuser:
        raise PermissionDenied(message)


def _int_param(params: QueryDict, name: str, default: int | None, label: str) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ValidationFailed(
            f"输入有误：{label}必须是整数。", fields={name: ["必须是整数"]}
        ) from None
    if not 0 < value <= 2**53:
        raise ValidationFailed(f"输入有误：{label}超出范围。", fields={name: ["超出范围"]})
    return value


def _float_param(params: QueryDict, name: str, label: str) -> float | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = float(str(raw))
    except ValueError:
        raise ValidationFailed(
            f"输入有误：{label}必须是数字。", fields={name: ["必须是数字"]}
        ) from None
    if not math.isfinite(value):
        raise ValidationFailed(f"输入有误：{label}必须是有限的数字。", fields={name: ["超出范围"]})
    return value


def _plain(data: Any) -> dict[str, Any]:
    """Request data as a dict of plain values (lists kept for multi-valued form fields)."""
    if isinstance(data, QueryDict):
        return {k: (v if len(v) > 1 or k in ("co_units",) else v[0]) for k, v in data.lists()}
    return dict(data) if isinstance(data, dict) else {}


def _files(request: Request) -> list[tuple[Any, str]]:
    out: list[tuple[Any, str]] = []
    for key in ("attachments", "before", "after"):
        out += [(f, "other" if key == "attachments" else key) for f in request.FILES.getlist(key)]
    return out


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
        body = _plain(request.data)
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
        return Response({"token": token_issue(user=user)})


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
        body = _plain(request.data)
        revoke_all = str(body.get("all", "")).lower() in ("1", "true")
        if revoke_all:
            tokens = ApiToken.objects.filter(user_id=int(request.user.pk or 0))
        elif isinstance(request.auth, ApiToken):
            tokens = ApiToken.objects.filter(pk=request.auth.pk)
        else:
            raise ValidationFailed('此请求未携带令牌；要吊销本人全部令牌请发送 {"all": true}。')
        token_revoke(actor=request.user, tokens=tokens)
        return Response(status=204)


CaseCreatedOut = inline_serializer(
    "CaseCreated",
    {
        "id": serializers.IntegerField(),
        "number": serializers.CharField(),
        "status": serializers.ChoiceField(choices=STATUS_CHOICES),
        "status_label": serializers.CharField(),
    },
)


class CaseListView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="工单列表（按权限范围）",
        operation_id="v1_cases_list",
        parameters=[
            OpenApiParameter(
                "status",
                str,
                description="状态，可用逗号分隔多个："
                + "、".join(f"{k}（{v}）" for k, v in STATUS_CHOICES),
            ),
            OpenApiParameter("unit", int),
            OpenApiParameter("overdue", bool),
            OpenApiParameter("q", str),
            OpenApiParameter("page", int, description=f"1 至 {MAX_PAGE}"),
            OpenApiParameter("page_size", int, description="1 至 200，默认 50"),
        ],
        responses=CaseListOut,
    )
    def get(self, request: Request) -> Response:
        actor = _actor(request)
        p = request.query_params
        page = _int_param(p, "page", 1, "页码") or 1
        if page > MAX_PAGE:
            raise ValidationFailed(
                f"输入有误：页码不能超过 {MAX_PAGE}。", fields={"page": ["超出范围"]}
            )
        unit = _int_param(p, "unit", None, "单位")
        size = min(200, _int_param(p, "page_size", 50, "每页条数") or 50)
        status = p.get("status", "")
        unknown = [s for s in status.split(",") if s and s not in dict(STATUS_CHOICES)]
        if unknown:
            raise ValidationFailed(
                f"输入有误：未知的状态「{unknown[0]}」。", fields={"status": ["未知的状态"]}
            )
        qs = hotline_selectors.case_list(
            actor,
            status=status,
            unit=unit,
            overdue=p.get("overdue") in ("1", "true", "True"),
            q=p.get("q", ""),
        )
        rows = list(qs[(page - 1) * size : page * size + 1])
        has_next = len(rows) > size
        results = [case_summary_for(c, actor) for c in rows[:size]]
        base = request.build_absolute_uri(request.path)
        query = p.copy()
        query["page"] = str(page + 1)
        return Response(
            {
                "results": results,
                "page": page,
                "page_size": size,
                "next": f"{base}?{query.urlencode()}" if has_next else None,
            }
        )

    @extend_schema(
        summary="受理诉求（接单）",
        request=IntakeIn,
        responses={201: CaseCreatedOut, 200: CaseCreatedOut},
    )
    def post(self, request: Request) -> Response:
        actor = _actor(request)
        case, created = hotline_intake(
            actor=actor,
            data=_plain(request.data),
            files=_files(request),
            source=f"api:{actor.username}",
        )
        return Response(_intake_out(case), status=201 if created else 200)


def _intake_out(case: Any) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "status": case.status,
        "status_label": "已受理" if case.status == "received" else case.status,
    }


class CaseBatchView(APIView):
    """批量受理 for integrations: every item goes through the same intake rules as
    POST /api/v1/cases; one result per item, in order."""

    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="批量受理诉求（对接平台）",
        operation_id="v1_cases_batch",
        request=inline_serializer("IntakeBatch", {"cases": serializers.ListField(child=IntakeIn)}),
        responses=inline_serializer(
            "IntakeBatchResult",
            {
                "results": serializers.ListField(
                    child=inline_serializer(
                        "IntakeBatchItem",
                        {
                            "index": serializers.IntegerField(),
                            "status": serializers.IntegerField(),
                            "id": serializers.IntegerField(required=False),
                            "number": serializers.CharField(required=False),
                            "case_status": serializers.CharField(required=False),
                            "status_label": serializers.CharField(required=False),
                            "detail": serializers.CharField(required=False),
                            "errors": serializers.DictField(required=False),
                        },
                    )
                )
            },
        ),
    )
    def post(self, request: Request) -> Response:
        actor = _actor(request)
        items = request.data.get("cases") if isinstance(request.data, dict) else None
        if not isinstance(items, list) or not items:
            raise ValidationFailed(
                "请在 cases 中提交工单列表（1 至 500 条）。", fields={"cases": ["必须是非空列表"]}
            )
        if len(items) > BATCH_MAX:  # before any item is looked at
            raise ValidationFailed(
                f"一次最多提交 {BATCH_MAX} 条工单，本次 {len(items)} 条，请分批提交。",
                fields={"cases": [f"最多 {BATCH_MAX} 条"]},
            )
        results = []
        for i, r in enumerate(
            hotline_intake_many(actor=actor, items=items, source=f"api:{actor.username}")
        ):
            if isinstance(r, DomainError):
                row: dict[str, Any] = {
                    "index": i,
                    "status": r.status_code,
                    "detail": r.message,
                    "code": r.code,
                }
                if r.fields:
                    row["errors"] = r.fields
            else:
                case, created = r
                # "status" is the item's HTTP-like status here; the order's own is case_status
                row = {
                    "index": i,
                    "status": 201 if created else 200,
                    "id": case.pk,
                    "number": case.number,
                    "case_status": case.status,
                    "status_label": _intake_out(case)["status_label"],
                }
            results.append(row)
        return Response({"results": results})


class CaseDetailView(APIView):
    @extend_schema(
        summary="工单详情",
        description="工作人员得到完整视图（诉求人信息脱敏）；居民只得到其手机页面上显示的内容"
        "（公开的办理进度、公开后的办理结果、自己的评价），没有工作人员姓名和内部意见。",
        responses=CaseOut,
    )
    def get(self, request: Request, case_id: int) -> Response:
        actor = _actor(request)
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
        actor = _actor(request)
        case = case_transition(
            case_id=case_id,
            action=action,
            actor=actor,
            data=_plain(request.data),
            attachments=_files(request),
        )
        return Response(case_detail_for(case, actor, allowed_actions(case, actor)))


class CaseContactView(APIView):
    @extend_schema(
        summary="查看诉求人完整联系方式（留痕）",
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request: Request, case_id: int) -> Response:
        actor = _actor(request)
        contact = contact_reveal(
            actor=actor, case_id=case_id, reason=str(_plain(request.data).get("reason") or "")
        )
        return Response(
            {"name": contact.name, "phone": contact.phone, "confidential": contact.confidential}
        )


class CallerHistoryView(APIView):
    @extend_schema(
        summary="来电人历史工单",
        parameters=[OpenApiParameter("phone", str)],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        actor = _actor(request)
        # say so, rather than answer "no earlier orders" to someone who may not ask
        _require(actor, CALLER_HISTORY_ROLES, "您的角色无权查询来电人历史工单。")
        from chuangcheng.core.privacy import normalise_phone

        cases = hotline_selectors.caller_history(
            actor, normalise_phone(request.query_params.get("phone", ""))
        )
        return Response(
            {"results": [case_summary(c) for c in cases.select_related("lead_unit", "category")]}
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


class HotlineIndicatorsView(APIView):
    @extend_schema(
        summary="三率与排名",
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM"),
            OpenApiParameter("group_by", str, enum=["unit", "street"]),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        actor = _actor(request)
        _require(actor, ANALYTICS_ROLES, "只有领导、督办员和派单员可以查看考核指标。")
        month = request.query_params.get("month", "")
        group_by = request.query_params.get("group_by", "unit")
        try:
            # scoped like the 数据看板: a street's leader sees their street's orders only
            rows = hotline_indicators(month, group_by, base=hotline_selectors.hotline_cases(actor))
        except ValueError as exc:
            raise ValidationFailed(str(exc)) from None
        return Response(
            {"month": month, "group_by": group_by, "results": [r.as_dict() for r in rows]}
        )


class CaseSuggestionsView(APIView):
    @extend_schema(summary="智能派单建议与疑似重复工单", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, case_id: int) -> Response:
        from chuangcheng.intelligence.selectors import likely_repeats
        from chuangcheng.intelligence.services import suggest

        actor = _actor(request)
        _require(actor, SUGGESTION_ROLES, "只有派单员和督办员可以查看智能派单建议。")
        case = case_get_visible(actor, case_id)
        data = suggest(case.title, case.content)
        data["repeats"] = [r.as_dict() for r in likely_repeats(case, actor)]
        return Response(data)


class RepeatLookupView(APIView):
    @extend_schema(
        summary="受理时查找疑似重复的在办工单",
        parameters=[
            OpenApiParameter("title", str),
            OpenApiParameter("content", str),
            OpenApiParameter("address", str),
            OpenApiParameter("lat", float),
            OpenApiParameter("lng", float),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        from chuangcheng.intelligence.selectors import intake_repeats

        actor = _actor(request)
        _require(actor, INTAKE_REPEAT_ROLES, "只有受理员和派单员可以查找疑似重复工单。")
        p = request.query_params
        lat = _float_param(p, "lat", "纬度")
        lng = _float_param(p, "lng", "经度")
        repeats = intake_repeats(
            actor,
            title=p.get("title", ""),
            content=p.get("content", ""),
            address=p.get("address", ""),
            lat=lat,
            lng=lng,
        )
        return Response({"results": [r.as_dict() for r in repeats]})

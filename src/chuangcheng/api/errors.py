"""Map domain errors to HTTP: 400 field errors, 403, 404, 409 — always with a Chinese message."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from chuangcheng.core.errors import DomainError

_DRF_MESSAGES = {
    exceptions.NotAuthenticated: "请先登录（缺少认证令牌）",
    exceptions.PermissionDenied: "您无权进行此操作",
    exceptions.NotFound: "不存在或无权查看",
    exceptions.MethodNotAllowed: "不支持该请求方法",
    exceptions.Throttled: "请求过于频繁，请稍后再试",
    exceptions.ParseError: "请求内容格式错误",
    exceptions.UnsupportedMediaType: "不支持的内容类型",
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    request = context.get("request")
    if request is not None:
        # errors are JSON whatever the view renders otherwise (the schema's YAML, the
        # browsable API): DRF renders the error with the request's accepted renderer
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = "application/json"
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"detail": exc.message, "code": exc.code}
        if exc.fields:
            body["errors"] = exc.fields
        return Response(body, status=exc.status_code)
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = (
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
        first = next(iter(errors.values()), ["输入有误"])
        first_msg = first[0] if isinstance(first, list) and first else str(first)
        response.data = {"detail": f"输入有误：{first_msg}", "code": "invalid", "errors": errors}
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    for cls, message in _DRF_MESSAGES.items():
        if isinstance(exc, cls):
            detail = message
            wait = getattr(exc, "wait", None)
            if isinstance(exc, exceptions.Throttled) and wait:
                detail = f"{message}（{int(wait)} 秒后）"
            response.data = {"detail": detail, "code": getattr(exc, "default_code", "error")}
            break
    if isinstance(exc, exceptions.AuthenticationFailed):
        response.data = {"detail": str(exc.detail), "code": "not_authenticated"}
    return response

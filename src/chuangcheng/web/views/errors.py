"""Django's error handlers (400, 403, 404, 500): JSON under /api/, a Chinese page elsewhere.

With DEBUG off (production and the demo) these are all a visitor ever sees of an error: no
traceback, no settings, no SQL."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from chuangcheng.web.access import error_page

MESSAGES = {
    400: ("请求有误，请检查输入后重试。", "bad_request"),
    403: ("您无权进行此操作。", "forbidden"),
    404: ("不存在或无权查看。", "not_found"),
    500: ("服务器内部错误，请稍后再试；问题已记录。", "server_error"),
}


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, message: str | None = None, code: str | None = None) -> JsonResponse:
    default_message, default_code = MESSAGES.get(status, ("出错了", "error"))
    return JsonResponse(
        {"detail": message or default_message, "code": code or default_code},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _handler(status: int) -> Any:
    def handler(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
        if is_api(request):
            return api_error(status)
        return error_page(
            request, status, MESSAGES[status][0], mobile=request.path.startswith("/m/")
        )

    handler.__name__ = f"handler{status}"
    return handler


bad_request = _handler(400)
permission_denied = _handler(403)
page_not_found = _handler(404)


def server_error(request: HttpRequest) -> HttpResponse:
    """No template context (no database, no session): the failure may be any of them."""
    if is_api(request):
        return api_error(500)
    html = loader.get_template("web/error_500.html").render({"message": MESSAGES[500][0]})
    return HttpResponse(html, status=500)

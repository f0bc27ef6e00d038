"""Input that no part of the application may ever see.

A NUL byte in a parameter reaches PostgreSQL as "A string literal cannot contain NUL" — a 500.
It has no use in any field, so every request carrying one (in the path, a query or form
parameter, a JSON body) is refused here with a 400 and a Chinese message: JSON under /api/,
the error page elsewhere."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict

NUL_MESSAGE = "输入有误：参数中含有不允许的控制字符（NUL）。"


def _has_nul(params: QueryDict) -> bool:
    return any("\x00" in k or any("\x00" in v for v in vs) for k, vs in params.lists())


def carries_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path or _has_nul(request.GET):
        return True
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return _has_nul(request.POST)
    if content_type.endswith("json"):
        body = request.body
        return b"\x00" in body or b"\\u0000" in body.lower()
    return False


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE") and carries_nul(
            request
        ):
            from chuangcheng.web.views.errors import api_error, is_api

            if is_api(request):
                return api_error(400, NUL_MESSAGE, "invalid")
            from chuangcheng.web.access import error_page

            return error_page(request, 400, NUL_MESSAGE, mobile=request.path.startswith("/m/"))
        return self.get_response(request)

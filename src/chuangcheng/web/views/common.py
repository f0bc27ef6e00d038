"""Small helpers shared by the page views."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

PAGE_SIZE = 50


def paginate(request: HttpRequest, qs: Any, size: int = PAGE_SIZE) -> Page:
    return Paginator(qs, size).get_page(request.GET.get("page") or 1)


def query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def uploaded(request: HttpRequest) -> list[tuple[Any, str]]:
    """Uploaded files as (file, label) pairs: inputs named before / after / attachments."""
    out: list[tuple[Any, str]] = []
    for key, label in (
        ("before", "before"),
        ("after", "after"),
        ("attachments", "other"),
        ("photo", "other"),
    ):
        out += [(f, label) for f in request.FILES.getlist(key)]
    return out


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"

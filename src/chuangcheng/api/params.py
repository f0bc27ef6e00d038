"""Small helpers every API module shares: who is asking, the role check the pages make, and
query/body values read with a clear Chinese message instead of a 500."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from django.http import QueryDict
from rest_framework.request import Request

from chuangcheng.core.errors import PermissionDenied, ValidationFailed
from chuangcheng.org.access import Actor, actor_for

# a page past this is an attacker's or a typo: far beyond any real list, far below bigint
MAX_PAGE = 100_000


def request_actor(request: Request) -> Actor:
    return actor_for(request.user)


def require_roles(actor: Actor, roles: Iterable[str], message: str) -> None:
    """The same role check the matching page makes (web.access.may); 403 otherwise."""
    if not (actor.roles & frozenset(roles)) and not actor.is_superuser:
        raise PermissionDenied(message)


def int_param(params: QueryDict, name: str, default: int | None, label: str) -> int | None:
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


def float_param(params: QueryDict, name: str, label: str) -> float | None:
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


def plain(data: Any) -> dict[str, Any]:
    """Request data as a dict of plain values (lists kept for multi-valued form fields)."""
    if isinstance(data, QueryDict):
        return {k: (v if len(v) > 1 or k in ("co_units",) else v[0]) for k, v in data.lists()}
    return dict(data) if isinstance(data, dict) else {}


def files(request: Request) -> list[tuple[Any, str]]:
    out: list[tuple[Any, str]] = []
    for key in ("attachments", "before", "after"):
        out += [(f, "other" if key == "attachments" else key) for f in request.FILES.getlist(key)]
    return out

"""Template context: the person's roles and the navigation they get."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from chuangcheng.org.access import actor_for
from chuangcheng.org.roles import ROLE_LABELS


def navigation(request: HttpRequest) -> dict[str, Any]:
    actor = actor_for(getattr(request, "user", None))
    return {
        "actor": actor,
        "role_labels": [ROLE_LABELS.get(r, r) for r in sorted(actor.roles)],
    }

"""{% my_points %}: the points block of a volunteer's own page (volunteer/m/_my_points.html)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("volunteer/m/_my_points.html", takes_context=True)
def my_points(context: Any) -> dict[str, Any]:
    from chuangcheng.volunteer.views.shop import my_points_context

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"account": None}
    ctx = my_points_context(user)
    ctx["entries"] = ctx["entries"][:5]
    return ctx

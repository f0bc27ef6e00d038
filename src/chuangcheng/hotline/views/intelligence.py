"""智能辅助 on the pages: 派单建议 and 疑似重复工单 on an order, 可能重复的在办工单 while an
operator types, and the 热点问题 · 未诉先办 page.

Everything here reads through intelligence.selectors / intelligence.services and
hotline.selectors; a merge is posted to the ordinary action view (cases.case_action)."""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from chuangcheng.cases.models import Case
from chuangcheng.hotline import selectors as hotline_selectors
from chuangcheng.hotline.roles import HOT_ISSUE_ROLES, INTAKE_REPEAT_ROLES, SUGGESTION_ROLES
from chuangcheng.hotline.workflow import KIND
from chuangcheng.intelligence import selectors as intel_selectors
from chuangcheng.intelligence import services as intel_services
from chuangcheng.org.access import Actor
from chuangcheng.web.access import page
from chuangcheng.web.forms import ActionForm

# Orders still being sorted out at the centre: where suggestions and repeats help.
SUGGEST_STATES = frozenset({"received", "reviewed"})


def _pct(confidence: float) -> int:
    return round(100 * confidence)


def _with_pct(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "pct": _pct(r["confidence"])} for r in rows]


def _repeat_rows(repeats: list[intel_selectors.Repeat]) -> list[dict[str, Any]]:
    return [
        {
            "case": r.case,
            "pct": _pct(r.score),
            "reasons": r.reasons,
            "reporter_count": r.reporter_count,
        }
        for r in repeats
    ]


def detail_extras(actor: Actor, case: Case, forms: list[ActionForm]) -> dict[str, Any]:
    """The 智能辅助 panels of an order's page, for dispatchers (who act on them) and supervisors
    (read-only), while the order is 已受理 / 待派单. A confident model suggestion pre-fills
    the review form's category (when the order has none yet) and the dispatch form's lead
    unit; the 派单目录's unit stays the fallback and is shown beside it."""
    if case.kind != KIND or case.status not in SUGGEST_STATES:
        return {"intel": None}
    if not (actor.roles & SUGGESTION_ROLES or actor.is_superuser):
        return {"intel": None}
    suggestions = intel_services.suggest(case.title, case.content)
    categories = _with_pct(suggestions["categories"])
    units = _with_pct(suggestions["units"])
    confident = suggestions["confident"]
    by_action = {af.name: af for af in forms}
    catalogue_unit = hotline_selectors.suggest_unit(case) if "dispatch" in by_action else None

    review = by_action.get("review")
    if review is not None and review.form is not None and not review.form.is_bound and categories:
        top = categories[0]
        field = review.form.fields["category"]
        if "categories" in confident and not case.category_id:
            review.form.initial["category"] = confident["categories"]
            field.help_text = f"已按模型建议预选：{top['label']}（模型建议 {top['pct']}%）"
        else:
            field.help_text = f"模型建议 {top['pct']}%：{top['value']} {top['label']}"

    dispatch = by_action.get("dispatch")
    if dispatch is not None and dispatch.form is not None and not dispatch.form.is_bound:
        field = dispatch.form.fields["lead_unit"]
        parts = []
        if "units" in confident and units:
            dispatch.form.initial["lead_unit"] = int(confident["units"])
            parts.append(f"已按模型建议预选：{units[0]['label']}（模型建议 {units[0]['pct']}%）")
        elif units:
            parts.append(f"模型建议 {units[0]['pct']}%：{units[0]['label']}")
        if catalogue_unit is not None:
            prefix = "派单目录" if parts else "已按派单目录预选"
            parts.append(f"{prefix}：{catalogue_unit.name}")
        if parts:
            field.help_text = "；".join(parts)

    repeats = intel_selectors.likely_repeats(case, actor)
    return {
        "intel": {
            "has_model": bool(categories or units),
            "categories": categories,
            "units": units,
            "confident": confident,
            "catalogue_unit": catalogue_unit,
            "repeats": _repeat_rows(repeats),
            "can_merge": "merge" in by_action,
        }
    }


def _float_or_none(value: str | None) -> float | None:
    try:
        number = float(value) if value else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


@page(*INTAKE_REPEAT_ROLES)
def intake_repeats(request: HttpRequest) -> HttpResponse:
    """htmx partial: open orders that look like the appeal being typed in."""
    actor = request.actor  # type: ignore[attr-defined]
    g = request.GET
    title, content = (g.get("title") or "").strip(), (g.get("content") or "").strip()
    address = (g.get("address") or "").strip()
    lat, lng = _float_or_none(g.get("lat")), _float_or_none(g.get("lng"))
    typed = len(title) + len(content) >= 4
    repeats = []
    if typed:
        repeats = intel_selectors.intake_repeats(
            actor,
            title=title,
            content=content,
            address=address,
            lat=lat,
            lng=lng,
        )
    return render(
        request,
        "intelligence/intake_repeats.html",
        {
            "typed": typed,
            "located": bool(address or (lat is not None and lng is not None)),
            "repeats": _repeat_rows(repeats),
        },
    )


@page(*HOT_ISSUE_ROLES)
def hot_issues(request: HttpRequest) -> HttpResponse:
    """热点问题 · 未诉先办: street × category pairs rising above their normal level this week,
    and the open orders that the most people reported."""
    actor = request.actor  # type: ignore[attr-defined]
    issues = intel_selectors.rising_issues(actor)
    list_url = reverse("hotline:case_list")
    for item in issues:
        query = {
            "street": item["street_id"],
            "category": item["category_id"],
            "since": item["since"].isoformat(),
        }
        item["cases_url"] = f"{list_url}?{urlencode(query)}"
    return render(
        request,
        "intelligence/hot.html",
        {
            "issues": issues,
            "clusters": hotline_selectors.most_reported_open(actor),
        },
    )

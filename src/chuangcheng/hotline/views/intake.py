"""受理 (intake operator): record a call as an order; caller history while typing the phone."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from chuangcheng.cases.selectors import case_get_visible
from chuangcheng.core.errors import DomainError, NotFound
from chuangcheng.core.privacy import normalise_phone
from chuangcheng.hotline import selectors as hotline_selectors
from chuangcheng.hotline.roles import CALLER_HISTORY_ROLES, OPERATOR
from chuangcheng.hotline.services import hotline_intake
from chuangcheng.org.models import Region
from chuangcheng.org.selectors import regions_tree
from chuangcheng.web.access import page
from chuangcheng.web.forms import attach_errors, intake_form
from chuangcheng.web.views.common import uploaded


def map_landmarks() -> list[dict[str, object]]:
    """Street centres, drawn on the map so an operator can orient without map tiles."""
    return [
        {"name": r.name, "lat": r.lat, "lng": r.lng}
        for r in regions_tree()
        if r.level == Region.Level.STREET and r.lat is not None and r.lng is not None
    ]


@page(OPERATOR)
def intake(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    created = None
    error = None
    extra_errors: dict[str, list[str]] = {}
    status = 200
    answer_enabled = request.POST.get("answer_now") == "on"
    answer = str(request.POST.get("answer") or "")
    if request.method == "POST":
        form = intake_form(request.POST)
        try:
            if answer_enabled and len(answer.strip()) < 2:
                raise_answer_missing()
            case, _ = hotline_intake(
                actor=actor,
                data=request.POST,
                files=uploaded(request),
                source="hotline",
                answer_now=answer.strip() if answer_enabled else None,
            )
        except DomainError as exc:
            error, status = exc, exc.status_code
            extra_errors = attach_errors(form, exc)
        else:
            return redirect(f"{reverse('hotline:intake')}?done={case.pk}")
    else:
        form = intake_form()
        if request.GET.get("done", "").isdigit():
            try:
                created = case_get_visible(actor, int(request.GET["done"]))
            except NotFound:
                created = None
    return render(
        request,
        "hotline/intake.html",
        {
            "form": form,
            "created": created,
            "error": error,
            "extra_errors": extra_errors,
            "answer_enabled": answer_enabled,
            "answer": answer,
            "landmarks": map_landmarks(),
        },
        status=status,
    )


def raise_answer_missing() -> None:
    from chuangcheng.core.errors import ValidationFailed

    raise ValidationFailed("请填写直接办结的答复内容。", fields={"answer": ["请填写答复内容"]})


@page(*CALLER_HISTORY_ROLES)
def caller_history(request: HttpRequest) -> HttpResponse:
    """htmx partial: the caller's earlier orders (shown while the phone is typed)."""
    actor = request.actor  # type: ignore[attr-defined]
    phone = normalise_phone(request.GET.get("citizen_phone") or request.GET.get("phone") or "")
    cases = list(hotline_selectors.caller_history(actor, phone)) if len(phone) >= 7 else []
    return render(request, "hotline/partials/caller_history.html", {"cases": cases, "phone": phone})

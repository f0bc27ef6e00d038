"""Writes of the 12345 loop: intake (接单). Every other step is a workflow action."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from chuangcheng.cases.models import Case
from chuangcheng.cases.services import case_open, case_transition
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.hotline.forms import IntakeForm
from chuangcheng.hotline.workflow import KIND
from chuangcheng.org.access import Actor
from chuangcheng.org.roles import CITIZEN, OPERATOR
from chuangcheng.org.selectors import resolve_region


def hotline_intake(
    *, actor: Actor, data: dict[str, Any], files: Sequence[tuple[Any, str]] = (),
    source: str = "", answer_now: str | None = None,
) -> tuple[Case, bool]:
    """接单: validate an appeal and open an order. `answer_now` (a 咨询 answered on the spot)
    closes it at once with that answer (直接办结). Returns (case, created)."""
    if not (actor.roles & {OPERATOR, CITIZEN}) and not actor.is_superuser:
        from chuangcheng.core.errors import PermissionDenied

        raise PermissionDenied("只有受理员或居民本人可以提交诉求。")
    form = IntakeForm(data=data)
    if not form.is_valid():
        errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(f"输入有误：{first}", fields=errors)
    d = form.cleaned_data
    citizen = actor.roles == frozenset({CITIZEN})
    fields = {
        "source": source or ("citizen" if citizen else "hotline"),
        "channel": d["channel"], "appeal_type": d["appeal_type"], "urgency": d["urgency"],
        "title": d["title"], "content": d["content"], "category": d["category"],
        "address": d["address"], "lat": d["lat"], "lng": d["lng"],
        "external_source": (source or "api") if d["external_id"] else "",
        "external_id": d["external_id"],
        "citizen_user_id": actor.user_id if citizen else None,
    }
    contact = {
        "name": "" if d["anonymous"] else d["citizen_name"],
        "phone": d["citizen_phone"],
        "confidential": bool(d["confidential"] or d["anonymous"]),
    }
    region = resolve_region(d["lat"], d["lng"], d["address"])
    if answer_now is None:
        return case_open(kind=KIND, actor=actor, fields=fields, contact=contact, region=region,
                         files=files)
    if d["appeal_type"] != "consult":
        raise ValidationFailed("只有咨询类诉求可以直接办结。", fields={"appeal_type": ["直接办结仅限咨询"]})
    with transaction.atomic():
        case, created = case_open(kind=KIND, actor=actor, fields=fields, contact=contact,
                                  region=region, files=files)
        if created:
            case = case_transition(case_id=case.pk, action="answer_directly", actor=actor,
                                   data={"note": answer_now})
    return case, created

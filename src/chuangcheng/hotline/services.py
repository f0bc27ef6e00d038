"""Writes of the 12345 loop: intake (接单). Every other step is a workflow action."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from chuangcheng.cases.models import Case
from chuangcheng.cases.services import NewCase, case_open, case_open_many, case_transition
from chuangcheng.core.errors import DomainError, PermissionDenied, ValidationFailed
from chuangcheng.core.forms import bind_form
from chuangcheng.hotline.forms import IntakeForm
from chuangcheng.hotline.roles import BATCH_INTAKE_ROLES, CITIZEN, INTAKE_ROLES
from chuangcheng.hotline.workflow import KIND
from chuangcheng.org.access import Actor
from chuangcheng.org.selectors import resolve_region

BATCH_MAX = 500  # orders per batch request (hotline_intake_many)


def _check_may_intake(actor: Actor) -> None:
    if not (actor.roles & INTAKE_ROLES) and not actor.is_superuser:
        raise PermissionDenied("只有受理员或居民本人可以提交诉求。")


def _prepare(actor: Actor, data: dict[str, Any], source: str) -> tuple[NewCase, dict[str, Any]]:
    """One appeal validated and turned into the case to open (fields, contact, region, the
    order's own row): the
    rules shared by single and batch intake. Raises ValidationFailed with Chinese messages.
    Also returns the cleaned data."""
    form = bind_form(IntakeForm, data)  # refuses a list where one value belongs
    if not form.is_valid():
        errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(f"输入有误：{first}", fields=errors)
    d = form.cleaned_data
    citizen = actor.roles == frozenset({CITIZEN})
    fields = {
        "source": source or ("citizen" if citizen else "hotline"),
        "channel": d["channel"],
        "title": d["title"],
        "content": d["content"],
        "category": d["category"],
        "address": d["address"],
        "lat": d["lat"],
        "lng": d["lng"],
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
    detail = {"appeal_type": d["appeal_type"], "urgency": d["urgency"]}  # the order's own row
    return NewCase(fields=fields, contact=contact, region=region, detail=detail), d


def hotline_intake(
    *,
    actor: Actor,
    data: dict[str, Any],
    files: Sequence[tuple[Any, str]] = (),
    source: str = "",
    answer_now: str | None = None,
) -> tuple[Case, bool]:
    """接单: validate an appeal and open an order. `answer_now` (a 咨询 answered on the spot)
    closes it at once with that answer (直接办结). Returns (case, created)."""
    _check_may_intake(actor)
    spec, d = _prepare(actor, data, source)
    if answer_now is None:
        return case_open(
            kind=KIND,
            actor=actor,
            fields=spec.fields,
            contact=spec.contact,
            region=spec.region,
            files=files,
            detail=spec.detail,
        )
    if d["appeal_type"] != "consult":
        raise ValidationFailed(
            "只有咨询类诉求可以直接办结。", fields={"appeal_type": ["直接办结仅限咨询"]}
        )
    with transaction.atomic():
        case, created = case_open(
            kind=KIND,
            actor=actor,
            fields=spec.fields,
            contact=spec.contact,
            region=spec.region,
            files=files,
            detail=spec.detail,
        )
        if created:
            case = case_transition(
                case_id=case.pk, action="answer_directly", actor=actor, data={"note": answer_now}
            )
    return case, created


def hotline_intake_many(
    *,
    actor: Actor,
    items: Sequence[Any],
    source: str = "",
) -> list[tuple[Case, bool] | DomainError]:
    """批量接单 for integrations (the upper-level 12345 platform, a call-centre system): each
    item is validated exactly as in `hotline_intake`; the valid ones are opened together
    (`case_open_many`: one transaction, one number upsert). Returns, per item and in order,
    (case, created) or the item's error; an invalid item does not stop the others. The whole
    request is refused (PermissionDenied / ValidationFailed) only for who may not use it and
    for more than BATCH_MAX items."""
    _check_may_intake(actor)
    if not (actor.roles & BATCH_INTAKE_ROLES) and not actor.is_superuser:
        raise PermissionDenied("批量受理仅限受理员（对接平台）账号使用。")
    if len(items) > BATCH_MAX:
        raise ValidationFailed(
            f"一次最多提交 {BATCH_MAX} 条工单，本次 {len(items)} 条，请分批提交。",
            fields={"cases": [f"最多 {BATCH_MAX} 条"]},
        )
    out: list[tuple[Case, bool] | DomainError | None] = [None] * len(items)
    specs: list[NewCase] = []
    where: list[int] = []
    for i, data in enumerate(items):
        if not isinstance(data, dict):
            out[i] = ValidationFailed(
                "输入有误：每条工单必须是一个 JSON 对象。",
                fields={"non_field_errors": ["必须是 JSON 对象"]},
            )
            continue
        try:
            spec, _cleaned = _prepare(actor, data, source)
        except DomainError as exc:
            out[i] = exc
            continue
        specs.append(spec)
        where.append(i)
    for i, result in zip(where, case_open_many(kind=KIND, actor=actor, items=specs), strict=True):
        out[i] = result
    return [r for r in out if r is not None]

"""Writes of the case engine. `case_transition` is the only function that changes a case's
status; `case_open` is the only one that creates a case. Both append a hash-chained event."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from chuangcheng.cases import clocks
from chuangcheng.cases.models import Attachment, Case, CaseContact, CaseEvent, ContactReveal
from chuangcheng.cases.selectors import case_get_visible, cases_visible_to
from chuangcheng.cases.tasks import MESSAGES as NOTIFY_ACTIONS
from chuangcheng.cases.tasks import notify_event
from chuangcheng.cases.workflow import LEAD, LEAD_OR_CO, OWNER, Action, Step, workflow_for
from chuangcheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from chuangcheng.core.hashing import GENESIS, chain_hash
from chuangcheng.core.numbering import next_number
from chuangcheng.core.uploads import check_upload
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Region
from chuangcheng.org.roles import CONTACT_ROLES


def _append_event(
    case: Case, *, action: str, from_status: str, to_status: str, actor: Actor,
    unit_id: int | None, note: str, data: dict[str, Any], now: dt.datetime,
) -> CaseEvent:
    prev = case.last_hash or GENESIS
    event = CaseEvent(
        case=case, seq=case.event_count + 1, action=action, from_status=from_status,
        to_status=to_status, actor_id=actor.user_id, actor_name=actor.username, unit_id=unit_id,
        note=note, data=data, created_at=now, prev_hash=prev,
    )
    event.hash = chain_hash(prev, event.hash_payload())
    event.save(force_insert=True)
    case.last_hash = event.hash
    case.event_count = event.seq
    return event


def _save_files(case: Case, event: CaseEvent, files: Sequence[tuple[Any, str]], now: dt.datetime) -> None:
    for upload, label in files:
        checked = check_upload(upload, name=getattr(upload, "name", ""))
        att = Attachment(
            case=case, event=event, token=secrets.token_hex(16),
            name=(getattr(upload, "name", "") or "file")[:120], content_type=checked.content_type,
            size=checked.size, label=label, uploaded_at=now,
        )
        att.file.save(getattr(upload, "name", "file"), upload, save=False)
        att.save(force_insert=True)


def validate_files(files: Sequence[tuple[Any, str]]) -> None:
    for upload, _label in files:
        check_upload(upload, name=getattr(upload, "name", ""))


_NOT_TEXT = re.compile(r"[\s\W_]+", re.UNICODE)


def match_text_for(title: str, content: str) -> str:
    """Title and the start of the content without spaces or punctuation, for repeat lookups."""
    return _NOT_TEXT.sub("", f"{title}{content}")[:160]


def region_chain(region: Region | None) -> tuple[Region | None, str]:
    """The street above a region, and the region's path (for data scope)."""
    if region is None:
        return None, ""
    return region.ancestor_at(Region.Level.STREET), region.path


def case_open(
    *, kind: str, actor: Actor, fields: dict[str, Any], contact: dict[str, Any] | None = None,
    region: Region | None = None, note: str = "", files: Sequence[tuple[Any, str]] = (),
    number_series: str | None = None, now: dt.datetime | None = None,
) -> tuple[Case, bool]:
    """Create a case in its workflow's initial state. Returns (case, created): the same
    external_id from the same source returns the existing case instead of a second one."""
    workflow = workflow_for(kind)
    now = now or timezone.now()
    ext_source, ext_id = fields.get("external_source", ""), fields.get("external_id", "")
    if ext_id:
        existing = Case.objects.filter(external_source=ext_source, external_id=ext_id).first()
        if existing is not None:
            return existing, False
    validate_files(files)
    number = next_number(number_series or kind, now)
    street, path = region_chain(region)
    try:
        with transaction.atomic():
            case = Case(
                kind=kind, status=workflow.initial, number=number, region=region,
                street=street, region_path=path, created_by_id=actor.user_id,
                created_at=now, updated_at=now,
                match_text=match_text_for(fields.get("title", ""), fields.get("content", "")),
                **fields,
            )
            case.save(force_insert=True)
            if contact is not None:
                CaseContact.objects.create(case=case, **contact)
            event = _append_event(
                case, action="open", from_status="", to_status=workflow.initial, actor=actor,
                unit_id=None, note=note, data={}, now=now,
            )
            _save_files(case, event, files, now)
            Case.objects.filter(pk=case.pk).update(last_hash=case.last_hash, event_count=1)
    except IntegrityError:
        if ext_id:  # lost a race with the same external_id: return the winner's case
            existing = Case.objects.filter(external_source=ext_source, external_id=ext_id).first()
            if existing is not None:
                return existing, False
        raise
    return case, True


def _unit_for(action: Action, case: Case, actor: Actor) -> int | None:
    """The unit the actor acts for, or raise PermissionDenied when they may not act here."""
    if action.unit is None:
        units = [u for r in action.roles for u in actor.units_by_role.get(r, ())]
        return units[0] if units else None
    if action.unit == OWNER:
        if case.citizen_user_id is None or case.citizen_user_id != actor.user_id:
            raise PermissionDenied("只有提交该诉求的本人可以进行此操作。")
        return None
    allowed = {case.lead_unit_id} if action.unit == LEAD else (
        {case.lead_unit_id} | set(case.assignments.filter(active=True).values_list("unit_id", flat=True))
    )
    for role in action.roles:
        mine = actor.units_by_role.get(role, frozenset()) & allowed
        if mine:
            return next(iter(mine))
    raise PermissionDenied("只有主办单位的承办人可以进行此操作。" if action.unit == LEAD
                           else "只有承办单位的人员可以进行此操作。")


def check_action(action: Action, case: Case, actor: Actor, now: dt.datetime) -> int | None:
    """403 when the person may never do this, 409 when not now. Returns the acting unit."""
    if not (actor.roles & action.roles):
        raise PermissionDenied(f"您的角色不能执行「{action.label}」。")
    workflow = workflow_for(case.kind)
    if case.status not in action.sources:
        raise Conflict(
            f"工单当前状态为「{workflow.state_label(case.status)}」，不能执行「{action.label}」。"
        )
    unit_id = _unit_for(action, case, actor)
    if action.guard is not None:
        reason = action.guard(case, actor, now)
        if reason:
            raise Conflict(reason)
    return unit_id


def allowed_actions(case: Case, actor: Actor, now: dt.datetime | None = None) -> list[Action]:
    now = now or timezone.now()
    result = []
    for action in workflow_for(case.kind).actions:
        try:
            check_action(action, case, actor, now)
        except (PermissionDenied, Conflict):
            continue
        result.append(action)
    return result


def _validate(action: Action, data: dict[str, Any]) -> dict[str, Any]:
    if action.form is None:
        return {}
    form = action.form(data=data)
    if not form.is_valid():
        errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
        first = next(iter(errors.values()))[0] if errors else "输入有误"
        raise ValidationFailed(f"输入有误：{first}", fields=errors)
    return dict(form.cleaned_data)


def case_transition(
    *, case_id: int, action: str, actor: Actor, data: dict[str, Any] | None = None,
    attachments: Sequence[tuple[Any, str]] = (), now: dt.datetime | None = None,
) -> Case:
    """Apply one workflow action to one case, atomically: lock, check, apply, stamp clocks,
    append the event, commit; side effects run after commit."""
    data = data or {}
    now = now or timezone.now()
    # Visibility first, without a lock: 404 for missing and not-yours alike.
    case = case_get_visible(actor, case_id)
    workflow = workflow_for(case.kind)
    step_def = workflow.action(action)
    if step_def is None:
        raise NotFound(f"没有名为「{action}」的操作。")
    # Cheap pre-checks outside the lock give clear 403s without waiting for the row.
    if not (actor.roles & step_def.roles):
        raise PermissionDenied(f"您的角色不能执行「{step_def.label}」。")
    cleaned = _validate(step_def, data)
    if attachments:
        if not step_def.accepts_files:
            raise ValidationFailed(f"「{step_def.label}」不能上传附件。")
        validate_files(attachments)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        unit_id = check_action(step_def, case, actor, now)
        from_status = case.status
        step = Step(
            case=case, actor=actor, data=cleaned, now=now,
            target=step_def.target or case.status, unit_id=unit_id,
            note=str(cleaned.get("note") or cleaned.get("reason") or cleaned.get("comment") or ""),
            start_clocks=list(step_def.starts), stop_clocks=list(step_def.stops),
        )
        step.files = list(attachments)
        if step_def.apply is not None:
            step_def.apply(step)
        for name in step.stop_clocks:
            if getattr(case, f"{name}_at") is None:
                setattr(case, f"{name}_at", now)
        for name in step.start_clocks:
            setattr(case, f"{name}_due", clocks.deadline(workflow, case, name, now))
            setattr(case, f"{name}_at", None)
        case.status = step.target
        if step.target in workflow.final and case.closed_at is None:
            case.closed_at = now
        case.updated_at = now
        event = _append_event(
            case, action=action, from_status=from_status, to_status=step.target, actor=actor,
            unit_id=unit_id, note=step.note, data=step.event_data, now=now,
        )
        case.save()
        _save_files(case, event, step.files, now)
        if action in NOTIFY_ACTIONS:
            event_id = event.pk
            transaction.on_commit(lambda: notify_event.enqueue(event_id))
        for callback in step.on_commit:
            transaction.on_commit(callback)
    return case


def contact_reveal(*, actor: Actor, case_id: int, reason: str = "") -> CaseContact:
    """Show a caller's full contact details to a role that needs them, and record that it did."""
    if not (actor.roles & CONTACT_ROLES):
        raise PermissionDenied("您的角色无权查看诉求人完整号码。")
    case = case_get_visible(actor, case_id)
    contact = CaseContact.objects.filter(case=case).first()
    if contact is None:
        raise NotFound("该工单没有诉求人信息。")
    if actor.user_id is None:
        raise PermissionDenied("请先登录。")
    ContactReveal.objects.create(case=case, user_id=actor.user_id, reason=reason[:200], at=timezone.now())
    return contact


__all__ = [
    "allowed_actions", "case_open", "case_transition", "cases_visible_to", "contact_reveal",
]

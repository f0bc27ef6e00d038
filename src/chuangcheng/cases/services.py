"""Writes of the case engine. `case_transition` is the only function that changes a case's
status; `case_open` is the only one that creates a case. Both append a hash-chained event."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from chuangcheng.cases import clocks, handover
from chuangcheng.cases.history import changes_since, opening_changes, raw_state, recorded_state
from chuangcheng.cases.models import (
    Assignment,
    Attachment,
    Case,
    CaseClock,
    CaseContact,
    CaseEvent,
    CaseRequest,
    ContactReveal,
    Notification,
    RepeatKey,
)
from chuangcheng.cases.selectors import (
    case_get_visible,
    cases_visible_to,
    notification_get,
    notifications_for,
)
from chuangcheng.cases.store import DATABASE, CaseStore
from chuangcheng.cases.tasks import notify_event
from chuangcheng.cases.workflow import (
    ASSIGNEE,
    CO,
    CREATOR,
    CREATOR_OR_ASSIGNEE,
    LEAD,
    LEAD_OR_CO,
    NOT_HANDLER,
    OWNER,
    Action,
    Step,
    Workflow,
    narrow_form,
    registered,
    workflow_for,
)
from chuangcheng.core import asof
from chuangcheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from chuangcheng.core.forms import bind_form
from chuangcheng.core.hashing import GENESIS, chain_hash
from chuangcheng.core.minhash import band_keys
from chuangcheng.core.numbering import allocate_numbers, allocate_numbers_with_ids
from chuangcheng.core.uploads import check_upload
from chuangcheng.org.access import SYSTEM, Actor
from chuangcheng.org.models import Region
from chuangcheng.org.roles import REVEAL_PHONE, role_group


def _new_event(
    case: Case,
    *,
    action: str,
    from_status: str,
    to_status: str,
    actor: Actor,
    unit_id: int | None,
    note: str,
    data: dict[str, Any],
    now: dt.datetime,
    changes: dict[str, Any],
) -> CaseEvent:
    """The next event of the case's chain (hashed; not saved). Moves the case's chain head."""
    prev = case.last_hash or GENESIS
    event = CaseEvent(
        case=case,
        seq=case.event_count + 1,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor.user_id,
        actor_name=actor.username,
        unit_id=unit_id,
        note=note,
        data=data,
        changes=changes,
        created_at=now,
        prev_hash=prev,
    )
    event.hash = chain_hash(prev, event.hash_payload())
    case.last_hash = event.hash
    case.event_count = event.seq
    return event


def save_files(
    case: Case, event: CaseEvent, files: Sequence[tuple[Any, str]], now: dt.datetime
) -> None:
    for upload, label in files:
        checked = check_upload(upload, name=getattr(upload, "name", ""))
        att = Attachment(
            case=case,
            event=event,
            token=secrets.token_hex(16),
            name=(getattr(upload, "name", "") or "file")[:120],
            content_type=checked.content_type,
            size=checked.size,
            label=label,
            uploaded_at=now,
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


def repeat_scope(kind: str, street_id: int | None) -> str:
    """Repeats are looked for among open cases of the same loop in the same street."""
    return f"{kind}:{street_id or 0}"


def repeat_keys_for(case: Case) -> list[RepeatKey]:
    keys = band_keys(case.match_text, repeat_scope(case.kind, case.street_id))
    return [RepeatKey(key=k, case_id=case.pk) for k in set(keys)]


def repeat_keys_rebuild(*, kind: str | None = None) -> int:
    """Rewrite the keys of every open case (after a bulk load or a change of the algorithm)."""
    finals = {w.kind: w.final for w in registered()}
    qs = Case.objects.all() if kind is None else Case.objects.filter(kind=kind)
    written = 0
    with transaction.atomic():
        RepeatKey.objects.filter(case__in=qs).delete()
        batch: list[RepeatKey] = []
        for case in qs.only("pk", "kind", "status", "street_id", "match_text").iterator(2000):
            if case.status in finals.get(case.kind, ()):
                continue
            batch += repeat_keys_for(case)
            if len(batch) >= 20000:
                RepeatKey.objects.bulk_create(batch)
                written, batch = written + len(batch), []
        RepeatKey.objects.bulk_create(batch)
    return written + len(batch)


def region_chain(region: Region | None) -> tuple[Region | None, str]:
    """The street above a region, and the region's path (for data scope)."""
    if region is None:
        return None, ""
    return region.ancestor_at(Region.Level.STREET), region.path


@dataclass(frozen=True)
class NewCase:
    """One case to open: the Case fields (incl. external_source/external_id), the caller's
    contact row, where it is, the note of the open event, and the values of the loop's own
    row (`Workflow.detail`, created with the case when the workflow declares one)."""

    fields: dict[str, Any]
    contact: dict[str, Any] | None = None
    region: Region | None = None
    note: str = ""
    detail: dict[str, Any] | None = None


@dataclass
class _Built:
    case: Case
    contact: CaseContact | None
    event: CaseEvent
    keys: list[RepeatKey]
    clocks: list[CaseClock]
    detail: Any = None  # the loop's own row (Workflow.detail)


def _new_detail(workflow: Workflow, case: Case, values: dict[str, Any] | None) -> Any:
    """The loop's own row of a new case (not saved), or None when the workflow has none."""
    if workflow.detail is None:
        if values:
            raise ValueError(f"{workflow.kind}: detail values given but no Workflow.detail")
        return None
    detail = workflow.detail(case=case, **(values or {}))
    accessor = workflow.detail_accessor
    assert accessor is not None
    case._state.fields_cache[accessor] = detail  # case.<accessor> without a query
    return detail


def _open_clocks(case: Case, now: dt.datetime) -> list[CaseClock]:
    """The clocks the workflow starts at open (`Workflow.open_starts`), set on the new case
    (its `next_due`, the loop's own copy) before the open event records it."""
    workflow = workflow_for(case.kind)
    if not workflow.open_starts:
        return []
    own = clocks.CaseClocks(workflow, case, new=True)
    for name in workflow.open_starts:
        own.start(name, now)
    case.next_due = own.next_due(case.status)
    if workflow.on_clocks is not None:
        workflow.on_clocks(case, own.rows)
    return list(own.rows.values())


def _build(
    spec: NewCase,
    *,
    kind: str,
    initial: str,
    actor: Actor,
    number: str,
    case_id: int,
    now: dt.datetime,
) -> _Built:
    """The rows of one new case, its id known up front (drawn with its number), so the open
    event's hash (which covers the case id) is computed before anything is written and the
    case is inserted with its chain head already set (no UPDATE afterwards)."""
    fields = spec.fields
    workflow = workflow_for(kind)
    street, path = region_chain(spec.region)
    case = Case(
        pk=case_id,
        kind=kind,
        status=initial,
        number=workflow.number_prefix + number,
        region=spec.region,
        street=street,
        region_path=path,
        created_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
        match_text=match_text_for(fields.get("title", ""), fields.get("content", "")),
        **fields,
    )
    case.next_due = None  # no clock runs before the first step starts one…
    detail = _new_detail(workflow, case, spec.detail)
    case_clocks = _open_clocks(case, now)  # … unless the workflow starts it at open
    if detail is not None and workflow.on_save is not None:
        workflow.on_save(case, detail)
    event = _new_event(
        case,
        action="open",
        from_status="",
        to_status=initial,
        actor=actor,
        unit_id=None,
        note=spec.note,
        data={},
        now=now,
        changes=opening_changes(case, detail),
    )
    contact = CaseContact(case=case, **spec.contact) if spec.contact is not None else None
    return _Built(case, contact, event, repeat_keys_for(case), case_clocks, detail)


def _values(objs: Sequence[Any]) -> tuple[str, list[Any]]:
    """`INSERT INTO <table> (<columns>) VALUES (...), ...` for model instances of one class,
    values prepared exactly as Model.save() prepares them (the id column only when set)."""
    meta = objs[0]._meta
    pk_set = getattr(objs[0], meta.pk.attname) is not None
    fields = [f for f in meta.concrete_fields if pk_set or f is not meta.pk]
    q = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [f.get_db_prep_save(f.pre_save(o, True), connection) for o in objs for f in fields]
    sql = (
        f"INSERT INTO {q(meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "
        f"VALUES {', '.join([row] * len(objs))}"
    )
    return sql, params


def _insert(built: Sequence[_Built]) -> None:
    """Write new cases with their contact, open event and repeat keys in ONE statement
    (data-modifying CTEs): atomic on its own, so a single intake needs no BEGIN/COMMIT. The
    foreign keys between these rows are checked at the end of the statement/transaction."""
    parts = [
        _values([b.case for b in built]),
        *([_values(contacts)] if (contacts := [b.contact for b in built if b.contact]) else []),
        *([_values(details)] if (details := [b.detail for b in built if b.detail]) else []),
        _values([b.event for b in built]),
        *([_values(keys)] if (keys := [k for b in built for k in b.keys]) else []),
        *([_values(rows)] if (rows := [c for b in built for c in b.clocks]) else []),
    ]
    sql = "WITH " + ", ".join(f"w{i} AS ({part})" for i, (part, _p) in enumerate(parts[:-1]))
    sql += " " + parts[-1][0]
    with connection.cursor() as cur:
        cur.execute(sql, [v for _sql, params in parts for v in params])
    for b in built:
        for obj in (b.case, b.contact, b.detail, b.event, *b.keys, *b.clocks):
            if obj is not None:
                obj._state.adding, obj._state.db = False, connection.alias


def _existing_by_external(keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Case]:
    """Cases already opened for these (external_source, external_id) pairs, in one query."""
    by_source: dict[str, set[str]] = {}
    for source, ext in keys:
        by_source.setdefault(source, set()).add(ext)
    if not by_source:
        return {}
    q = Q()
    for source, exts in by_source.items():
        q |= Q(external_source=source, external_id__in=sorted(exts))
    return {(c.external_source, c.external_id): c for c in Case.objects.filter(q)}


def _lock_externals(keys: Sequence[tuple[str, str]]) -> None:
    """Transaction-scoped advisory locks on external ids, always taken in the same (sorted)
    order, so two batches carrying the same external_id queue instead of both inserting it."""
    if not keys:
        return
    ints = sorted(
        {
            int.from_bytes(
                hashlib.blake2b(f"case-ext:{s}\x00{e}".encode(), digest_size=8).digest(),
                "big",
                signed=True,
            )
            for s, e in keys
        }
    )
    with connection.cursor() as cur:
        cur.execute("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k", [ints])


def _case_open_serialized(
    *,
    kind: str,
    actor: Actor,
    spec: NewCase,
    files: Sequence[tuple[Any, str]],
    number_series: str | None,
    now: dt.datetime,
) -> Case:
    """`case_open` for databases without sequences and data-modifying CTEs (the SQLite demo).
    Its transactions start with BEGIN IMMEDIATE (settings), so writers are serialised and the
    next id can be read inside the transaction."""
    from django.db.models import Max

    with transaction.atomic():
        number = allocate_numbers(number_series or kind, 1, now)[0]
        case_id = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        built = _build(
            spec,
            kind=kind,
            initial=workflow_for(kind).initial,
            actor=actor,
            number=number,
            case_id=case_id,
            now=now,
        )
        built.case.save(force_insert=True)
        if built.contact is not None:
            built.contact.save(force_insert=True)
        if built.detail is not None:
            built.detail.save(force_insert=True)
        built.event.save(force_insert=True)
        save_files(built.case, built.event, files, now)
        RepeatKey.objects.bulk_create(built.keys)
        CaseClock.objects.bulk_create(built.clocks)
    return built.case


def case_open(
    *,
    kind: str,
    actor: Actor,
    fields: dict[str, Any],
    contact: dict[str, Any] | None = None,
    region: Region | None = None,
    note: str = "",
    files: Sequence[tuple[Any, str]] = (),
    number_series: str | None = None,
    now: dt.datetime | None = None,
    detail: dict[str, Any] | None = None,
) -> tuple[Case, bool]:
    """Create a case in its workflow's initial state, with the loop's own row (`detail`: its
    values) in the same statement. Returns (case, created): the same external_id from the
    same source returns the existing case instead of a second one."""
    workflow = workflow_for(kind)
    now = (now or timezone.now()).astimezone(dt.UTC)  # events hash their time as stored
    ext_source, ext_id = fields.get("external_source", ""), fields.get("external_id", "")
    if ext_id:
        existing = Case.objects.filter(external_source=ext_source, external_id=ext_id).first()
        if existing is not None:
            return existing, False
    validate_files(files)
    if connection.vendor != "postgresql":
        return _case_open_serialized(
            kind=kind,
            actor=actor,
            spec=NewCase(fields, contact, region, note, detail),
            files=files,
            number_series=number_series,
            now=now,
        ), True
    # the number and the case id in one autocommitted statement (see core/numbering.py)
    ((number, case_id),) = allocate_numbers_with_ids(
        number_series or kind, 1, Case._meta.db_table, now
    )
    built = _build(
        NewCase(fields, contact, region, note, detail),
        kind=kind,
        initial=workflow.initial,
        actor=actor,
        number=number,
        case_id=case_id,
        now=now,
    )
    case = built.case
    try:
        if files:  # the attachments need the event's id: rows one by one, in a transaction
            with transaction.atomic():
                case.save(force_insert=True)
                if built.contact is not None:
                    built.contact.save(force_insert=True)
                if built.detail is not None:
                    built.detail.save(force_insert=True)
                built.event.save(force_insert=True)
                save_files(case, built.event, files, now)
                RepeatKey.objects.bulk_create(built.keys)
                CaseClock.objects.bulk_create(built.clocks)
        elif connection.in_atomic_block:  # a savepoint, so the caller can go on after a race
            with transaction.atomic():
                _insert([built])
        else:
            _insert([built])
    except IntegrityError:
        if ext_id:  # lost a race with the same external_id: return the winner's case
            existing = Case.objects.filter(external_source=ext_source, external_id=ext_id).first()
            if existing is not None:
                return existing, False
        raise
    return case, True


def case_open_many(
    *,
    kind: str,
    actor: Actor,
    items: Sequence[NewCase],
    number_series: str | None = None,
    now: dt.datetime | None = None,
) -> list[tuple[Case, bool]]:
    """Open many cases at once (batch intake): the same rules as `case_open` for each item,
    with one query for the external ids already known, ONE upsert for all the numbers (and
    ids), and one INSERT per table inside one transaction. Returns (case, created) per item,
    in order: an external_id that already exists, or that occurs earlier in the same batch,
    gives that case with created=False. No attachments (integrations post JSON)."""
    if not items:
        return []
    if connection.vendor != "postgresql":  # the SQLite demo: one by one, one transaction
        with transaction.atomic():
            return [
                case_open(
                    kind=kind,
                    actor=actor,
                    fields=it.fields,
                    contact=it.contact,
                    region=it.region,
                    note=it.note,
                    number_series=number_series,
                    now=now,
                    detail=it.detail,
                )
                for it in items
            ]
    workflow = workflow_for(kind)
    now = (now or timezone.now()).astimezone(dt.UTC)  # events hash their time as stored
    ext_of = [
        (str(it.fields.get("external_source", "")), str(it.fields.get("external_id", "")))
        for it in items
    ]
    ext_keys = sorted({k for k in ext_of if k[1]})
    known = _existing_by_external(ext_keys)
    # the first item of each external_id that is not known yet opens a case
    first_of: dict[tuple[str, str], int] = {}
    new: list[int] = []
    for i, key in enumerate(ext_of):
        if key[1]:
            if key in known or key in first_of:
                continue
            first_of[key] = i
        new.append(i)
    allocated = allocate_numbers_with_ids(number_series or kind, len(new), Case._meta.db_table, now)
    pending = dict(zip(new, allocated, strict=True))
    opened: dict[int, Case] = {}
    for attempt in range(3):
        try:
            with transaction.atomic():
                new_keys = [ext_of[i] for i in pending if ext_of[i][1]]
                if new_keys:
                    _lock_externals(new_keys)
                    # opened by someone else since the first look: theirs (our numbers are gaps)
                    late = _existing_by_external(new_keys)
                    known.update(late)
                    pending = {i: v for i, v in pending.items() if ext_of[i] not in late}
                built = [
                    _build(
                        items[i],
                        kind=kind,
                        initial=workflow.initial,
                        actor=actor,
                        number=number,
                        case_id=case_id,
                        now=now,
                    )
                    for i, (number, case_id) in pending.items()
                ]
                if built:
                    _insert(built)
            opened = {i: b.case for i, b in zip(pending, built, strict=True)}
            break
        except IntegrityError:
            # a single intake (which takes no advisory lock) won an external_id between our
            # look and our insert: look again and retry without it
            if attempt == 2 or not ext_keys:
                raise
            known.update(_existing_by_external([ext_of[i] for i in pending if ext_of[i][1]]))
            pending = {i: v for i, v in pending.items() if ext_of[i] not in known}
    out: list[tuple[Case, bool]] = []
    for i, key in enumerate(ext_of):
        if i in opened:
            out.append((opened[i], True))
        elif key in known:
            out.append((known[key], False))
        else:  # a repeat, inside this batch, of an external_id this batch opened
            out.append((opened[first_of[key]], False))
    return out


def _unit_for(action: Action, case: Case, actor: Actor, store: CaseStore) -> int | None:
    """The unit the actor acts for, or raise PermissionDenied when the action's rule says they
    are not the one (cases.workflow: LEAD, CO, LEAD_OR_CO, ASSIGNEE, OWNER, CREATOR,
    CREATOR_OR_ASSIGNEE,
    NOT_HANDLER). Among several possible units the smallest id is taken, so it is stable."""
    rule = action.unit
    mine = {u for r in action.roles for u in actor.units_by_role.get(r, ())}
    if rule is None:
        return min(mine) if mine else None
    if rule is OWNER:
        if case.citizen_user_id is None or case.citizen_user_id != actor.user_id:
            raise PermissionDenied(rule.refusal)
        return None
    if rule is CREATOR:
        if case.created_by_id is None or case.created_by_id != actor.user_id:
            raise PermissionDenied(rule.refusal)
        return min(mine) if mine else None
    if rule is CREATOR_OR_ASSIGNEE:
        if case.created_by_id is not None and case.created_by_id == actor.user_id:
            return min(mine) if mine else None
        for unit, user, _r in store.active_assignments(case):
            if user is not None and user == actor.user_id:
                return unit if unit in mine else (min(mine) if mine else None)
        raise PermissionDenied(rule.refusal)
    lead: set[int] = {case.lead_unit_id} if case.lead_unit_id is not None else set()
    if rule is LEAD:
        allowed = lead
    else:
        active = store.active_assignments(case)
        # units assigned as a whole; a person assigned by name is recorded with their unit,
        # which then counts as a unit that handled it, but only that person acts for it
        units = {u for u, user, _r in active if u is not None and user is None}
        handled = lead | {u for u, _user, _r in active if u is not None}
        if rule is CO:
            allowed = {u for u, _user, r in active if u is not None and r == Assignment.Role.CO}
        elif rule is LEAD_OR_CO:
            allowed = lead | units
        elif rule is ASSIGNEE:
            for unit, user, _r in active:
                if user is not None and user == actor.user_id:
                    return unit if unit in mine else (min(mine) if mine else None)
            allowed = units
        elif rule is NOT_HANDLER:
            independent = mine - handled
            if independent or (not mine and actor.user_id is not None):
                return min(independent) if independent else None
            raise PermissionDenied(rule.refusal)
        else:  # a rule this engine does not know: refuse rather than guess
            raise PermissionDenied(rule.refusal)
    hit = mine & allowed
    if not hit:
        raise PermissionDenied(rule.refusal)
    return min(hit)


def pending_requests(case: Case) -> dict[str, CaseRequest]:
    """The case's requests awaiting a decision, by kind (read once per case instance)."""
    return DATABASE.pending_requests(case)


def _check_requests(action: Action, case: Case, store: CaseStore) -> None:
    if action.opens is None and action.decides is None:
        return
    workflow, pending = workflow_for(case.kind), store.pending_requests(case)
    if action.opens is not None and action.opens in pending:
        raise Conflict(f"已有{workflow.request_label(action.opens)}申请在审批中。")
    if action.decides is not None and action.decides not in pending:
        raise Conflict(f"没有待审批的{workflow.request_label(action.decides)}申请。")


def check_action(
    action: Action, case: Case, actor: Actor, now: dt.datetime, store: CaseStore = DATABASE
) -> int | None:
    """403 when the person may never do this, 409 when not now. Returns the acting unit."""
    if not handover.may_take(action, actor):
        raise PermissionDenied(f"您的角色不能执行「{action.label}」。")
    workflow = workflow_for(case.kind)
    if case.status not in action.sources:
        raise Conflict(
            f"工单当前状态为「{workflow.state_label(case.status)}」，不能执行「{action.label}」。"
        )
    unit_id = _unit_for(action, case, actor, store)
    _check_requests(action, case, store)
    if action.guard is not None:
        reason = action.guard(case, actor, now)
        if reason:
            raise Conflict(reason)
    if action.hands_over is not None and (reason := handover.refusal(action, case)):
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


def _validate(
    action: Action, data: dict[str, Any], case: Case | None = None, actor: Actor | None = None
) -> dict[str, Any]:
    """The action's form on `data` (its choices narrowed for the case and person when the
    action declares `form_choices` and both are given)."""
    if action.form is None:
        return {}
    form = bind_form(action.form, data)  # refuses a list where one value belongs
    if case is not None and actor is not None:
        narrow_form(action, form, case, actor)
    if not form.is_valid():
        errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
        first = next(iter(errors.values()))[0] if errors else "输入有误"
        raise ValidationFailed(f"输入有误：{first}", fields=errors)
    return dict(form.cleaned_data)


def _plain_data(cleaned: dict[str, Any]) -> dict[str, Any]:
    """What a request keeps of a step's input: plain values, objects by their id."""
    out: dict[str, Any] = {}
    for key, value in cleaned.items():
        if value is None or isinstance(value, str | int | float | bool):
            out[key] = value
        elif hasattr(value, "pk"):
            out[key] = value.pk
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
    return out


def _record_requests(
    action: Action, step: Step, event: CaseEvent, from_status: str, *, final: bool
) -> None:
    """Open, decide or lapse the case's requests as the step declares (under the case lock)."""
    case, actor, store = step.case, step.actor, step.store
    assert store is not None
    if step.request is not None:
        store.decide_request(
            step.request, status=action.decision, seq=event.seq, by=actor.user_id, at=step.now
        )
    if final:
        store.lapse_requests(case, None, seq=event.seq, at=step.now)
    elif action.lapses:
        store.lapse_requests(case, action.lapses, seq=event.seq, at=step.now)
    if action.opens is not None and not final:
        store.open_request(
            CaseRequest(
                case=case,
                kind=action.opens,
                data=step.request_data or {},
                from_status=from_status,
                opened_seq=event.seq,
                opened_by_id=actor.user_id,
                opened_unit_id=step.unit_id,
                opened_at=step.now,
            )
        )
    case._cc_pending = None  # type: ignore[attr-defined]


def _run_clocks(
    workflow: Workflow,
    step: Step,
    step_def: Action,
    case_clocks: clocks.CaseClocks,
    from_status: str,
    store: CaseStore,
) -> None:
    """Apply the step's clocks (after what `apply` did): stops, pauses, resumes, starts; a case
    entering a final state stops every clock. Then `Case.next_due` and the loop's own copy
    (`Workflow.on_clocks`). A step that touches no clock loads no clock row."""
    now, case = step.now, step.case
    for name in step.stop_clocks:
        case_clocks.stop(name, now)
    for name in step_def.pauses:
        case_clocks.pause(name, now)
    for name in step_def.resumes:
        case_clocks.resume(name, now)
    for name in step.start_clocks:
        case_clocks.start(name, now)
    final = step.target in workflow.final
    if final and from_status not in workflow.final:
        case_clocks.stop_running(now)
    # the clocks stopped are recorded with the step's event (`ClockStop`: met or not)
    case_clocks.record_stops(
        seq=case.event_count + 1, action=step_def.name, actor_id=step.actor.user_id
    )
    if case_clocks.changed:
        case.next_due = case_clocks.next_due(step.target)
    elif final:
        case.next_due = None
    if case_clocks.changed:
        if workflow.on_clocks is not None:
            workflow.on_clocks(case, case_clocks.rows)
        store.save_clocks(case_clocks)


def run_step(
    store: CaseStore,
    workflow: Workflow,
    step_def: Action,
    case: Case,
    actor: Actor,
    cleaned: dict[str, Any],
    now: dt.datetime,
    *,
    files: Sequence[tuple[Any, str]] = (),
) -> tuple[Step, CaseEvent]:
    """One step of one case, whatever stores it (`case_transition`: the locked row in the
    database; `cases.replay`: rows in memory): check, apply, run the clocks, append the
    hash-chained event (and the related cases' events), record the requests. The caller has
    validated `cleaned` with the action's form and schedules the notice."""
    detail = store.detail(workflow, case)
    unit_id = check_action(step_def, case, actor, now, store)
    from_status = case.status
    before = raw_state(case, detail)
    step = Step(
        case=case,
        actor=actor,
        data=cleaned,
        now=now,
        target=step_def.target or case.status,
        unit_id=unit_id,
        note=str(cleaned.get("note") or cleaned.get("reason") or cleaned.get("comment") or ""),
        start_clocks=list(step_def.starts),
        stop_clocks=list(step_def.stops),
        store=store,
        detail=detail,
    )
    step.files = list(files)
    if step_def.decides is not None:
        step.request = store.pending_requests(case)[step_def.decides]
    if step_def.opens is not None:
        step.request_data = _plain_data(cleaned)
    step.clocks = case_clocks = store.clocks(workflow, case)
    if step_def.apply is not None:
        step_def.apply(step)
    if step_def.hands_over is not None:
        handover.hand_over(step, step_def)  # opens the receiving loop's case (database only)
    if step.ends_assignments:
        store.end_assignments(case, now)
    if step.new_assignments:
        store.add_assignments(
            case,
            [
                Assignment(case=case, unit_id=u, user_id=p, role=r, assigned_at=now)
                for u, p, r in step.new_assignments
            ],
        )
    _run_clocks(workflow, step, step_def, case_clocks, from_status, store)
    case.status = step.target
    final = step.target in workflow.final
    if final and from_status not in workflow.final:
        store.drop_repeat_keys(case)
    if final and case.closed_at is None:
        case.closed_at = now
    case.updated_at = now
    if detail is not None and workflow.on_save is not None:
        workflow.on_save(case, detail)
    store.save_detail(detail)
    event = _new_event(
        case,
        action=step_def.name,
        from_status=from_status,
        to_status=step.target,
        actor=actor,
        unit_id=unit_id,
        note=step.note,
        data=step.event_data,
        now=now,
        changes=changes_since(before, case, detail),
    )
    store.append_event(event)
    store.save_case(case)
    for related in step.related:
        other = related.case
        other_event = _new_event(
            other,
            action=related.action,
            from_status=other.status,
            to_status=other.status,
            actor=actor,
            unit_id=unit_id,
            note=related.note,
            data=related.data,
            now=now,
            # the recorded fields the related step changed on the other case
            changes={
                k: v
                for k, v in recorded_state(other, related.detail).items()
                if k in related.fields
            },
        )
        store.append_event(other_event)
        other.updated_at = now
        store.save_related(other, _fields_of(other, related.fields))
        if related.detail is not None:
            store.save_related_detail(related.detail, _fields_of(related.detail, related.fields))
    if step.files:
        store.save_files(case, event, step.files, now)
    _record_requests(step_def, step, event, from_status, final=final)
    return step, event


def _fields_of(obj: Any, names: Sequence[str]) -> list[str]:
    """Those of `names` that are concrete fields of the object's model."""
    own = {f.name for f in obj._meta.concrete_fields} | {
        f.attname for f in obj._meta.concrete_fields
    }
    return [n for n in names if n in own]


def _locked_case(workflow: Workflow, case_id: int) -> Case:
    """The case row locked for a step, with the small related rows and the loop's own row
    (`Workflow.detail`, guarded by the case's lock) in the same query."""
    related = ["category", "lead_unit", "region", "street"]
    if workflow.detail_accessor is not None:
        related.append(workflow.detail_accessor)
    return Case.objects.select_for_update(of=("self",)).select_related(*related).get(pk=case_id)


def case_transition(
    *,
    case_id: int,
    action: str,
    actor: Actor,
    data: dict[str, Any] | None = None,
    attachments: Sequence[tuple[Any, str]] = (),
    now: dt.datetime | None = None,
) -> Case:
    """Apply one workflow action to one case, atomically: lock, check, apply, stamp clocks,
    append the event, commit; side effects run after commit."""
    data = data or {}
    # events hash their time as stored (UTC): a caller's local-time `now` must not break the chain
    now = (now or timezone.now()).astimezone(dt.UTC)
    # Visibility first, without a lock: 404 for missing and not-yours alike.
    case = case_get_visible(actor, case_id)
    workflow = workflow_for(case.kind)
    step_def = workflow.action(action)
    if step_def is None:
        raise NotFound(f"没有名为「{action}」的操作。")
    # Cheap pre-checks outside the lock give clear 403s without waiting for the row.
    if not handover.may_take(step_def, actor):
        raise PermissionDenied(f"您的角色不能执行「{step_def.label}」。")
    with asof.as_of(now):  # "today" in the form's checks is the step's day
        cleaned = _validate(step_def, data, case, actor)
    if attachments:
        if not step_def.accepts_files:
            raise ValidationFailed(f"「{step_def.label}」不能上传附件。")
        validate_files(attachments)
    with transaction.atomic():
        # Lock only the case row; the small related rows come along in the same query, so the
        # caller presenting the case (API/page) does not fetch each one separately.
        case = _locked_case(workflow, case_id)
        step, event = run_step(
            DATABASE, workflow, step_def, case, actor, cleaned, now, files=attachments
        )
        if step_def.notice is not None:
            event_id = event.pk
            transaction.on_commit(lambda: notify_event.enqueue(event_id))
        for callback in step.on_commit:
            DATABASE.on_commit(callback)
        if (
            workflow.receives
            and step.target in workflow.final
            and event.from_status not in workflow.final
        ):
            handover.tell_origin(case, event, now)  # a received case is done: its origin moves on
    return case


def system_note(
    *, case_id: int, action: str, note: str, data: dict[str, Any], now: dt.datetime
) -> CaseEvent:
    """An event the engine writes into a case's history without a step of its workflow (its
    status stays): e.g. the outcome of a linked case its origin could no longer act on."""
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).get(pk=case_id)
        event = _new_event(
            case,
            action=action,
            from_status=case.status,
            to_status=case.status,
            actor=SYSTEM,
            unit_id=None,
            note=note,
            data=data,
            now=now,
            changes={},
        )
        DATABASE.append_event(event)
        case.updated_at = now
        case.save(update_fields=["last_hash", "event_count", "updated_at"])
    return event


def contact_reveal(*, actor: Actor, case_id: int, reason: str = "") -> CaseContact:
    """Show a caller's full contact details to a role that needs them, and record that it did."""
    if not (actor.roles & role_group(REVEAL_PHONE)):
        raise PermissionDenied("您的角色无权查看诉求人完整号码。")
    case = case_get_visible(actor, case_id)
    contact = CaseContact.objects.filter(case=case).first()
    if contact is None:
        raise NotFound("该工单没有诉求人信息。")
    if actor.user_id is None:
        raise PermissionDenied("请先登录。")
    ContactReveal.objects.create(
        case=case, user_id=actor.user_id, reason=reason[:200], at=timezone.now()
    )
    if contact.confidential and not actor.is_centre:
        # 保密: the handling unit may call back, but the caller's identity stays with the centre
        # (as in contact_view). The instance is only returned, never saved.
        contact.name = "保密"
    return contact


def notification_mark_read(*, actor: Actor, notification_id: int | None = None) -> int:
    """Mark one of the person's messages read (or all of them, with no id). Returns how many
    changed; someone else's message is 404, as if it did not exist."""
    if notification_id is not None:
        notification_get(actor, notification_id)
    qs = notifications_for(actor, unread_only=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return Notification.objects.filter(pk__in=qs.values("pk")).update(read_at=timezone.now())


__all__ = [
    "NewCase",
    "allowed_actions",
    "case_open",
    "case_open_many",
    "case_transition",
    "cases_visible_to",
    "contact_reveal",
    "notification_mark_read",
]

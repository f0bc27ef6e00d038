"""Put a generated history into the database, in bulk.

`load_history` reads the demo city into plain data (`city_data`), makes sure every unit has a
handler to act for it (`ensure_staff`), runs the generator (`chuangcheng.demo.history`) and
inserts its output with `bulk_create`, a batch per transaction: cases (with ids given here so
that each event's hash can include its case id), callers, assignments and events. Each case's
events are sealed with the same hash chain as `cases.services._append_event`
(`CaseEvent.hash_payload` + `core.hashing.chain_hash`), and `core.DailySequence` is moved past
the numbers used so that new intakes continue the day's series.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Max
from django.utils import timezone

from chuangcheng.cases.history import blank_state, changes_between, recorded_state
from chuangcheng.cases.models import (
    Assignment,
    Case,
    CaseClock,
    CaseContact,
    CaseEvent,
    CaseRequest,
    Category,
    RoutingRule,
    TimeLimit,
)
from chuangcheng.cases.workflow import workflow_for
from chuangcheng.core.hashing import GENESIS, chain_hash
from chuangcheng.core.models import DailySequence
from chuangcheng.core.settings_store import get_setting
from chuangcheng.demo.city import SURNAMES, name_fields
from chuangcheng.demo.history import History
from chuangcheng.demo.steps import CityData, GeneratedCase, Person, Place, UnitInfo
from chuangcheng.hotline.roles import CALLBACK, CITIZEN, DISPATCHER, HANDLER, OPERATOR, SUPERVISOR
from chuangcheng.org.models import Membership, Region, Unit

KIND = "hotline"
SERIES = "hotline"  # case_open numbers hotline orders in the series named after the kind
DEFAULT_SEED = 20261123
# extra centre staff, so that the history is not all done by the few demo accounts
EXTRA_STAFF = [
    (OPERATOR, ["马丽", "高原", "郭婷", "何静", "乌兰"]),
    (DISPATCHER, ["冯刚", "白雪"]),
    (CALLBACK, ["苏日娜", "曹颖", "邓杰"]),
]
STAFF_PREFIX = {OPERATOR: "op", DISPATCHER: "dp", CALLBACK: "cb"}

try:  # the repeat-finder's normalised text (added with the 并单 lookup)
    from chuangcheng.cases.services import match_text_for
except ImportError:  # pragma: no cover
    match_text_for = None  # type: ignore[assignment]


def has_history() -> bool:
    return Case.objects.filter(kind=KIND).exists()


GIVEN_NAMES = [
    "建国",
    "秀英",
    "志强",
    "海燕",
    "丽娜",
    "晓东",
    "红梅",
    "国华",
    "春生",
    "桂兰",
    "文静",
    "宏伟",
    "雅琴",
    "立新",
    "玉梅",
    "振华",
]


def handler_name(unit_code: str) -> str:
    """A realistic name for a unit's demo handler, the same on every run."""
    digest = hashlib.sha256(unit_code.encode()).digest()
    surnames = sorted(SURNAMES)
    return surnames[digest[0] % len(surnames)] + GIVEN_NAMES[digest[1] % len(GIVEN_NAMES)]


def _handler_username(unit_code: str) -> str:
    return f"h_{unit_code.lower().replace('-', '_')}"  # as the tests' make_handler names them


def ensure_staff() -> None:
    """One handler account for every unit that has none, and a few more centre staff. These
    accounts cannot log in (no password): they only appear as the people in the history."""
    User = get_user_model()
    centre = Unit.objects.get(code="C-12345")
    wanted: list[tuple[str, str, str, Unit]] = []
    for role, names in EXTRA_STAFF:
        for i, name in enumerate(names, start=1):
            wanted.append((f"{STAFF_PREFIX[role]}_{i:02d}", name, role, centre))
    staffed = set(Membership.objects.filter(role=HANDLER).values_list("unit_id", flat=True))
    for unit in Unit.objects.filter(active=True).exclude(kind=Unit.Kind.CENTRE).order_by("code"):
        if unit.pk not in staffed:
            wanted.append(
                (
                    _handler_username(unit.code),
                    handler_name(unit.code),
                    HANDLER,
                    unit,
                )
            )
    existing = set(
        User.objects.filter(username__in=[w[0] for w in wanted]).values_list("username", flat=True)
    )
    new_users = []
    for username, display, _role, _unit in wanted:
        if username not in existing:
            user = User(username=username, **name_fields(display))
            user.set_unusable_password()
            new_users.append(user)
    User.objects.bulk_create(new_users)
    ids = dict(
        User.objects.filter(username__in=[w[0] for w in wanted]).values_list("username", "pk")
    )
    Membership.objects.bulk_create(
        [Membership(user_id=ids[u], unit=unit, role=role) for u, _d, role, unit in wanted],
        ignore_conflicts=True,
    )


def city_data() -> CityData:
    """The demo city as the generator needs it (run `ensure_staff` first)."""
    units = {
        u.code: UnitInfo(u.pk, u.code, u.name, u.short_name or u.name, u.kind)
        for u in Unit.objects.filter(active=True)
    }
    by_id = {u.id: u for u in units.values()}
    categories = dict(
        Category.objects.filter(active=True, kind=KIND, parent__isnull=False).values_list(
            "code", "pk"
        )
    )
    routes: dict[str, list[tuple[str, int, str]]] = {}
    for code, path, priority, unit_id in RoutingRule.objects.filter(unit__active=True).values_list(
        "category__code", "region__path", "priority", "unit_id"
    ):
        routes.setdefault(code, []).append((path or "", priority, by_id[unit_id].code))
    places = []
    for c in (
        Region.objects.filter(level=Region.Level.COMMUNITY)
        .select_related("parent__parent")
        .order_by("code")
    ):
        street = c.parent
        if street is None or street.level != Region.Level.STREET or c.lat is None or c.lng is None:
            continue
        places.append(
            Place(
                c.pk,
                c.code,
                c.path,
                c.name,
                street.pk,
                street.code,
                street.name,
                street.parent.name if street.parent else "",
                c.lat,
                c.lng,
            )
        )
    people: dict[str, list[Person]] = {}
    handlers: dict[str, list[Person]] = {}
    for role, unit_id, uid, username in Membership.objects.order_by("user_id").values_list(
        "role", "unit_id", "user_id", "user__username"
    ):
        if role == HANDLER and unit_id in by_id:
            handlers.setdefault(by_id[unit_id].code, []).append(Person(uid, username))
        else:
            people.setdefault(role, []).append(Person(uid, username))
    workflow = workflow_for(KIND)
    return CityData(
        centre=units["C-12345"],
        units=units,
        categories=categories,
        routes=routes,
        places=places,
        time_limits=list(
            TimeLimit.objects.filter(kind=KIND).values_list(
                "clock", "appeal_type", "urgency", "amount", "unit"
            )
        ),
        clock_defaults={c.name: c.default for c in workflow.clocks},
        operators=people.get(OPERATOR, []),
        dispatchers=people.get(DISPATCHER, []),
        callbacks=people.get(CALLBACK, []),
        supervisors=people.get(SUPERVISOR, []),
        handlers=handlers,
        citizen=next(iter(people.get(CITIZEN, [])), None),
        return_limit_workdays=int(get_setting("hotline.return_limit_workdays")),
        max_extension_workdays=int(get_setting("hotline.max_extension_workdays")),
    )


class _EventRow:
    """The attributes `CaseEvent.hash_payload` reads, without building a model instance."""

    __slots__ = (
        "action",
        "actor_id",
        "case_id",
        "changes",
        "created_at",
        "data",
        "from_status",
        "note",
        "seq",
        "to_status",
        "unit_id",
    )

    def __init__(self, case_id: int, seq: int, e: Any, changes: dict[str, Any]) -> None:
        self.case_id, self.seq, self.action = case_id, seq, e.action
        self.changes = changes
        self.from_status, self.to_status = e.from_status, e.to_status
        self.actor_id, self.unit_id, self.note, self.data = e.actor_id, e.unit_id, e.note, e.data
        self.created_at = e.at


class _Table:
    """A fast INSERT of many rows into one model's table: every concrete field (those not given
    take their default), each value adapted by the field itself (`get_db_prep_save`), sent with
    one `executemany`. `Model.objects.bulk_create` spends far longer compiling the SQL."""

    PLAIN = frozenset(
        {
            "AutoField",
            "BigAutoField",
            "BigIntegerField",
            "BooleanField",
            "CharField",
            "FloatField",
            "ForeignKey",
            "IntegerField",
            "OneToOneField",
            "PositiveIntegerField",
            "PositiveSmallIntegerField",
            "SmallIntegerField",
            "TextField",
        }
    )

    def __init__(self, model: Any, *, with_pk: bool) -> None:
        self.conn = connections[DEFAULT_DB_ALIAS]  # the real connection, not the proxy
        self.fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.defaults = {f.attname: f.get_default() for f in self.fields if not f.primary_key}
        # values of plain types go as they are; others (dates, JSON) through the field
        self.plain = [f.get_internal_type() in self.PLAIN for f in self.fields]
        qn = self.conn.ops.quote_name
        columns = ", ".join(qn(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})"
        self.rows: list[list[Any]] = []

    def add(self, values: dict[str, Any]) -> None:
        row = []
        conn, defaults = self.conn, self.defaults
        for f, plain in zip(self.fields, self.plain, strict=True):
            value = values[f.attname] if f.attname in values else defaults[f.attname]
            row.append(value if plain or value is None else f.get_db_prep_save(value, conn))
        self.rows.append(row)

    def flush(self) -> int:
        with self.conn.cursor() as cursor:
            for start in range(0, len(self.rows), 2000):
                cursor.executemany(self.sql, self.rows[start : start + 2000])
        count, self.rows = len(self.rows), []
        return count


def _insert(batch: list[GeneratedCase], base: int) -> int:
    """One transaction: the cases (ids given, so events can hash their case id), their callers,
    assignments and hash-chained events."""
    cases, contacts = _Table(Case, with_pk=True), _Table(CaseContact, with_pk=False)
    requests = _Table(CaseRequest, with_pk=False)
    assignments, events = _Table(Assignment, with_pk=False), _Table(CaseEvent, with_pk=False)
    clocks = _Table(CaseClock, with_pk=False)
    blank = blank_state()
    for g in batch:
        pk = base + g.key
        f = g.fields
        values = {
            **f,
            "id": pk,
            "event_count": len(g.events),
            "merged_into_id": None if g.merged_into_key is None else base + g.merged_into_key,
        }
        # the generator gives only the end state: the last event records all of it
        final = changes_between(blank, recorded_state(Case(**values)))
        prev = GENESIS
        for seq, e in enumerate(g.events, start=1):
            changes = final if seq == len(g.events) else {}
            row = _EventRow(pk, seq, e, changes)
            digest = chain_hash(
                prev, CaseEvent.hash_payload(cast(CaseEvent, row))
            )  # as services._append_event
            events.add(
                {
                    "case_id": pk,
                    "seq": seq,
                    "action": e.action,
                    "from_status": e.from_status,
                    "to_status": e.to_status,
                    "actor_id": e.actor_id,
                    "actor_name": e.actor_name,
                    "unit_id": e.unit_id,
                    "note": e.note,
                    "data": e.data,
                    "changes": changes,
                    "created_at": e.at,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev = digest
        values["last_hash"] = prev
        if match_text_for is not None:
            values["match_text"] = match_text_for(f["title"], f["content"])
        values["next_due"] = g.next_due
        for clock in g.clocks:
            clocks.add({**clock, "case_id": pk})
        cases.add(values)
        name, phone, confidential = g.contact
        contacts.add({"case_id": pk, "name": name, "phone": phone, "confidential": confidential})
        for q in g.requests:
            requests.add(
                {
                    "case_id": pk,
                    "kind": q.kind,
                    "status": q.status,
                    "data": q.data,
                    "from_status": q.from_status,
                    "opened_seq": q.opened_seq,
                    "opened_by_id": q.opened_by,
                    "opened_unit_id": q.opened_unit,
                    "opened_at": q.opened_at,
                    "decided_seq": q.decided_seq,
                    "decided_by_id": q.decided_by,
                    "decided_at": q.decided_at,
                }
            )
        for a in g.assignments:
            assignments.add(
                {
                    "case_id": pk,
                    "unit_id": a.unit_id,
                    "role": a.role,
                    "active": a.active,
                    "assigned_at": a.assigned_at,
                    "ended_at": a.ended_at,
                }
            )
    with transaction.atomic():
        cases.flush()
        contacts.flush()
        assignments.flush()
        count = events.flush()
        requests.flush()
        clocks.flush()
        return count


def load_history(
    *,
    orders: int,
    seed: int = DEFAULT_SEED,
    now: dt.datetime | None = None,
    batch: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Generate and insert `orders` hotline orders ending at `now`. Returns some figures."""
    now = now or timezone.now()
    ensure_staff()
    city = city_data()
    start_seq = dict(DailySequence.objects.filter(series=SERIES).values_list("day", "last"))
    gen = History(city, now=now, seed=seed, start_seq=start_seq)
    base = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    buffer: list[GeneratedCase] = []
    stats = {"orders": 0, "events": 0, "open": 0}
    for case in gen.generate(orders):
        buffer.append(case)
        stats["open"] += case.fields["status"] not in ("closed", "merged")
        if len(buffer) >= batch:
            stats["events"] += _insert(buffer, base)
            stats["orders"] += len(buffer)
            if progress:
                progress(len(buffer))
            buffer = []
    if buffer:
        stats["events"] += _insert(buffer, base)
        stats["orders"] += len(buffer)
        if progress:
            progress(len(buffer))
    with transaction.atomic():
        DailySequence.objects.bulk_create(
            [
                DailySequence(series=SERIES, day=day, last=last)
                for day, last in sorted(getattr(gen, "day_counts", {}).items())
            ],
            update_conflicts=True,
            unique_fields=["series", "day"],
            update_fields=["last"],
            batch_size=500,
        )
        with connection.cursor() as cursor:  # ids were given here: move the id sequence on
            for sql in connection.ops.sequence_reset_sql(no_style(), [Case]):
                cursor.execute(sql)
    return stats

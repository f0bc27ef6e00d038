"""Put a generated history into the database, in bulk.

`load_history` reads the demo city into plain data (`city_data`), makes sure every unit has a
handler to act for it (`ensure_staff`), runs the generator (`chuangcheng.demo.history`), whose
every step goes through the 12345 workflow in a bulk replay (`cases.replay`), and flushes the
replay a batch of orders per transaction (cases with ids given here, so that each event's hash
includes its case id). `core.DailySequence` is then moved past the numbers used so that new
intakes continue the day's series, and the case id sequence past the ids used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from chuangcheng.cases.models import (
    Case,
    Category,
    RoutingRule,
    TimeLimit,
)
from chuangcheng.cases.replay import Replay
from chuangcheng.cases.workflow import workflow_for
from chuangcheng.core.models import DailySequence
from chuangcheng.core.settings_store import get_setting
from chuangcheng.demo.city import SURNAMES, name_fields
from chuangcheng.demo.history import History
from chuangcheng.demo.steps import CityData, Person, Place, UnitInfo
from chuangcheng.hotline.roles import CALLBACK, CITIZEN, DISPATCHER, HANDLER, OPERATOR, SUPERVISOR
from chuangcheng.org.access import Actor, actor_for
from chuangcheng.org.models import Membership, Region, Unit
from chuangcheng.org.selectors import handling_units

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
    for unit in handling_units().exclude(kind=Unit.Kind.CENTRE).order_by("code"):
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


def _actors() -> dict[int, Actor]:
    """Who each member of staff (and the demo citizen) acts as, read once."""
    User = get_user_model()
    users = User.objects.filter(pk__in=Membership.objects.values("user_id"))
    return {u.pk: actor_for(u) for u in users}


def city_data() -> CityData:
    """The demo city as the generator needs it (run `ensure_staff` first)."""
    units = {
        u.code: UnitInfo(u.pk, u.code, u.name, u.short_name or u.name, u.kind)
        for u in handling_units()
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
        actors=_actors(),
        return_limit_workdays=int(get_setting("hotline.return_limit_workdays")),
        max_extension_workdays=int(get_setting("hotline.max_extension_workdays")),
    )


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
    base = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    replay = Replay()
    gen = History(city, now=now, seed=seed, start_seq=start_seq, replay=replay, base=base)
    stats = {"orders": 0, "events": 0, "open": 0}
    pending = 0
    for played in gen.generate(orders):
        stats["open"] += played.case.status not in ("closed", "merged")
        pending += 1
        if pending >= batch:
            stats["events"] += replay.flush()
            stats["orders"] += pending
            if progress:
                progress(pending)
            pending = 0
    stats["events"] += replay.flush()
    stats["orders"] += pending
    if progress and pending:
        progress(pending)
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

"""Reads of the 12345 loop: queues, caller history, supervision, likely repeats."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from chuangcheng.cases.clocks import LIGHT_LABELS, ClockView
from chuangcheng.cases.clocks import light as clock_light
from chuangcheng.cases.models import Case, CaseContact, CaseEvent
from chuangcheng.cases.selectors import (
    cases_visible_to,
    overdue_q,
    pending_request_q,
    running_clocks,
    sees_every_case_of,
    with_pending_requests,
)
from chuangcheng.core.calendar import add_working_days
from chuangcheng.core.privacy import normalise_phone
from chuangcheng.core.settings_store import get_setting
from chuangcheng.hotline.roles import CALLBACK, CALLER_HISTORY_ROLES, DISPATCHER, OPERATOR
from chuangcheng.hotline.workflow import HOTLINE, KIND
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Unit

LIST_FIELDS = (
    "id",
    "number",
    "kind",
    "status",
    "title",
    "hotline__appeal_type",
    "hotline__urgency",
    "channel",
    "created_at",
    "hotline__sign_due",
    "hotline__sign_at",
    "hotline__respond_due",
    "hotline__respond_at",
    "hotline__finish_due",
    "hotline__finish_at",
    "closed_at",
    "next_due",
    "lead_unit_id",
    "lead_unit__name",
    "category__name",
    "hotline__supervision_level",
    "hotline__reporter_count",
    "hotline__reopen_count",
    "address",
)


def hotline_cases(actor: Actor) -> QuerySet[Case]:
    """The orders the actor may see, each with its own row (`case.hotline`) in the same query."""
    return cases_visible_to(actor).filter(kind=KIND).select_related("hotline")


def figures_base(actor: Actor) -> QuerySet[Case] | None:
    """The orders the dashboard and the indicators API count for this person: None (every
    order, without a scoping subquery to pay for) when they see them all, else their own."""
    return None if sees_every_case_of(actor, KIND) else hotline_cases(actor)


# 来源 filter of 工单查询: the stored `source` is "hotline", "citizen" or "api:<account>"
SOURCES = [("hotline", "12345 热线"), ("citizen", "居民自报"), ("api", "系统接口")]


def _local_day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def case_list(
    actor: Actor,
    *,
    status: str = "",
    unit: int | None = None,
    overdue: bool | None = None,
    q: str = "",
    supervised: bool | None = None,
    now: dt.datetime | None = None,
    street: int | None = None,
    category: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    phone: str = "",
    channel: str = "",
    urgency: str = "",
    source: str = "",
) -> QuerySet[Case]:
    """工单查询 over the orders the actor may see. `phone` is matched exactly on the caller's
    stored number (normalised), and only for the roles that look callers up."""
    # what a row shows (the API's and the page's): the unit's and category's names. The street
    # is not shown: one model instance per row fewer (the page loads it for its filter line)
    qs = hotline_cases(actor).select_related("lead_unit", "category")
    if phone:
        phone = normalise_phone(phone)
        if not (actor.roles & CALLER_HISTORY_ROLES or actor.is_superuser):
            return qs.none()
        qs = qs.filter(pk__in=CaseContact.objects.filter(phone=phone).values("case_id"))
    if channel:
        qs = qs.filter(channel=channel)
    if urgency:
        qs = qs.filter(hotline__urgency=urgency)
    if source == "api":
        qs = qs.filter(source__startswith="api")
    elif source:
        qs = qs.filter(source=source)
    if until:
        qs = qs.filter(created_at__lt=_local_day_start(until + dt.timedelta(days=1)))
    if status:
        qs = qs.filter(status__in=status.split(","))
    if unit:
        qs = qs.filter(lead_unit_id=unit)
    if street:
        qs = qs.filter(street_id=street)
    if category:
        qs = qs.filter(category_id=category)
    if since:
        qs = qs.filter(created_at__gte=_local_day_start(since))
    if overdue:
        qs = qs.filter(overdue_q(now))
    if supervised:
        qs = qs.exclude(hotline__supervision_level="")
    if q:
        q = q.strip()
        if q.isdigit() and len(q) >= 8:
            qs = qs.filter(number__startswith=q)
        else:
            qs = qs.filter(Q(title__icontains=q) | Q(address__icontains=q))
    return qs.order_by("-created_at", "-id")


def most_reported_open(actor: Actor, limit: int = 20) -> list[Case]:
    """Open orders that several people reported (并单 made them one), most reporters first."""
    return list(
        hotline_cases(actor)
        .exclude(status__in=["closed", "merged"])
        .filter(hotline__reporter_count__gte=2)
        .select_related("lead_unit", "category", "street")
        .order_by("-hotline__reporter_count", "-created_at", "-id")[:limit]
    )


# "grid": handed down to a grid (下派网格), still the unit's order, its 办结 clock running
QUEUE_STATES = ["dispatched", "handling", "return_requested", "fed_back", "grid"]


def handler_queue(actor: Actor, *, now: dt.datetime | None = None) -> QuerySet[Case]:
    """A handler's open orders, the nearest running clock first (签收, 响应 or 办结: the
    engine's `next_due`), orders with no running clock (反馈待审) last. Reads the index
    case_unit_next_due (kind, lead_unit, next_due, id WHERE closed_at IS NULL)."""
    units = list(actor.handler_units)
    # "open and not one of the other open states" rather than "status IN (the four)": the
    # same rows (closed_at is set exactly when a case is final), but PostgreSQL estimates the
    # IN list as if it were independent of closed_at IS NULL (~50x too few rows) and then
    # sorts the whole unit's queue instead of reading the first 50 from the index in order.
    others = [s for s in HOTLINE.open_states() if s not in QUEUE_STATES]
    qs = (
        hotline_cases(actor)
        .filter(lead_unit_id__in=units, closed_at__isnull=True)
        .exclude(status__in=others)
    )
    return with_pending_requests(qs.select_related("category"), HOTLINE).order_by(
        F("next_due").asc(nulls_last=True), "id"
    )


@dataclass(frozen=True)
class ClockMark:
    """The clock that is nearest on an order and its light (the engine's `clocks.light`):
    green, yellow once `warn` of its limit is used (setting cases.warn_fraction), red past
    its due."""

    name: str
    label: str
    due: dt.datetime
    light: str  # "green" | "yellow" | "red"

    @property
    def light_label(self) -> str:
        return LIGHT_LABELS[self.light]


def clock_marks(cases: list[Case], now: dt.datetime, warn: float) -> dict[int, ClockMark | None]:
    """The nearest running clock of each order with its light, from the clock rows (one query
    for the whole page)."""
    marks: dict[int, ClockMark | None] = {c.pk: None for c in cases}
    open_ids = [c.pk for c in cases if c.status not in HOTLINE.final and c.next_due is not None]
    rows = (
        running_clocks()
        .filter(case_id__in=open_ids)
        .order_by("case_id", "due_at", "name")
        .values_list("case_id", "name", "due_at", "limit_amount", "limit_unit", "extended")
    )
    for case_id, name, due, amount, unit, extended in rows:
        if marks[case_id] is not None or due is None:
            continue  # a later clock of an order already marked (running clocks have a due)
        shade = clock_light(ClockView(due, amount, unit, extended), now, warn) or "green"
        marks[case_id] = ClockMark(name, HOTLINE.clock(name).label, due, shade)
    return marks


def queue_rows(
    cases: list[Case], *, warn: float | None = None, now: dt.datetime | None = None
) -> list[dict[str, object]]:
    """Rows of the handler's queue: each order with its nearest clock and light."""
    now = now or timezone.now()
    warn = float(get_setting("cases.warn_fraction")) if warn is None else warn
    marks = clock_marks(cases, now, warn)
    return [{"case": c, "mark": marks[c.pk]} for c in cases]


def inbox_for(actor: Actor) -> QuerySet[Case]:
    """What needs this person's hand now, by role."""
    statuses: set[str] = set()
    if actor.has(OPERATOR):
        statuses |= {"received"}
    if actor.has(DISPATCHER):
        statuses |= {"received", "reviewed", "return_requested", "fed_back", "unsatisfied"}
    if actor.has(CALLBACK):
        statuses |= {"callback", "unsatisfied"}
    qs = hotline_cases(actor).filter(status__in=statuses)
    if actor.has(DISPATCHER):
        qs = hotline_cases(actor).filter(Q(status__in=statuses) | pending_request_q("extension"))
    return with_pending_requests(qs.select_related("lead_unit", "category"), HOTLINE).order_by(
        "created_at", "id"
    )


def supervision_board(
    actor: Actor, *, now: dt.datetime | None = None, stale_days: int = 30
) -> dict[str, QuerySet[Case]]:
    """督办: overdue, long-pending (挂账) and already supervised orders (nearest 督办 due
    first, those without a due last)."""
    now = now or timezone.now()
    base = hotline_cases(actor).exclude(status__in=["closed", "merged"]).select_related("lead_unit")
    return {
        "overdue": base.filter(overdue_q(now)).order_by("hotline__finish_due"),
        "stale": base.filter(created_at__lt=now - dt.timedelta(days=stale_days)).order_by(
            "created_at"
        ),
        "supervised": base.exclude(hotline__supervision_level="").order_by(
            F("hotline__supervision_due").asc(nulls_last=True), "id"
        ),
    }


def supervision_replies(actor: Actor) -> dict[str, int]:
    """督办回复 on the orders the actor sees: how many, and how many came after their due
    (recorded as `late` in the reply's event)."""
    replies = CaseEvent.objects.filter(
        action="reply_supervision", case__in=hotline_cases(actor).values("pk")
    )
    return replies.aggregate(total=Count("id"), late=Count("id", filter=Q(data__late=True)))


def caller_history(actor: Actor, phone: str, *, limit: int = 20) -> QuerySet[Case]:
    """Earlier orders from the same phone number (shown while the operator types it)."""
    if (
        not phone
        or len(phone) < 7
        or not (actor.roles & CALLER_HISTORY_ROLES or actor.is_superuser)
    ):
        return Case.objects.none()
    ids = CaseContact.objects.filter(phone=phone).values("case_id")
    return hotline_cases(actor).filter(pk__in=ids).order_by("-created_at")[:limit]


def citizen_cases(actor: Actor) -> QuerySet[Case]:
    """The orders a citizen submitted themselves (我的诉求), newest first."""
    if actor.user_id is None:
        return Case.objects.none()
    return (
        hotline_cases(actor)
        .filter(citizen_user_id=actor.user_id)
        .select_related("lead_unit")
        .order_by("-created_at", "-id")
    )


def citizen_contact_defaults(actor: Actor) -> dict[str, str]:
    """Name and phone to pre-fill a signed-in citizen's next appeal: those given on their last
    named appeal, else their account's name and (when it is a phone number) username."""
    from django.contrib.auth import get_user_model

    from chuangcheng.core.privacy import is_phone, normalise_phone
    from chuangcheng.org.people import person_name

    last = (
        CaseContact.objects.filter(case__in=citizen_cases(actor))
        .exclude(phone="")
        .order_by("-case__created_at", "-case_id")
        .values("name", "phone")
        .first()
    )
    if last is not None:
        return {"citizen_name": last["name"], "citizen_phone": last["phone"]}
    user = get_user_model().objects.filter(pk=actor.user_id or 0).first()
    if user is None:
        return {}
    username = normalise_phone(user.get_username())
    named = bool((user.first_name or "").strip() or (user.last_name or "").strip())
    return {
        "citizen_name": person_name(user) if named else "",
        "citizen_phone": username if is_phone(username) else "",
    }


def track_case(number: str, phone: str) -> Case | None:
    """A citizen follows an order with its number and the phone they gave (no login)."""
    from chuangcheng.core.privacy import normalise_phone

    phone = normalise_phone(phone)
    if not number or not phone:
        return None
    return (
        Case.objects.filter(kind=KIND, number=number.strip(), contact__phone=phone)
        .select_related("lead_unit", "hotline")
        .first()
    )


def callback_list(actor: Actor) -> QuerySet[Case]:
    """Everyone waiting for a callback: orders in 待回访 and the callers merged into an order
    that has been handled. (The callback page groups them with `callback_queue`.)"""
    return (
        hotline_cases(actor)
        .filter(
            Q(status="callback")
            | Q(
                status="merged",
                hotline__callback_at__isnull=True,
                merged_into__status__in=["callback", "unsatisfied", "closed"],
            )
        )
        .select_related("lead_unit")
        .order_by("hotline__finish_at", "id")
    )


def _entered_callback() -> Subquery:
    """When the order last entered 待回访 (its feedback was approved)."""
    return Subquery(
        CaseEvent.objects.filter(case_id=OuterRef("pk"), action="approve_feedback")
        .order_by("-seq")
        .values("created_at")[:1]
    )


@dataclass
class CallbackGroup:
    """One order to call back and the callers merged into it (each still gets a call)."""

    case: Case
    due: dt.datetime | None = None
    light: str = "green"
    callers: list[Case] = field(default_factory=list)


def callback_deadline(entered: dt.datetime | None, limit: int | None = None) -> dt.datetime | None:
    """回访时限: the time the order entered 待回访 + hotline.callback_limit_workdays."""
    if entered is None:
        return None
    if limit is None:
        limit = int(get_setting("hotline.callback_limit_workdays"))
    return add_working_days(entered, limit)


def callback_orders(actor: Actor) -> QuerySet[Case]:
    """Orders in 待回访, the nearest callback deadline first (the deadline grows with the time
    the order entered 待回访, so ordering by that time is ordering by deadline)."""
    return (
        hotline_cases(actor)
        .filter(status="callback")
        .annotate(entered_callback=_entered_callback())
        .select_related("lead_unit", "category")
        .order_by(F("entered_callback").asc(nulls_first=True), "id")
    )


def merged_callers_waiting(actor: Actor) -> QuerySet[Case]:
    """Callers merged into an order that has left handling, not yet called back."""
    return hotline_cases(actor).filter(
        status="merged",
        hotline__callback_at__isnull=True,
        merged_into__status__in=["callback", "unsatisfied", "closed"],
    )


def callback_groups(
    actor: Actor, orders: list[Case], *, now: dt.datetime | None = None
) -> list[CallbackGroup]:
    """A page of 待回访 orders, each with its deadline, light and merged callers (one query
    for all the callers of the page)."""
    now = now or timezone.now()
    limit = int(get_setting("hotline.callback_limit_workdays"))
    groups = []
    for order in orders:
        due = callback_deadline(getattr(order, "entered_callback", None), limit)
        light = "green"
        if due is not None and now >= due:
            light = "red"
        elif due is not None and due - now < dt.timedelta(hours=24):
            light = "yellow"
        groups.append(CallbackGroup(order, due, light))
    by_id = {g.case.pk: g for g in groups}
    if by_id:
        callers = merged_callers_waiting(actor).filter(merged_into_id__in=list(by_id))
        for caller in callers.order_by("created_at", "id"):
            assert caller.merged_into_id is not None
            by_id[caller.merged_into_id].callers.append(caller)
    return groups


def merged_callers_of_closed(actor: Actor) -> QuerySet[Case]:
    """Callers still to call whose order is already past 待回访 (回访不满意 or 已办结), the
    orders that ended most recently first, callers of one order together."""
    return (
        merged_callers_waiting(actor)
        .exclude(merged_into__status="callback")
        .select_related("merged_into", "lead_unit")
        .order_by(
            F("merged_into__closed_at").desc(nulls_first=True), "merged_into_id", "created_at"
        )
    )


def suggest_unit(case: Case) -> Unit | None:
    """The 派单目录's unit for this order: its category (or the nearest parent category with a
    rule) × the most specific region on the order's region path; a city-wide rule (no region)
    is the fallback; lower `priority` wins a tie."""
    from chuangcheng.cases.models import Category, RoutingRule

    category_id = case.category_id
    seen: set[int] = set()
    while category_id is not None and category_id not in seen:
        seen.add(category_id)
        best: tuple[tuple[int, int], Unit] | None = None
        rules = RoutingRule.objects.filter(category_id=category_id, unit__active=True)
        for rule in rules.select_related("unit", "region"):
            if rule.region_id is None:
                depth = 0
            elif case.region_path and rule.region and case.region_path.startswith(rule.region.path):
                depth = len(rule.region.path)
            else:
                continue
            key = (depth, -rule.priority)
            if best is None or key > best[0]:
                best = (key, rule.unit)
        if best is not None:
            return best[1]
        parents = Category.objects.filter(pk=category_id).values_list("parent_id", flat=True)
        category_id = parents.first()
    return None


def category_choices(kind: str = KIND) -> list[tuple[str, str]]:
    """Active categories of a loop as (code, "code name") choices, parents before children."""
    from chuangcheng.cases.models import Category

    rows = Category.objects.filter(kind=kind, active=True).order_by("code")
    return [(code, f"{code} {name}") for code, name in rows.values_list("code", "name")]


def category_choices_by_id(kind: str = KIND) -> list[tuple[int, str]]:
    """Active categories of a loop as (id, "code name"), for filters that pass the id."""
    from chuangcheng.cases.models import Category

    rows = Category.objects.filter(kind=kind, active=True).order_by("code")
    return [(pk, f"{code} {name}") for pk, code, name in rows.values_list("pk", "code", "name")]

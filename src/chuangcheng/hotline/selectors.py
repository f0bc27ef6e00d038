"""Reads of the 12345 loop: queues, caller history, supervision, likely repeats."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from chuangcheng.cases.models import Case, CaseContact
from chuangcheng.cases.selectors import (
    cases_visible_to,
    overdue_q,
    pending_request_q,
    with_pending_requests,
)
from chuangcheng.hotline.workflow import HOTLINE, KIND
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Unit
from chuangcheng.org.roles import CALLBACK, CALLER_HISTORY_ROLES, DISPATCHER, OPERATOR

LIST_FIELDS = (
    "id",
    "number",
    "kind",
    "status",
    "title",
    "appeal_type",
    "urgency",
    "channel",
    "created_at",
    "sign_due",
    "sign_at",
    "respond_due",
    "respond_at",
    "finish_due",
    "finish_at",
    "closed_at",
    "lead_unit_id",
    "lead_unit__name",
    "category__name",
    "supervision_level",
    "reporter_count",
    "reopen_count",
    "address",
)


def hotline_cases(actor: Actor) -> QuerySet[Case]:
    return cases_visible_to(actor).filter(kind=KIND)


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
) -> QuerySet[Case]:
    qs = hotline_cases(actor).select_related("lead_unit", "category")
    if status:
        qs = qs.filter(status__in=status.split(","))
    if unit:
        qs = qs.filter(lead_unit_id=unit)
    if street:
        qs = qs.filter(street_id=street)
    if category:
        qs = qs.filter(category_id=category)
    if since:
        start = dt.datetime.combine(since, dt.time.min, tzinfo=timezone.get_current_timezone())
        qs = qs.filter(created_at__gte=start)
    if overdue:
        qs = qs.filter(overdue_q(now))
    if supervised:
        qs = qs.exclude(supervision_level="")
    if q:
        q = q.strip()
        if q.isdigit() and len(q) >= 8:
            qs = qs.filter(number__startswith=q)
        else:
            qs = qs.filter(Q(title__icontains=q) | Q(address__icontains=q))
    return with_pending_requests(qs, HOTLINE).order_by("-created_at", "-id")


def most_reported_open(actor: Actor, limit: int = 20) -> list[Case]:
    """Open orders that several people reported (并单 made them one), most reporters first."""
    return list(
        hotline_cases(actor)
        .exclude(status__in=["closed", "merged"])
        .filter(reporter_count__gte=2)
        .select_related("lead_unit", "category", "street")
        .order_by("-reporter_count", "-created_at", "-id")[:limit]
    )


def handler_queue(actor: Actor, *, now: dt.datetime | None = None) -> QuerySet[Case]:
    """A handler's open orders, most urgent deadline first."""
    units = list(actor.handler_units)
    qs = hotline_cases(actor).filter(
        lead_unit_id__in=units,
        status__in=["dispatched", "handling", "return_requested", "fed_back"],
    )
    return with_pending_requests(qs.select_related("category"), HOTLINE).order_by(
        "finish_due", "id"
    )


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
    """督办: overdue, long-pending (挂账) and already supervised orders."""
    now = now or timezone.now()
    base = hotline_cases(actor).exclude(status__in=["closed", "merged"]).select_related("lead_unit")
    return {
        "overdue": base.filter(overdue_q(now)).order_by("finish_due"),
        "stale": base.filter(created_at__lt=now - dt.timedelta(days=stale_days)).order_by(
            "created_at"
        ),
        "supervised": base.exclude(supervision_level="").order_by("supervision_due"),
    }


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
    return {
        "citizen_name": user.get_full_name(),
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
        .select_related("lead_unit")
        .first()
    )


def callback_list(actor: Actor) -> QuerySet[Case]:
    return (
        hotline_cases(actor)
        .filter(
            Q(status="callback")
            | Q(
                status="merged",
                callback_at__isnull=True,
                merged_into__status__in=["callback", "unsatisfied", "closed"],
            )
        )
        .select_related("lead_unit")
        .order_by("finish_at", "id")
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

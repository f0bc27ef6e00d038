"""文明积分: a ledger apart from the hours (spending points never reduces hours). Every change is
one append-only entry (earn, spend, expire, adjust) named by the fact it is for (`ref`, unique),
written under a lock on the holder's account row, which carries the running balance; the
database refuses a negative balance (a check constraint), and the balance is always the sum of
the entries (ADR 0029).

The rules listen to the loop's signals (volunteer.signals) inside the transaction that records
the fact: hours credited (per hour × the service field's coefficient; a correction takes its
points back, never below zero, and records what it could not take), an attended activity, a
campaign check-in day. Adjustments need a second person of the same 站/所. Points older than a
setting expire through a periodic task."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.dispatch import receiver
from django.tasks import task
from django.utils import timezone

from chuangcheng.core.errors import NotFound, PermissionDenied, ValidationFailed
from chuangcheng.core.periodic import on_worker_start, schedule_once
from chuangcheng.core.settings_store import get_setting
from chuangcheng.org.access import Actor
from chuangcheng.volunteer import settings_keys as keys
from chuangcheng.volunteer.models import (
    HourEntry,
    PointAccount,
    PointAdjustment,
    PointEntry,
    ServiceField,
    Station,
    Volunteer,
)
from chuangcheng.volunteer.roles import INSTITUTE, STATION
from chuangcheng.volunteer.signals import activity_attended, campaign_day_checked, hours_credited

Q1 = Decimal("0.1")
MAX_ADJUST = Decimal("10000")
Kind = PointEntry.Kind


def _q(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Q1, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- accounts
def _create_account(**fields: Any) -> PointAccount:
    """Open an account, or take the one a concurrent transaction opened for the same holder."""
    try:
        with transaction.atomic():
            return PointAccount.objects.create(created_at=timezone.now(), **fields)
    except IntegrityError:
        holder = {k: fields[k] for k in ("user_id", "volunteer") if fields.get(k) is not None}
        key = "volunteer" if "volunteer" in holder else "user_id"
        return PointAccount.objects.get(**{key: holder[key]})


def account_for_volunteer(v: Volunteer) -> PointAccount:
    """A volunteer's account: the one of their user account when they have one (a volunteer who
    is also a resident holds one balance), else their own."""
    acc = PointAccount.objects.filter(volunteer=v).first()
    if acc is not None:
        return acc
    if v.user_id is not None:
        acc = PointAccount.objects.filter(user_id=v.user_id).first()
        if acc is not None:
            PointAccount.objects.filter(pk=acc.pk, volunteer__isnull=True).update(
                volunteer=v, station=acc.station or v.station
            )
            acc.refresh_from_db()
            return acc
    return _create_account(user_id=v.user_id, volunteer=v, name=v.name, station=v.station)


def account_for_user(user: Any) -> PointAccount:
    acc = PointAccount.objects.filter(user_id=user.pk).first()
    if acc is not None:
        return acc
    v = Volunteer.objects.filter(user_id=user.pk).first()
    if v is not None:
        return account_for_volunteer(v)
    name = (user.get_full_name() or user.first_name or user.username)[:40]
    return _create_account(user_id=user.pk, name=name)


def account_of(actor: Actor) -> PointAccount | None:
    """The person's own account, if they hold one (nothing is opened by looking)."""
    if actor.user_id is None:
        return None
    acc = PointAccount.objects.filter(user_id=actor.user_id).first()
    if acc is None:
        acc = PointAccount.objects.filter(volunteer__user_id=actor.user_id).first()
    return acc


def balance_of(account: PointAccount) -> Decimal:
    """The sum of the account's entries (what `balance` must always equal)."""
    s = PointEntry.objects.filter(account=account).aggregate(s=Sum("points"))["s"]
    return s or Decimal("0")


# ---------------------------------------------------------------- the one writer
def _apply(balance: Decimal, points: Decimal, *, clip: bool) -> tuple[Decimal, Decimal, Decimal]:
    """(points written, balance after, shortfall) of an entry on `balance`: a debit larger than
    the balance is refused, or with `clip` takes what there is and records the rest."""
    after = balance + points
    if after >= 0:
        return points, after, Decimal("0")
    if not clip:
        raise ValidationFailed(
            f"积分不足：当前余额 {balance} 分，需要 {-points} 分。",
            fields={"points": ["余额不足"]},
        )
    return -balance, Decimal("0"), -after


def post(
    account: PointAccount,
    *,
    kind: str,
    points: Any,
    ref: str,
    reason: str,
    station: Station | None = None,
    by_id: int | None = None,
    now: dt.datetime | None = None,
    clip: bool = False,
    locked: bool = False,
) -> tuple[PointEntry, bool]:
    """Write one entry under the account's row lock. The same `ref` again returns the first
    entry (created=False). A debit larger than the balance is refused, or with `clip` takes what
    there is and records the rest as `shortfall`. `locked`: the caller holds the account's row
    lock in this transaction already (read fresh under it) and the ref is new (the counter)."""
    points = _q(points)
    ref = ref[:100]
    with transaction.atomic():
        if locked:
            acc = account
        else:
            acc = PointAccount.objects.select_for_update().get(pk=account.pk)
            existing = PointEntry.objects.filter(ref=ref).first()
            if existing is not None:
                return existing, False
        points, after, shortfall = _apply(acc.balance, points, clip=clip)
        entry = PointEntry.objects.create(
            account=acc,
            kind=kind,
            points=points,
            balance_after=after,
            shortfall=shortfall,
            ref=ref,
            reason=reason[:200],
            station=station,
            created_at=now or timezone.now(),
            created_by_id=by_id,
        )
        fields: dict[str, Any] = {"balance": after}
        if station is not None and acc.station_id is None:
            fields["station"] = station  # the holder's 站: where they first earned or spent
        PointAccount.objects.filter(pk=acc.pk).update(**fields)
        account.balance = after
    return entry, True


# ---------------------------------------------------------------- rules (signal receivers)
def points_for_hours(hours: Decimal, field: str) -> Decimal:
    rate = Decimal(str(get_setting(keys.POINTS_PER_HOUR)))
    coef = Decimal(str(get_setting(f"{keys.POINTS_COEF_PREFIX}{field}") or 1))
    return _q(Decimal(hours) * rate * coef)


def _hours_reason(entry: HourEntry, pts: Decimal) -> str:
    label = ServiceField(entry.field).label if entry.field in ServiceField.values else entry.field
    what = "志愿服务" if pts > 0 else "时长更正扣回"
    return f"{what} {entry.hours} 小时（{label}）：{entry.content}"


@receiver(hours_credited, dispatch_uid="volunteer.points.hours")
def on_hours_credited(sender: Any, entry: HourEntry, **kwargs: Any) -> None:
    pts = points_for_hours(entry.hours, entry.field)
    if pts == 0:
        return
    post(
        account_for_volunteer(entry.volunteer),
        kind=Kind.EARN,
        points=pts,
        ref=f"hours:{entry.pk}",
        reason=_hours_reason(entry, pts),
        station=entry.station,
        now=entry.recorded_at,
        clip=True,
    )


def earn_for_hours(entries: list[HourEntry]) -> int:
    """`on_hours_credited` for many hour entries at once (past hours loaded in bulk: an import,
    the demo's year): the same refs, amounts and clipping, entries already posted skipped, one
    insert. Holds every touched account's row lock until it commits. The count written."""
    posted = set(
        PointEntry.objects.filter(ref__in=[f"hours:{e.pk}" for e in entries]).values_list(
            "ref", flat=True
        )
    )
    by_volunteer: dict[int, list[HourEntry]] = {}
    for e in entries:
        if f"hours:{e.pk}" not in posted:
            by_volunteer.setdefault(e.volunteer_id, []).append(e)
    rows: list[PointEntry] = []
    with transaction.atomic():
        for todo in by_volunteer.values():
            opened = account_for_volunteer(todo[0].volunteer)
            acc = PointAccount.objects.select_for_update().get(pk=opened.pk)
            balance, station = acc.balance, acc.station_id
            for e in sorted(todo, key=lambda x: (x.recorded_at, x.pk)):
                pts = points_for_hours(e.hours, e.field)
                if pts == 0:
                    continue
                pts, after, shortfall = _apply(balance, pts, clip=True)
                rows.append(
                    PointEntry(
                        account=acc,
                        kind=Kind.EARN,
                        points=pts,
                        balance_after=after,
                        shortfall=shortfall,
                        ref=f"hours:{e.pk}",
                        reason=_hours_reason(e, pts)[:200],
                        station_id=e.station_id,
                        created_at=e.recorded_at,
                    )
                )
                balance, station = after, station or e.station_id
            PointAccount.objects.filter(pk=acc.pk).update(balance=balance, station_id=station)
        PointEntry.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _station_of(obj: Any) -> Station | None:
    st = getattr(obj, "station", None)
    return st if isinstance(st, Station) else None


@receiver(activity_attended, dispatch_uid="volunteer.points.activity")
def on_activity_attended(
    sender: Any, volunteer: Volunteer, activity: Any, on: dt.date | None = None, **kwargs: Any
) -> None:
    pts = _q(get_setting(keys.POINTS_PER_ACTIVITY))
    if pts <= 0:
        return
    post(
        account_for_volunteer(volunteer),
        kind=Kind.EARN,
        points=pts,
        ref=f"activity:{activity.pk}:{volunteer.pk}",
        reason=f"参加活动：{str(activity)[:150]}",
        station=_station_of(activity),
    )


@receiver(campaign_day_checked, dispatch_uid="volunteer.points.campaign")
def on_campaign_day_checked(
    sender: Any,
    campaign: Any,
    day: dt.date,
    user: Any = None,
    volunteer: Volunteer | None = None,
    **kwargs: Any,
) -> None:
    pts = _q(get_setting(keys.POINTS_PER_CHECKIN_DAY))
    if pts <= 0:
        return
    if user is not None:
        account, who = account_for_user(user), f"u{user.pk}"
    elif volunteer is not None:
        account, who = account_for_volunteer(volunteer), f"v{volunteer.pk}"
    else:
        return
    post(
        account,
        kind=Kind.EARN,
        points=pts,
        ref=f"campaign:{campaign.pk}:{who}:{day.isoformat()}",
        reason=f"打卡：{str(campaign)[:120]}（{day.month}月{day.day}日）",
        station=_station_of(campaign),
    )


# ---------------------------------------------------------------- staff scope
def managed_stations(actor: Actor) -> QuerySet[Station]:
    """The 站/所 whose points and 超市 the person manages: those whose unit they are staff of
    (站 or 所), and the 站 under a 所 they are staff of."""
    units = actor.units_by_role.get(STATION, frozenset()) | actor.units_by_role.get(
        INSTITUTE, frozenset()
    )
    institutes = actor.units_by_role.get(INSTITUTE, frozenset())
    return Station.objects.filter(Q(unit_id__in=units) | Q(parent__unit_id__in=institutes)).exclude(
        level=Station.Level.CENTRE
    )


def accounts_visible_to(actor: Actor) -> QuerySet[PointAccount]:
    """Staff: the holders of the 站/所 they manage; anyone else: their own account only."""
    stations = managed_stations(actor)
    own = Q(user_id=actor.user_id) | Q(volunteer__user_id=actor.user_id)
    if actor.user_id is None:
        return PointAccount.objects.none()
    return PointAccount.objects.filter(own | Q(station__in=stations)).distinct()


# ---------------------------------------------------------------- adjustments (two people)
def adjustment_propose(
    *,
    actor: Actor,
    account: PointAccount,
    station: Station,
    points: Any,
    reason: str,
    now: dt.datetime | None = None,
) -> PointAdjustment:
    if actor.user_id is None or not managed_stations(actor).filter(pk=station.pk).exists():
        raise PermissionDenied("只有本站/所工作人员可以提出积分调整。")
    try:
        pts = _q(points)
    except Exception:
        raise ValidationFailed(
            "调整积分应为数字，如 5 或 -3。", fields={"points": ["不是数字"]}
        ) from None
    if pts == 0 or abs(pts) > MAX_ADJUST:
        raise ValidationFailed(
            "调整积分不能为 0，且不超过 10000 分。", fields={"points": ["超出范围"]}
        )
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise ValidationFailed("请填写调整理由（最多 200 字）。", fields={"reason": ["必填"]})
    return PointAdjustment.objects.create(
        account=account,
        station=station,
        points=pts,
        reason=reason,
        proposed_by_id=actor.user_id,
        proposed_at=now or timezone.now(),
    )


def adjustment_decide(
    *, actor: Actor, adjustment_id: int, approve: bool, now: dt.datetime | None = None
) -> PointAdjustment:
    """Another staff member of the same 站/所 approves (the entry is written) or rejects."""
    now = now or timezone.now()
    with transaction.atomic():
        adj = (
            PointAdjustment.objects.select_for_update()
            .filter(pk=adjustment_id, station__in=managed_stations(actor))
            .first()
        )
        if adj is None:
            raise NotFound("没有这条积分调整，或不属于您管理的站/所。")
        if adj.status != PointAdjustment.Status.PENDING:
            raise ValidationFailed("这条积分调整已经审核过了。")
        if adj.proposed_by_id == actor.user_id:
            raise PermissionDenied("积分调整须由另一名工作人员审核，不能审核本人提出的调整。")
        if approve:
            entry, _ = post(
                adj.account,
                kind=Kind.ADJUST,
                points=adj.points,
                ref=f"adjust:{adj.pk}",
                reason=f"积分调整：{adj.reason}",
                station=adj.station,
                by_id=actor.user_id,
                now=now,
            )
            adj.entry = entry
        adj.status = PointAdjustment.Status.APPROVED if approve else PointAdjustment.Status.REJECTED
        adj.decided_by_id = actor.user_id
        adj.decided_at = now
        adj.save(update_fields=["status", "decided_by", "decided_at", "entry"])
    return adj


# ---------------------------------------------------------------- expiry (periodic)
def _months_back(when: dt.datetime, months: int) -> dt.datetime:
    y, m = divmod(when.month - 1 - months, 12)
    year, month = when.year + y, m + 1
    day = min(when.day, 28)
    return when.replace(year=year, month=month, day=day)


def expire_due(now: dt.datetime | None = None) -> int:
    """Points earned before the cutoff (now − the setting's months) and not used since expire:
    what was earned (or added) before the cutoff, less everything ever taken out, first in first
    out. One expiry entry per account and day (its ref), so a second run adds nothing."""
    months = int(get_setting(keys.POINTS_EXPIRE_MONTHS) or 0)
    if months <= 0:
        return 0
    now = now or timezone.now()
    cutoff = _months_back(now, months)
    early = (
        PointEntry.objects.filter(created_at__lt=cutoff, points__gt=0)
        .values("account_id")
        .annotate(s=Sum("points"))
    )
    n = 0
    for row in early:
        out = PointEntry.objects.filter(account_id=row["account_id"], points__lt=0).aggregate(
            s=Sum("points")
        )["s"] or Decimal("0")
        due = row["s"] + out
        if due <= 0:
            continue
        acc = PointAccount.objects.get(pk=row["account_id"])
        _, created = post(
            acc,
            kind=Kind.EXPIRE,
            points=-due,
            ref=f"expire:{acc.pk}:{now.date().isoformat()}",
            reason=f"{cutoff:%Y年%m月%d日}前获得的积分已过期",
            now=now,
            clip=True,
        )
        n += int(created)
    return n


def _next_expiry_run(now: dt.datetime | None = None) -> dt.datetime:
    """Ten past two at night, local time."""
    local = timezone.localtime(now or timezone.now())
    run = local.replace(hour=2, minute=10, second=0, microsecond=0)
    return run if run > local else run + dt.timedelta(days=1)


@on_worker_start
def schedule_expiry() -> bool:
    """Queue the next nightly run unless one is pending (core.periodic: never queued twice)."""
    return schedule_once(expire_points, run_after=_next_expiry_run())


@task()
def expire_points() -> int:
    n = expire_due()
    schedule_expiry()
    return n

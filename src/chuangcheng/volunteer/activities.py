"""文明实践活动 (activities): a 站 publishes one, volunteers sign up, the 站 approves or declines,
the approved check in and out by scanning the activity's QR code (its check-in page carrying a
secret token) within its time window and its radius; check-out turns the time between the two
scans into hours (rounded down to half an hour, capped per activity by a setting) in the hours
ledger. A 站 staff member or the organising team's leader confirms attendance for someone who
could not scan (the same ledger ref, so never twice), and voids a credit by a correction entry.

Every read starts scoped: staff see the activities of their 站 (所: its street's 站; 中心: all),
a volunteer the open ones and their own. Every refusal raises before anything is written."""

from __future__ import annotations

import datetime as dt
import hmac
import math
import secrets
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from chuangcheng.core.errors import NotFound, PermissionDenied, ValidationFailed
from chuangcheng.core.settings_store import get_setting
from chuangcheng.org.access import Actor
from chuangcheng.org.selectors import distance_m
from chuangcheng.volunteer.ledger import credit_hours
from chuangcheng.volunteer.models import (
    Activity,
    ActivityCheckin,
    ActivitySignup,
    HourEntry,
    ServiceField,
    Station,
    Team,
    Volunteer,
)
from chuangcheng.volunteer.roles import CENTRE, INSTITUTE, LEADER, STATION
from chuangcheng.volunteer.settings_keys import (
    ACTIVITY_HOURS_CAP,
    ACTIVITY_MARGIN_MIN,
    ACTIVITY_RADIUS_M,
)
from chuangcheng.volunteer.signals import activity_attended

HALF_HOUR = Decimal("0.5")
MAX_CAPACITY = 10_000
MAX_DAYS = 7  # one activity lasts at most a week


def ref_for(activity_id: int, volunteer_id: int) -> str:
    """The ledger ref of a volunteer's hours at an activity: check-out and a leader's
    confirmation share it, so an activity is credited once."""
    return f"activity:{activity_id}:{volunteer_id}"


def token_ok(act: Activity, token: Any) -> bool:
    """The QR code's token, compared in constant time (as bytes: any text may arrive)."""
    return hmac.compare_digest(str(token or "").encode(), act.token.encode())


def fmt(t: dt.datetime) -> str:
    t = timezone.localtime(t)
    return f"{t.month}月{t.day}日 {t:%H:%M}"


# ---------------------------------------------------------------- scope
def managed_stations(actor: Actor) -> QuerySet[Station]:
    """The 站/所 whose activities the person runs: a 站's staff their 站, a 所's its own and
    its street's 站, the 中心's every one."""
    if actor.is_superuser or actor.has(CENTRE):
        return Station.objects.exclude(level=Station.Level.CENTRE)
    q = Q(pk__in=[])
    zhan = actor.units_by_role.get(STATION, frozenset())
    suo = actor.units_by_role.get(INSTITUTE, frozenset())
    if zhan:
        q |= Q(unit_id__in=zhan)
    if suo:
        q |= Q(unit_id__in=suo) | Q(parent__unit_id__in=suo)
    return Station.objects.filter(q).exclude(level=Station.Level.CENTRE)


def led_teams(actor: Actor) -> QuerySet[Team]:
    return Team.objects.filter(unit_id__in=actor.units_by_role.get(LEADER, frozenset()))


def staff_activities(actor: Actor) -> QuerySet[Activity]:
    """The activities the person runs (staff) or organises (a team leader's team)."""
    q = Q(station__in=managed_stations(actor))
    if actor.has(LEADER):
        q |= Q(team__in=led_teams(actor))
    return Activity.objects.filter(q).select_related("station", "team")


def may_manage(actor: Actor, activity: Activity) -> bool:
    """Sign-ups are approved by the 站's staff (and those above it), not by a team leader."""
    return managed_stations(actor).filter(pk=activity.station_id).exists()


def may_confirm(actor: Actor, activity: Activity) -> bool:
    """Attendance and hours: the 站's staff, or the leader of the organising team."""
    if may_manage(actor, activity):
        return True
    return activity.team is not None and actor.in_unit(LEADER, activity.team.unit_id)


def staff_activity(actor: Actor, activity_id: Any) -> Activity:
    act = staff_activities(actor).filter(pk=_int(activity_id)).first()
    if act is None:
        raise NotFound("活动不存在或无权查看。")
    return act


def open_q(now: dt.datetime) -> Q:
    """Open: not yet over (its check-out margin included)."""
    return Q(ends_at__gte=now)


def volunteer_activities(v: Volunteer, now: dt.datetime | None = None) -> QuerySet[Activity]:
    """What a volunteer sees: the open activities, and the ones they signed up for."""
    now = now or timezone.now()
    return (
        Activity.objects.filter(open_q(now) | Q(signups__volunteer=v))
        .distinct()
        .select_related("station")
    )


def volunteer_activity(v: Volunteer, activity_id: Any) -> Activity:
    act = volunteer_activities(v).filter(pk=_int(activity_id)).first()
    if act is None:
        raise NotFound("活动不存在或已结束。")
    return act


def _int(raw: Any) -> int:
    s = str(raw or "").strip()
    return int(s) if s.isdecimal() and len(s) < 15 else 0


# ---------------------------------------------------------------- publish
def _float(raw: Any, name: str, label: str, lo: float, hi: float) -> float:
    try:
        value = float(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(f"请填写{label}。", fields={name: ["必须是数字"]}) from None
    if not math.isfinite(value) or not lo <= value <= hi:
        raise ValidationFailed(f"{label}超出范围。", fields={name: ["超出范围"]})
    return value


def _dt(raw: Any, name: str, label: str) -> dt.datetime:
    if isinstance(raw, dt.datetime):
        value = raw
    else:
        s = str(raw or "").strip().replace("T", " ")
        try:
            value = dt.datetime.fromisoformat(s)
        except ValueError:
            raise ValidationFailed(
                f"请填写{label}（如 2026-05-01 09:00）。", fields={name: ["时间格式不对"]}
            ) from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def activity_publish(
    *, actor: Actor, data: dict[str, Any], now: dt.datetime | None = None
) -> Activity:
    """发布活动: by the staff of the 站 it belongs to (or of the 所 / 中心 above it). The
    check-in radius and margin default to the city's settings."""
    now = now or timezone.now()
    station = managed_stations(actor).filter(pk=_int(data.get("station"))).first()
    if station is None:
        raise ValidationFailed("请选择本人负责的文明实践站。", fields={"station": ["不可选"]})
    title = str(data.get("title") or "").strip()
    if not title or len(title) > 80:
        raise ValidationFailed("请填写活动名称（最多 80 字）。", fields={"title": ["必填"]})
    field = str(data.get("field") or "")
    if field not in ServiceField.values:
        raise ValidationFailed("请选择服务领域。", fields={"field": ["必选"]})
    duties = str(data.get("duties") or "").strip()
    if not duties or len(duties) > 500:
        raise ValidationFailed("请说明志愿者做什么（最多 500 字）。", fields={"duties": ["必填"]})
    starts = _dt(data.get("starts_at"), "starts_at", "开始时间")
    ends = _dt(data.get("ends_at"), "ends_at", "结束时间")
    if ends <= starts:
        raise ValidationFailed("结束时间应晚于开始时间。", fields={"ends_at": ["早于开始"]})
    if ends - starts > dt.timedelta(days=MAX_DAYS):
        raise ValidationFailed("一次活动最长 7 天。", fields={"ends_at": ["过长"]})
    address = str(data.get("address") or "").strip()
    if not address or len(address) > 200:
        raise ValidationFailed("请填写活动地点。", fields={"address": ["必填"]})
    lat = _float(data.get("lat"), "lat", "活动地点纬度", -90, 90)
    lng = _float(data.get("lng"), "lng", "活动地点经度", -180, 180)
    capacity = _int(data.get("capacity"))
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ValidationFailed(
            f"招募人数应为 1 至 {MAX_CAPACITY} 的整数。", fields={"capacity": ["超出范围"]}
        )
    raw_radius = str(data.get("radius_m") or "").strip()
    radius = _int(raw_radius) if raw_radius else int(get_setting(ACTIVITY_RADIUS_M))
    if not 50 <= radius <= 5000:
        raise ValidationFailed("签到范围应为 50 至 5000 米。", fields={"radius_m": ["超出范围"]})
    raw_margin = str(data.get("margin_min") or "").strip()
    margin = _int(raw_margin) if raw_margin else int(get_setting(ACTIVITY_MARGIN_MIN))
    if raw_margin and (not raw_margin.isdecimal() or margin > 240):
        raise ValidationFailed(
            "签到时间余量应为 0 至 240 分钟。", fields={"margin_min": ["超出范围"]}
        )
    team = None
    if str(data.get("team") or "").strip():
        team = (
            Team.objects.filter(active=True, pk=_int(data.get("team")))
            .filter(Q(station=station) | Q(station_id=station.parent_id))
            .first()
        )
        if team is None:
            raise ValidationFailed("只能选择本站或本所的志愿服务队。", fields={"team": ["不可选"]})
    return Activity.objects.create(
        station=station,
        team=team,
        title=title,
        field=field,
        duties=duties,
        starts_at=starts,
        ends_at=ends,
        address=address,
        lat=lat,
        lng=lng,
        capacity=capacity,
        radius_m=radius,
        margin_min=margin,
        token=secrets.token_urlsafe(24),
        created_by_id=actor.user_id,
        created_at=now,
    )


# ---------------------------------------------------------------- sign-ups
def taken(activity: Activity) -> int:
    """Seats taken: every sign-up not declined."""
    return activity.signups.exclude(status=ActivitySignup.Status.DECLINED).count()


def signup(
    *, volunteer: Volunteer, activity_id: Any, now: dt.datetime | None = None
) -> tuple[ActivitySignup, bool]:
    """报名: once per activity; never past its capacity (the activity row is locked while the
    seats are counted, so concurrent sign-ups queue)."""
    now = now or timezone.now()
    with transaction.atomic():
        act = (
            Activity.objects.select_for_update()
            .filter(pk=_int(activity_id), ends_at__gte=now)
            .first()
        )
        if act is None:
            raise NotFound("活动不存在或已结束。")
        mine = ActivitySignup.objects.filter(activity=act, volunteer=volunteer).first()
        if mine is not None:
            return mine, False
        if act.starts_at <= now:
            raise ValidationFailed("活动已开始，不能再报名。")
        if taken(act) >= act.capacity:
            raise ValidationFailed(f"名额已满（招募 {act.capacity} 人）。")
        return (
            ActivitySignup.objects.create(
                activity=act,
                volunteer=volunteer,
                status=ActivitySignup.Status.PENDING,
                created_at=now,
            ),
            True,
        )


def signup_decide(
    *,
    actor: Actor,
    activity: Activity,
    signup_id: Any,
    approve: bool,
    reason: str = "",
    now: dt.datetime | None = None,
) -> ActivitySignup:
    """审核报名: approve, or decline with a reason the volunteer sees."""
    if not may_manage(actor, activity):
        raise PermissionDenied("只有活动所属站点的工作人员可以审核报名。")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationFailed("请填写未通过的理由。", fields={"reason": ["必填"]})
    if len(reason) > 200:
        raise ValidationFailed("理由最多 200 字。", fields={"reason": ["过长"]})
    with transaction.atomic():
        s = (
            ActivitySignup.objects.select_for_update()
            .filter(activity=activity, pk=_int(signup_id))
            .first()
        )
        if s is None:
            raise NotFound("没有这条报名。")
        if ActivityCheckin.objects.filter(activity=activity, volunteer_id=s.volunteer_id).exists():
            raise ValidationFailed("该志愿者已签到，不能再改审核结果。")
        s.status = ActivitySignup.Status.APPROVED if approve else ActivitySignup.Status.DECLINED
        s.reason = "" if approve else reason
        s.decided_at = now or timezone.now()
        s.decided_by_id = actor.user_id
        s.save(update_fields=["status", "reason", "decided_at", "decided_by"])
    return s


# ---------------------------------------------------------------- check-in / check-out
def hours_between(t_in: dt.datetime, t_out: dt.datetime, cap: Decimal) -> Decimal:
    """Hours from attendance: rounded down to half an hour, at most `cap`."""
    seconds = max(0, int((t_out - t_in).total_seconds()))
    halves = Decimal(seconds // 1800) * HALF_HOUR
    return min(halves, cap)


def hours_cap() -> Decimal:
    try:
        cap = Decimal(str(get_setting(ACTIVITY_HOURS_CAP)))
    except InvalidOperation:
        cap = Decimal("2")
    return (cap / HALF_HOUR).to_integral_value(rounding=ROUND_FLOOR) * HALF_HOUR


def _coord(raw: Any, name: str, lo: float, hi: float) -> float:
    try:
        value = float(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(
            "没有获取到您的位置：请允许浏览器获取位置后再试。", fields={name: ["必填"]}
        ) from None
    if not math.isfinite(value) or not lo <= value <= hi:
        raise ValidationFailed("位置数据不正确。", fields={name: ["超出范围"]})
    return value


def check(
    *,
    volunteer: Volunteer,
    activity_id: Any,
    token: str,
    kind: str,
    lat: Any,
    lng: Any,
    client_key: str = "",
    now: dt.datetime | None = None,
) -> tuple[ActivityCheckin, bool]:
    """签到 / 签退 by the activity's QR code. Refused (nothing written) without the right
    token, without an approved sign-up, outside the window (start − margin … end + margin),
    farther than the radius, or a check-out before a check-in. The same scan twice returns the
    first one (created=False). A check-out credits the hours and tells `activity_attended`, in
    its own transaction."""
    now = now or timezone.now()
    act = Activity.objects.select_related("station", "team").filter(pk=_int(activity_id)).first()
    if act is None or not token_ok(act, token):
        raise NotFound("签到二维码无效：请扫描活动现场的二维码。")
    if kind not in ActivityCheckin.Kind.values:
        raise ValidationFailed("请选择签到或签退。", fields={"kind": ["只能是 in 或 out"]})
    label = ActivityCheckin.Kind(kind).label
    approved = ActivitySignup.objects.filter(
        activity=act, volunteer=volunteer, status=ActivitySignup.Status.APPROVED
    ).exists()
    if not approved:
        raise PermissionDenied(f"您没有通过审核的报名，不能{label}。")
    previous = ActivityCheckin.objects.filter(activity=act, volunteer=volunteer, kind=kind).first()
    if previous is not None:
        return previous, False
    margin = dt.timedelta(minutes=act.margin_min)
    opens, closes = act.starts_at - margin, act.ends_at + margin
    if not opens <= now <= closes:
        raise ValidationFailed(
            f"不在{label}时间内：本活动 {fmt(opens)} 至 {fmt(closes)} 可以签到、签退。",
            fields={"at": ["不在时间内"]},
        )
    la = _coord(lat, "lat", -90, 90)
    ln = _coord(lng, "lng", -180, 180)
    dist = distance_m(la, ln, act.lat, act.lng)
    if dist > act.radius_m:
        raise ValidationFailed(
            f"您距活动地点约 {round(dist):,} 米，超出{label}范围（{act.radius_m} 米），"
            f"请到{act.address}现场{label}。",
            fields={"lat": ["距离过远"]},
        )
    first_in = None
    if kind == ActivityCheckin.Kind.OUT:
        first_in = ActivityCheckin.objects.filter(
            activity=act, volunteer=volunteer, kind=ActivityCheckin.Kind.IN
        ).first()
        if first_in is None:
            raise ValidationFailed("请先签到，再签退。")
    try:
        with transaction.atomic():
            row = ActivityCheckin.objects.create(
                activity=act,
                volunteer=volunteer,
                kind=kind,
                at=now,
                lat=la,
                lng=ln,
                distance_m=round(dist),
                client_key=(client_key or "").strip()[:64],
            )
            if first_in is not None:
                _credit_attendance(act, volunteer, first_in.at, now)
    except IntegrityError:  # the same scan at the same moment: the first one stands
        return ActivityCheckin.objects.get(activity=act, volunteer=volunteer, kind=kind), False
    return row, True


def _credit_attendance(
    act: Activity, volunteer: Volunteer, t_in: dt.datetime, t_out: dt.datetime
) -> None:
    hours = hours_between(t_in, t_out, hours_cap())
    if hours > 0:
        credit_hours(
            volunteer=volunteer,
            hours=hours,
            source=HourEntry.Source.CHECKIN,
            ref=ref_for(act.pk, volunteer.pk),
            field=act.field,
            content=f"活动：{act.title}",
            station=act.station,
            team=act.team,
            served_on=timezone.localdate(t_in),
            now=t_out,
        )
    activity_attended.send(
        sender=Activity, volunteer=volunteer, activity=act, on=timezone.localdate(t_in)
    )


# ---------------------------------------------------------------- leader confirmation, void
def _hours(raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            "请填写服务时长（小时）。", fields={"hours": ["必须是数字"]}
        ) from None
    if not value.is_finite() or value <= 0:
        raise ValidationFailed("服务时长应大于 0 小时。", fields={"hours": ["应大于 0"]})
    return value


def confirm_attendance(
    *,
    actor: Actor,
    activity: Activity,
    volunteer_id: Any,
    hours: Any,
    note: str = "",
    now: dt.datetime | None = None,
) -> HourEntry:
    """确认出勤: for an approved volunteer who could not scan. Hours rounded down to half an
    hour and capped like a check-out's; the same ref as a check-out's, so never twice."""
    now = now or timezone.now()
    if not may_confirm(actor, activity):
        raise PermissionDenied("只有活动所属站点的工作人员或组织队伍的队长可以确认出勤。")
    if activity.starts_at > now:
        raise ValidationFailed("活动还没开始，不能确认出勤。")
    s = (
        ActivitySignup.objects.select_related("volunteer")
        .filter(
            activity=activity,
            volunteer_id=_int(volunteer_id),
            status=ActivitySignup.Status.APPROVED,
        )
        .first()
    )
    if s is None:
        raise ValidationFailed(
            "只能为报名已通过的志愿者确认出勤。", fields={"volunteer": ["不可选"]}
        )
    value = _hours(hours)
    cap = hours_cap()
    value = min((value / HALF_HOUR).to_integral_value(rounding=ROUND_FLOOR) * HALF_HOUR, cap)
    if value <= 0:
        raise ValidationFailed("服务时长至少 0.5 小时。", fields={"hours": ["过短"]})
    note = (note or "").strip()[:100]
    with transaction.atomic():
        entry, created = credit_hours(
            volunteer=s.volunteer,
            hours=value,
            source=HourEntry.Source.LEADER,
            ref=ref_for(activity.pk, s.volunteer_id),
            field=activity.field,
            content=f"活动：{activity.title}（负责人确认{('：' + note) if note else ''}）",
            station=activity.station,
            team=activity.team,
            served_on=timezone.localdate(activity.starts_at),
            by_id=actor.user_id,
            now=now,
        )
        if not created:
            raise ValidationFailed("该志愿者本次活动的时长已经记录，不能重复确认。")
        activity_attended.send(
            sender=Activity,
            volunteer=s.volunteer,
            activity=activity,
            on=timezone.localdate(activity.starts_at),
        )
    return entry


def void_credit(
    *,
    actor: Actor,
    activity: Activity,
    entry_id: Any,
    reason: str,
    now: dt.datetime | None = None,
) -> HourEntry:
    """作废: a correction entry with the negative hours and the reason (the ledger is never
    edited). Once per entry."""
    if not may_confirm(actor, activity):
        raise PermissionDenied("只有活动所属站点的工作人员或组织队伍的队长可以更正时长。")
    reason = (reason or "").strip()
    if not reason or len(reason) > 100:
        raise ValidationFailed("请填写更正理由（最多 100 字）。", fields={"reason": ["必填"]})
    entry = (
        HourEntry.objects.filter(
            pk=_int(entry_id),
            ref__startswith=f"activity:{activity.pk}:",
            source__in=[HourEntry.Source.CHECKIN, HourEntry.Source.LEADER],
        )
        .select_related("volunteer", "station", "team")
        .first()
    )
    if entry is None:
        raise NotFound("没有这条活动时长记录。")
    fix, created = credit_hours(
        volunteer=entry.volunteer,
        hours=-entry.hours,
        source=HourEntry.Source.CORRECTION,
        ref=f"void:{entry.pk}",
        field=entry.field,
        content=f"更正：{reason}",
        station=entry.station,
        team=entry.team,
        served_on=entry.served_on,
        by_id=actor.user_id,
        now=now,
    )
    if not created:
        raise ValidationFailed("这条记录已经更正过了。")
    return fix


# ---------------------------------------------------------------- reads for pages
def roster(activity: Activity) -> list[dict[str, Any]]:
    """Each sign-up with its scans and the hours entries of the activity."""
    scans: dict[int, dict[str, ActivityCheckin]] = {}
    for c in activity.checkins.all():
        scans.setdefault(c.volunteer_id, {})[c.kind] = c
    prefix = f"activity:{activity.pk}:"
    entries: dict[int, HourEntry] = {
        e.volunteer_id: e for e in HourEntry.objects.filter(ref__startswith=prefix)
    }
    voided = set(
        HourEntry.objects.filter(ref__in=[f"void:{e.pk}" for e in entries.values()]).values_list(
            "ref", flat=True
        )
    )
    rows = []
    for s in activity.signups.select_related("volunteer").order_by("created_at", "pk"):
        entry = entries.get(s.volunteer_id)
        rows.append(
            {
                "signup": s,
                "volunteer": s.volunteer,
                "in": scans.get(s.volunteer_id, {}).get("in"),
                "out": scans.get(s.volunteer_id, {}).get("out"),
                "entry": entry,
                "voided": entry is not None and f"void:{entry.pk}" in voided,
            }
        )
    return rows


def with_counts(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    return qs.annotate(
        n_signed=Count("signups", filter=~Q(signups__status=ActivitySignup.Status.DECLINED)),
        n_pending=Count("signups", filter=Q(signups__status=ActivitySignup.Status.PENDING)),
    )


def my_activities(v: Volunteer) -> list[dict[str, Any]]:
    """A volunteer's own activities: signed up, attended, hours each (voids included)."""
    signups = list(
        ActivitySignup.objects.filter(volunteer=v)
        .select_related("activity__station")
        .order_by("-activity__starts_at")[:50]
    )
    ids = [s.activity_id for s in signups]
    refs = {ref_for(a, v.pk): a for a in ids}
    entries = {refs[e.ref]: e for e in HourEntry.objects.filter(volunteer=v, ref__in=list(refs))}
    voids = dict(
        HourEntry.objects.filter(ref__in=[f"void:{e.pk}" for e in entries.values()]).values_list(
            "ref", "hours"
        )
    )
    scans: dict[int, set[str]] = {}
    for a, k in ActivityCheckin.objects.filter(volunteer=v, activity_id__in=ids).values_list(
        "activity_id", "kind"
    ):
        scans.setdefault(a, set()).add(k)
    out = []
    for s in signups:
        e = entries.get(s.activity_id)
        hours = Decimal("0")
        if e is not None:
            hours = e.hours + voids.get(f"void:{e.pk}", Decimal("0"))
        done = scans.get(s.activity_id, set())
        out.append(
            {
                "signup": s,
                "activity": s.activity,
                "checked_in": "in" in done,
                "checked_out": "out" in done,
                "attended": e is not None or "out" in done,
                "hours": hours,
            }
        )
    return out

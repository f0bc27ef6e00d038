"""文明实践活动 pages. Staff (站/所/中心, and a team leader for the activities their team
organises): the list, 发布活动, one activity with its QR code, sign-ups to approve, who checked
in and out, hours to confirm or void. A volunteer (phone-sized): open activities, 报名, and the
check-in page the QR code opens (签到 / 签退 with the phone's position)."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from chuangcheng.core.errors import DomainError, NotFound, PermissionDenied
from chuangcheng.core.settings_store import get_setting
from chuangcheng.org.access import Actor
from chuangcheng.volunteer import activities as svc
from chuangcheng.volunteer.models import (
    Activity,
    ActivityCheckin,
    HourEntry,
    ServiceField,
    Team,
    Volunteer,
)
from chuangcheng.volunteer.roles import LEADER, QUEUE_ROLES, VOLUNTEER_ROLES
from chuangcheng.volunteer.services import volunteer_of
from chuangcheng.volunteer.settings_keys import ACTIVITY_MARGIN_MIN, ACTIVITY_RADIUS_M
from chuangcheng.web.access import page

STAFF_ROLES = (*sorted(QUEUE_ROLES), LEADER)
FORM_FIELDS = (
    "station",
    "team",
    "title",
    "field",
    "duties",
    "starts_at",
    "ends_at",
    "address",
    "lat",
    "lng",
    "capacity",
    "radius_m",
    "margin_min",
)


def checkin_url(request: HttpRequest, act: Activity) -> str:
    return request.build_absolute_uri(reverse("volunteer:act_checkin", args=[act.pk, act.token]))


# ---------------------------------------------------------------- staff
@page(*STAFF_ROLES)
def staff_list(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    now = timezone.now()
    when = request.GET.get("when", "open")
    qs = svc.with_counts(svc.staff_activities(actor))
    if when == "open":
        qs = qs.filter(ends_at__gte=now).order_by("starts_at", "pk")
    else:
        when = "all"
        qs = qs.order_by("-starts_at", "-pk")
    return render(
        request,
        "volunteer/activities.html",
        {
            "rows": list(qs[:300]),
            "when": when,
            "may_publish": svc.managed_stations(actor).exists(),
        },
    )


@page(*sorted(QUEUE_ROLES))
def staff_new(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    stations = list(svc.managed_stations(actor).order_by("code"))
    if not stations:
        raise PermissionDenied("您没有负责的文明实践站，不能发布活动。")
    teams = list(
        Team.objects.filter(
            active=True, station__in=stations + [s.parent for s in stations if s.parent]
        )
        .select_related("station")
        .order_by("station__code", "name")
    )
    start = timezone.localtime(timezone.now() + dt.timedelta(days=3)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    values: dict[str, str] = {
        "station": str(stations[0].pk),
        "starts_at": f"{start:%Y-%m-%dT%H:%M}",
        "ends_at": f"{start + dt.timedelta(hours=2):%Y-%m-%dT%H:%M}",
        "capacity": "20",
        "radius_m": str(get_setting(ACTIVITY_RADIUS_M)),
        "margin_min": str(get_setting(ACTIVITY_MARGIN_MIN)),
    }
    error, status = None, 200
    if request.method == "POST":
        values = {k: str(request.POST.get(k) or "") for k in FORM_FIELDS}
        try:
            act = svc.activity_publish(actor=actor, data=values)
        except DomainError as exc:
            error, status = exc, exc.status_code
        else:
            messages.success(request, f"活动“{act.title}”已发布。")
            return redirect(reverse("volunteer:act_detail", args=[act.pk]))
    return render(
        request,
        "volunteer/activity_new.html",
        {
            "stations": stations,
            "teams": teams,
            "fields": ServiceField.choices,
            "v": values,
            "error": error,
        },
        status=status,
    )


def _detail_context(request: HttpRequest, actor: Actor, act: Activity) -> dict[str, Any]:
    url = checkin_url(request, act)
    return {
        "act": act,
        "rows": svc.roster(act),
        "taken": svc.taken(act),
        "may_manage": svc.may_manage(actor, act),
        "may_confirm": svc.may_confirm(actor, act),
        "checkin_url": url,
        "qr": segno.make(url, error="m").svg_inline(scale=5, dark="#1f2933", light="#ffffff"),
        "window": (
            act.starts_at - dt.timedelta(minutes=act.margin_min),
            act.ends_at + dt.timedelta(minutes=act.margin_min),
        ),
    }


@page(*STAFF_ROLES)
def staff_detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    act = svc.staff_activity(actor, activity_id)
    return render(request, "volunteer/activity.html", _detail_context(request, actor, act))


@page(*STAFF_ROLES)
def staff_qr(request: HttpRequest, activity_id: int) -> HttpResponse:
    """The check-in QR code as an SVG file to print (with the activity's title beneath)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    act = svc.staff_activity(actor, activity_id)
    buf = io.BytesIO()
    segno.make(checkin_url(request, act), error="m").save(
        buf, kind="svg", scale=10, border=4, title=f"签到二维码：{act.title}"
    )
    resp = HttpResponse(buf.getvalue(), content_type="image/svg+xml")
    resp["Content-Disposition"] = f'inline; filename="activity-{act.pk}-qr.svg"'
    resp["Cache-Control"] = "private, no-store"
    return resp


def _staff_post(request: HttpRequest, activity_id: int, action: Any) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    act = svc.staff_activity(actor, activity_id)
    try:
        done = action(actor, act)
    except DomainError as exc:
        if isinstance(exc, NotFound | PermissionDenied):
            raise
        ctx = _detail_context(request, actor, act)
        ctx["error"] = exc
        return render(request, "volunteer/activity.html", ctx, status=exc.status_code)
    messages.success(request, done)
    return redirect(reverse("volunteer:act_detail", args=[act.pk]))


@require_POST
@page(*STAFF_ROLES)
def staff_decide(request: HttpRequest, activity_id: int) -> HttpResponse:
    def action(actor: Actor, act: Activity) -> str:
        approve = request.POST.get("decision") == "approve"
        s = svc.signup_decide(
            actor=actor,
            activity=act,
            signup_id=request.POST.get("signup"),
            approve=approve,
            reason=str(request.POST.get("reason") or ""),
        )
        return f"已{'通过' if approve else '不通过'} {s.volunteer.name} 的报名。"

    return _staff_post(request, activity_id, action)


@require_POST
@page(*STAFF_ROLES)
def staff_confirm(request: HttpRequest, activity_id: int) -> HttpResponse:
    def action(actor: Actor, act: Activity) -> str:
        e = svc.confirm_attendance(
            actor=actor,
            activity=act,
            volunteer_id=request.POST.get("volunteer"),
            hours=request.POST.get("hours"),
            note=str(request.POST.get("note") or ""),
        )
        return f"已确认 {e.volunteer.name} 出勤，记录 {e.hours} 小时。"

    return _staff_post(request, activity_id, action)


@require_POST
@page(*STAFF_ROLES)
def staff_void(request: HttpRequest, activity_id: int) -> HttpResponse:
    def action(actor: Actor, act: Activity) -> str:
        e = svc.void_credit(
            actor=actor,
            activity=act,
            entry_id=request.POST.get("entry"),
            reason=str(request.POST.get("reason") or ""),
        )
        return f"已更正：{e.volunteer.name} 减记 {-e.hours} 小时。"

    return _staff_post(request, activity_id, action)


# ---------------------------------------------------------------- volunteer (phone)
def _volunteer(actor: Actor) -> Volunteer:
    v = volunteer_of(actor)
    if v is None:
        raise PermissionDenied("请先实名注册为志愿者。")
    return v


@page(*VOLUNTEER_ROLES, mobile=True)
def m_list(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    v = _volunteer(actor)
    now = timezone.now()
    acts = list(
        svc.with_counts(svc.volunteer_activities(v, now).filter(ends_at__gte=now)).order_by(
            "starts_at", "pk"
        )[:100]
    )
    mine = {s.activity_id: s for s in v.signups.filter(activity_id__in=[a.pk for a in acts])}
    return render(
        request,
        "volunteer/m/activities.html",
        {"rows": [{"act": a, "mine": mine.get(a.pk)} for a in acts]},
    )


def _m_context(v: Volunteer, act: Activity) -> dict[str, Any]:
    return {
        "act": act,
        "mine": v.signups.filter(activity=act).first(),
        "taken": svc.taken(act),
        "now": timezone.now(),
    }


@page(*VOLUNTEER_ROLES, mobile=True)
def m_detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    v = _volunteer(actor)
    act = svc.volunteer_activity(v, activity_id)
    return render(request, "volunteer/m/activity.html", _m_context(v, act))


@require_POST
@page(*VOLUNTEER_ROLES, mobile=True)
def m_signup(request: HttpRequest, activity_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    v = _volunteer(actor)
    act = svc.volunteer_activity(v, activity_id)
    try:
        _, created = svc.signup(volunteer=v, activity_id=act.pk)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        ctx = _m_context(v, act) | {"error": exc}
        return render(request, "volunteer/m/activity.html", ctx, status=exc.status_code)
    messages.success(request, "报名成功，请等待站点审核。" if created else "您已报名。")
    return redirect(reverse("volunteer:m_activity", args=[act.pk]))


@page(*VOLUNTEER_ROLES, mobile=True)
def m_checkin(request: HttpRequest, activity_id: int, token: str) -> HttpResponse:
    """The QR code's page: 签到 / 签退 with the phone's position (static/volunteer/checkin.js
    fills lat and lng)."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    v = _volunteer(actor)
    act = Activity.objects.select_related("station").filter(pk=activity_id).first()
    if act is None or not svc.token_ok(act, token):
        raise NotFound("签到二维码无效：请扫描活动现场的二维码。")
    error, status, done = None, 200, None
    if request.method == "POST":
        try:
            row, created = svc.check(
                volunteer=v,
                activity_id=act.pk,
                token=token,
                kind=str(request.POST.get("kind") or ""),
                lat=request.POST.get("lat"),
                lng=request.POST.get("lng"),
                client_key=str(request.POST.get("client_key") or ""),
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            error, status = exc, exc.status_code
        else:
            label = row.get_kind_display()
            messages.success(
                request,
                f"{label}成功（{svc.fmt(row.at)}）。" if created else f"您已{label}过了。",
            )
            return redirect(reverse("volunteer:act_checkin", args=[act.pk, token]))
    scans = {c.kind: c for c in ActivityCheckin.objects.filter(activity=act, volunteer=v)}
    done = scans.get("out")
    entry = None
    if done is not None:
        entry = HourEntry.objects.filter(ref=svc.ref_for(act.pk, v.pk)).first()
    return render(
        request,
        "volunteer/m/checkin.html",
        {
            "act": act,
            "mine": v.signups.filter(activity=act).first(),
            "scan_in": scans.get("in"),
            "scan_out": done,
            "entry": entry,
            "error": error,
            "client_key": uuid.uuid4().hex,
        },
        status=status,
    )

"""百日打卡 pages. On the phone (residents and volunteers): the campaigns, one campaign with
today's task and the check-in button, my calendar and streaks, the leaderboard. For the 中心/所
staff: create and edit a campaign, its participation per day, remove an improper photo."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from chuangcheng.core.errors import DomainError, NotFound, ValidationFailed
from chuangcheng.org.access import Actor
from chuangcheng.volunteer import campaigns as svc
from chuangcheng.volunteer.models import Campaign, CampaignCheckin, CampaignParticipant, Station
from chuangcheng.web.access import page

PARTICIPANT = tuple(sorted(svc.PARTICIPANT_ROLES))
STAFF = tuple(sorted(svc.CAMPAIGN_STAFF_ROLES))


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined]


# ---------------------------------------------------------------- phone pages
@page(*PARTICIPANT, mobile=True)
def m_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    today = timezone.localdate()
    rows = [
        {"c": c, "running": svc.is_running(c, today), "last": svc.last_day(c)}
        for c in svc.campaigns_open(actor).order_by("-start", "pk")[:50]
    ]
    return render(request, "volunteer/m/campaigns.html", {"rows": rows})


def _campaign_ctx(actor: Actor, c: Campaign, **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    uid = actor.user_id or 0
    days = svc.my_days(c, uid)
    return {
        "c": c,
        "today": today,
        "n": svc.day_number(c, today),
        "last": svc.last_day(c),
        "task": svc.task_for(c, today),
        "running": svc.is_running(c, today),
        "joined": CampaignParticipant.objects.filter(campaign=c, user_id=uid).exists(),
        "checked_today": today in days,
        "streaks": svc.streaks(days, today, svc.last_day(c)),
        **extra,
    }


@page(*PARTICIPANT, mobile=True)
def m_campaign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """活动页: today's task, 打卡 (a photo and a note), my streaks."""
    actor = _actor(request)
    c = svc.campaign_open(actor, campaign_id)
    return render(request, "volunteer/m/campaign.html", _campaign_ctx(actor, c))


@require_POST
@page(*PARTICIPANT, mobile=True)
def m_join(request: HttpRequest, campaign_id: int) -> HttpResponse:
    actor = _actor(request)
    c = svc.campaign_open(actor, campaign_id)
    try:
        svc.join(actor=actor, campaign=c, user=request.user)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        ctx = _campaign_ctx(actor, c, error=exc)
        return render(request, "volunteer/m/campaign.html", ctx, status=exc.status_code)
    messages.success(request, "报名成功，每天记得打卡！")
    return redirect(reverse("volunteer:m_campaign", args=[c.pk]))


@require_POST
@page(*PARTICIPANT, mobile=True)
def m_checkin(request: HttpRequest, campaign_id: int) -> HttpResponse:
    actor = _actor(request)
    c = svc.campaign_open(actor, campaign_id)
    try:
        day = None
        if request.POST.get("day"):
            try:
                day = dt.date.fromisoformat(str(request.POST["day"]))
            except ValueError:
                raise ValidationFailed("打卡日期格式不对。", fields={"day": ["日期不对"]}) from None
        result = svc.check_in(
            actor=actor,
            campaign=c,
            user=request.user,
            photo=request.FILES.get("photo"),
            note=str(request.POST.get("note") or ""),
            day=day,
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        ctx = _campaign_ctx(actor, c, error=exc)
        return render(request, "volunteer/m/campaign.html", ctx, status=exc.status_code)
    messages.success(request, "打卡成功！" if result.created else "今天已经打过卡了。")
    return redirect(reverse("volunteer:m_campaign", args=[c.pk]))


@page(*PARTICIPANT, mobile=True)
def m_calendar(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """我的打卡日历."""
    actor = _actor(request)
    c = svc.campaign_open(actor, campaign_id)
    today = timezone.localdate()
    days = svc.calendar(c, actor.user_id or 0, today)
    mine = {
        r.day: r
        for r in CampaignCheckin.objects.filter(campaign=c, user_id=actor.user_id or 0).order_by(
            "day"
        )
    }
    return render(
        request,
        "volunteer/m/campaign_calendar.html",
        {
            "c": c,
            "days": days,
            "mine": [mine[d] for d in sorted(mine, reverse=True)][:30],
            "streaks": svc.streaks(mine, today, svc.last_day(c)),
        },
    )


@page(*PARTICIPANT, mobile=True)
def m_board(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """排行榜 (names masked)."""
    actor = _actor(request)
    c = svc.campaign_open(actor, campaign_id)
    rows = svc.leaderboard(c, timezone.localdate())
    me = next((r for r in rows if r["user_id"] == actor.user_id), None)
    return render(request, "volunteer/m/campaign_board.html", {"c": c, "rows": rows, "me": me})


@page(*PARTICIPANT, *STAFF, mobile=True)
def photo(request: HttpRequest, token: str) -> FileResponse:
    """A check-in photo: to the person who took it, or the campaign's staff."""
    row = svc.photo_for(_actor(request), token)
    response = FileResponse(row.photo.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------- staff pages
@page(*STAFF)
def staff_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    today = timezone.localdate()
    rows = [
        {"c": c, "running": svc.is_running(c, today), "last": svc.last_day(c)}
        for c in svc.campaigns_for_staff(actor).order_by("-start", "pk")
    ]
    return render(request, "volunteer/campaigns.html", {"rows": rows})


def _form_stations(actor: Actor) -> list[Station]:
    return list(svc.staff_stations(actor).exclude(level=Station.Level.STATION).order_by("code"))


def _form(request: HttpRequest, c: Campaign | None) -> HttpResponse:
    actor = _actor(request)
    stations = _form_stations(actor)
    if c is not None:
        values = {
            "station": str(c.station_id),
            "title": c.title,
            "description": c.description,
            "start": c.start.isoformat(),
            "days": str(c.days),
            "tasks": "\n".join(c.tasks),
        }
    else:
        values = {
            "station": str(stations[0].pk) if stations else "",
            "title": "",
            "description": "",
            "start": timezone.localdate().isoformat(),
            "days": "100",
            "tasks": "",
        }
    error, status = None, 200
    if request.method == "POST":
        values = {k: str(request.POST.get(k) or "") for k in values}
        try:
            if c is None:
                station = next((s for s in stations if str(s.pk) == values["station"]), None)
                if station is None:
                    raise ValidationFailed("请选择主办单位。", fields={"station": ["必选"]})
                c = svc.campaign_create(actor=actor, station=station, data=values)
                messages.success(request, "打卡活动已创建。")
            else:
                svc.campaign_update(actor=actor, campaign=c, data=values)
                messages.success(request, "打卡活动已保存。")
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            error, status = exc, exc.status_code
        else:
            return redirect(reverse("volunteer:campaign", args=[c.pk]))
    return render(
        request,
        "volunteer/campaign_form.html",
        {"c": c, "v": values, "stations": stations, "error": error},
        status=status,
    )


@page(*STAFF)
def staff_new(request: HttpRequest) -> HttpResponse:
    return _form(request, None)


@page(*STAFF)
def staff_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _form(request, svc.campaign_for_staff(_actor(request), campaign_id))


@page(*STAFF)
def staff_campaign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """每日参与: the count per day; one day's check-ins with their photos (?day=)."""
    actor = _actor(request)
    c = svc.campaign_for_staff(actor, campaign_id)
    per_day = svc.participation(c)
    raw = str(request.GET.get("day") or "")
    day = per_day[-1]["day"] if per_day else None
    if raw:
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise ValidationFailed(
                "日期格式应为 YYYY-MM-DD。", fields={"day": ["日期不对"]}
            ) from None
    checkins = (
        list(
            CampaignCheckin.objects.filter(campaign=c, day=day)
            .select_related("participant", "photo_removed_by")
            .order_by("checked_at")[:200]
        )
        if day
        else []
    )
    return render(
        request,
        "volunteer/campaign.html",
        {
            "c": c,
            "last": svc.last_day(c),
            "per_day": per_day,
            "day": day,
            "checkins": checkins,
            "participants": CampaignParticipant.objects.filter(campaign=c).count(),
        },
    )


@require_POST
@page(*STAFF)
def staff_remove_photo(request: HttpRequest, checkin_id: int) -> HttpResponse:
    actor = _actor(request)
    row = svc.remove_photo(
        actor=actor, checkin_id=checkin_id, reason=str(request.POST.get("reason") or "")
    )
    messages.success(request, "照片已撤下，撤下记录已保存。")
    return redirect(f"{reverse('volunteer:campaign', args=[row.campaign_id])}?day={row.day}")

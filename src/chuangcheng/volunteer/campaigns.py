"""百日打卡 (a check-in campaign, ADR 0030): a 中心 or 所 runs it; residents and volunteers join
and check in once a day with a photo. Streaks, the leaderboard and the per-day participation are
computed from the check-ins (no counter kept beside them). A check-in sends
`campaign_day_checked` inside its transaction (the points rules listen)."""

from __future__ import annotations

import datetime as dt
import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from PIL import Image, ImageOps

from chuangcheng.core.errors import NotFound, PermissionDenied, ValidationFailed
from chuangcheng.core.privacy import mask_name
from chuangcheng.core.uploads import check_upload
from chuangcheng.org.access import Actor
from chuangcheng.volunteer.models import (
    Campaign,
    CampaignCheckin,
    CampaignParticipant,
    Station,
    Volunteer,
)
from chuangcheng.volunteer.roles import CENTRE, INSTITUTE, LEADER, RESIDENT, VOLUNTEER
from chuangcheng.volunteer.signals import campaign_day_checked

# who takes part (phone pages) and who runs campaigns (staff pages)
PARTICIPANT_ROLES = frozenset({RESIDENT, VOLUNTEER, LEADER})
CAMPAIGN_STAFF_ROLES = frozenset({CENTRE, INSTITUTE})
MAX_DAYS = 366
MAX_TASKS = 100
PHOTO_PX = 1600  # the longer side of a kept photo
PHOTO_QUALITY = 82


# ---------------------------------------------------------------- the days of a campaign
def last_day(c: Campaign) -> dt.date:
    return c.start + dt.timedelta(days=c.days - 1)


def day_number(c: Campaign, day: dt.date) -> int:
    """1 for the first day; 0 or less before it, more than `days` after it."""
    return (day - c.start).days + 1


def task_for(c: Campaign, day: dt.date) -> str:
    """The task of `day` (the list repeats); '' outside the campaign."""
    n = day_number(c, day)
    if not c.tasks or not 1 <= n <= c.days:
        return ""
    return str(c.tasks[(n - 1) % len(c.tasks)])


def is_running(c: Campaign, today: dt.date) -> bool:
    return c.start <= today <= last_day(c)


# ---------------------------------------------------------------- who may see which campaign
def staff_stations(actor: Actor, roles: Iterable[str] = CAMPAIGN_STAFF_ROLES) -> QuerySet[Station]:
    """The 中心/所/站 at or under the units where the person holds one of `roles`."""
    if actor.is_superuser:
        return Station.objects.all()
    units: set[int] = set()
    for role in roles:
        units |= actor.units_by_role.get(role, frozenset())
    if not units:
        return Station.objects.none()
    return Station.objects.filter(
        Q(unit_id__in=units) | Q(parent__unit_id__in=units) | Q(parent__parent__unit_id__in=units)
    )


def campaigns_for_staff(actor: Actor) -> QuerySet[Campaign]:
    """The campaigns a 中心/所 runs, or a 所 under the 中心 runs."""
    return Campaign.objects.filter(station__in=staff_stations(actor)).select_related("station")


def campaign_for_staff(actor: Actor, campaign_id: int) -> Campaign:
    c = campaigns_for_staff(actor).filter(pk=campaign_id).first()
    if c is None:
        raise NotFound("打卡活动不存在或无权查看。")
    return c


def campaigns_open(actor: Actor) -> QuerySet[Campaign]:
    """What a resident or volunteer may join: every campaign (they are public)."""
    if not actor.roles & PARTICIPANT_ROLES and not actor.is_superuser:
        return Campaign.objects.none()
    return Campaign.objects.select_related("station")


def campaign_open(actor: Actor, campaign_id: int) -> Campaign:
    c = campaigns_open(actor).filter(pk=campaign_id).first()
    if c is None:
        raise NotFound("打卡活动不存在。")
    return c


# ---------------------------------------------------------------- creating and editing
def _no_nul(*texts: str) -> None:
    if any("\x00" in t for t in texts):
        raise ValidationFailed("输入含有无效字符，请重新填写。")


def _clean(data: dict[str, Any], today: dt.date) -> dict[str, Any]:
    _no_nul(*(str(v) for v in data.values()))
    title = str(data.get("title") or "").strip()
    if not title or len(title) > 60:
        raise ValidationFailed("请填写活动名称（最多 60 字）。", fields={"title": ["必填"]})
    description = str(data.get("description") or "").strip()
    if len(description) > 500:
        raise ValidationFailed("活动说明最多 500 字。", fields={"description": ["过长"]})
    raw_start = str(data.get("start") or "").strip()
    try:
        start = dt.date.fromisoformat(raw_start)
    except ValueError:
        raise ValidationFailed(
            "开始日期格式应为 YYYY-MM-DD，例如 2026-12-01。", fields={"start": ["日期不对"]}
        ) from None
    raw_days = str(data.get("days") or "").strip()
    if not raw_days.isdigit() or not 1 <= int(raw_days) <= MAX_DAYS:
        raise ValidationFailed(
            f"活动天数应为 1 到 {MAX_DAYS} 之间的整数。", fields={"days": ["天数不对"]}
        )
    raw_tasks = data.get("tasks") or ""
    lines = raw_tasks if isinstance(raw_tasks, list) else str(raw_tasks).splitlines()
    tasks = [str(t).strip() for t in lines if str(t).strip()]
    if not tasks:
        raise ValidationFailed(
            "请至少填写一项每日任务（每行一项，按天轮换）。", fields={"tasks": ["必填"]}
        )
    if len(tasks) > MAX_TASKS or any(len(t) > 60 for t in tasks):
        raise ValidationFailed(
            f"每日任务最多 {MAX_TASKS} 项，每项最多 60 字。", fields={"tasks": ["过长"]}
        )
    return {
        "title": title,
        "description": description,
        "start": start,
        "days": int(raw_days),
        "tasks": tasks,
    }


def campaign_create(
    *, actor: Actor, station: Station, data: dict[str, Any], now: dt.datetime | None = None
) -> Campaign:
    """A 中心 or 所 starts a campaign (its own, or one of a 所 under the 中心)."""
    now = now or timezone.now()
    if station.level == Station.Level.STATION:
        raise ValidationFailed("打卡活动由文明实践中心或所发起。", fields={"station": ["不能选站"]})
    if not staff_stations(actor).filter(pk=station.pk).exists():
        raise PermissionDenied("您无权为该单位发起打卡活动。")
    fields = _clean(data, timezone.localdate(now))
    return Campaign.objects.create(
        station=station, created_by_id=actor.user_id, created_at=now, **fields
    )


def campaign_update(*, actor: Actor, campaign: Campaign, data: dict[str, Any]) -> Campaign:
    """Title, text, dates and tasks may change; days already checked stay checked (a later
    start leaves earlier check-ins outside the campaign's days: they no longer count)."""
    campaign_for_staff(actor, campaign.pk)
    fields = _clean(data, timezone.localdate())
    for k, v in fields.items():
        setattr(campaign, k, v)
    campaign.save(update_fields=list(fields))
    return campaign


# ---------------------------------------------------------------- taking part
def _volunteer(actor: Actor) -> Volunteer | None:
    if actor.user_id is None:
        return None
    return Volunteer.objects.filter(user_id=actor.user_id).first()


def join(
    *, actor: Actor, campaign: Campaign, user: Any, now: dt.datetime | None = None
) -> tuple[CampaignParticipant, bool]:
    """报名 (idempotent): the same person twice is one participant."""
    if not actor.roles & PARTICIPANT_ROLES or actor.user_id is None:
        raise PermissionDenied("请以居民或志愿者身份登录后参加打卡活动。")
    now = now or timezone.now()
    if timezone.localdate(now) > last_day(campaign):
        raise ValidationFailed("该打卡活动已结束。")
    found = CampaignParticipant.objects.filter(campaign=campaign, user_id=actor.user_id).first()
    if found is not None:
        return found, False
    v = _volunteer(actor)
    name = (v.name if v else "") or getattr(user, "first_name", "") or getattr(user, "username", "")
    try:
        with transaction.atomic():
            p = CampaignParticipant.objects.create(
                campaign=campaign,
                user_id=actor.user_id,
                volunteer=v,
                display_name=name[:40],
                joined_at=now,
            )
    except IntegrityError:  # joined twice at once
        return CampaignParticipant.objects.get(campaign=campaign, user_id=actor.user_id), False
    return p, True


def clean_photo(upload: IO[bytes], name: str = "") -> bytes:
    """The photo re-encoded as a JPEG: turned upright, scaled down to PHOTO_PX, without its
    EXIF (place, device, time), whatever image format it came in."""
    checked = check_upload(upload, name=name, field="photo")
    if checked.content_type == "application/pdf":
        raise ValidationFailed(
            "打卡照片须为图片（JPG、PNG、WebP）。", fields={"photo": ["不是图片"]}
        )
    try:
        with Image.open(upload) as src:
            img: Image.Image = ImageOps.exif_transpose(src) or src
            img = img.convert("RGB")
            img.thumbnail((PHOTO_PX, PHOTO_PX))
            out = io.BytesIO()
            img.save(out, format="JPEG", quality=PHOTO_QUALITY)  # no exif= : none kept
    except (OSError, ValueError, SyntaxError):
        raise ValidationFailed(
            "无法读取这张照片，请换一张。", fields={"photo": ["无法读取"]}
        ) from None
    return out.getvalue()


@dataclass(frozen=True)
class CheckinResult:
    checkin: CampaignCheckin
    created: bool


def check_in(
    *,
    actor: Actor,
    campaign: Campaign,
    user: Any,
    photo: IO[bytes] | None,
    note: str = "",
    day: dt.date | None = None,
    now: dt.datetime | None = None,
) -> CheckinResult:
    """今日打卡: joins if need be; the same day twice (or twice at once) is one check-in, the
    second answer created=False. Only today may be checked, inside the campaign's days."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    day = day or today
    if day > today:
        raise ValidationFailed("还不能提前打卡，请在当天打卡。", fields={"day": ["晚于今天"]})
    if day < today:
        raise ValidationFailed("该日已过，不能补打卡。", fields={"day": ["早于今天"]})
    if day < campaign.start:
        raise ValidationFailed(
            f"活动从 {campaign.start.year}年{campaign.start.month}月{campaign.start.day}日开始，尚未开始打卡。",
            fields={"day": ["活动未开始"]},
        )
    if day > last_day(campaign):
        raise ValidationFailed("该打卡活动已结束。", fields={"day": ["活动已结束"]})
    note = (note or "").strip()
    _no_nul(note)
    if len(note) > 200:
        raise ValidationFailed("打卡心得最多 200 字。", fields={"note": ["过长"]})
    if photo is None:
        raise ValidationFailed("请拍照或上传一张照片后打卡。", fields={"photo": ["必填"]})
    participant, _ = join(actor=actor, campaign=campaign, user=user, now=now)
    uid = participant.user_id
    existing = CampaignCheckin.objects.filter(campaign=campaign, user_id=uid, day=day).first()
    if existing is not None:
        return CheckinResult(existing, False)
    jpeg = clean_photo(photo, getattr(photo, "name", ""))
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = CampaignCheckin.objects.create(
                    campaign=campaign,
                    participant=participant,
                    user_id=uid,
                    station_id=participant.volunteer.station_id if participant.volunteer else None,
                    day=day,
                    token=secrets.token_hex(16),
                    note=note,
                    checked_at=now,
                )
        except IntegrityError:  # the same day checked by another request at the same moment
            return CheckinResult(
                CampaignCheckin.objects.get(campaign=campaign, user_id=uid, day=day),
                False,
            )
        row.photo.save("photo.jpg", ContentFile(jpeg), save=False)
        row.save(update_fields=["photo"])
        campaign_day_checked.send(
            sender=CampaignCheckin,
            volunteer=participant.volunteer,
            user=user,
            campaign=campaign,
            day=day,
        )
    return CheckinResult(row, True)


def remove_photo(
    *, actor: Actor, checkin_id: int, reason: str, now: dt.datetime | None = None
) -> CampaignCheckin:
    """撤下照片: staff of the campaign's 中心/所 remove an improper photo; the file is deleted,
    who, when and why are kept on the check-in; the day stays checked."""
    reason = (reason or "").strip()
    _no_nul(reason)
    if not reason or len(reason) > 200:
        raise ValidationFailed("请填写撤下照片的理由（最多 200 字）。", fields={"reason": ["必填"]})
    with transaction.atomic():
        row = (
            CampaignCheckin.objects.select_for_update()
            .filter(pk=checkin_id, campaign__in=campaigns_for_staff(actor))
            .first()
        )
        if row is None:
            raise NotFound("打卡记录不存在或无权操作。")
        if row.photo_removed_at is not None:
            raise ValidationFailed("这张照片已撤下。")
        if row.photo:
            row.photo.delete(save=False)
        row.photo = ""
        row.photo_removed_at = now or timezone.now()
        row.photo_removed_by_id = actor.user_id
        row.photo_removed_reason = reason
        row.save(
            update_fields=["photo", "photo_removed_at", "photo_removed_by", "photo_removed_reason"]
        )
    return row


def photo_for(actor: Actor, token: str) -> CampaignCheckin:
    """A check-in's photo: its owner's, or for the staff of the campaign's 中心/所."""
    row = CampaignCheckin.objects.filter(token=token).select_related("campaign").first()
    if row is None or not row.photo:
        raise NotFound("照片不存在。")
    if row.user_id == actor.user_id and actor.user_id is not None:
        return row
    if campaigns_for_staff(actor).filter(pk=row.campaign_id).exists():
        return row
    raise NotFound("照片不存在。")


# ---------------------------------------------------------------- streaks and the leaderboard
@dataclass(frozen=True)
class Streaks:
    checked: int
    current: int
    longest: int


def streaks(days: Iterable[dt.date], today: dt.date, last: dt.date | None = None) -> Streaks:
    """From the checked days: `longest` the longest run of consecutive days; `current` the run
    that ends today, or yesterday when today is not checked yet (the day is not over); after
    the campaign's `last` day, the run that ends on it."""
    ds = sorted(set(days))
    longest = run = 0
    prev: dt.date | None = None
    for d in ds:
        run = run + 1 if prev is not None and (d - prev).days == 1 else 1
        longest = max(longest, run)
        prev = d
    ref = min(today, last) if last is not None else today
    have = set(ds)
    end = ref if ref in have else (ref - dt.timedelta(days=1) if ref == today else None)
    current = 0
    while end is not None and end in have:
        current += 1
        end -= dt.timedelta(days=1)
    return Streaks(len(have), current, longest)


def _in_days(c: Campaign) -> Q:
    return Q(day__gte=c.start, day__lte=last_day(c))


def my_days(c: Campaign, user_id: int) -> list[dt.date]:
    return list(
        CampaignCheckin.objects.filter(_in_days(c), campaign=c, user_id=user_id)
        .order_by("day")
        .values_list("day", flat=True)
    )


def calendar(c: Campaign, user_id: int, today: dt.date) -> list[dict[str, Any]]:
    """我的打卡日历: every day of the campaign, checked or not, today and the days to come."""
    have = set(my_days(c, user_id))
    out = []
    for i in range(c.days):
        d = c.start + dt.timedelta(days=i)
        out.append(
            {
                "day": d,
                "n": i + 1,
                "checked": d in have,
                "today": d == today,
                "future": d > today,
                "missed": d < today and d not in have,
            }
        )
    return out


def leaderboard(c: Campaign, today: dt.date, limit: int = 100) -> list[dict[str, Any]]:
    """排行榜: by days checked, then the longest streak, then who joined first; names masked."""
    by_user: dict[int, list[dt.date]] = {}
    for uid, d in CampaignCheckin.objects.filter(_in_days(c), campaign=c).values_list(
        "user_id", "day"
    ):
        by_user.setdefault(uid, []).append(d)
    people = CampaignParticipant.objects.filter(campaign=c).values_list(
        "user_id", "display_name", "joined_at", "volunteer_id"
    )
    rows: list[dict[str, Any]] = []
    for uid, name, joined, vid in people:
        s = streaks(by_user.get(uid, []), today, last_day(c))
        rows.append(
            {
                "user_id": uid,
                "name": mask_name(name) or "匿名",
                "volunteer": vid is not None,
                "checked": s.checked,
                "longest": s.longest,
                "current": s.current,
                "joined_at": joined,
            }
        )
    rows.sort(key=lambda r: (-r["checked"], -r["longest"], r["joined_at"], r["user_id"]))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    return rows[:limit]


def participation(c: Campaign) -> list[dict[str, Any]]:
    """每日参与: for each day so far, how many checked in (and how many of them volunteers)."""
    counts: dict[dt.date, dict[str, Any]] = {
        r["day"]: dict(r)
        for r in CampaignCheckin.objects.filter(_in_days(c), campaign=c)
        .values("day")
        .annotate(
            n=Count("id"), volunteers=Count("id", filter=Q(participant__volunteer__isnull=False))
        )
    }
    today = timezone.localdate()
    out = []
    for i in range(c.days):
        d = c.start + dt.timedelta(days=i)
        if d > today:
            break
        r: dict[str, Any] = counts.get(d, {})
        out.append(
            {
                "day": d,
                "n": i + 1,
                "task": task_for(c, d),
                "count": r.get("n", 0),
                "volunteers": r.get("volunteers", 0),
            }
        )
    return out

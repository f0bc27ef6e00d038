"""REST endpoints of 百日打卡 (under /api/v1/volunteer/campaigns): the campaigns a person may
see (a resident or volunteer: every campaign, with today's task and their own streaks; the
中心/所 staff: the campaigns they run) and 打卡 (multipart: photo, optional note; once a day —
a resend the same day answers 200 with the first check-in)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chuangcheng.api.params import plain, request_actor, require_roles
from chuangcheng.api.schema import ErrorOut
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.volunteer import campaigns as svc
from chuangcheng.volunteer.models import Campaign, CampaignParticipant

REFUSED = "您的角色无权查看打卡活动。"


class CampaignOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    organiser = serializers.CharField(help_text="主办的文明实践中心或所")
    start = serializers.DateField()
    last_day = serializers.DateField()
    days = serializers.IntegerField()
    running = serializers.BooleanField()
    today_task = serializers.CharField(allow_blank=True)
    joined = serializers.BooleanField()
    checked_days = serializers.IntegerField()
    current_streak = serializers.IntegerField()
    longest_streak = serializers.IntegerField()
    checked_today = serializers.BooleanField()


class CampaignCheckinIn(serializers.Serializer):
    photo = serializers.FileField(help_text="打卡照片（去除位置等 EXIF 信息后保存）")
    note = serializers.CharField(required=False, allow_blank=True, help_text="心得（选填）")
    day = serializers.DateField(required=False, help_text="只能是今天；不填即今天")


class CampaignCheckinOut(serializers.Serializer):
    id = serializers.IntegerField()
    campaign = serializers.IntegerField()
    day = serializers.DateField()
    note = serializers.CharField(allow_blank=True)
    created = serializers.BooleanField()
    checked_days = serializers.IntegerField()
    current_streak = serializers.IntegerField()
    longest_streak = serializers.IntegerField()


def campaign_out(c: Campaign, user_id: int, today: dt.date) -> dict[str, Any]:
    days = svc.my_days(c, user_id) if user_id else []
    s = svc.streaks(days, today, svc.last_day(c))
    return {
        "id": c.pk,
        "title": c.title,
        "organiser": c.station.name,
        "start": c.start,
        "last_day": svc.last_day(c),
        "days": c.days,
        "running": svc.is_running(c, today),
        "today_task": svc.task_for(c, today),
        "joined": bool(user_id)
        and CampaignParticipant.objects.filter(campaign=c, user_id=user_id).exists(),
        "checked_days": s.checked,
        "current_streak": s.current,
        "longest_streak": s.longest,
        "checked_today": today in days,
    }


class CampaignListView(APIView):
    @extend_schema(
        summary="百日打卡：活动列表（居民/志愿者：全部活动及本人打卡情况；中心/所：本单位发起的）",
        operation_id="v1_volunteer_campaigns",
        responses={200: CampaignOut(many=True), 401: ErrorOut, 403: ErrorOut},
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, svc.PARTICIPANT_ROLES | svc.CAMPAIGN_STAFF_ROLES, REFUSED)
        qs = (
            svc.campaigns_open(actor)
            if actor.roles & svc.PARTICIPANT_ROLES
            else svc.campaigns_for_staff(actor)
        )
        today = timezone.localdate()
        rows = [
            campaign_out(c, actor.user_id or 0, today) for c in qs.order_by("-start", "pk")[:100]
        ]
        return Response(CampaignOut(rows, many=True).data)


class CheckinView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="百日打卡：今日打卡（同一天重复提交返回第一次的打卡，200）",
        operation_id="v1_volunteer_campaign_checkin",
        request={"multipart/form-data": CampaignCheckinIn},
        responses={
            201: CampaignCheckinOut,
            200: CampaignCheckinOut,
            400: ErrorOut,
            401: ErrorOut,
            403: ErrorOut,
            404: ErrorOut,
        },
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        actor = request_actor(request)
        require_roles(actor, svc.PARTICIPANT_ROLES, "只有居民和志愿者可以参加打卡。")
        c = svc.campaign_open(actor, campaign_id)
        data = plain(request.data)
        raw_day = str(data.get("day") or "").strip()
        day = None
        if raw_day:
            try:
                day = dt.date.fromisoformat(raw_day)
            except ValueError:
                raise ValidationFailed(
                    "输入有误：打卡日期格式应为 YYYY-MM-DD。", fields={"day": ["日期不对"]}
                ) from None
        result = svc.check_in(
            actor=actor,
            campaign=c,
            user=request.user,
            photo=request.FILES.get("photo"),
            note=str(data.get("note") or ""),
            day=day,
        )
        row = result.checkin
        s = svc.streaks(svc.my_days(c, row.user_id), row.day, svc.last_day(c))
        body = {
            "id": row.pk,
            "campaign": c.pk,
            "day": row.day,
            "note": row.note,
            "created": result.created,
            "checked_days": s.checked,
            "current_streak": s.current,
            "longest_streak": s.longest,
        }
        return Response(CampaignCheckinOut(body).data, status=201 if result.created else 200)

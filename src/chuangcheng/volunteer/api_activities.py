"""REST endpoints of 文明实践活动 (under /api/v1/volunteer/): the activities the person may see
(staff: their 站's; a volunteer: the open ones and their own), 报名, 签到/签退 by the activity's
QR token (a resend counts once), and the hours ledger (a volunteer's own; staff: their 站's)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chuangcheng.api.params import int_param, plain, request_actor, require_roles
from chuangcheng.api.schema import ErrorOut
from chuangcheng.core.errors import PermissionDenied, ValidationFailed
from chuangcheng.org.access import Actor
from chuangcheng.volunteer import activities as svc
from chuangcheng.volunteer.models import Activity, ActivitySignup, HourEntry, Volunteer
from chuangcheng.volunteer.roles import LEADER, QUEUE_ROLES, VOLUNTEER_ROLES
from chuangcheng.volunteer.services import volunteer_of

READ_ROLES = QUEUE_ROLES | VOLUNTEER_ROLES | {LEADER}
REFUSED = "您的角色无权使用文明实践活动。"
MAX_PAGE_SIZE = 100


class ActivityOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    station = serializers.CharField()
    field = serializers.CharField()
    field_label = serializers.CharField()
    duties = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    address = serializers.CharField()
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    capacity = serializers.IntegerField()
    taken = serializers.IntegerField()
    radius_m = serializers.IntegerField()
    margin_min = serializers.IntegerField()
    my_signup = serializers.CharField(allow_blank=True, help_text="本人报名状态（志愿者）")


class SignupOut(serializers.Serializer):
    id = serializers.IntegerField()
    activity = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    created = serializers.BooleanField()


class CheckinIn(serializers.Serializer):
    token = serializers.CharField(help_text="活动二维码中的签到口令")
    kind = serializers.ChoiceField(choices=["in", "out"], help_text="in 签到，out 签退")
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    client_key = serializers.CharField(max_length=64, help_text="客户端生成的唯一编号")


class CheckinOut(serializers.Serializer):
    id = serializers.IntegerField()
    activity = serializers.IntegerField()
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    distance_m = serializers.IntegerField()
    created = serializers.BooleanField()
    hours = serializers.DecimalField(
        max_digits=6, decimal_places=1, allow_null=True, help_text="签退后记录的时长"
    )


class HourOut(serializers.Serializer):
    id = serializers.IntegerField()
    volunteer = serializers.CharField(help_text="志愿者编号")
    name = serializers.CharField()
    hours = serializers.DecimalField(max_digits=6, decimal_places=1)
    source = serializers.CharField()  # type: ignore[assignment]
    source_label = serializers.CharField()
    ref = serializers.CharField()
    station = serializers.CharField()
    content = serializers.CharField()
    served_on = serializers.DateField()


def _volunteer(actor: Actor) -> Volunteer:
    v = volunteer_of(actor)
    if v is None:
        raise PermissionDenied("请先实名注册为志愿者。")
    return v


def _page(request: Request) -> tuple[int, int]:
    page = int_param(request.query_params, "page", 1, "页码") or 1
    size = int_param(request.query_params, "page_size", 50, "每页条数") or 50
    if size > MAX_PAGE_SIZE:
        raise ValidationFailed(f"输入有误：每页最多 {MAX_PAGE_SIZE} 条。")
    return page, size


PAGING = [
    OpenApiParameter("page", int),
    OpenApiParameter("page_size", int, description=f"每页条数，最多 {MAX_PAGE_SIZE}"),
]


class ActivityListView(APIView):
    @extend_schema(
        summary="文明实践活动：站/所/中心看本站的，队长看本队组织的，志愿者看未结束的和自己报名的",
        operation_id="v1_volunteer_activities",
        parameters=PAGING,
        responses={200: ActivityOut(many=True), 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, READ_ROLES, REFUSED)
        page, size = _page(request)
        staff = bool(actor.roles & (QUEUE_ROLES | {LEADER})) or actor.is_superuser
        v = volunteer_of(actor)
        q = Q(pk__in=[])
        if staff:
            q |= Q(pk__in=svc.staff_activities(actor).values("pk"))
        if v is not None and actor.roles & VOLUNTEER_ROLES:
            q |= Q(pk__in=svc.volunteer_activities(v).values("pk"))
        qs = svc.with_counts(Activity.objects.filter(q).select_related("station"))
        rows = list(qs.order_by("-starts_at", "-pk")[(page - 1) * size : page * size])
        mine = (
            dict(
                ActivitySignup.objects.filter(
                    volunteer=v, activity_id__in=[a.pk for a in rows]
                ).values_list("activity_id", "status")
            )
            if v is not None
            else {}
        )
        out = [
            {
                "id": a.pk,
                "title": a.title,
                "station": a.station.name,
                "field": a.field,
                "field_label": a.get_field_display(),
                "duties": a.duties,
                "starts_at": a.starts_at,
                "ends_at": a.ends_at,
                "address": a.address,
                "lat": a.lat,
                "lng": a.lng,
                "capacity": a.capacity,
                "taken": a.n_signed,  # type: ignore[attr-defined]
                "radius_m": a.radius_m,
                "margin_min": a.margin_min,
                "my_signup": mine.get(a.pk, ""),
            }
            for a in rows
        ]
        return Response(ActivityOut(out, many=True).data)


class SignupView(APIView):
    @extend_schema(
        summary="报名参加活动（志愿者；重复报名返回原报名；名额已满则拒绝）",
        operation_id="v1_volunteer_activity_signup",
        request=None,
        responses={201: SignupOut, 200: SignupOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    )
    def post(self, request: Request, activity_id: int) -> Response:
        actor = request_actor(request)
        require_roles(actor, VOLUNTEER_ROLES, "只有志愿者可以报名活动。")
        v = _volunteer(actor)
        s, created = svc.signup(volunteer=v, activity_id=activity_id)
        body = {
            "id": s.pk,
            "activity": s.activity_id,
            "status": s.status,
            "status_label": s.get_status_display(),
            "created": created,
        }
        return Response(SignupOut(body).data, status=201 if created else 200)


class CheckinView(APIView):
    @extend_schema(
        summary="扫码签到/签退（须报名已通过、在签到时间内、距活动地点在范围内；重发只记一次）",
        operation_id="v1_volunteer_activity_checkin",
        request=CheckinIn,
        responses={
            201: CheckinOut,
            200: CheckinOut,
            400: ErrorOut,
            403: ErrorOut,
            404: ErrorOut,
        },
    )
    def post(self, request: Request, activity_id: int) -> Response:
        actor = request_actor(request)
        require_roles(actor, VOLUNTEER_ROLES, "只有志愿者可以签到。")
        v = _volunteer(actor)
        data = plain(request.data)
        if not str(data.get("client_key") or "").strip():
            raise ValidationFailed("输入有误：缺少客户端编号。", fields={"client_key": ["必填"]})
        row, created = svc.check(
            volunteer=v,
            activity_id=activity_id,
            token=str(data.get("token") or ""),
            kind=str(data.get("kind") or ""),
            lat=data.get("lat"),
            lng=data.get("lng"),
            client_key=str(data.get("client_key") or ""),
        )
        entry = (
            HourEntry.objects.filter(ref=svc.ref_for(row.activity_id, v.pk)).first()
            if row.kind == "out"
            else None
        )
        body = {
            "id": row.pk,
            "activity": row.activity_id,
            "kind": row.kind,
            "at": row.at,
            "distance_m": row.distance_m,
            "created": created,
            "hours": entry.hours if entry is not None else None,
        }
        return Response(CheckinOut(body).data, status=201 if created else 200)


class HoursView(APIView):
    @extend_schema(
        summary="志愿服务时长记录：志愿者看自己的；站/所/中心看本站的",
        operation_id="v1_volunteer_hours",
        parameters=[
            OpenApiParameter("since", str, description="服务日期起（YYYY-MM-DD）"),
            *PAGING,
        ],
        responses={200: HourOut(many=True), 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, QUEUE_ROLES | VOLUNTEER_ROLES, "您的角色无权查看志愿服务时长。")
        page, size = _page(request)
        q = Q(pk__in=[])
        if actor.roles & QUEUE_ROLES or actor.is_superuser:
            q |= Q(station__in=svc.managed_stations(actor))
        v = volunteer_of(actor)
        if v is not None and actor.roles & VOLUNTEER_ROLES:
            q |= Q(volunteer=v)
        qs = HourEntry.objects.filter(q).select_related("volunteer", "station")
        since = str(request.query_params.get("since") or "").strip()
        if since:
            try:
                day = dt.date.fromisoformat(since)
            except ValueError:
                raise ValidationFailed(
                    "输入有误：日期格式应为 YYYY-MM-DD。", fields={"since": ["日期格式不对"]}
                ) from None
            qs = qs.filter(served_on__gte=day)
        rows = qs.order_by("-served_on", "-pk")[(page - 1) * size : page * size]
        out: list[dict[str, Any]] = [
            {
                "id": e.pk,
                "volunteer": e.volunteer.number,
                "name": e.volunteer.name,
                "hours": e.hours,
                "source": e.source,
                "source_label": e.get_source_display(),
                "ref": e.ref,
                "station": e.station.name,
                "content": e.content,
                "served_on": e.served_on,
            }
            for e in rows
        ]
        return Response(HourOut(out, many=True).data)

"""REST endpoints of the 网格化 loop (under /api/v1/grid/): the phone's event report (a resend
returns the same case), the visit plan of one's grids and a visit. Scoped like the pages;
events are cases of kind `gridevent` in /api/v1/cases, acted on through the engine's action
endpoint (现场处置, 协商议事, 上报…)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chuangcheng.api.params import files, plain, request_actor, require_roles
from chuangcheng.api.schema import ErrorOut
from chuangcheng.grid import events, registers
from chuangcheng.grid.events import visible_event_number
from chuangcheng.grid.models import EventClass, GridEvent, NeedRoute, VisitMethod
from chuangcheng.grid.roles import HELPER, LEDGER_READ_ROLES, VISIT_ROLES, WORKER

REFUSED = "您的角色无权使用网格化管理。"


class EventIn(serializers.Serializer):
    grid = serializers.IntegerField(help_text="网格 id（本人负责的网格）")
    category = serializers.ChoiceField(choices=EventClass.choices)
    scale = serializers.ChoiceField(choices=GridEvent.Scale.choices, required=False)
    title = serializers.CharField(max_length=200)
    content = serializers.CharField()
    address = serializers.CharField(required=False, allow_blank=True)
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    client_key = serializers.CharField(max_length=64, help_text="手机生成的唯一编号；重发不重复")
    before = serializers.ListField(
        child=serializers.ImageField(), required=False, help_text="现场照片"
    )


class EventOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    created = serializers.BooleanField(help_text="false：同一 client_key 已收到过")


class DueOut(serializers.Serializer):
    person = serializers.IntegerField()
    name = serializers.CharField()
    grid = serializers.CharField(help_text="网格编码")
    tier = serializers.CharField(help_text="探访等级：high 高风险、key 重点、general 一般")
    categories = serializers.ListField(child=serializers.CharField())
    last = serializers.DateTimeField(allow_null=True)
    due = serializers.DateTimeField()
    overdue = serializers.BooleanField()
    reason = serializers.CharField()


class VisitIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=VisitMethod.choices)
    found = serializers.CharField(max_length=500)
    needs = serializers.CharField(max_length=300, required=False, allow_blank=True)
    need_to = serializers.ChoiceField(
        choices=NeedRoute.choices, required=False, help_text="event：需求登记为网格事件"
    )
    need_class = serializers.CharField(
        max_length=4,
        required=False,
        help_text="需求登记为网格事件时的事件类别代码（同登记网格事件的 category），默认 SJ06",
    )
    at = serializers.DateTimeField(required=False, help_text="手机上的探访时间")
    client_key = serializers.CharField(max_length=64)


class VisitOut(serializers.Serializer):
    id = serializers.IntegerField()
    created = serializers.BooleanField()
    event = serializers.CharField(allow_null=True, help_text="需求登记的网格事件编号")


class EventReportView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="网格员登记网格事件（同一 client_key 重发返回同一事件）",
        operation_id="v1_grid_event_report",
        request={"application/json": EventIn, "multipart/form-data": EventIn},
        responses={201: EventOut, 200: EventOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    )
    def post(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, {WORKER, HELPER}, REFUSED)
        data = plain(request.data)
        case, created = events.event_report(
            actor=actor,
            grid_id=data.get("grid"),
            category=str(data.get("category", "")),
            scale=str(data.get("scale") or GridEvent.Scale.PERSON),
            title=str(data.get("title", "")),
            content=str(data.get("content", "")),
            address=str(data.get("address", "")),
            lat=data.get("lat"),
            lng=data.get("lng"),
            client_key=str(data.get("client_key", "")),
            files=files(request),
        )
        body = {"id": case.pk, "number": case.number, "status": case.status, "created": created}
        return Response(body, status=201 if created else 200)


class VisitPlanView(APIView):
    @extend_schema(
        summary="探访计划：本人负责网格内关爱对象的下次应访时间（逾期在前）",
        operation_id="v1_grid_visit_plan",
        responses={200: DueOut(many=True), 401: ErrorOut, 403: ErrorOut},
    )
    def get(self, request: Request) -> Response:
        from django.utils import timezone

        actor = request_actor(request)
        require_roles(actor, LEDGER_READ_ROLES, REFUSED)
        now = timezone.now()
        out: list[dict[str, Any]] = [
            {
                "person": d.person.pk,
                "name": d.person.name,
                "grid": d.grid.code,
                "tier": d.tier,
                "categories": d.categories,
                "last": d.last,
                "due": d.due,
                "overdue": d.due <= now,
                "reason": d.reason,
            }
            for d in registers.visit_plan(actor)
        ]
        return Response(DueOut(out, many=True).data)


class VisitView(APIView):
    @extend_schema(
        summary="登记一次探访（同一 client_key 重发不重复）",
        operation_id="v1_grid_visit",
        request=VisitIn,
        responses={201: VisitOut, 200: VisitOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_actor(request)
        require_roles(actor, VISIT_ROLES, REFUSED)
        data = plain(request.data)
        visit, created = registers.visit_record(
            actor=actor,
            person_id=pk,
            method=str(data.get("method", "")),
            found=str(data.get("found", "")),
            needs=str(data.get("needs", "")),
            need_to=str(data.get("need_to", "")),
            need_class=str(data.get("need_class", "")),
            at=data.get("at"),
            client_key=str(data.get("client_key", "")),
        )
        # the event is shown by its number only to who may see it (the visitor filed it)
        event = visible_event_number(actor, visit.need_case_id)
        return Response(
            {"id": visit.pk, "created": created, "event": event}, status=201 if created else 200
        )

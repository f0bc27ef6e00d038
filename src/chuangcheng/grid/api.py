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

from chuangcheng.api.params import files, int_param, plain, request_actor, require_roles
from chuangcheng.api.schema import ErrorOut
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.grid import events, mustreport, registers
from chuangcheng.grid.models import EventClass, GridEvent, MustReport, VisitMethod
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
    at = serializers.DateTimeField(required=False, help_text="手机上的探访时间")
    client_key = serializers.CharField(max_length=64)


class VisitOut(serializers.Serializer):
    id = serializers.IntegerField()
    created = serializers.BooleanField()


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
            at=data.get("at"),
            client_key=str(data.get("client_key", "")),
        )
        return Response({"id": visit.pk, "created": created}, status=201 if created else 200)


class MustReportIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MustReport.Kind.choices)
    grid = serializers.IntegerField(help_text="网格 id（本人任专职网格员的网格）")
    learned_at = serializers.DateTimeField(required=False, help_text="知悉时间，默认现在")
    client_key = serializers.CharField(max_length=64, help_text="手机生成的唯一编号；重发不重复")
    draft = serializers.IntegerField(required=False, help_text="补充上报一条“知悉”记录")
    needs_action = serializers.BooleanField(
        required=False, help_text="需要处置：同时登记网格事件（隐患默认是，设施默认否）"
    )
    type = serializers.CharField(required=False, help_text="隐患类型 safety/fire/order/unstable")
    place = serializers.CharField(required=False)
    description = serializers.CharField(required=False)
    home = serializers.IntegerField(required=False, help_text="房屋 id（本网格）")
    name = serializers.CharField(required=False)
    id_number = serializers.CharField(required=False, help_text="公民身份号码（校验位检查）")
    phone = serializers.CharField(required=False)
    residence_kind = serializers.CharField(required=False)
    inflow = serializers.CharField(required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    landlord = serializers.CharField(required=False)
    landlord_phone = serializers.CharField(required=False)
    tenant = serializers.CharField(required=False)
    expected = serializers.DateField(required=False, help_text="预产期")
    filed = serializers.CharField(required=False, help_text="建档情况 no/yes/elsewhere")


class MustReportOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField(help_text="draft 已知悉待上报、filed 已上报")
    grid = serializers.CharField(help_text="网格编码")
    summary = serializers.CharField()
    learned_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    reported_at = serializers.DateTimeField(allow_null=True)
    on_time = serializers.BooleanField(allow_null=True)
    event = serializers.CharField(allow_null=True, help_text="转成的网格事件编号")
    created = serializers.BooleanField(required=False)


def _report_out(item: MustReport) -> dict[str, Any]:
    return {
        "id": item.pk,
        "kind": item.kind,
        "status": item.status,
        "grid": item.grid.code,
        "summary": item.summary,
        "learned_at": item.learned_at,
        "due_at": item.due_at,
        "reported_at": item.reported_at,
        "on_time": item.on_time,
        "event": item.case.number if item.case is not None else None,
    }


class MustReportView(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        summary="上报必报事项（同一 client_key 重发返回同一记录：201 新建，200 已收到过）",
        operation_id="v1_grid_report_file",
        request=MustReportIn,
        responses={201: MustReportOut, 200: MustReportOut, 400: ErrorOut, 403: ErrorOut},
    )
    def post(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, {WORKER}, "只有专职网格员可以上报必报事项。")
        data = plain(request.data)
        needs = data.get("needs_action")
        item, created = mustreport.report_file(
            actor=actor,
            data=data,
            draft_id=data.get("draft"),
            needs_action=None if needs in (None, "") else needs in (True, "true", "1", 1),
        )
        item = MustReport.objects.select_related("grid", "case").get(pk=item.pk)
        body = MustReportOut({**_report_out(item), "created": created}).data
        return Response(body, status=201 if created else 200)

    @extend_schema(
        summary="必报事项列表（本人可见的网格；kind、grid、month=YYYY-MM 筛选）",
        operation_id="v1_grid_report_list",
        responses={200: MustReportOut(many=True), 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, LEDGER_READ_ROLES, REFUSED)
        qs = mustreport.reports_visible_to(actor).select_related("case")
        kind = request.query_params.get("kind", "")
        if kind:
            qs = qs.filter(kind=mustreport.parse_kind(kind))
        grid = int_param(request.query_params, "grid", None, "网格")
        if grid is not None:
            qs = qs.filter(grid_id=grid)
        month = request.query_params.get("month", "")
        if month:
            import datetime as dt

            from django.utils import timezone

            try:
                first = dt.date.fromisoformat(f"{month}-01")
            except ValueError:
                raise ValidationFailed("月份格式不对（如 2026-11）。") from None
            tz = timezone.get_current_timezone()
            nxt = (first + dt.timedelta(days=32)).replace(day=1)
            qs = qs.filter(
                learned_at__gte=dt.datetime.combine(first, dt.time(), tzinfo=tz),
                learned_at__lt=dt.datetime.combine(nxt, dt.time(), tzinfo=tz),
            )
        rows = [_report_out(i) for i in qs.order_by("-learned_at")[:500]]
        return Response(MustReportOut(rows, many=True).data)

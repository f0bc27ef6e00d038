"""REST endpoints of the 创城测评 loop (under /api/v1/evaluation/): sites, the standard,
visits, and the phone's answers and submission. Scoped like the pages (evaluation.sites,
evaluation.services); problems are cases of kind `rectify` in /api/v1/cases, acted on through
the engine's action endpoint."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chuangcheng.api.params import int_param, plain, request_actor, require_roles
from chuangcheng.api.schema import ErrorOut
from chuangcheng.core.errors import NotFound, ValidationFailed
from chuangcheng.evaluation import services
from chuangcheng.evaluation.models import Answer, CheckItem, Edition, Inspection, Method, Site
from chuangcheng.evaluation.roles import SITE_READ_ROLES, STANDARD_READ_ROLES
from chuangcheng.evaluation.sites import visible_sites
from chuangcheng.evaluation.standard import current_edition

MAX_PAGE_SIZE = 200
REFUSED = "您的角色无权使用创城测评。"


class SiteOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(help_text="点位编号")
    name = serializers.CharField()
    site_type = serializers.CharField(help_text="点位类型名称")
    street = serializers.CharField()
    community = serializers.CharField(allow_null=True)
    address = serializers.CharField()
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    unit = serializers.CharField(help_text="属地责任单位编码")
    paired_units = serializers.ListField(child=serializers.CharField(), help_text="包联单位编码")
    active = serializers.BooleanField()


class ItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.CharField(help_text="测评项目")
    content = serializers.CharField(help_text="测评内容")
    code = serializers.CharField()
    rule = serializers.CharField(help_text="测评要求")
    methods = serializers.ListField(
        child=serializers.ChoiceField(choices=Method.choices), help_text="测评方法"
    )
    site_types = serializers.ListField(child=serializers.CharField(), help_text="适用点位类型")
    min_count = serializers.IntegerField(allow_null=True)
    allowed_forms = serializers.CharField()
    failure_examples = serializers.CharField()
    points = serializers.DecimalField(max_digits=6, decimal_places=2)


class StandardOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=Edition.Status.choices)
    items = ItemOut(many=True)


class InspectionOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Inspection.Kind.choices)
    site = serializers.CharField(help_text="点位编号")
    site_name = serializers.CharField()
    edition = serializers.CharField()
    planned_on = serializers.DateField()
    announced = serializers.BooleanField(help_text="明查；否为暗访")
    status = serializers.ChoiceField(choices=Inspection.Status.choices)
    score_rate = serializers.FloatField(allow_null=True, help_text="得分率（0–1）")
    problems = serializers.IntegerField()


class AnswerIn(serializers.Serializer):
    item = serializers.IntegerField()
    result = serializers.ChoiceField(choices=Answer.Result.choices)
    client_key = serializers.CharField(max_length=64, help_text="手机生成的唯一编号；重发不重复")
    note = serializers.CharField(required=False, allow_blank=True)
    photo = serializers.ImageField(required=False, help_text="不合格时必传")
    lat = serializers.FloatField(required=False)
    lng = serializers.FloatField(required=False)
    answered_at = serializers.DateTimeField(required=False, help_text="手机上的作答时间")


class AnswerOut(serializers.Serializer):
    id = serializers.IntegerField()
    created = serializers.BooleanField(help_text="false：同一 client_key 已收到过")
    result = serializers.ChoiceField(choices=Answer.Result.choices)


def _page(request: Request) -> tuple[int, int]:
    page = int_param(request.query_params, "page", 1, "page") or 1
    size = int_param(request.query_params, "page_size", 50, "page_size") or 50
    return page, min(size, MAX_PAGE_SIZE)


def site_dict(s: Site) -> dict[str, Any]:
    return {
        "id": s.pk,
        "code": s.code,
        "name": s.name,
        "site_type": s.site_type.name,
        "street": s.street.name,
        "community": s.community.name if s.community else None,
        "address": s.address,
        "lat": s.lat,
        "lng": s.lng,
        "unit": s.unit.code,
        "paired_units": [u.code for u in s.paired_units.all()],
        "active": s.active,
    }


def inspection_dict(i: Inspection) -> dict[str, Any]:
    rate = i.score_rate
    return {
        "id": i.pk,
        "kind": i.kind,
        "site": i.site.code,
        "site_name": i.site.name,
        "edition": i.edition.code,
        "planned_on": i.planned_on.isoformat(),
        "announced": i.announced,
        "status": i.status,
        "score_rate": None if rate is None else float(rate),
        "problems": i.problems,
    }


class SiteListView(APIView):
    @extend_schema(
        summary="测评点位（按权限范围：责任单位只见本单位点位）",
        operation_id="v1_evaluation_sites",
        parameters=[
            OpenApiParameter("type", int, description="点位类型 id"),
            OpenApiParameter("street", int, description="街道 id"),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description=f"每页条数，最多 {MAX_PAGE_SIZE}"),
        ],
        responses={200: SiteOut(many=True), 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, SITE_READ_ROLES, REFUSED)
        qs = visible_sites(actor)
        type_id = int_param(request.query_params, "type", None, "点位类型")
        street_id = int_param(request.query_params, "street", None, "街道")
        if type_id:
            qs = qs.filter(site_type_id=type_id)
        if street_id:
            qs = qs.filter(street_id=street_id)
        page, size = _page(request)
        rows = (
            qs.select_related("site_type", "street", "community", "unit")
            .prefetch_related("paired_units")
            .order_by("code")[(page - 1) * size : page * size]
        )
        return Response({"count": qs.count(), "results": [site_dict(s) for s in rows]})


class StandardView(APIView):
    @extend_schema(
        summary="测评标准（默认当前发布版本；?edition=版本代码）",
        operation_id="v1_evaluation_standard",
        parameters=[OpenApiParameter("edition", str, description="版本代码")],
        responses={200: StandardOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    )
    def get(self, request: Request) -> Response:
        require_roles(request_actor(request), STANDARD_READ_ROLES, REFUSED)
        code = request.query_params.get("edition")
        edition = Edition.objects.filter(code=code).first() if code else current_edition()
        if edition is None:
            raise NotFound("没有这个测评标准版本。")
        items = (
            CheckItem.objects.filter(content__project__edition=edition)
            .select_related("content__project")
            .prefetch_related("site_types")
            .order_by("content__project__order", "content__order", "order", "pk")
        )
        return Response(
            {
                "code": edition.code,
                "name": edition.name,
                "status": edition.status,
                "items": [
                    {
                        "id": i.pk,
                        "project": f"{i.content.project.code} {i.content.project.name}",
                        "content": f"{i.content.code} {i.content.name}",
                        "code": i.code,
                        "rule": i.rule,
                        "methods": i.methods,
                        "site_types": [t.name for t in i.site_types.all()],
                        "min_count": i.min_count,
                        "allowed_forms": i.allowed_forms,
                        "failure_examples": i.failure_examples,
                        "points": str(i.points),
                    }
                    for i in items
                ],
            }
        )


class InspectionListView(APIView):
    @extend_schema(
        summary="测评记录（按权限范围：暗访对责任单位不可见）",
        operation_id="v1_evaluation_inspections",
        parameters=[
            OpenApiParameter(
                "status", str, enum=Inspection.Status.values, description="待测评 / 测评中 / 已提交"
            ),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: InspectionOut(many=True), 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, SITE_READ_ROLES, REFUSED)
        qs = services.visible_inspections(actor)
        status = request.query_params.get("status")
        if status:
            if status not in Inspection.Status.values:
                raise ValidationFailed("status 只能是 planned、ongoing 或 submitted。")
            qs = qs.filter(status=status)
        page, size = _page(request)
        rows = qs.select_related("site", "edition").order_by("-planned_on", "pk")[
            (page - 1) * size : page * size
        ]
        return Response({"count": qs.count(), "results": [inspection_dict(i) for i in rows]})


class AnswerView(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        summary="提交一个条目的测评结果（手机；同一 client_key 重发不重复）",
        operation_id="v1_evaluation_answer",
        request={"multipart/form-data": AnswerIn, "application/json": AnswerIn},
        responses={
            201: AnswerOut,
            200: OpenApiResponse(AnswerOut, description="重发：已收到过"),
            400: ErrorOut,
            403: ErrorOut,
            404: ErrorOut,
            409: OpenApiResponse(ErrorOut, description="测评已提交"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        data = plain(request.data)
        saved, created = services.answer_record(
            actor=request_actor(request),
            inspection_id=pk,
            item_id=data.get("item"),
            result=str(data.get("result", "")),
            client_key=str(data.get("client_key", "")),
            note=str(data.get("note", "")),
            photo=request.FILES.get("photo"),
            lat=data.get("lat"),
            lng=data.get("lng"),
            answered_at=data.get("answered_at"),
        )
        return Response(
            {"id": saved.pk, "created": created, "result": saved.result},
            status=201 if created else 200,
        )


class SubmitView(APIView):
    @extend_schema(
        summary="提交本次测评（计算得分率，不合格条目列入问题清单）",
        operation_id="v1_evaluation_submit",
        request=None,
        responses={200: InspectionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    )
    def post(self, request: Request, pk: int) -> Response:
        done = services.inspection_submit(actor=request_actor(request), inspection_id=pk)
        return Response(inspection_dict(done))

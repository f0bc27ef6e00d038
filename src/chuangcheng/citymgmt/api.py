"""REST endpoints of the 数字城管 reference data (under /api/v1/): the component registry and the
unit-grid lookup of a point. Thin: parse, call a selector, present."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chuangcheng.api.params import plain, request_actor
from chuangcheng.api.schema import ErrorOut
from chuangcheng.citymgmt.geo import grid_for_point
from chuangcheng.citymgmt.models import (
    CheckResult,
    CloseType,
    Component,
    ComponentSource,
    ComponentState,
    Family,
    PhotoType,
    Source,
    VerifyResult,
    ZoneClass,
)
from chuangcheng.citymgmt.presenters import city_case_fields
from chuangcheng.citymgmt.selectors import component_list, parse_filters, require_staff
from chuangcheng.citymgmt.services import citymgmt_intake, citymgmt_report
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.org.access import actor_for

MAX_PAGE_SIZE = 200


class _Ref(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    code = serializers.CharField()
    name = serializers.CharField()


class _Dept(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="系统内单位的 id；非系统单位为 null")
    name = serializers.CharField()


class ComponentOut(serializers.Serializer):
    object_id = serializers.CharField(
        help_text="16 位标识码：6 位行政区划+2 位大类+2 位小类+6 位序号"
    )
    klass = _Ref(help_text="部件大类")
    subclass = _Ref(help_text="部件小类")
    name = serializers.CharField()
    main_dept = _Dept(allow_null=True, help_text="主管部门")
    owner_dept = _Dept(allow_null=True, help_text="权属部门")
    maintainer_dept = _Dept(allow_null=True, help_text="养护部门")
    grid = _Ref(help_text="所在单元网格")
    community = _Ref()
    street = _Ref()
    state = serializers.ChoiceField(choices=ComponentState.choices, help_text="部件状态")
    state_label = serializers.CharField()
    initial_date = serializers.DateField(allow_null=True)
    change_date = serializers.DateField(allow_null=True)
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=ComponentSource.choices, help_text="数据来源"
    )
    location = serializers.CharField()
    material = serializers.CharField()
    note = serializers.CharField()
    lat = serializers.FloatField()
    lng = serializers.FloatField()


class ComponentPage(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    results = ComponentOut(many=True)


class GridLookupOut(serializers.Serializer):
    grid = _Ref()
    zone_class = serializers.ChoiceField(choices=ZoneClass.choices, help_text="区域类别")
    community = _Ref()
    street = _Ref()


def _dept(unit: Any, name: str) -> dict[str, Any] | None:
    if unit is not None:
        return {"id": unit.pk, "name": unit.name}
    return {"id": None, "name": name} if name else None


def component_dict(c: Component) -> dict[str, Any]:
    klass, grid = c.subclass.klass, c.grid
    return {
        "object_id": c.object_id,
        "klass": {"id": klass.pk, "code": klass.code, "name": klass.name},
        "subclass": {
            "id": c.subclass_id,
            "code": klass.code + c.subclass.code,
            "name": c.subclass.name,
        },
        "name": c.name or c.subclass.name,
        "main_dept": _dept(c.main_dept, c.main_dept_name),
        "owner_dept": _dept(c.owner_dept, c.owner_dept_name),
        "maintainer_dept": _dept(c.maintainer_dept, c.maintainer_dept_name),
        "grid": {"id": grid.pk, "code": grid.code, "name": grid.name},
        "community": {
            "id": grid.community_id,
            "code": grid.community.code,
            "name": grid.community.name,
        },
        "street": {"id": grid.street_id, "code": grid.street.code, "name": grid.street.name},
        "state": c.state,
        "state_label": c.get_state_display(),
        "initial_date": c.initial_date.isoformat() if c.initial_date else None,
        "change_date": c.change_date.isoformat() if c.change_date else None,
        "source": c.source,
        "location": c.location,
        "material": c.material,
        "note": c.note,
        "lat": c.lat,
        "lng": c.lng,
    }


class ComponentListView(APIView):
    @extend_schema(
        summary="部件列表（工作人员，按权限范围）",
        operation_id="v1_components_list",
        parameters=[
            OpenApiParameter("class", str, description="部件大类代码，两位，如 01"),
            OpenApiParameter(
                "subclass", str, description="大类+小类 4 位（如 0102）或目录代码 6 位（如 100102）"
            ),
            OpenApiParameter("grid", str, description="单元网格代码"),
            OpenApiParameter("street", str, description="街道行政区划代码"),
            OpenApiParameter("state", str, enum=ComponentState.values, description="部件状态"),
            OpenApiParameter(
                "bbox", str, description="最小经度,最小纬度,最大经度,最大纬度（WGS84 度）"
            ),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description=f"每页条数，最多 {MAX_PAGE_SIZE}"),
        ],
        responses={
            200: ComponentPage,
            400: OpenApiResponse(ErrorOut, description="参数错误"),
            401: OpenApiResponse(ErrorOut, description="未登录"),
            403: OpenApiResponse(ErrorOut, description="不是工作人员"),
        },
    )
    def get(self, request: Request) -> Response:
        actor = actor_for(request.user)
        require_staff(actor)
        params = request.query_params
        try:
            page = int(params.get("page", "1"))
            size = int(params.get("page_size", "50"))
        except ValueError:
            raise ValidationFailed("page 和 page_size 必须是整数。") from None
        if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
            raise ValidationFailed(f"page 从 1 开始，page_size 在 1 到 {MAX_PAGE_SIZE} 之间。")
        qs = component_list(actor, parse_filters({k: str(params.get(k) or "") for k in params}))
        count = qs.count()
        rows = qs[(page - 1) * size : page * size]
        return Response(
            {
                "count": count,
                "page": page,
                "page_size": size,
                "results": [component_dict(c) for c in rows],
            }
        )


class GridLookupView(APIView):
    @extend_schema(
        summary="坐标所在的单元网格、社区和街道（工作人员）",
        operation_id="v1_grids_lookup",
        parameters=[
            OpenApiParameter("lat", float, required=True, description="纬度（WGS84）"),
            OpenApiParameter("lng", float, required=True, description="经度（WGS84）"),
        ],
        responses={
            200: GridLookupOut,
            400: OpenApiResponse(ErrorOut, description="经纬度缺失、不是数字或超出范围"),
            401: OpenApiResponse(ErrorOut, description="未登录"),
            403: OpenApiResponse(ErrorOut, description="不是工作人员"),
            404: OpenApiResponse(ErrorOut, description="不在任何单元网格内"),
        },
    )
    def get(self, request: Request) -> Response:
        require_staff(actor_for(request.user))
        lat, lng = request.query_params.get("lat"), request.query_params.get("lng")
        if lat in (None, "") or lng in (None, ""):
            raise ValidationFailed(
                "请提供经纬度参数 lat（纬度）和 lng（经度）。",
                fields={k: ["必填"] for k, v in (("lat", lat), ("lng", lng)) if v in (None, "")},
            )
        return Response(grid_for_point(lat, lng).as_dict())


# ---------------------------------------------------------------- the loop's cases


class CityCaseOut(serializers.Serializer):
    """The 数字城管 fields of a case (`loop` in the case detail)."""

    family = serializers.ChoiceField(choices=Family.choices, help_text="部件 / 事件")
    subclass = serializers.CharField(help_text="6 位小类目录代码")
    subclass_name = serializers.CharField()
    component = serializers.CharField(allow_null=True, help_text="部件标识码")
    zone_class = serializers.ChoiceField(choices=ZoneClass.choices, help_text="区域类别")
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=Source.choices, help_text="信息来源"
    )
    verify_result = serializers.ChoiceField(
        choices=VerifyResult.choices, allow_blank=True, help_text="核实结果"
    )
    check_result = serializers.ChoiceField(
        choices=CheckResult.choices, allow_blank=True, help_text="最近核查结果"
    )
    close_type = serializers.ChoiceField(
        choices=CloseType.choices, allow_blank=True, help_text="结案类型"
    )
    rework_count = serializers.IntegerField(help_text="返工次数")
    return_count = serializers.IntegerField(help_text="回退次数")
    client_key = serializers.CharField()


class ReportOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    created = serializers.BooleanField(
        help_text="false：同一 client_key 的重发，返回首次上报的案卷"
    )
    loop = CityCaseOut()


class ReportIn(serializers.Serializer):
    subclass = serializers.CharField(help_text="6 位小类目录代码，如 200201 非法小广告")
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    client_key = serializers.CharField(
        required=False, help_text="监督员上报必填：手机端生成的 8–64 位标识；重发不会产生第二个案卷"
    )
    description = serializers.CharField(required=False)
    address = serializers.CharField(required=False)
    component = serializers.CharField(required=False, help_text="部件的 16 位标识码")
    near = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="近景照片"
    )
    far = serializers.ListField(child=serializers.FileField(), required=False, help_text="远景照片")
    reference = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="参照物照片"
    )
    before = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="处置前照片"
    )
    after = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="处置后照片"
    )
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[(s.value, s.label) for s in Source if s != Source.INSPECTOR],
        required=False,
        help_text="仅受理登记：public 公众举报、hotline 12345转办、video 视频监控",
    )


class ReportView(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        summary="监督员上报（手机）",
        operation_id="v1_citymgmt_reports_create",
        description="一次请求完成上报：小类、位置（解析到单元网格、社区、街道）、分类型照片。"
        "同一监督员同一 client_key 重发时返回首次上报的案卷（200），不会重复立卷。",
        request={"multipart/form-data": ReportIn},
        responses={
            201: ReportOut,
            200: ReportOut,
            400: OpenApiResponse(ErrorOut, description="小类不存在、不在任何单元网格内、照片有误"),
            401: OpenApiResponse(ErrorOut, description="未登录"),
            403: OpenApiResponse(ErrorOut, description="不是监督员"),
        },
    )
    def post(self, request: Request) -> Response:
        actor = request_actor(request)
        photos = [(f, kind) for kind in PhotoType.values for f in request.FILES.getlist(kind)]
        case, created = citymgmt_report(actor=actor, data=plain(request.data), files=photos)
        body = {
            "id": case.pk,
            "number": case.number,
            "status": case.status,
            "created": created,
            "loop": city_case_fields(case),
        }
        return Response(body, status=201 if created else 200)


class IntakeView(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        summary="受理员登记公众举报、12345、视频监控来源的城管案件",
        operation_id="v1_citymgmt_intake_create",
        description="登记后的案卷须先发核实、经监督员核实属实后才能立案。",
        parameters=[],
        request={"multipart/form-data": ReportIn},
        responses={
            201: ReportOut,
            400: OpenApiResponse(ErrorOut, description="来源、小类、位置或照片有误"),
            401: OpenApiResponse(ErrorOut, description="未登录"),
            403: OpenApiResponse(ErrorOut, description="不是受理员或值班长"),
        },
    )
    def post(self, request: Request) -> Response:
        actor = request_actor(request)
        photos = [(f, kind) for kind in PhotoType.values for f in request.FILES.getlist(kind)]
        case = citymgmt_intake(actor=actor, data=plain(request.data), files=photos)
        body = {
            "id": case.pk,
            "number": case.number,
            "status": case.status,
            "created": True,
            "loop": city_case_fields(case),
        }
        return Response(body, status=201)

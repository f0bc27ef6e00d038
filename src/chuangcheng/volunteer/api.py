"""REST endpoints of the 新时代文明实践 loop (under /api/v1/volunteer/): a resident's order from
a 站's menu (a resend with the same client_key returns the same order) and the orders the
person may see. Orders are cases of kind `vorder`: read one at /api/v1/cases/<id>, take its
steps (审核通过, 派单, 接单, 服务完成, 评单…) through the engine's action endpoint."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chuangcheng.api.params import int_param, plain, request_actor, require_roles
from chuangcheng.api.schema import ErrorOut
from chuangcheng.cases.models import Case
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.volunteer import services
from chuangcheng.volunteer.roles import ORDER_READ_ROLES, RESIDENT
from chuangcheng.volunteer.workflow import VORDER

REFUSED = "您的角色无权使用志愿服务订单。"
MAX_PAGE_SIZE = 100


class OrderIn(serializers.Serializer):
    station = serializers.CharField(help_text="文明实践站的公开编码（二维码地址 /v/<编码>/）")
    item = serializers.IntegerField(help_text="服务菜单项 id")
    content = serializers.CharField(help_text="需求说明")
    phone = serializers.CharField()
    name = serializers.CharField(required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)
    wanted = serializers.CharField(required=False, allow_blank=True, help_text="期望服务时间")
    client_key = serializers.CharField(max_length=64, help_text="客户端生成的唯一编号；重发不重复")


class OrderOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    station = serializers.CharField()
    item = serializers.CharField()
    team = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    created = serializers.BooleanField(required=False)


def order_out(case: Case) -> dict[str, Any]:
    o = case.vorder
    return {
        "id": case.pk,
        "number": case.number,
        "status": case.status,
        "status_label": VORDER.state_label(case.status),
        "station": o.station.name,
        "item": o.item.name,
        "team": o.team.name if o.team_id and o.team else "",
        "created_at": case.created_at,
    }


class OrderListView(APIView):
    @extend_schema(
        summary="志愿服务订单：本人可见的订单（居民：自己的；站/所：辖区的；队伍：派给本队的）",
        operation_id="v1_volunteer_orders",
        parameters=[
            OpenApiParameter("status", str, description="订单状态，如 review、pending"),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description=f"每页条数，最多 {MAX_PAGE_SIZE}"),
        ],
        responses={200: OrderOut(many=True), 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, ORDER_READ_ROLES, REFUSED)
        params = request.query_params
        qs = services.orders_visible_to(actor)
        status = str(params.get("status") or "")
        if status:
            if status not in VORDER.states:
                raise ValidationFailed(
                    "输入有误：没有这个订单状态。", fields={"status": ["未知状态"]}
                )
            qs = qs.filter(status=status)
        page = int_param(params, "page", 1, "页码") or 1
        size = int_param(params, "page_size", 50, "每页条数") or 50
        if size > MAX_PAGE_SIZE:
            raise ValidationFailed(f"输入有误：每页最多 {MAX_PAGE_SIZE} 条。")
        rows = qs.order_by("-created_at", "-id")[(page - 1) * size : page * size]
        return Response(OrderOut([order_out(c) for c in rows], many=True).data)

    @extend_schema(
        summary="居民点单（同一 client_key 重发返回同一订单）",
        operation_id="v1_volunteer_order_create",
        request=OrderIn,
        responses={201: OrderOut, 200: OrderOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    )
    def post(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, {RESIDENT}, "只有居民可以点单。")
        data = plain(request.data)
        if not str(data.get("client_key") or "").strip():
            raise ValidationFailed("输入有误：缺少客户端编号。", fields={"client_key": ["必填"]})
        case, created = services.order_place(
            actor=actor,
            station_code=str(data.get("station") or ""),
            item_id=data.get("item"),
            content=str(data.get("content") or ""),
            phone=str(data.get("phone") or ""),
            name=str(data.get("name") or ""),
            address=str(data.get("address") or ""),
            wanted=str(data.get("wanted") or ""),
            client_key=str(data.get("client_key") or ""),
        )
        case = services.orders_visible_to(actor).get(pk=case.pk)
        body = {**order_out(case), "created": created}
        return Response(OrderOut(body).data, status=201 if created else 200)

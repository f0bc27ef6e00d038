"""REST endpoint of 登记群众需求 (ADR 0032): 站/所 staff record a need heard door to door, by
phone or at the counter as an order of one of their 站s, already reviewed by them. A resend
with the same client_key returns the same order."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chuangcheng.api.params import plain, request_actor, require_roles
from chuangcheng.api.schema import ErrorOut
from chuangcheng.volunteer import needs, services
from chuangcheng.volunteer.api import OrderOut, order_out


class NeedIn(serializers.Serializer):
    station = serializers.IntegerField(help_text="文明实践站 id（本人负责的站）")
    item = serializers.IntegerField(help_text="该站的服务菜单项 id")
    name = serializers.CharField(help_text="群众姓名")
    phone = serializers.CharField(help_text="群众联系电话（页面上脱敏显示）")
    content = serializers.CharField(help_text="需求内容")
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=list(needs.SOURCES), help_text="需求来源"
    )
    address = serializers.CharField(required=False, allow_blank=True)
    wanted = serializers.CharField(required=False, allow_blank=True, help_text="期望服务时间")
    client_key = serializers.CharField(max_length=64, help_text="客户端生成的唯一编号；重发不重复")


class NeedListView(APIView):
    @extend_schema(
        summary="登记群众需求（站/所工作人员代群众登记，登记即审核通过；同一 client_key 重发返回同一订单）",
        operation_id="v1_volunteer_need_create",
        request=NeedIn,
        responses={201: OrderOut, 200: OrderOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    )
    def post(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, needs.RECORD_ROLES, "只有文明实践站、所工作人员可以登记群众需求。")
        data = plain(request.data)
        case, created = needs.need_record(
            actor=actor,
            station_id=data.get("station"),
            item_id=data.get("item"),
            content=str(data.get("content") or ""),
            name=str(data.get("name") or ""),
            phone=str(data.get("phone") or ""),
            address=str(data.get("address") or ""),
            source=str(data.get("source") or ""),
            wanted=str(data.get("wanted") or ""),
            client_key=str(data.get("client_key") or ""),
        )
        case = services.orders_visible_to(actor).get(pk=case.pk)
        body = {**order_out(case), "created": created}
        return Response(OrderOut(body).data, status=201 if created else 200)

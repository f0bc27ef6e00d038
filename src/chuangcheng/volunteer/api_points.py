"""REST endpoints of 文明积分 and the 文明团结超市 (under /api/v1/volunteer/): points (one's own;
站/所 staff: the holders of their 站/所), goods (read by the counter's people, added by 站/所
staff) and redemptions (the clerk at the counter). Scoped like every read; 400 in Chinese."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chuangcheng.api.params import int_param, plain, request_actor, require_roles
from chuangcheng.api.schema import ErrorOut
from chuangcheng.core.errors import NotFound, ValidationFailed
from chuangcheng.volunteer import points as ledger
from chuangcheng.volunteer import shop
from chuangcheng.volunteer.models import Goods, PointAccount, Station
from chuangcheng.volunteer.roles import COUNTER_ROLES, HOLDER_ROLES, SHOP_STAFF_ROLES

MAX_PAGE_SIZE = 100


class PointsOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    volunteer_number = serializers.CharField(allow_blank=True)
    station = serializers.CharField(allow_blank=True)
    balance = serializers.DecimalField(max_digits=10, decimal_places=1)


class GoodsOut(serializers.Serializer):
    id = serializers.IntegerField()
    station = serializers.CharField(help_text="超市所在站/所的公开编码")
    name = serializers.CharField()
    price = serializers.IntegerField()
    stock = serializers.IntegerField()
    active = serializers.BooleanField()


class GoodsIn(serializers.Serializer):
    station = serializers.CharField(help_text="超市所在站/所的公开编码")
    name = serializers.CharField()
    price = serializers.IntegerField(help_text="兑换积分")
    stock = serializers.IntegerField(required=False, help_text="首批入库数量")


class LineIn(serializers.Serializer):
    goods = serializers.IntegerField()
    quantity = serializers.IntegerField()


class RedemptionIn(serializers.Serializer):
    station = serializers.CharField(help_text="超市所在站/所的公开编码")
    code = serializers.CharField(help_text="持有人出示的积分码（二维码内容）")
    items = LineIn(many=True)


class RedemptionOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    points = serializers.IntegerField()
    balance = serializers.DecimalField(max_digits=10, decimal_places=1)
    items = LineIn(many=True)


def _account_out(a: PointAccount) -> dict[str, Any]:
    return {
        "id": a.pk,
        "name": a.name,
        "volunteer_number": a.volunteer.number if a.volunteer_id and a.volunteer else "",
        "station": a.station.name if a.station_id and a.station else "",
        "balance": a.balance,
    }


def _goods_out(g: Goods) -> dict[str, Any]:
    return {
        "id": g.pk,
        "station": g.station.code,
        "name": g.name,
        "price": g.price,
        "stock": g.stock,
        "active": g.active,
    }


def _station(scope: Any, code: Any) -> Station:
    st = scope.filter(code=str(code or "")).first()
    if st is None:
        raise NotFound("没有这个超市，或不属于您。")
    return st


class PointsView(APIView):
    @extend_schema(
        summary="文明积分：本人的积分；站/所工作人员：本站/所持有人的积分",
        operation_id="v1_volunteer_points",
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: PointsOut(many=True), 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, HOLDER_ROLES | SHOP_STAFF_ROLES, "您的角色无权查看文明积分。")
        page = int_param(request.query_params, "page", 1, "页码") or 1
        size = int_param(request.query_params, "page_size", 50, "每页条数") or 50
        if size > MAX_PAGE_SIZE or page < 1 or size < 1:
            raise ValidationFailed(f"输入有误：页码从 1 开始，每页最多 {MAX_PAGE_SIZE} 条。")
        qs = (
            ledger.accounts_visible_to(actor)
            .select_related("volunteer", "station")
            .order_by("pk")[(page - 1) * size : page * size]
        )
        return Response(PointsOut([_account_out(a) for a in qs], many=True).data)


class GoodsView(APIView):
    @extend_schema(
        summary="文明团结超市商品（本人服务或管理的超市）",
        operation_id="v1_volunteer_goods",
        parameters=[OpenApiParameter("station", str, description="站/所的公开编码")],
        responses={200: GoodsOut(many=True), 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, COUNTER_ROLES, "您的角色无权查看超市商品。")
        qs = shop.goods_visible_to(actor)
        code = str(request.query_params.get("station") or "")
        if code:
            qs = qs.filter(station__code=code)
        return Response(GoodsOut([_goods_out(g) for g in qs.order_by("pk")[:500]], many=True).data)

    @extend_schema(
        summary="上架商品（站/所工作人员）",
        operation_id="v1_volunteer_goods_create",
        request=GoodsIn,
        responses={201: GoodsOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    )
    def post(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, SHOP_STAFF_ROLES, "只有站/所工作人员可以上架商品。")
        data = plain(request.data)
        st = _station(ledger.managed_stations(actor), data.get("station"))
        g = shop.goods_add(
            actor=actor,
            station=st,
            name=str(data.get("name") or ""),
            price=data.get("price"),
            stock=data.get("stock") or 0,
        )
        return Response(GoodsOut(_goods_out(g)).data, status=201)


class RedemptionView(APIView):
    @extend_schema(
        summary="积分兑换（收银员）：扣积分与出库在同一事务中完成",
        operation_id="v1_volunteer_redemption_create",
        request=RedemptionIn,
        responses={201: RedemptionOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    )
    def post(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, COUNTER_ROLES, "只有超市收银员或站/所工作人员可以办理兑换。")
        data = request.data if isinstance(request.data, dict) else {}
        st = _station(shop.counter_stations(actor), data.get("station"))
        items = data.get("items")
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ValidationFailed(
                "输入有误：items 应为商品与数量的列表。", fields={"items": ["格式不对"]}
            )
        lines = shop.parse_lines((i.get("goods"), i.get("quantity")) for i in items)
        r = shop.redeem(actor=actor, station=st, code=str(data.get("code") or ""), lines=lines)
        body = {
            "id": r.pk,
            "number": r.number,
            "points": r.points,
            "balance": r.entry.balance_after,
            "items": [{"goods": ln.goods_id, "quantity": ln.quantity} for ln in r.lines.all()],
        }
        return Response(RedemptionOut(body).data, status=201)

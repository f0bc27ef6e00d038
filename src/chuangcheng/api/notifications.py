"""消息提醒 in the API: a person's own messages, and marking them read. Generic: every loop's
notices are written by the engine, so this module names no loop."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chuangcheng.cases.models import Notification
from chuangcheng.cases.selectors import notification_unread_count, notifications_for
from chuangcheng.cases.services import notification_mark_read
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.org.access import actor_for


class NotificationOut(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    case = serializers.IntegerField()
    case_number = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


MarkedOut = inline_serializer("NotificationsMarked", {"marked": serializers.IntegerField()})


def _out(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "text": n.text,
        "case": n.case_id,
        "case_number": n.case.number,
        "created_at": n.created_at.isoformat(),
        "read_at": n.read_at.isoformat() if n.read_at else None,
    }


class NotificationListView(APIView):
    @extend_schema(
        summary="我的消息提醒",
        parameters=[
            OpenApiParameter("unread", bool, description="只看未读"),
            OpenApiParameter("page", int),
        ],
        responses=inline_serializer(
            "NotificationPage",
            {
                "results": NotificationOut(many=True),
                "unread": serializers.IntegerField(),
                "page": serializers.IntegerField(),
                "next": serializers.CharField(allow_null=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        actor = actor_for(request.user)
        try:
            page = int(request.query_params.get("page", "1"))
        except ValueError:
            raise ValidationFailed("页码必须是整数。") from None
        if not 1 <= page <= 100_000:
            raise ValidationFailed("页码超出范围。")
        size = 50
        unread_only = request.query_params.get("unread") in ("1", "true", "True")
        rows = list(
            notifications_for(actor, unread_only=unread_only)[(page - 1) * size : page * size + 1]
        )
        has_next = len(rows) > size
        query = request.query_params.copy()
        query["page"] = str(page + 1)
        base = request.build_absolute_uri(request.path)
        return Response(
            {
                "results": [_out(n) for n in rows[:size]],
                "unread": notification_unread_count(actor),
                "page": page,
                "next": f"{base}?{query.urlencode()}" if has_next else None,
            }
        )


class NotificationReadView(APIView):
    @extend_schema(summary="标记一条消息已读", request=None, responses=MarkedOut)
    def post(self, request: Request, notification_id: int) -> Response:
        marked = notification_mark_read(
            actor=actor_for(request.user), notification_id=notification_id
        )
        return Response({"marked": marked})


class NotificationReadAllView(APIView):
    @extend_schema(summary="全部标记已读", request=None, responses=MarkedOut)
    def post(self, request: Request) -> Response:
        return Response({"marked": notification_mark_read(actor=actor_for(request.user))})

"""/api/v1/ endpoints of the 12345 loop (routes: hotline/api_urls.py): the order list and
受理 (one or a batch), 来电人历史工单, 疑似重复工单, 智能派单建议 and the 三率 indicators.

Who may call which endpoint comes from hotline.roles, the same role sets the pages use; what
comes back is scoped like the matching page (a citizen gets what their phone pages show)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chuangcheng.api.params import (
    MAX_PAGE,
    files,
    float_param,
    int_param,
    plain,
    request_actor,
    require_roles,
)
from chuangcheng.api.schema import STATUS_CHOICES, CaseListOut, IntakeIn
from chuangcheng.cases.presenters import case_summary, case_summary_for
from chuangcheng.cases.selectors import case_get_visible, cases_of_kind
from chuangcheng.cases.workflow import registered, workflow_for
from chuangcheng.core.errors import DomainError, ValidationFailed
from chuangcheng.core.privacy import normalise_phone
from chuangcheng.hotline import selectors as hotline_selectors
from chuangcheng.hotline.indicators import hotline_indicators
from chuangcheng.hotline.roles import (
    ANALYTICS_ROLES,
    CALLER_HISTORY_ROLES,
    INTAKE_REPEAT_ROLES,
    SUGGESTION_ROLES,
)
from chuangcheng.hotline.services import BATCH_MAX, hotline_intake, hotline_intake_many
from chuangcheng.hotline.workflow import KIND as HOTLINE_KIND

CaseCreatedOut = inline_serializer(
    "CaseCreated",
    {
        "id": serializers.IntegerField(),
        "number": serializers.CharField(),
        "status": serializers.ChoiceField(choices=STATUS_CHOICES),
        "status_label": serializers.CharField(),
    },
)


class CaseListView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="工单列表（按权限范围）",
        operation_id="v1_cases_list",
        parameters=[
            OpenApiParameter(
                "status",
                str,
                description="状态，可用逗号分隔多个："
                + "、".join(f"{k}（{v}）" for k, v in STATUS_CHOICES),
            ),
            OpenApiParameter(
                "kind",
                str,
                description="业务：默认 hotline（12345）；其他业务的状态见其流程",
                enum=[w.kind for w in registered()],
            ),
            OpenApiParameter("unit", int),
            OpenApiParameter("overdue", bool),
            OpenApiParameter("q", str),
            OpenApiParameter("page", int, description=f"1 至 {MAX_PAGE}"),
            OpenApiParameter("page_size", int, description="1 至 200，默认 50"),
        ],
        responses=CaseListOut,
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        p = request.query_params
        page = int_param(p, "page", 1, "页码") or 1
        if page > MAX_PAGE:
            raise ValidationFailed(
                f"输入有误：页码不能超过 {MAX_PAGE}。", fields={"page": ["超出范围"]}
            )
        unit = int_param(p, "unit", None, "单位")
        size = min(200, int_param(p, "page_size", 50, "每页条数") or 50)
        status = p.get("status", "")
        kind = p.get("kind", "") or HOTLINE_KIND
        try:
            workflow = workflow_for(kind)
        except LookupError:
            raise ValidationFailed(
                f"输入有误：未知的业务「{kind}」。", fields={"kind": ["未知的业务"]}
            ) from None
        states = dict(STATUS_CHOICES) if kind == HOTLINE_KIND else workflow.states
        unknown = [s for s in status.split(",") if s and s not in states]
        if unknown:
            raise ValidationFailed(
                f"输入有误：未知的状态「{unknown[0]}」。", fields={"status": ["未知的状态"]}
            )
        overdue = p.get("overdue") in ("1", "true", "True")
        if kind == HOTLINE_KIND:
            qs = hotline_selectors.case_list(
                actor, status=status, unit=unit, overdue=overdue, q=p.get("q", "")
            )
        else:  # another loop's cases through the same endpoint (the generic list)
            qs = cases_of_kind(
                actor,
                kind,
                statuses=[s for s in status.split(",") if s],
                unit=unit,
                overdue=overdue,
                q=p.get("q", ""),
            )
        rows = list(qs[(page - 1) * size : page * size + 1])
        has_next = len(rows) > size
        results = [case_summary_for(c, actor) for c in rows[:size]]
        base = request.build_absolute_uri(request.path)
        query = p.copy()
        query["page"] = str(page + 1)
        return Response(
            {
                "results": results,
                "page": page,
                "page_size": size,
                "next": f"{base}?{query.urlencode()}" if has_next else None,
            }
        )

    @extend_schema(
        summary="受理诉求（接单）",
        request=IntakeIn,
        responses={201: CaseCreatedOut, 200: CaseCreatedOut},
    )
    def post(self, request: Request) -> Response:
        actor = request_actor(request)
        case, created = hotline_intake(
            actor=actor,
            data=plain(request.data),
            files=files(request),
            source=f"api:{actor.username}",
        )
        return Response(_intake_out(case), status=201 if created else 200)


def _intake_out(case: Any) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "status": case.status,
        "status_label": "已受理" if case.status == "received" else case.status,
    }


class CaseBatchView(APIView):
    """批量受理 for integrations: every item goes through the same intake rules as
    POST /api/v1/cases; one result per item, in order."""

    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="批量受理诉求（对接平台）",
        operation_id="v1_cases_batch",
        request=inline_serializer("IntakeBatch", {"cases": serializers.ListField(child=IntakeIn)}),
        responses=inline_serializer(
            "IntakeBatchResult",
            {
                "results": serializers.ListField(
                    child=inline_serializer(
                        "IntakeBatchItem",
                        {
                            "index": serializers.IntegerField(),
                            "status": serializers.IntegerField(),
                            "id": serializers.IntegerField(required=False),
                            "number": serializers.CharField(required=False),
                            "case_status": serializers.CharField(required=False),
                            "status_label": serializers.CharField(required=False),
                            "detail": serializers.CharField(required=False),
                            "errors": serializers.DictField(required=False),
                        },
                    )
                )
            },
        ),
    )
    def post(self, request: Request) -> Response:
        actor = request_actor(request)
        items = request.data.get("cases") if isinstance(request.data, dict) else None
        if not isinstance(items, list) or not items:
            raise ValidationFailed(
                "请在 cases 中提交工单列表（1 至 500 条）。", fields={"cases": ["必须是非空列表"]}
            )
        if len(items) > BATCH_MAX:  # before any item is looked at
            raise ValidationFailed(
                f"一次最多提交 {BATCH_MAX} 条工单，本次 {len(items)} 条，请分批提交。",
                fields={"cases": [f"最多 {BATCH_MAX} 条"]},
            )
        results = []
        for i, r in enumerate(
            hotline_intake_many(actor=actor, items=items, source=f"api:{actor.username}")
        ):
            if isinstance(r, DomainError):
                row: dict[str, Any] = {
                    "index": i,
                    "status": r.status_code,
                    "detail": r.message,
                    "code": r.code,
                }
                if r.fields:
                    row["errors"] = r.fields
            else:
                case, created = r
                # "status" is the item's HTTP-like status here; the order's own is case_status
                row = {
                    "index": i,
                    "status": 201 if created else 200,
                    "id": case.pk,
                    "number": case.number,
                    "case_status": case.status,
                    "status_label": _intake_out(case)["status_label"],
                }
            results.append(row)
        return Response({"results": results})


class CallerHistoryView(APIView):
    @extend_schema(
        summary="来电人历史工单",
        parameters=[OpenApiParameter("phone", str)],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        # say so, rather than answer "no earlier orders" to someone who may not ask
        require_roles(actor, CALLER_HISTORY_ROLES, "您的角色无权查询来电人历史工单。")
        cases = hotline_selectors.caller_history(
            actor, normalise_phone(request.query_params.get("phone", ""))
        )
        return Response(
            {"results": [case_summary(c) for c in cases.select_related("lead_unit", "category")]}
        )


class HotlineIndicatorsView(APIView):
    @extend_schema(
        summary="三率与排名",
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM"),
            OpenApiParameter("group_by", str, enum=["unit", "street"]),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, ANALYTICS_ROLES, "只有领导、督办员和派单员可以查看考核指标。")
        month = request.query_params.get("month", "")
        group_by = request.query_params.get("group_by", "unit")
        try:
            # scoped like the 数据看板: a street's leader sees their street's orders only
            rows = hotline_indicators(month, group_by, base=hotline_selectors.figures_base(actor))
        except ValueError as exc:
            raise ValidationFailed(str(exc)) from None
        return Response(
            {"month": month, "group_by": group_by, "results": [r.as_dict() for r in rows]}
        )


class CaseSuggestionsView(APIView):
    @extend_schema(summary="智能派单建议与疑似重复工单", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, case_id: int) -> Response:
        from chuangcheng.intelligence.selectors import likely_repeats
        from chuangcheng.intelligence.services import suggest

        actor = request_actor(request)
        require_roles(actor, SUGGESTION_ROLES, "只有派单员和督办员可以查看智能派单建议。")
        case = case_get_visible(actor, case_id)
        data = suggest(case.title, case.content)
        data["repeats"] = [r.as_dict() for r in likely_repeats(case, actor)]
        return Response(data)


class RepeatLookupView(APIView):
    @extend_schema(
        summary="受理时查找疑似重复的在办工单",
        parameters=[
            OpenApiParameter("title", str),
            OpenApiParameter("content", str),
            OpenApiParameter("address", str),
            OpenApiParameter("lat", float),
            OpenApiParameter("lng", float),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        from chuangcheng.intelligence.selectors import intake_repeats

        actor = request_actor(request)
        require_roles(actor, INTAKE_REPEAT_ROLES, "只有受理员和派单员可以查找疑似重复工单。")
        p = request.query_params
        lat = float_param(p, "lat", "纬度")
        lng = float_param(p, "lng", "经度")
        repeats = intake_repeats(
            actor,
            title=p.get("title", ""),
            content=p.get("content", ""),
            address=p.get("address", ""),
            lat=lat,
            lng=lng,
        )
        return Response({"results": [r.as_dict() for r in repeats]})

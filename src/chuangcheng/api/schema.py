"""OpenAPI description of our Bearer token authentication (so the schema shows how to log in
and `manage.py check --deploy` has no drf-spectacular warnings)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "chuangcheng.api.auth.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "POST /api/v1/auth/token 换取令牌，然后 Authorization: Bearer <token>",
        }


# ---------------------------------------------------------------- documented shapes
# The OpenAPI schema lists the allowed values of every coded field (enums, from the loop's
# own vocabularies and forms, so they cannot drift) and the error body of every operation.
from django import forms  # noqa: E402
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema  # noqa: E402
from drf_spectacular.utils import PolymorphicProxySerializer, inline_serializer  # noqa: E402
from rest_framework import serializers  # noqa: E402

from chuangcheng.hotline.constants import (  # noqa: E402
    APPEAL_TYPES,
    CHANNELS,
    RESOLUTIONS,
    SATISFACTIONS,
    SUPERVISION_LEVELS,
    URGENCIES,
)
from chuangcheng.hotline.forms import IntakeForm  # noqa: E402
from chuangcheng.hotline.workflow import HOTLINE  # noqa: E402

ErrorOut = inline_serializer(
    "Error",
    {
        "detail": serializers.CharField(help_text="给人看的中文说明"),
        "code": serializers.CharField(
            help_text="invalid / not_authenticated / forbidden / not_found / conflict / "
            "throttled / server_error …"
        ),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="逐字段的中文错误（400 时）",
        ),
    },
)
ERROR_RESPONSES = {
    "400": "输入有误（含 NUL 字符、列表代替单值、超出范围的页码或坐标等）",
    "401": "未登录或令牌无效",
    "403": "角色无权进行此操作",
    "404": "不存在或无权查看",
    "409": "当前状态不允许此操作，或已被他人处理",
    "429": "请求过于频繁",
    "500": "服务器内部错误（JSON，无调试信息）",
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, plus the JSON error body on every operation."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, description in ERROR_RESPONSES.items():
            if code not in responses:
                body = self._get_response_for_code(ErrorOut, code, direction=direction)
                body["description"] = description
                responses[code] = body
        return responses


def _serializer_field(field: forms.Field) -> serializers.Field:
    common: dict[str, Any] = {"required": field.required, "help_text": str(field.label or "")}
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=serializers.IntegerField(), **common)
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(**common)
    if isinstance(field, forms.ChoiceField):
        choices = [(v, label) for v, label in list(field.choices) if v != ""]  # type: ignore[arg-type]
        return serializers.ChoiceField(choices=choices, **common)
    if isinstance(field, forms.IntegerField):
        low, high = field.min_value, field.max_value
        return serializers.IntegerField(
            min_value=low if isinstance(low, int) else None,
            max_value=high if isinstance(high, int) else None,
            **common,
        )
    if isinstance(field, forms.FloatField):
        return serializers.FloatField(**common)
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(**common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(**common)
    max_length = getattr(field, "max_length", None)
    return serializers.CharField(max_length=max_length, **common)


def form_serializer(name: str, form_classes: list[type[forms.Form]]) -> Any:
    fields: dict[str, serializers.Field] = {}
    for form_class in form_classes:
        for field_name, field in form_class.base_fields.items():
            fields.setdefault(field_name, _serializer_field(field))
    for f in fields.values():
        f.required = f.required and len(form_classes) == 1
    return inline_serializer(name, fields)


IntakeIn = form_serializer("Intake", [IntakeForm])
_PERSONS_ACTIONS = [a for a in HOTLINE.actions if not a.system]  # system steps: the engine's
ActionIn = form_serializer(
    "CaseActionInput", [a.form for a in _PERSONS_ACTIONS if a.form is not None]
)
ACTION_NAMES = [a.name for a in _PERSONS_ACTIONS]
ACTION_HELP = "；".join(
    f"{a.name}（{a.label}）: {', '.join(a.form.base_fields) if a.form else '无字段'}"
    for a in _PERSONS_ACTIONS
)


def _choice(choices: Any, **kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=list(choices), **kwargs)


STATUS_CHOICES = list(HOTLINE.states.items())
_summary_fields: dict[str, serializers.Field] = {
    "id": serializers.IntegerField(),
    "number": serializers.CharField(),
    "kind": serializers.CharField(),
    "status": _choice(STATUS_CHOICES),
    "status_label": serializers.CharField(),
    "title": serializers.CharField(),
    "appeal_type": _choice(APPEAL_TYPES),
    "created_at": serializers.DateTimeField(),
}
CitizenCaseSummaryOut = inline_serializer("CitizenCaseSummary", dict(_summary_fields))
_staff_summary = {
    **_summary_fields,
    "urgency": _choice(URGENCIES),
    "channel": _choice(CHANNELS),
    "category": serializers.CharField(allow_null=True),
    "category_name": serializers.CharField(allow_null=True),
    "lead_unit": serializers.IntegerField(allow_null=True),
    "lead_unit_name": serializers.CharField(allow_null=True),
    "finish_due": serializers.DateTimeField(allow_null=True),
    "overdue": serializers.BooleanField(),
    "supervision_level": _choice(SUPERVISION_LEVELS, allow_blank=True),
    "reporter_count": serializers.IntegerField(),
}
CaseSummaryOut = inline_serializer("CaseSummary", dict(_staff_summary))


class AllowedActionOut(serializers.Serializer):
    name = serializers.ChoiceField(choices=ACTION_NAMES)
    label = serializers.CharField()  # type: ignore[assignment]


def _allowed_actions() -> Any:
    return AllowedActionOut(many=True)


CaseDetailOut = inline_serializer(
    "CaseDetail",
    {
        **_staff_summary,
        "content": serializers.CharField(),
        "address": serializers.CharField(),
        "lat": serializers.FloatField(allow_null=True),
        "lng": serializers.FloatField(allow_null=True),
        "citizen": inline_serializer(
            "CaseCitizen",
            {
                "name": serializers.CharField(help_text="脱敏，如 王**；保密/匿名"),
                "phone": serializers.CharField(help_text="脱敏，如 138****1234"),
                "confidential": serializers.BooleanField(),
            },
        ),
        "result": serializers.CharField(),
        "contacted": serializers.BooleanField(allow_null=True),
        "resolution": _choice(RESOLUTIONS, allow_blank=True),
        "satisfaction": _choice(SATISFACTIONS, allow_blank=True),
        "citizen_rating": serializers.IntegerField(allow_null=True),
        "allowed_actions": _allowed_actions(),
        "loop": serializers.DictField(
            allow_null=True,
            help_text="该业务（kind）自己的字段，如数字城管的小类、单元网格、返工次数；"
            "数字城管的结构见 POST /api/v1/citymgmt/reports 的 loop",
        ),
        "events": serializers.ListField(child=serializers.DictField()),
        "assignments": serializers.ListField(child=serializers.DictField()),
        "links": serializers.ListField(
            child=serializers.DictField(),
            help_text="关联工单（转办等，两个方向）：direction（out 转出 / in 来源）、number、loop、"
            "status、status_label、final、visible；有权查看对方工单时另有 id、lights（时钟与红黄绿灯）"
            "和 last_step",
        ),
    },
)
CitizenCaseDetailOut = inline_serializer(
    "CitizenCaseDetail",
    {
        **_summary_fields,
        "content": serializers.CharField(),
        "address": serializers.CharField(),
        "lead_unit_name": serializers.CharField(allow_null=True),
        "result": serializers.CharField(help_text="回访阶段起才公开"),
        "citizen_rating": serializers.IntegerField(allow_null=True),
        "rating_comment": serializers.CharField(),
        "progress": inline_serializer(
            "PublicStep",
            {
                "at": serializers.DateTimeField(),
                "text": serializers.CharField(),
                "status_label": serializers.CharField(),
            },
            many=True,
        ),
        "allowed_actions": _allowed_actions(),
    },
)
CaseOut = PolymorphicProxySerializer(
    component_name="CaseView",
    serializers=[CaseDetailOut, CitizenCaseDetailOut],
    resource_type_field_name=None,
    many=False,
)
CaseListOut = inline_serializer(
    "CasePage",
    {
        "results": PolymorphicProxySerializer(
            component_name="CaseListItem",
            serializers=[CaseSummaryOut, CitizenCaseSummaryOut],
            resource_type_field_name=None,
            many=True,
        ),
        "page": serializers.IntegerField(),
        "page_size": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
    },
)

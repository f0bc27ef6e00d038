"""Intake input, shared by the API, the operator's page and the citizen's page."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from chuangcheng.cases.models import Category
from chuangcheng.core.privacy import is_phone, normalise_phone
from chuangcheng.hotline.constants import APPEAL_TYPES, CHANNELS, URGENCIES


class IntakeForm(forms.Form):
    channel = forms.ChoiceField(
        label="渠道",
        choices=CHANNELS,
        initial="phone",
        error_messages={"required": "请选择受理渠道", "invalid_choice": "受理渠道无效"},
    )
    appeal_type = forms.ChoiceField(
        label="诉求类型",
        choices=APPEAL_TYPES,
        initial="help",
        error_messages={"required": "请选择诉求类型", "invalid_choice": "诉求类型无效"},
    )
    title = forms.CharField(
        label="标题",
        max_length=200,
        min_length=2,
        error_messages={
            "required": "请填写标题",
            "min_length": "标题至少 2 个字",
            "max_length": "标题不能超过 200 字",
        },
    )
    content = forms.CharField(
        label="诉求内容",
        widget=forms.Textarea,
        max_length=5000,
        min_length=5,
        error_messages={
            "required": "请填写诉求内容",
            "min_length": "诉求内容至少 5 个字",
            "max_length": "诉求内容不能超过 5000 字",
        },
    )
    citizen_name = forms.CharField(label="诉求人姓名", max_length=40, required=False)
    citizen_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    confidential = forms.BooleanField(label="要求保密", required=False)
    anonymous = forms.BooleanField(label="匿名", required=False)
    address = forms.CharField(label="事发地址", max_length=255, required=False)
    lat = forms.FloatField(
        label="纬度", required=False, error_messages={"invalid": "纬度必须是数字"}
    )
    lng = forms.FloatField(
        label="经度", required=False, error_messages={"invalid": "经度必须是数字"}
    )
    urgency = forms.ChoiceField(
        label="紧急程度",
        choices=URGENCIES,
        initial="normal",
        required=False,
        error_messages={"invalid_choice": "紧急程度无效"},
    )
    category = forms.CharField(label="分类编码", max_length=12, required=False)
    external_id = forms.CharField(label="外部编号", max_length=80, required=False)

    def clean_citizen_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data.get("citizen_phone") or "")
        if phone and not is_phone(phone):
            raise ValidationError("电话号码格式不正确（例如 13812345678 或 0471-1234567）")
        return phone

    def clean_category(self) -> Category | None:
        code = self.cleaned_data.get("category") or ""
        if not code:
            return None
        category = Category.objects.filter(code=code, active=True).first()
        if category is None:
            raise ValidationError(f"分类编码「{code}」不存在")
        return category

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        lat, lng = data.get("lat"), data.get("lng")
        if (lat is None) != (lng is None):
            raise ValidationError({"lat": "经纬度必须同时填写"})
        if lat is not None and lng is not None:
            min_lng, min_lat, max_lng, max_lat = settings.CC_CITY_BOUNDS
            if not (min_lat <= lat <= max_lat and min_lng <= lng <= max_lng):
                raise ValidationError({"lat": "坐标不在本市范围内，请检查定位"})
        if (
            not data.get("anonymous")
            and not data.get("citizen_phone")
            and "citizen_phone" not in self.errors
        ):
            raise ValidationError({"citizen_phone": "请填写联系电话（或选择匿名）"})
        if not data.get("urgency"):
            data["urgency"] = "normal"
        return data

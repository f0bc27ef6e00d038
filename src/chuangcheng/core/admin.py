from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from chuangcheng.core.models import CalendarOverride, PhoneAuthenticator, Setting, WorkerHeartbeat
from chuangcheng.core.settings_store import SPECS, setting_set, validate_setting

admin.site.site_header = "创城 · 管理后台"
admin.site.site_title = "创城管理后台"
admin.site.index_title = "系统配置"
admin.site.site_url = "/"  # 查看站点: back to the pages


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["day", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "day"


def _number_field(spec_key: str, label: str, kind: str, help_text: str = "") -> forms.Field:
    spec = SPECS[spec_key]
    common: dict[str, Any] = {
        "label": label,
        "required": False,
        "help_text": help_text,
        "min_value": spec.minimum if kind != "weights" else 0,
        "max_value": spec.maximum if kind != "weights" else 1,
    }
    if kind == "int":
        return forms.IntegerField(**common)
    return forms.FloatField(**common)


def _value_fields() -> dict[str, forms.Field]:
    """One labelled, typed field per setting (per part of a weights setting)."""
    fields: dict[str, forms.Field] = {}
    for key, spec in SPECS.items():
        if spec.kind == "weights":
            for part, label in spec.parts:
                fields[f"{key}:{part}"] = _number_field(
                    key, f"{spec.label}：{label}", "weights", spec.help
                )
        else:
            fields[key] = _number_field(key, spec.label, spec.kind, spec.help)
    return fields


class _SettingFormBase(forms.ModelForm):
    """参数设置 with a field per value instead of a free JSON box: the key is chosen from the
    declared settings and only that setting's fields are read, validated by `validate_setting`."""

    key = forms.ChoiceField(label="参数", choices=[(k, s.label) for k, s in SPECS.items()])

    class Meta:
        model = Setting
        fields = ["key", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk and instance.key in SPECS:
            spec = SPECS[instance.key]
            value = instance.value
            if spec.kind == "weights" and isinstance(value, dict):
                for part, _label in spec.parts:
                    self.initial.setdefault(f"{spec.key}:{part}", value.get(part))
            elif spec.kind != "weights" and not isinstance(value, (dict, list)):
                self.initial.setdefault(spec.key, value)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        key = data.get("key")
        spec = SPECS.get(key or "")
        if spec is None:
            return data
        if spec.kind == "weights":
            value: Any = {part: data.get(f"{key}:{part}") for part, _label in spec.parts}
            missing = [label for part, label in spec.parts if value[part] is None]
            if missing:
                raise ValidationError(f"请填写：{'、'.join(missing)}")
        else:
            value = data.get(spec.key)
            if value is None:
                raise ValidationError(f"请填写「{spec.label}」")
        try:
            data["value"] = validate_setting(spec.key, value)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return data


# the typed fields are declared on the class, so the admin may list them in its fieldsets
SettingForm = type("SettingForm", (_SettingFormBase,), _value_fields())


@admin.register(Setting)
class SettingAdmin(admin.ModelAdmin):
    form = SettingForm
    list_display = ["key", "label", "value", "note"]
    search_fields = ["key"]

    @admin.display(description="名称")
    def label(self, obj: Setting) -> str:
        spec = SPECS.get(obj.key)
        return spec.label if spec else "（未声明的参数）"

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.key in SPECS:
            spec = SPECS[obj.key]
            names = (
                [f"{spec.key}:{part}" for part, _l in spec.parts]
                if spec.kind == "weights"
                else [spec.key]
            )
            return [(None, {"fields": ["key", *names, "note"]})]
        return [
            (None, {"fields": ["key", "note"]}),
            *[
                (
                    spec.label,
                    {
                        "fields": [f"{spec.key}:{p}" for p, _l in spec.parts]
                        if spec.kind == "weights"
                        else [spec.key],
                        "description": spec.help,
                    },
                )
                for spec in SPECS.values()
            ],
        ]

    def save_model(self, request: HttpRequest, obj: Setting, form: Any, change: bool) -> None:
        actor = getattr(request, "user", None)
        if change and obj.pk and form.initial.get("key") not in (None, obj.key):
            # the key was changed: the old row goes, the new one is written by the service
            Setting.objects.filter(pk=obj.pk).delete()
        saved = setting_set(
            actor=actor,
            key=obj.key,
            value=form.cleaned_data["value"],
            note=form.cleaned_data.get("note") or "",
        )
        obj.pk, obj.value = saved.pk, saved.value


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    """Read-only: the workers write these rows themselves (core/worker.py)."""

    list_display = ["host", "pid", "worker_id", "task_id", "started_at", "seen_at"]
    ordering = ["-seen_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# django-tasks-db's task results, with Chinese column names (its fields are translated in
# locale/zh_Hans; these are the columns its admin computes)
admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    list_display = (  # type: ignore[assignment]  # its own columns, less the id
        "task",
        "status",
        "enqueued_at",
        "started_at",
        "finished_at",
        "priority",
        "queue_name",
    )

    @admin.display(description="任务")
    def task(self, obj: DBTaskResult) -> str:
        return str(obj.task_name)

    @admin.display(description="错误堆栈")
    def formatted_traceback(self, obj: DBTaskResult) -> str:
        return super().formatted_traceback(obj)

    @admin.display(description="最早执行时间")
    def display_run_after(self, obj: DBTaskResult) -> Any:
        return super().display_run_after(obj)


# django-axes' list of attempts: its two computed columns, named in Chinese
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LoginAttemptAdmin(AccessAttemptAdmin):
    @admin.display(description="过期时间")
    def expiration(self, obj: AccessAttempt) -> Any:
        return super().expiration(obj)

    @admin.display(description="状态")
    def status(self, obj: AccessAttempt) -> Any:
        return super().status(obj)


# django-otp's TOTP devices, as 手机验证器 with Chinese labels
admin.site.unregister(TOTPDevice)

PHONE_AUTHENTICATOR_LABELS = {
    "user": "用户",
    "name": "名称",
    "confirmed": "已确认",
    "key": "密钥",
    "step": "时间步长（秒）",
    "t0": "起始时间 t0",
    "digits": "位数",
    "tolerance": "容差",
    "drift": "时钟偏移",
    "last_t": "最近使用的时间步",
    "throttling_failure_timestamp": "最近验证失败时间",
    "throttling_failure_count": "连续验证失败次数",
    "created_at": "创建时间",
    "last_used_at": "最近使用时间",
}


@admin.register(PhoneAuthenticator)
class PhoneAuthenticatorAdmin(TOTPDeviceAdmin):
    list_display = ["person", "device_name", "is_confirmed", "used_at"]

    @admin.display(description="用户", ordering="user__username")
    def person(self, obj: PhoneAuthenticator) -> str:
        user = obj.user
        return f"{user.last_name}{user.first_name}".strip() or user.get_username()

    @admin.display(description="名称", ordering="name")
    def device_name(self, obj: PhoneAuthenticator) -> str:
        return obj.name

    @admin.display(description="已确认", boolean=True, ordering="confirmed")
    def is_confirmed(self, obj: PhoneAuthenticator) -> bool:
        return bool(obj.confirmed)

    @admin.display(description="最近使用时间", ordering="last_used_at")
    def used_at(self, obj: PhoneAuthenticator) -> Any:
        return obj.last_used_at

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        for name, field in form.base_fields.items():
            field.label = PHONE_AUTHENTICATOR_LABELS.get(name, field.label)
        return form

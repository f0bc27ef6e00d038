"""Admin-editable settings (参数设置): each key is declared here with a label, a type and its
bounds, validated when it is saved (`setting_set`) and read defensively (`get_setting`): a
stored value that does not fit its declaration (written before validation existed, or by
hand in the database) is ignored in favour of the default, never passed on to crash a page."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SettingSpec:
    """One setting: its key, what the admin form calls it, its type and bounds.

    kind: "int", "float" or "weights" (named parts, each in [0, 1], summing to 1)."""

    key: str
    label: str
    kind: str
    default: Any
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    parts: tuple[tuple[str, str], ...] = ()  # weights: (part key, label)


SPECS: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in (
        SettingSpec(
            "hotline.score_weights",
            "综合得分权重",
            "weights",
            {"response": 0.1, "resolution": 0.5, "satisfaction": 0.4},
            help="三率在综合得分中的权重，三项之和须为 1",
            parts=(
                ("response", "响应率权重"),
                ("resolution", "解决率权重"),
                ("satisfaction", "满意率权重"),
            ),
        ),
        SettingSpec(
            "hotline.basic_satisfaction_factor",
            "基本满意折算系数",
            "float",
            0.9,
            help="满意率中“基本满意”按此系数计入",
            minimum=0,
            maximum=1,
        ),
        SettingSpec(
            "hotline.return_limit_workdays",
            "退单时限（工作日）",
            "int",
            2,
            help="派单后多少个工作日内可申请退单",
            minimum=0,
            maximum=30,
        ),
        SettingSpec(
            "hotline.max_extension_workdays",
            "累计延期上限（工作日）",
            "int",
            10,
            minimum=0,
            maximum=60,
        ),
        SettingSpec(
            "cases.warn_fraction",
            "黄灯阈值（已用时限比例）",
            "float",
            0.8,
            help="时钟已用去时限的这一比例后亮黄灯（超过时限亮红灯），例如 0.8 表示 80%",
            minimum=0.1,
            maximum=0.99,
        ),
        SettingSpec(
            "hotline.callback_limit_workdays",
            "回访时限（工作日）",
            "int",
            2,
            help="工单进入待回访后多少个工作日内应完成回访",
            minimum=1,
            maximum=30,
        ),
    )
}
DEFAULTS: dict[str, Any] = {key: spec.default for key, spec in SPECS.items()}


def declare_settings(*specs: SettingSpec) -> None:
    """A loop app adds its own settings (from its AppConfig.ready); a key is declared once."""
    for spec in specs:
        SPECS.setdefault(spec.key, spec)
        DEFAULTS.setdefault(spec.key, spec.default)


def _number(spec: SettingSpec, value: Any, label: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(f"「{label}」须为数字")
    number = float(value)
    if not math.isfinite(number):
        raise ValidationError(f"「{label}」须为数字")
    if spec.minimum is not None and number < spec.minimum:
        raise ValidationError(f"「{label}」不能小于 {spec.minimum:g}")
    if spec.maximum is not None and number > spec.maximum:
        raise ValidationError(f"「{label}」不能大于 {spec.maximum:g}")
    return number


def validate_setting(key: str, value: Any) -> Any:
    """The value as it will be stored, or a ValidationError with a Chinese message."""
    spec = SPECS.get(key)
    if spec is None:
        raise ValidationError(f"未知的参数「{key}」")
    if spec.kind == "int":
        number = _number(spec, value, spec.label)
        if not number.is_integer():
            raise ValidationError(f"「{spec.label}」须为整数")
        return int(number)
    if spec.kind == "float":
        return _number(spec, value, spec.label)
    if spec.kind == "weights":
        names = dict(spec.parts)
        if not isinstance(value, dict):
            raise ValidationError(f"「{spec.label}」须包含：{'、'.join(names.values())}")
        unknown = sorted(set(value) - set(names))
        missing = [label for part, label in spec.parts if part not in value]
        if unknown:
            raise ValidationError(f"「{spec.label}」含有未知的项：{'、'.join(unknown)}")
        if missing:
            raise ValidationError(f"「{spec.label}」缺少：{'、'.join(missing)}")
        bounded = SettingSpec(spec.key, spec.label, "float", 0, minimum=0, maximum=1)
        cleaned = {part: _number(bounded, value[part], names[part]) for part, _l in spec.parts}
        if abs(sum(cleaned.values()) - 1) > 1e-6:
            raise ValidationError(
                f"「{spec.label}」各项之和须为 1（现为 {sum(cleaned.values()):g}）"
            )
        return cleaned
    raise ValidationError(f"参数「{key}」的类型未知")


def get_setting(key: str) -> Any:
    """The stored value when it is valid, else the declared default."""
    from chuangcheng.core.models import Setting

    row = Setting.objects.filter(key=key).values_list("value", flat=True).first()
    if row is None:
        return DEFAULTS.get(key)
    if key not in SPECS:
        return row
    try:
        return validate_setting(key, row)
    except ValidationError:
        logger.warning("setting %s has an invalid stored value %r; using the default", key, row)
        return DEFAULTS[key]


def setting_set(*, actor: Any, key: str, value: Any, note: str | None = None) -> Any:
    """Save one setting after validating it (the admin form and any script go through here)."""
    from chuangcheng.core.models import Setting

    cleaned = validate_setting(key, value)
    defaults: dict[str, Any] = {"value": cleaned}
    if note is not None:
        defaults["note"] = note
    row, _created = Setting.objects.update_or_create(key=key, defaults=defaults)
    logger.info("setting %s set to %r by %s", key, cleaned, getattr(actor, "username", actor))
    return row

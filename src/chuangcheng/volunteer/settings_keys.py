"""The 新时代文明实践 loop's settings (参数设置): its clocks. Declared when the app's config
loads (volunteer.apps imports this module)."""

from __future__ import annotations

from chuangcheng.core.settings_store import SettingSpec, declare_settings

REVIEW_HOURS = "volunteer.review_hours"
TAKE_HOURS = "volunteer.take_hours"

declare_settings(
    SettingSpec(
        REVIEW_HOURS,
        "文明实践·审单时限（小时）",
        "int",
        24,
        help="居民点单后，站点应在多少小时内审核（通过或不予受理）",
        minimum=1,
        maximum=168,
    ),
    SettingSpec(
        TAKE_HOURS,
        "文明实践·接单时限（小时）",
        "int",
        12,
        help="派单后，志愿服务队应在多少小时内接单或说明理由拒绝",
        minimum=1,
        maximum=168,
    ),
)

# ---------------------------------------------------------------- 自动结单 (ADR 0032)
RATE_DAYS = "volunteer.rate_days"

declare_settings(
    SettingSpec(
        RATE_DAYS,
        "文明实践·评单期限（天）",
        "int",
        7,
        help="服务完成后居民多少天内未评价，订单自动结单并记为“未评价”（不默认好评）",
        minimum=1,
        maximum=60,
    ),
)

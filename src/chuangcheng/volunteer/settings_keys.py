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

# ---------------------------------------------------------------- activities (活动与签到)
ACTIVITY_RADIUS_M = "volunteer.activity_radius_m"
ACTIVITY_MARGIN_MIN = "volunteer.activity_margin_min"
ACTIVITY_HOURS_CAP = "volunteer.activity_hours_cap"

declare_settings(
    SettingSpec(
        ACTIVITY_RADIUS_M,
        "文明实践·活动签到范围（米）",
        "int",
        500,
        help="发布活动时的默认签到范围：离活动地点超过这个距离不能签到、签退",
        minimum=50,
        maximum=5000,
    ),
    SettingSpec(
        ACTIVITY_MARGIN_MIN,
        "文明实践·活动签到时间余量（分钟）",
        "int",
        30,
        help="发布活动时的默认余量：开始前多少分钟起可签到、结束后多少分钟内可签退",
        minimum=0,
        maximum=240,
    ),
    SettingSpec(
        ACTIVITY_HOURS_CAP,
        "文明实践·每次活动最多记录时长（小时）",
        "float",
        2.0,
        help="签到签退折算的时长（按半小时向下取整）每次活动最多记这么多小时",
        minimum=0.5,
        maximum=24,
    ),
)

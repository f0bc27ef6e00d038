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

# ---------------------------------------------------------------- stars (vdocs)
STAR_NOTICE_DAYS = "volunteer.star_notice_days"
STAR_WITHDRAW_BAR_DAYS = "volunteer.star_withdraw_bar_days"

declare_settings(
    SettingSpec(
        STAR_NOTICE_DAYS,
        "文明实践·星级认定公示期（工作日）",
        "int",
        5,
        help="志愿者累计时长达到下一星级后，公示多少个工作日无异议即予认定",
        minimum=1,
        maximum=30,
    ),
    SettingSpec(
        STAR_WITHDRAW_BAR_DAYS,
        "文明实践·撤销公示后重新公示的间隔（天）",
        "int",
        365,
        help="公示被撤销（如时长造假）后，同一星级多少天内不再自动公示",
        minimum=0,
        maximum=1095,
    ),
)

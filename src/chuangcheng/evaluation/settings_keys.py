"""The 创城测评 loop's settings (参数设置), declared when the app's config loads."""

from __future__ import annotations

from chuangcheng.core.settings_store import SettingSpec, declare_settings

LIMIT_MINOR = "evaluation.limit_minor_workdays"
LIMIT_MAJOR = "evaluation.limit_major_workdays"
LIMIT_SEVERE = "evaluation.limit_severe_hours"
REBOUND_DAYS = "evaluation.rebound_days"

declare_settings(
    SettingSpec(LIMIT_MINOR, "创城整改时限·一般问题（工作日）", "int", 5, minimum=1, maximum=60),
    SettingSpec(LIMIT_MAJOR, "创城整改时限·较重问题（工作日）", "int", 3, minimum=1, maximum=60),
    SettingSpec(LIMIT_SEVERE, "创城整改时限·严重问题（小时）", "int", 24, minimum=1, maximum=240),
    SettingSpec(
        REBOUND_DAYS,
        "创城问题反弹认定期（天）",
        "int",
        90,
        help="同一点位同一条目销号后多少天内再次不合格，记为反弹",
        minimum=1,
        maximum=730,
    ),
)

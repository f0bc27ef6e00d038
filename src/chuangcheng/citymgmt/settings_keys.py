"""The 数字城管 loop's settings (参数设置): the 综合评价 weights. Declared when the app's config
loads (citymgmt.apps imports this module), before the admin builds its settings form."""

from __future__ import annotations

from chuangcheng.core.settings_store import SettingSpec, declare_settings

DEPT_WEIGHTS = "citymgmt.dept_weights"
REGION_WEIGHTS = "citymgmt.region_weights"
INSPECTOR_WEIGHTS = "citymgmt.inspector_weights"

declare_settings(
    SettingSpec(
        DEPT_WEIGHTS,
        "数字城管·专业部门综合指标权重",
        "weights",
        {"filed": 0.1, "closed": 0.3, "ontime": 0.3, "rework": 0.3},
        help="立案数分值、结案率、按期处置率、(1−返工率) 的权重，之和须为 1",
        parts=(
            ("filed", "立案数分值"),
            ("closed", "结案率"),
            ("ontime", "按期处置率"),
            ("rework", "1−返工率"),
        ),
    ),
    SettingSpec(
        REGION_WEIGHTS,
        "数字城管·区域综合指标权重",
        "weights",
        {"supervision": 0.1, "filed": 0.2, "closed": 0.3, "ontime": 0.4},
        help="监督举报率分值、立案数分值、结案率、按期结案率的权重，之和须为 1",
        parts=(
            ("supervision", "监督举报率分值"),
            ("filed", "立案数分值"),
            ("closed", "结案率"),
            ("ontime", "按期结案率"),
        ),
    ),
    SettingSpec(
        INSPECTOR_WEIGHTS,
        "数字城管·监督员综合指标权重",
        "weights",
        {"valid": 0.4, "missed": 0.2, "verify": 0.2, "check": 0.2},
        help="有效上报率、漏报率分值、按时核实率、按时核查率的权重，之和须为 1",
        parts=(
            ("valid", "有效上报率"),
            ("missed", "漏报率分值"),
            ("verify", "按时核实率"),
            ("check", "按时核查率"),
        ),
    ),
)

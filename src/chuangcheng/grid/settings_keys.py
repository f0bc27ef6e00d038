"""The 网格化 loop's settings (参数设置): how soon each must-report item (必报事项) is due after the
grid worker learned of it. Declared when the app's config loads (grid.apps imports this module),
so that the admin's settings form has them; the kinds are MustReport.Kind's (grid.mustreport
checks that they agree)."""

from __future__ import annotations

from chuangcheng.core.settings_store import SettingSpec, declare_settings

MUST_REPORT_HOURS = "grid.must_report_hours_{}"
MUST_REPORT_KINDS = {
    "hazard": "安全隐患及不稳定因素",
    "pregnancy": "新增孕妇",
    "newcomer": "外来人口",
    "rental": "房屋出租",
    "facility": "公共设施维护",
}

declare_settings(
    *(
        SettingSpec(
            MUST_REPORT_HOURS.format(kind),
            f"必报事项上报时限·{label}（小时）",
            "int",
            24,
            help="网格员知悉后多少小时内须上报（连续计算，不扣除节假日）",
            minimum=1,
            maximum=720,
        )
        for kind, label in MUST_REPORT_KINDS.items()
    )
)

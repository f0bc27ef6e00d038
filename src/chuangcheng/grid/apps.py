from django.apps import AppConfig

from chuangcheng.grid import settings_keys  # noqa: F401  (declares the loop's settings)


class GridConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chuangcheng.grid"
    label = "grid"
    verbose_name = "网格化管理"

    # What this loop adds to the shell (read by web.loops). Role codes as in grid.roles.
    nav = [
        ("grid:today", "今日工作", frozenset({"gd_worker", "gd_helper"})),
        (
            "grid:events",
            "网格事件",
            frozenset(
                {"gd_worker", "gd_helper", "gd_community", "gd_zongzhi", "gd_street", "gd_dept"}
            ),
        ),
        (
            "grid:ledger",
            "网格台账",
            frozenset({"gd_worker", "gd_helper", "gd_community", "gd_zongzhi", "gd_street"}),
        ),
        (
            "grid:visits",
            "探访计划",
            frozenset({"gd_worker", "gd_helper", "gd_community", "gd_zongzhi", "gd_street"}),
        ),
        (
            "grid:reports",
            "必报事项",
            frozenset({"gd_worker", "gd_helper", "gd_community", "gd_zongzhi", "gd_street"}),
        ),
        (
            "grid:refresh",
            "季度更新",
            frozenset({"gd_worker", "gd_helper", "gd_community", "gd_zongzhi", "gd_street"}),
        ),
        (
            "grid:map",
            "网格地图",
            frozenset({"gd_worker", "gd_helper", "gd_community", "gd_zongzhi", "gd_street"}),
        ),
        ("grid:ranking", "月度指标", frozenset({"gd_community", "gd_zongzhi", "gd_street"})),
        ("grid:control", "管控台账", frozenset({"gd_worker", "gd_zongzhi"})),
        (
            "grid:patrols",
            "巡查记录",
            frozenset({"gd_worker", "gd_community", "gd_zongzhi", "gd_street"}),
        ),
    ]
    # the documents it offers in the 报表 archive (core/reports.py)
    reports = ["chuangcheng.grid.reports.MONTHLY"]
    home_by_role = [
        ("gd_worker", "grid:today"),
        ("gd_helper", "grid:today"),
        ("gd_community", "grid:ledger"),
        ("gd_zongzhi", "grid:ledger"),
        ("gd_street", "grid:ledger"),
        ("gd_dept", "grid:events"),
    ]

    def ready(self) -> None:
        # declares the loop's roles, the grid events' workflow, the must-report limits
        from chuangcheng.grid import mustreport, roles, workflow  # noqa: F401

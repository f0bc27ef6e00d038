from django.apps import AppConfig


class GridConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chuangcheng.grid"
    label = "grid"
    verbose_name = "网格化管理"

    # What this loop adds to the shell (read by web.loops). Role codes as in grid.roles.
    nav = [
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
        ("grid:control", "管控台账", frozenset({"gd_worker", "gd_zongzhi"})),
    ]
    home_by_role = [
        ("gd_worker", "grid:ledger"),
        ("gd_helper", "grid:ledger"),
        ("gd_community", "grid:ledger"),
        ("gd_zongzhi", "grid:ledger"),
        ("gd_street", "grid:ledger"),
    ]

    def ready(self) -> None:
        from chuangcheng.grid import roles  # noqa: F401  (declares the loop's roles)

from django.apps import AppConfig

from chuangcheng.citymgmt import settings_keys  # noqa: F401  (declares the loop's settings)


class CitymgmtConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chuangcheng.citymgmt"
    label = "citymgmt"
    verbose_name = "数字城管"

    # What this loop adds to the shell (read by web.loops): its navigation and where `/` sends
    # its people. Role codes as declared in citymgmt.workflow.
    nav = [
        ("citymgmt:inspector", "城管上报", frozenset({"cm_inspector"})),
        ("citymgmt:shift", "立案结案", frozenset({"cm_shift"})),
        ("citymgmt:dispatch", "城管派遣", frozenset({"cm_dispatcher"})),
        ("citymgmt:queue", "城管处置", frozenset({"cm_handler"})),
        ("citymgmt:indicators", "城管考核", frozenset({"cm_leader", "cm_shift"})),
    ]
    home_by_role = [
        ("cm_inspector", "citymgmt:inspector"),
        ("cm_shift", "citymgmt:shift"),
        ("cm_dispatcher", "citymgmt:dispatch"),
        ("cm_handler", "citymgmt:queue"),
        ("cm_leader", "citymgmt:indicators"),
    ]

    def ready(self) -> None:
        # registers the workflow, and the indicators' settings (参数设置)
        from chuangcheng.citymgmt import indicators, workflow  # noqa: F401

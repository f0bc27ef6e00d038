from django.apps import AppConfig


class CitymgmtConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chuangcheng.citymgmt"
    label = "citymgmt"
    verbose_name = "数字城管"

    def ready(self) -> None:
        from chuangcheng.citymgmt import workflow  # noqa: F401  (registers the workflow)

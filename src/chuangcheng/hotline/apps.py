from django.apps import AppConfig


class Config(AppConfig):
    name = "chuangcheng.hotline"
    label = "hotline"
    verbose_name = "12345 接诉即办"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from chuangcheng.hotline import workflow  # noqa: F401  (registers the workflow)

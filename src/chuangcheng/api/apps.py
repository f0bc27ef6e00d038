from django.apps import AppConfig


class Config(AppConfig):
    name = "chuangcheng.api"
    verbose_name = "接口"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from chuangcheng.api import schema  # noqa: F401  (registers the OpenAPI auth extension)

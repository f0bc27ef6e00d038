from django.apps import AppConfig


class Config(AppConfig):
    name = "chuangcheng.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from chuangcheng.api import schema  # noqa: F401  (registers the OpenAPI auth extension)

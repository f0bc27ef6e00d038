from django.apps import AppConfig


class Config(AppConfig):
    name = "chuangcheng.core"
    label = "cc_core"
    default_auto_field = "django.db.models.BigAutoField"

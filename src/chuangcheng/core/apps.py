from django.apps import AppConfig


class Config(AppConfig):
    name = "chuangcheng.core"
    verbose_name = "基础设置"
    label = "cc_core"
    default_auto_field = "django.db.models.BigAutoField"

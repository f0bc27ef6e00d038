from django.apps import AppConfig


class Config(AppConfig):
    name = "chuangcheng.cases"
    verbose_name = "工单"
    label = "cases"
    default_auto_field = "django.db.models.BigAutoField"

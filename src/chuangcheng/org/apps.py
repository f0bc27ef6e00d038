from django.apps import AppConfig


class Config(AppConfig):
    name = "chuangcheng.org"
    verbose_name = "组织机构与区域"
    label = "org"
    default_auto_field = "django.db.models.BigAutoField"

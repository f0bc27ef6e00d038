from django.apps import AppConfig


class CitymgmtConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chuangcheng.citymgmt"
    label = "citymgmt"
    verbose_name = "数字城管"

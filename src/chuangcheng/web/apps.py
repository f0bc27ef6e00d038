from django.apps import AppConfig


class Config(AppConfig):
    name = "chuangcheng.web"
    verbose_name = "页面"
    label = "web"
    default_auto_field = "django.db.models.BigAutoField"

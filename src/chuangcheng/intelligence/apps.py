from django.apps import AppConfig


class Config(AppConfig):
    name = "chuangcheng.intelligence"
    verbose_name = "智能辅助"
    label = "intelligence"
    default_auto_field = "django.db.models.BigAutoField"

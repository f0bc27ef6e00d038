from django.apps import AppConfig


class Config(AppConfig):
    name = "chuangcheng.intelligence"
    label = "intelligence"
    default_auto_field = "django.db.models.BigAutoField"

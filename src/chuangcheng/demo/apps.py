from django.apps import AppConfig


class Config(AppConfig):
    name = "chuangcheng.demo"
    label = "demo"
    verbose_name = "演示数据"

from django.urls import path

from chuangcheng.web import views

urlpatterns = [
    path("", views.home, name="home"),
]

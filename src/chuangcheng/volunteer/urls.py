"""/api/v1/ endpoints of the 新时代文明实践 app (included from config/urls.py)."""

from django.urls import path

from chuangcheng.volunteer import api, api_needs

urlpatterns = [
    path("volunteer/orders", api.OrderListView.as_view(), name="api-volunteer-orders"),
    path("volunteer/needs", api_needs.NeedListView.as_view(), name="api-volunteer-needs"),
]

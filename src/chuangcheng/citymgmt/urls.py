"""/api/v1/ endpoints of the 数字城管 app (included from config/urls.py)."""

from django.urls import path

from chuangcheng.citymgmt import api

urlpatterns = [
    path("components", api.ComponentListView.as_view(), name="api-components"),
    path("citymgmt/reports", api.ReportView.as_view(), name="api-citymgmt-reports"),
    path("citymgmt/intake", api.IntakeView.as_view(), name="api-citymgmt-intake"),
    path("grids/lookup", api.GridLookupView.as_view(), name="api-grids-lookup"),
]

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from chuangcheng.api import views

urlpatterns = [
    path("v1/auth/token", views.TokenView.as_view(), name="api-token"),
    path("v1/auth/logout", views.LogoutView.as_view(), name="api-logout"),
    path("v1/cases", views.CaseListView.as_view(), name="api-cases"),
    path("v1/cases/batch", views.CaseBatchView.as_view(), name="api-cases-batch"),
    path("v1/cases/<int:case_id>", views.CaseDetailView.as_view(), name="api-case"),
    path(
        "v1/cases/<int:case_id>/actions/<str:action>",
        views.CaseActionView.as_view(),
        name="api-case-action",
    ),
    path(
        "v1/cases/<int:case_id>/contact", views.CaseContactView.as_view(), name="api-case-contact"
    ),
    path(
        "v1/cases/<int:case_id>/suggestions",
        views.CaseSuggestionsView.as_view(),
        name="api-case-suggestions",
    ),
    path("v1/repeats", views.RepeatLookupView.as_view(), name="api-repeats"),
    path("v1/callers", views.CallerHistoryView.as_view(), name="api-callers"),
    path("v1/units", views.UnitListView.as_view(), name="api-units"),
    path("v1/regions", views.RegionListView.as_view(), name="api-regions"),
    path("v1/indicators/hotline", views.HotlineIndicatorsView.as_view(), name="api-indicators"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]

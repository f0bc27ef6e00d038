"""/api/v1/ endpoints of the 12345 loop (included from config/urls.py; names as before)."""

from django.urls import path

from chuangcheng.hotline import api

urlpatterns = [
    path("cases", api.CaseListView.as_view(), name="api-cases"),
    path("cases/batch", api.CaseBatchView.as_view(), name="api-cases-batch"),
    path(
        "cases/<int:case_id>/suggestions",
        api.CaseSuggestionsView.as_view(),
        name="api-case-suggestions",
    ),
    path("repeats", api.RepeatLookupView.as_view(), name="api-repeats"),
    path("callers", api.CallerHistoryView.as_view(), name="api-callers"),
    path("indicators/hotline", api.HotlineIndicatorsView.as_view(), name="api-indicators"),
]

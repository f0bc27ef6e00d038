"""/api/v1/ endpoints of the 创城测评 app (included from config/urls.py)."""

from django.urls import path

from chuangcheng.evaluation import api

urlpatterns = [
    path("evaluation/sites", api.SiteListView.as_view(), name="api-evaluation-sites"),
    path("evaluation/standard", api.StandardView.as_view(), name="api-evaluation-standard"),
    path(
        "evaluation/inspections",
        api.InspectionListView.as_view(),
        name="api-evaluation-inspections",
    ),
    path(
        "evaluation/inspections/<int:pk>/answers",
        api.AnswerView.as_view(),
        name="api-evaluation-answer",
    ),
    path(
        "evaluation/inspections/<int:pk>/submit",
        api.SubmitView.as_view(),
        name="api-evaluation-submit",
    ),
]

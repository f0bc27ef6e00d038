"""The 创城测评 pages (included at the site root from config/urls.py; names "evaluation:…")."""

from django.urls import path

from chuangcheng.evaluation.views import inspect, registry, scores, surveys

app_name = "evaluation"

urlpatterns = [
    path("evaluation/standard/", registry.standard_page, name="standard"),
    path("evaluation/standard/<int:pk>.xlsx", registry.standard_xlsx, name="standard_xlsx"),
    path(
        "evaluation/standard/<int:pk>/import/",
        registry.standard_import_view,
        name="standard_import",
    ),
    path(
        "evaluation/standard/<int:pk>/publish/",
        registry.edition_publish_view,
        name="edition_publish",
    ),
    path("evaluation/standard/<int:pk>/copy/", registry.edition_copy_view, name="edition_copy"),
    path("evaluation/sites/", registry.sites_page, name="sites"),
    path("evaluation/sites.xlsx", registry.sites_xlsx, name="sites_xlsx"),
    path("evaluation/sites/map.json", registry.sites_map, name="sites_map"),
    path("evaluation/sites/import/", registry.sites_import_view, name="sites_import"),
    path("evaluation/sites/<int:site_id>/self-check/", inspect.self_check, name="self_check"),
    path("evaluation/today/", inspect.today, name="today"),
    path("evaluation/inspections/<int:pk>/", inspect.inspection_page, name="inspection"),
    path("evaluation/inspections/<int:pk>/answers/", inspect.answer, name="answer"),
    path("evaluation/inspections/<int:pk>/submit/", inspect.submit, name="submit"),
    path("evaluation/answers/<int:pk>/photo", inspect.answer_photo, name="answer_photo"),
    path("evaluation/plans/", inspect.plans, name="plans"),
    path("evaluation/plans/series/<int:pk>/stop/", inspect.series_stop, name="series_stop"),
    path("evaluation/problems/", inspect.problems, name="problems"),
    path("evaluation/scores/", scores.scores_page, name="scores"),
    path("evaluation/surveys/", surveys.survey_list, name="surveys"),
    path("evaluation/surveys/<int:pk>/", surveys.survey_page, name="survey"),
    path("evaluation/surveys/<int:pk>/status/", surveys.survey_status, name="survey_status"),
    path("evaluation/surveys/<int:pk>.xlsx", surveys.survey_xlsx, name="survey_xlsx"),
    path("s/<str:token>/", surveys.survey_public, name="survey_public"),
]

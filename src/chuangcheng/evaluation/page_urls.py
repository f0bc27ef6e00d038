"""The 创城测评 pages (included at the site root from config/urls.py; names "evaluation:…")."""

from django.urls import path

from chuangcheng.evaluation.views import registry

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
    path("evaluation/sites/import/", registry.sites_import_view, name="sites_import"),
]

from typing import Any

from django.conf import settings
from django.urls import path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from chuangcheng.api import notifications, views

# Redoc's page starts it with an inline script and styles itself with <style> elements: its
# own, looser policy (for this logged-in documentation page only).
_SITE_CSP: dict[str, Any] = dict(settings.SECURE_CSP)
REDOC_CSP: dict[str, Any] = {
    **_SITE_CSP,
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "worker-src": [CSP.SELF, "blob:"],
}

# Authentication, the generic case endpoints, notifications and the schema; each loop's own
# endpoints come from its app (config/urls.py includes them under /api/v1/).
urlpatterns = [
    path("v1/auth/token", views.TokenView.as_view(), name="api-token"),
    path("v1/auth/logout", views.LogoutView.as_view(), name="api-logout"),
    path("v1/cases/<int:case_id>", views.CaseDetailView.as_view(), name="api-case"),
    path(
        "v1/cases/<int:case_id>/actions/<str:action>",
        views.CaseActionView.as_view(),
        name="api-case-action",
    ),
    path(
        "v1/cases/<int:case_id>/contact", views.CaseContactView.as_view(), name="api-case-contact"
    ),
    path("v1/units", views.UnitListView.as_view(), name="api-units"),
    path("v1/regions", views.RegionListView.as_view(), name="api-regions"),
    path(
        "v1/notifications", notifications.NotificationListView.as_view(), name="api-notifications"
    ),
    path(
        "v1/notifications/read-all",
        notifications.NotificationReadAllView.as_view(),
        name="api-notifications-read-all",
    ),
    path(
        "v1/notifications/<int:notification_id>/read",
        notifications.NotificationReadView.as_view(),
        name="api-notification-read",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # the split view serves Swagger UI's start-up script as a file (no inline script for the CSP)
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path(
        "redoc/",
        csp_override(REDOC_CSP)(SpectacularRedocView.as_view(url_name="schema")),
        name="api-redoc",
    ),
]

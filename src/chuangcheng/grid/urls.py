"""/api/v1/ endpoints of the 网格化 app (included from config/urls.py)."""

from django.urls import path

from chuangcheng.grid import api

urlpatterns = [
    path("grid/events", api.EventsView.as_view(), name="api-grid-events"),
    path("grid/reports", api.MustReportView.as_view(), name="api-grid-reports"),
    path("grid/visits/plan", api.VisitPlanView.as_view(), name="api-grid-visit-plan"),
    path("grid/people/<int:pk>/visits", api.VisitView.as_view(), name="api-grid-visit"),
    path("grid/grids", api.GridListView.as_view(), name="api-grid-grids"),
    path("grid/patrols", api.PatrolListView.as_view(), name="api-grid-patrols"),
    path("grid/people", api.PeopleSearchView.as_view(), name="api-grid-people"),
    path("grid/visits", api.VisitListView.as_view(), name="api-grid-visits"),
    path("grid/indicators", api.IndicatorsView.as_view(), name="api-grid-indicators"),
]

"""The 网格化管理 pages (included at the site root from config/urls.py; names "grid:…")."""

from django.urls import path

from chuangcheng.grid.views import command, events, ledger, patrols, registers, reports

app_name = "grid"

urlpatterns = [
    path("grid/ledger/", ledger.ledger_page, name="ledger"),
    path("grid/ledger.xlsx", ledger.ledger_xlsx, name="ledger_xlsx"),
    path("grid/ledger/import/", ledger.ledger_import_view, name="ledger_import"),
    path("grid/people/<int:pk>/", ledger.person_page, name="person"),
    path("grid/people/<int:pk>/id/", ledger.person_reveal, name="person_reveal"),
    path("grid/people/<int:pk>/visits/", registers.visit_new, name="visit_new"),
    path("grid/visits/", registers.visits_page, name="visits"),
    path("grid/control/", registers.control_page, name="control"),
    path("grid/today/", patrols.today_page, name="today"),
    path("grid/events/", events.event_list, name="events"),
    path("grid/events/new/", events.event_new, name="event_new"),
    path("grid/patrols/", patrols.patrol_list, name="patrols"),
    path("grid/patrols/start/", patrols.patrol_start, name="patrol_start"),
    path("grid/patrols/<int:pk>/points/", patrols.patrol_points, name="patrol_points"),
    path("grid/patrols/<int:pk>/end/", patrols.patrol_end, name="patrol_end"),
    path("grid/reports/", reports.report_list, name="reports"),
    path("grid/reports/new/", reports.report_new, name="report_new"),
    path("grid/reports/note/", reports.report_note, name="report_note"),
    path("grid/reports/<int:pk>/", reports.report_detail, name="report"),
    path("grid/refresh/", reports.refresh_page, name="refresh"),
    path("grid/refresh/homes/<int:pk>/confirm/", reports.refresh_confirm, name="refresh_confirm"),
    path("grid/map/", command.map_page, name="map"),
    path("grid/map.json", command.map_json, name="map_json"),
    path("grid/ranking/", command.ranking_page, name="ranking"),
    path("grid/ranking.xlsx", command.ranking_xlsx, name="ranking_xlsx"),
]

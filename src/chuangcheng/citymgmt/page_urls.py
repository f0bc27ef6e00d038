"""The 数字城管 pages (included at the site root from config/urls.py; names "citymgmt:…")."""

from django.urls import path

from chuangcheng.citymgmt.views import indicators, work

app_name = "citymgmt"

urlpatterns = [
    path("citymgmt/report/", work.inspector, name="inspector"),
    path("citymgmt/board/", work.shift_board, name="shift"),
    path("citymgmt/dispatch/", work.dispatch_board, name="dispatch"),
    path("citymgmt/queue/", work.department_queue, name="queue"),
    path("citymgmt/indicators/", indicators.indicators_page, name="indicators"),
    path("citymgmt/indicators.xlsx", indicators.indicators_xlsx, name="indicators_xlsx"),
]

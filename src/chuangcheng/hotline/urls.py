"""The 12345 pages (included at the site root from config/urls.py; names "hotline:…")."""

from django.urls import path

from chuangcheng.hotline.views import cases, citizen, dashboard, intake, intelligence, work

app_name = "hotline"

urlpatterns = [
    path("hotline/intake/", intake.intake, name="intake"),
    path("hotline/intake/history/", intake.caller_history, name="caller_history"),
    path("hotline/intake/repeats/", intelligence.intake_repeats, name="intake_repeats"),
    path("hotline/hot/", intelligence.hot_issues, name="hot"),
    path("hotline/dispatch/", work.dispatch_board, name="dispatch"),
    path("hotline/queue/", work.handler_queue, name="queue"),
    path("hotline/callbacks/", work.callbacks, name="callbacks"),
    path("hotline/supervision/", work.supervision, name="supervision"),
    path("hotline/dashboard/", dashboard.dashboard, name="dashboard"),
    path("hotline/cases/", cases.case_list_page, name="case_list"),
    path("m/", citizen.m_home, name="m_home"),
    path("m/submit/", citizen.m_submit, name="m_submit"),
    path("m/track/", citizen.m_track, name="m_track"),
    path("m/cases/", citizen.m_cases, name="m_cases"),
    path("m/cases/<int:case_id>/", citizen.m_case, name="m_case"),
    path("m/cases/<int:case_id>/rate/", citizen.m_rate, name="m_rate"),
]

from django.urls import path

from chuangcheng.web.views import (
    auth,
    cases,
    citizen,
    dashboard,
    intake,
    intelligence,
    maps,
    notifications,
    work,
)

app_name = "web"

urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("2fa/setup/", auth.otp_setup, name="otp_setup"),
    path("2fa/verify/", auth.otp_verify, name="otp_verify"),
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
    path("hotline/cases/<int:case_id>/", cases.case_detail_page, name="case_detail"),
    path("hotline/cases/<int:case_id>/do/<str:action>/", cases.case_action, name="case_action"),
    path("hotline/cases/<int:case_id>/contact/", cases.case_contact, name="case_contact"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/count/", notifications.notification_count, name="notification_count"),
    path(
        "notifications/<int:notification_id>/open/",
        notifications.notification_open,
        name="notification_open",
    ),
    path(
        "notifications/read-all/",
        notifications.notification_read_all,
        name="notifications_read_all",
    ),
    path("attachments/<str:token>", cases.attachment, name="attachment"),
    path("map/outlines.geojson", maps.outlines, name="map_outlines"),
    path("m/", citizen.m_home, name="m_home"),
    path("m/submit/", citizen.m_submit, name="m_submit"),
    path("m/track/", citizen.m_track, name="m_track"),
    path("m/cases/", citizen.m_cases, name="m_cases"),
    path("m/cases/<int:case_id>/", citizen.m_case, name="m_case"),
    path("m/cases/<int:case_id>/rate/", citizen.m_rate, name="m_rate"),
]

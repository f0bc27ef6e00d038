from django.urls import path

from chuangcheng.web.views import auth, cases, maps, notifications, reports

# The shell: sign-in, notifications, attachments, map outlines and the generic case pages (their
# paths kept from when they were the 12345 loop's only). Each loop's own pages: its app's urls.
app_name = "web"

urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("2fa/setup/", auth.otp_setup, name="otp_setup"),
    path("2fa/verify/", auth.otp_verify, name="otp_verify"),
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
    path("reports/", reports.report_list, name="reports"),
    path("reports/new/", reports.report_new, name="report_new"),
    path("reports/<int:report_id>/status/", reports.report_status, name="report_status"),
    path("reports/<int:report_id>/download/", reports.report_download, name="report_download"),
    path("map/outlines.geojson", maps.outlines, name="map_outlines"),
]

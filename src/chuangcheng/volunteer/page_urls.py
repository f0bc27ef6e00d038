"""The 新时代文明实践 pages (included at the site root from config/urls.py; names "volunteer:…").
/v/<code>/ is a 站's public page: the target of its QR code."""

from django.urls import path

from chuangcheng.volunteer.views import resident, staff

app_name = "volunteer"

urlpatterns = [
    path("v/orders/", resident.my_orders, name="m_orders"),
    path("v/orders/<int:case_id>/", resident.order_page, name="m_order"),
    path("v/orders/<int:case_id>/rate/", resident.order_rate, name="m_rate"),
    path("v/<slug:code>/", resident.station_page, name="station"),
    path("v/<slug:code>/order/", resident.order_new, name="order_new"),
    path("volunteer/orders/", staff.station_queue, name="queue"),
    path("volunteer/team/", staff.team_queue, name="team"),
    path("volunteer/me/", staff.me, name="me"),
    path("volunteer/register/", staff.register, name="register"),
]

# 百日打卡 and 统计分析 (ADR 0030); put first: /v/campaigns/ is no 站's code (/v/<code>/)
from chuangcheng.volunteer.views import campaigns, stats  # noqa: E402

urlpatterns[:0] = [
    path("v/campaigns/", campaigns.m_list, name="m_campaigns"),
    path("v/campaigns/<int:campaign_id>/", campaigns.m_campaign, name="m_campaign"),
    path("v/campaigns/<int:campaign_id>/join/", campaigns.m_join, name="m_campaign_join"),
    path("v/campaigns/<int:campaign_id>/checkin/", campaigns.m_checkin, name="m_checkin"),
    path("v/campaigns/<int:campaign_id>/me/", campaigns.m_calendar, name="m_campaign_me"),
    path("v/campaigns/<int:campaign_id>/board/", campaigns.m_board, name="m_campaign_board"),
    path("v/campaigns/photos/<str:token>/", campaigns.photo, name="campaign_photo"),
    path("volunteer/campaigns/", campaigns.staff_list, name="campaigns"),
    path("volunteer/campaigns/new/", campaigns.staff_new, name="campaign_new"),
    path("volunteer/campaigns/<int:campaign_id>/", campaigns.staff_campaign, name="campaign"),
    path("volunteer/campaigns/<int:campaign_id>/edit/", campaigns.staff_edit, name="campaign_edit"),
    path(
        "volunteer/campaigns/checkins/<int:checkin_id>/remove-photo/",
        campaigns.staff_remove_photo,
        name="campaign_remove_photo",
    ),
    path("volunteer/stats/", stats.stats_page, name="stats"),
    path("volunteer/stats.xlsx", stats.stats_xlsx, name="stats_xlsx"),
]

"""The 新时代文明实践 pages (included at the site root from config/urls.py; names "volunteer:…").
/v/<code>/ is a 站's public page: the target of its QR code."""

from django.urls import path

from chuangcheng.volunteer.views import activities, documents, menu, needs, resident, staff
from chuangcheng.volunteer.views import shop as shop_views

app_name = "volunteer"

urlpatterns = [
    path("v/orders/", resident.my_orders, name="m_orders"),
    path("v/orders/<int:case_id>/", resident.order_page, name="m_order"),
    path("v/orders/<int:case_id>/rate/", resident.order_rate, name="m_rate"),
    # before v/<code>/: "stars" would read as a 站's code
    path("v/stars/", documents.stars_public, name="stars"),
    path("v/cert/<slug:number>/", documents.cert_verify, name="cert_verify"),
    path("v/<slug:code>/", resident.station_page, name="station"),
    path("v/<slug:code>/order/", resident.order_new, name="order_new"),
    path("volunteer/orders/", staff.station_queue, name="queue"),
    path("volunteer/team/", staff.team_queue, name="team"),
    path("volunteer/me/", staff.me, name="me"),
    path("volunteer/register/", staff.register, name="register"),
    # ADR 0032: 登记群众需求, 服务菜单维护
    path("volunteer/needs/new/", needs.need_new, name="need_new"),
    path("volunteer/menu/", menu.menu_page, name="menu"),
    path("volunteer/menu/add/", menu.menu_add, name="menu_add"),
    path("volunteer/menu/<int:item_id>/edit/", menu.menu_edit, name="menu_edit"),
    path("volunteer/menu/<int:item_id>/change/", menu.menu_change, name="menu_change"),
    # 志愿服务证明, 星级, 明白卡 and the national export
    path("volunteer/me/certificates/", documents.cert_request, name="cert_request"),
    path("volunteer/certificates/<slug:number>.pdf", documents.cert_pdf, name="cert_pdf"),
    path("volunteer/documents/", documents.documents, name="documents"),
    path("volunteer/certificates/<int:pk>/issue/", documents.cert_issue, name="cert_issue"),
    path("volunteer/stars/<int:pk>/withdraw/", documents.star_withdraw, name="star_withdraw"),
    path("volunteer/stations/<slug:code>/card.pdf", documents.card_pdf, name="card_pdf"),
    path("volunteer/export.xlsx", documents.export_xlsx, name="export"),
    # 文明积分 and 文明团结超市
    path("v/me/points/", shop_views.my_points, name="my_points"),
    path("v/<slug:code>/gongshi/", shop_views.publication, name="publication"),
    path("volunteer/shop/counter/", shop_views.counter, name="counter"),
    path("volunteer/shop/receipts/<int:pk>/", shop_views.receipt, name="receipt"),
    path("volunteer/shop/goods/", shop_views.goods, name="goods"),
    path("volunteer/points/adjustments/", shop_views.adjustments, name="adjustments"),
    path(
        "volunteer/points/adjustments/<int:pk>/decide/",
        shop_views.adjustment_decide,
        name="adjustment_decide",
    ),
]

# 文明实践活动 (volunteer.views.activities): staff pages, then a volunteer's phone pages and the
# check-in page the activity's QR code opens
urlpatterns += [
    path("volunteer/activities/", activities.staff_list, name="activities"),
    path("volunteer/activities/new/", activities.staff_new, name="act_new"),
    path("volunteer/activities/<int:activity_id>/", activities.staff_detail, name="act_detail"),
    path(
        "volunteer/activities/<int:activity_id>/decide/",
        activities.staff_decide,
        name="act_decide",
    ),
    path(
        "volunteer/activities/<int:activity_id>/confirm/",
        activities.staff_confirm,
        name="act_confirm",
    ),
    path("volunteer/activities/<int:activity_id>/void/", activities.staff_void, name="act_void"),
    path("volunteer/activities/<int:activity_id>/qr.svg", activities.staff_qr, name="act_qr"),
    path("volunteer/m/activities/", activities.m_list, name="m_activities"),
    path("volunteer/m/activities/<int:activity_id>/", activities.m_detail, name="m_activity"),
    path(
        "volunteer/m/activities/<int:activity_id>/signup/",
        activities.m_signup,
        name="m_activity_signup",
    ),
    path(
        "volunteer/m/checkin/<int:activity_id>/<str:token>/",
        activities.m_checkin,
        name="act_checkin",
    ),
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

"""The 新时代文明实践 pages (included at the site root from config/urls.py; names "volunteer:…").
/v/<code>/ is a 站's public page: the target of its QR code."""

from django.urls import path

from chuangcheng.volunteer.views import activities, resident, staff
from chuangcheng.volunteer.views import shop as shop_views

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

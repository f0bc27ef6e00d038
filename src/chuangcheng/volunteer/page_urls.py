"""The 新时代文明实践 pages (included at the site root from config/urls.py; names "volunteer:…").
/v/<code>/ is a 站's public page: the target of its QR code."""

from django.urls import path

from chuangcheng.volunteer.views import menu, needs, resident, staff

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
    # ADR 0032: 登记群众需求, 服务菜单维护
    path("volunteer/needs/new/", needs.need_new, name="need_new"),
    path("volunteer/menu/", menu.menu_page, name="menu"),
    path("volunteer/menu/add/", menu.menu_add, name="menu_add"),
    path("volunteer/menu/<int:item_id>/edit/", menu.menu_edit, name="menu_edit"),
    path("volunteer/menu/<int:item_id>/change/", menu.menu_change, name="menu_change"),
]

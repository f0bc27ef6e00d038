"""/api/v1/ endpoints of the 新时代文明实践 app (included from config/urls.py)."""

from django.urls import path

from chuangcheng.volunteer import api

urlpatterns = [
    path("volunteer/orders", api.OrderListView.as_view(), name="api-volunteer-orders"),
]

# 文明积分 and 文明团结超市 (volunteer.api_points)
from chuangcheng.volunteer import api_points  # noqa: E402

urlpatterns += [
    path("volunteer/points", api_points.PointsView.as_view(), name="api-volunteer-points"),
    path("volunteer/goods", api_points.GoodsView.as_view(), name="api-volunteer-goods"),
    path(
        "volunteer/redemptions",
        api_points.RedemptionView.as_view(),
        name="api-volunteer-redemptions",
    ),
]

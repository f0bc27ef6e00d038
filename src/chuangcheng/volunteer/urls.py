"""/api/v1/ endpoints of the 新时代文明实践 app (included from config/urls.py)."""

from django.urls import path

from chuangcheng.volunteer import api, api_activities, api_needs

urlpatterns = [
    path("volunteer/orders", api.OrderListView.as_view(), name="api-volunteer-orders"),
    path("volunteer/needs", api_needs.NeedListView.as_view(), name="api-volunteer-needs"),
]

# 文明实践活动 (volunteer.api_activities)
urlpatterns += [
    path("volunteer/activities", api_activities.ActivityListView.as_view(), name="api-vol-acts"),
    path(
        "volunteer/activities/<int:activity_id>/signups",
        api_activities.SignupView.as_view(),
        name="api-vol-act-signups",
    ),
    path(
        "volunteer/activities/<int:activity_id>/checkins",
        api_activities.CheckinView.as_view(),
        name="api-vol-act-checkins",
    ),
    path("volunteer/hours", api_activities.HoursView.as_view(), name="api-vol-hours"),
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

# 百日打卡 (ADR 0030)
from chuangcheng.volunteer import api_campaigns  # noqa: E402

urlpatterns += [
    path(
        "volunteer/campaigns",
        api_campaigns.CampaignListView.as_view(),
        name="api-volunteer-campaigns",
    ),
    path(
        "volunteer/campaigns/<int:campaign_id>/checkins",
        api_campaigns.CheckinView.as_view(),
        name="api-volunteer-campaign-checkins",
    ),
]

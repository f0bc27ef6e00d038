"""/api/v1/ endpoints of the 新时代文明实践 app (included from config/urls.py)."""

from django.urls import path

from chuangcheng.volunteer import api

urlpatterns = [
    path("volunteer/orders", api.OrderListView.as_view(), name="api-volunteer-orders"),
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

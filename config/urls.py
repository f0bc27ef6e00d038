from django.contrib import admin
from django.urls import include, path

# Uploads are never served as plain media: /attachments/<token> checks who may see them.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("chuangcheng.api.urls")),
    path("api/v1/", include("chuangcheng.citymgmt.urls")),
    path("", include("chuangcheng.web.urls")),
]

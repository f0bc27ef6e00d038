from django.contrib import admin
from django.urls import include, path

# Uploads are never served as plain media: /attachments/<token> checks who may see them.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("chuangcheng.api.urls")),
    path("api/v1/", include("chuangcheng.hotline.api_urls")),
    path("api/v1/", include("chuangcheng.citymgmt.urls")),
    path("api/v1/", include("chuangcheng.evaluation.urls")),
    path("api/v1/", include("chuangcheng.grid.urls")),
    path("api/v1/", include("chuangcheng.volunteer.urls")),
    path("", include("chuangcheng.web.urls")),
    path("", include("chuangcheng.hotline.urls")),
    path("", include("chuangcheng.citymgmt.page_urls")),
    path("", include("chuangcheng.evaluation.page_urls")),
    path("", include("chuangcheng.grid.page_urls")),
    path("", include("chuangcheng.volunteer.page_urls")),
]

# JSON under /api/, a Chinese page elsewhere; never a debug page (DEBUG is off in the demo)
handler400 = "chuangcheng.web.views.errors.bad_request"
handler403 = "chuangcheng.web.views.errors.permission_denied"
handler404 = "chuangcheng.web.views.errors.page_not_found"
handler500 = "chuangcheng.web.views.errors.server_error"

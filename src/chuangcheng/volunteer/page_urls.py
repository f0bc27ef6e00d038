"""The 新时代文明实践 pages (included at the site root from config/urls.py; names "volunteer:…").
/v/<code>/ is a 站's public page: the target of its QR code."""

from django.urls import path

from chuangcheng.volunteer.views import documents, resident, staff

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
    path("volunteer/me/certificates/", documents.cert_request, name="cert_request"),
    path("volunteer/certificates/<slug:number>.pdf", documents.cert_pdf, name="cert_pdf"),
    path("volunteer/documents/", documents.documents, name="documents"),
    path("volunteer/certificates/<int:pk>/issue/", documents.cert_issue, name="cert_issue"),
    path("volunteer/stars/<int:pk>/withdraw/", documents.star_withdraw, name="star_withdraw"),
    path("volunteer/stations/<slug:code>/card.pdf", documents.card_pdf, name="card_pdf"),
    path("volunteer/export.xlsx", documents.export_xlsx, name="export"),
]

"""明白卡: a printable card (A6) per 站 with its name, address, phone, its active menu by service
field and a QR code to its public page /v/<code>/. Staff of the 站, or of the 所/中心 above
it, download it."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from chuangcheng.core.errors import NotFound, PermissionDenied
from chuangcheng.org.access import Actor
from chuangcheng.volunteer.certificates import is_staff, stations_in_scope
from chuangcheng.volunteer.models import ServiceField, Station
from chuangcheng.volunteer.pdf import absolute_url, qr_data_uri, render_pdf
from chuangcheng.volunteer.services import menu_of


def station_for_card(actor: Actor, code: str) -> Station:
    if not is_staff(actor):
        raise PermissionDenied("只有文明实践站、所、中心工作人员可以下载明白卡。")
    station = (
        Station.objects.filter(code=code, pk__in=stations_in_scope(actor))
        .exclude(level=Station.Level.CENTRE)
        .first()
    )
    if station is None:
        raise NotFound("没有这个文明实践站。")
    return station


def card_context(station: Station, request: HttpRequest | None) -> dict[str, Any]:
    labels = dict(ServiceField.choices)
    groups: OrderedDict[str, list[Any]] = OrderedDict()
    for item in menu_of(station):
        groups.setdefault(labels.get(item.field, item.field), []).append(item)
    url = absolute_url(request, reverse("volunteer:station", args=[station.code]))
    return {"station": station, "groups": list(groups.items()), "url": url, "qr": qr_data_uri(url)}


def card_pdf(station: Station, request: HttpRequest | None) -> bytes:
    return render_pdf("volunteer/pdf/card.html", card_context(station, request))

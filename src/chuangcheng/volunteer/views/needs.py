"""登记群众需求 (ADR 0032): 站/所 staff record a need heard door to door (敲门行动), by phone or at
the counter as an order of their 站, already reviewed by them (volunteer.needs.need_record)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from chuangcheng.core.errors import DomainError, NotFound
from chuangcheng.org.access import Actor
from chuangcheng.volunteer import needs
from chuangcheng.volunteer.models import MenuItem
from chuangcheng.web.access import page

FIELDS = (
    "station",
    "item",
    "name",
    "phone",
    "address",
    "source",
    "wanted",
    "content",
    "client_key",
)


@page(*needs.RECORD_ROLES)
def need_new(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    stations = list(needs.stations_managed_by(actor))
    if not stations:
        raise NotFound("您没有负责的文明实践站。")
    menu = list(
        MenuItem.objects.filter(station__in=stations, active=True)
        .select_related("station")
        .order_by("station__code", "position", "pk")
    )
    values: dict[str, Any] = {k: "" for k in FIELDS} | {
        "station": str(stations[0].pk) if len(stations) == 1 else "",
        "source": needs.SOURCES[0],
        "client_key": uuid.uuid4().hex,
    }
    error, status = None, 200
    if request.method == "POST":
        values = {k: str(request.POST.get(k) or "") for k in FIELDS}
        try:
            case, created = needs.need_record(
                actor=actor,
                station_id=values["station"],
                item_id=values["item"],
                content=values["content"],
                name=values["name"],
                phone=values["phone"],
                address=values["address"],
                source=values["source"],
                wanted=values["wanted"],
                client_key=values["client_key"],
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            error, status = exc, exc.status_code
        else:
            done = "需求已登记" if created else "这条需求已登记过，未重复登记"
            messages.success(request, f"{done}：订单 {case.number}（已审核通过，待派单）。")
            return redirect(reverse("web:case_detail", args=[case.pk]))
    return render(
        request,
        "volunteer/need_new.html",
        {
            "stations": stations,
            "menu": menu,
            "sources": needs.SOURCES,
            "v": values,
            "error": error,
        },
        status=status,
    )

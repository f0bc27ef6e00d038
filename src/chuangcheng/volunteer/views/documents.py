"""The documents of the 文明实践 loop: the public 星级公示 and certificate verify pages, a
volunteer's stars, hours and certificates on their page, and the staff's 证明与星级 page
(certificate requests to issue, notices to withdraw, 明白卡 per 站, the Excel export)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from chuangcheng.core.errors import NotFound, ValidationFailed
from chuangcheng.core.privacy import mask_name
from chuangcheng.org.access import Actor
from chuangcheng.volunteer import cards, certificates, export, stars
from chuangcheng.volunteer.models import Certificate, HourEntry, Station, Volunteer
from chuangcheng.volunteer.pdf import pdf_response
from chuangcheng.volunteer.roles import QUEUE_ROLES, VOLUNTEER_ROLES
from chuangcheng.volunteer.services import volunteer_of
from chuangcheng.web.access import error_page, page
from chuangcheng.web.views.common import paginate

HISTORY_PAGE = 20


# ---------------------------------------------------------------- public
def stars_public(request: HttpRequest) -> HttpResponse:
    """星级认定公示 (public): names masked, the 站, the level, the hours, until when."""
    rows = paginate(request, stars.public_notices(), size=50)
    for n in rows:
        n.masked = mask_name(n.volunteer.name)
    return render(request, "volunteer/m/stars.html", {"rows": rows})


def cert_verify(request: HttpRequest, number: str) -> HttpResponse:
    """证明核验 (public): the key facts of an issued certificate, or 无此证明 (404)."""
    try:
        cert = certificates.certificate_public(number)
    except NotFound as exc:
        return error_page(request, 404, exc.message, mobile=True)
    return render(
        request, "volunteer/m/cert_verify.html", {"cert": cert, "masked": mask_name(cert.name)}
    )


# ---------------------------------------------------------------- a volunteer's page
def my_documents(request: HttpRequest, v: Volunteer | None) -> dict[str, Any]:
    """What /volunteer/me/ adds for hours, stars and certificates (the view calls this)."""
    ctx: dict[str, Any] = {}
    if v is None:
        return ctx
    entries = HourEntry.objects.filter(volunteer=v)
    total = entries.aggregate(s=Sum("hours"))["s"] or Decimal(0)
    year = timezone.localdate().year
    this_year = entries.filter(
        served_on__gte=dt.date(year, 1, 1), served_on__lte=dt.date(year, 12, 31)
    ).aggregate(s=Sum("hours"))["s"] or Decimal(0)
    level = stars.level_of(v)
    ctx.update(
        {
            "ledger_total": total,
            "ledger_year": this_year,
            "star": stars.progress(level, total),
            "star_notices": list(v.star_notices.order_by("-opened_at")[:5]),
            "certs": list(v.certificates.order_by("-requested_at")[:10]),
            "history": paginate(
                request,
                entries.select_related("station").order_by("-served_on", "-pk"),
                size=HISTORY_PAGE,
            ),
        }
    )
    return ctx


@require_POST
@page(*VOLUNTEER_ROLES, mobile=True)
def cert_request(request: HttpRequest) -> HttpResponse:
    """申请志愿服务证明."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    v = volunteer_of(actor)
    if v is None:
        raise ValidationFailed("您还没有注册为志愿者。")
    cert = certificates.certificate_request(
        volunteer=v, purpose=str(request.POST.get("purpose") or "")
    )
    messages.success(
        request, f"已提交证明申请（编号 {cert.number}），{cert.station.name}开具后即可下载。"
    )
    return redirect(reverse("volunteer:me"))


@page()
def cert_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The certificate's PDF: its volunteer, or the staff of its 站/所/中心."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    cert = certificates.certificate_for(actor, number)
    return pdf_response(
        certificates.certificate_pdf(cert, request), f"志愿服务证明-{cert.number}.pdf"
    )


# ---------------------------------------------------------------- staff
@page(*QUEUE_ROLES)
def documents(request: HttpRequest) -> HttpResponse:
    """证明与星级: requests to issue, notices in the period, the 明白卡 and the export."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    scope = certificates.stations_in_scope(actor)
    pending = certificates.certificates_in_scope(actor).filter(status=Certificate.Status.REQUESTED)
    issued = certificates.certificates_in_scope(actor).exclude(status=Certificate.Status.REQUESTED)
    return render(
        request,
        "volunteer/documents.html",
        {
            "pending": list(pending.order_by("requested_at")[:100]),
            "issued": list(issued.order_by("-issued_at")[:30]),
            "notices": list(stars.notices_in_scope(actor)[:200]),
            "stations": list(
                Station.objects.filter(pk__in=scope)
                .exclude(level=Station.Level.CENTRE)
                .order_by("code")
            ),
            "full_export": export.full_numbers(actor),
        },
    )


@require_POST
@page(*QUEUE_ROLES)
def cert_issue(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if request.POST.get("decision") == "refuse":
        certificates.certificate_refuse(
            actor=actor, user=request.user, cert_id=pk, reason=str(request.POST.get("reason") or "")
        )
        messages.success(request, "已不予开具，申请人可在本人页面看到理由。")
    else:
        cert = certificates.certificate_issue(
            actor=actor,
            user=request.user,
            cert_id=pk,
            principal=str(request.POST.get("principal") or ""),
            contact=str(request.POST.get("contact") or ""),
        )
        messages.success(request, f"已开具志愿服务证明 {cert.number}。")
    return redirect(reverse("volunteer:documents"))


@require_POST
@page(*QUEUE_ROLES)
def star_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    notice = stars.withdraw(
        actor=actor, user=request.user, notice_id=pk, reason=str(request.POST.get("reason") or "")
    )
    messages.success(request, f"已撤销 {notice.volunteer.name} 的{notice.level}星级公示。")
    return redirect(reverse("volunteer:documents"))


@page(*QUEUE_ROLES)
def card_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """明白卡 (PDF, A6) of a 站 in the person's scope."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    station = cards.station_for_card(actor, code)
    return pdf_response(cards.card_pdf(station, request), f"明白卡-{station.name}.pdf")


@page(*QUEUE_ROLES)
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """志愿者与志愿服务时间 (Excel) of the person's 站/所/中心."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    data = export.export_workbook(actor)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"volunteers-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response

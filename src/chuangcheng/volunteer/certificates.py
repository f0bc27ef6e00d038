"""志愿服务证明 (民发〔2015〕149号: "谁记录谁证明，谁证明谁负责"): the volunteer asks for one from
their page (申请); the staff of their 站, or of the 所/中心 above it, issue it (开具) or refuse it
with a reason. At issue the figures are frozen on the row (hours in total, per year and per
service field, from the ledger); the PDF and the public verify page /v/cert/<number>/ read only
the row. The number is random (not guessable) and unique.

Also the staff's scope for this module and the others of the documents work (stars, 明白卡,
export): the 站 the person works at, and every 站 under the 所/中心 they work at."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Min, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from chuangcheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from chuangcheng.org.access import Actor
from chuangcheng.org.people import person_name
from chuangcheng.volunteer.models import Certificate, HourEntry, ServiceField, Station, Volunteer
from chuangcheng.volunteer.roles import CENTRE, INSTITUTE, STATION

STAFF_ROLES = (STATION, INSTITUTE, CENTRE)
ID_TYPE = "居民身份证"
NUMBER_PREFIX = "ZM"
# no 0/O, 1/I/L: a number read out over the phone is typed right
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def stations_in_scope(actor: Actor) -> set[int]:
    """The 站/所/中心 (ids) a member of staff answers for: their own and every one below."""
    units: set[int] = set()
    for role in STAFF_ROLES:
        units |= actor.units_by_role.get(role, frozenset())
    if not units and not actor.is_superuser:
        return set()
    base = (
        Station.objects.all() if actor.is_superuser else Station.objects.filter(unit_id__in=units)
    )
    found = set(base.values_list("pk", flat=True))
    frontier = set(found)
    while frontier:  # 中心 → 所 → 站: at most two steps down
        frontier = (
            set(Station.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        )
        found |= frontier
    return found


def is_staff(actor: Actor) -> bool:
    return actor.is_superuser or any(actor.units_by_role.get(r) for r in STAFF_ROLES)


def new_number(now: dt.datetime) -> str:
    """ZM + year + ten random characters (31^10 ≈ 8×10^14 per year: not guessable)."""
    tail = "".join(secrets.choice(ALPHABET) for _ in range(10))
    return f"{NUMBER_PREFIX}{timezone.localtime(now):%Y}{tail}"


def certificates_in_scope(actor: Actor) -> QuerySet[Certificate]:
    return Certificate.objects.filter(station_id__in=stations_in_scope(actor)).select_related(
        "volunteer", "station"
    )


def certificate_request(
    *, volunteer: Volunteer, purpose: str = "", now: dt.datetime | None = None
) -> Certificate:
    """申请: one request in hand at a time; the 站 the volunteer registered at issues it."""
    now = now or timezone.now()
    purpose = (purpose or "").strip()
    if len(purpose) > 100:
        raise ValidationFailed("用途最多 100 字。", fields={"purpose": ["过长"]})
    if not HourEntry.objects.filter(volunteer=volunteer).exists():
        raise ValidationFailed("您还没有志愿服务时长记录，暂不能申请证明。")
    for _ in range(5):
        try:
            with transaction.atomic():
                if Certificate.objects.filter(
                    volunteer=volunteer, status=Certificate.Status.REQUESTED
                ).exists():
                    raise ValidationFailed("您已有一份证明申请在办理中，请等待站点开具。")
                return Certificate.objects.create(
                    number=new_number(now),
                    volunteer=volunteer,
                    station=volunteer.station,
                    purpose=purpose,
                    requested_at=now,
                )
        except IntegrityError:
            if Certificate.objects.filter(
                volunteer=volunteer, status=Certificate.Status.REQUESTED
            ).exists():
                raise ValidationFailed("您已有一份证明申请在办理中，请等待站点开具。") from None
            continue  # the random number taken already: draw again
    raise Conflict("证明编号生成失败，请重试。")


def _locked_in_scope(actor: Actor, cert_id: Any) -> Certificate:
    if not is_staff(actor):
        raise PermissionDenied("只有文明实践站、所、中心工作人员可以开具证明。")
    if not str(cert_id).isdigit():
        raise NotFound("没有这份证明申请。")
    cert = (
        Certificate.objects.select_for_update()
        .filter(pk=int(cert_id), station_id__in=stations_in_scope(actor))
        .first()
    )
    if cert is None:
        raise NotFound("没有这份证明申请。")
    if cert.status != Certificate.Status.REQUESTED:
        raise Conflict(f"这份证明已{cert.get_status_display()}，不能再办理。")
    return cert


def frozen_figures(volunteer: Volunteer) -> dict[str, Any]:
    """The ledger's figures for a certificate: total, first and last day, per year, per field."""
    entries = HourEntry.objects.filter(volunteer=volunteer)
    agg = entries.aggregate(s=Sum("hours"), a=Min("served_on"), b=Max("served_on"))
    by_year = [
        {"year": row["y"], "hours": str(row["s"])}
        for row in entries.annotate(y=ExtractYear("served_on"))
        .values("y")
        .annotate(s=Sum("hours"))
        .order_by("y")
        if row["s"]
    ]
    labels = dict(ServiceField.choices)
    by_field = []
    for row in entries.values("field").annotate(s=Sum("hours")).order_by("-s", "field"):
        if not row["s"] or row["s"] <= 0:
            continue
        items = list(
            entries.filter(field=row["field"], hours__gt=0)
            .values_list("content", flat=True)
            .order_by("content")
            .distinct()[:4]
        )
        by_field.append(
            {
                "field": labels.get(row["field"], row["field"]),
                "hours": str(row["s"]),
                "items": items,
            }
        )
    return {
        "hours": agg["s"] or Decimal("0"),
        "first_day": agg["a"],
        "last_day": agg["b"],
        "by_year": by_year,
        "by_field": by_field,
    }


def certificate_issue(
    *,
    actor: Actor,
    user: Any,
    cert_id: Any,
    principal: str,
    contact: str,
    now: dt.datetime | None = None,
) -> Certificate:
    """开具: the figures frozen from the ledger; 经办人 is the person issuing it."""
    from chuangcheng.volunteer.stars import level_of

    now = now or timezone.now()
    principal = (principal or "").strip()
    contact = (contact or "").strip()
    if not principal or len(principal) > 40:
        raise ValidationFailed(
            "请填写出具单位负责人姓名（最多 40 字）。", fields={"principal": ["必填"]}
        )
    if not contact or len(contact) > 40:
        raise ValidationFailed("请填写联系方式（最多 40 字）。", fields={"contact": ["必填"]})
    with transaction.atomic():
        cert = _locked_in_scope(actor, cert_id)
        v = Volunteer.objects.select_related("station").get(pk=cert.volunteer_id)
        figures = frozen_figures(v)
        if figures["hours"] <= 0:
            raise ValidationFailed("该志愿者没有有效的服务时长，不能开具证明。")
        cert.status = Certificate.Status.ISSUED
        cert.issued_at = now
        cert.issued_by = user
        cert.name = v.name
        cert.id_type = ID_TYPE
        cert.id_masked = v.id_masked
        cert.volunteer_number = v.number
        cert.issuer = cert.station.name
        cert.principal = principal
        cert.handler = person_name(user)[:40]
        cert.contact = contact
        cert.stars = level_of(v)
        for key, value in figures.items():
            setattr(cert, key, value)
        cert.save()
    return cert


def certificate_refuse(
    *, actor: Actor, user: Any, cert_id: Any, reason: str, now: dt.datetime | None = None
) -> Certificate:
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise ValidationFailed("请说明不予开具的理由（最多 200 字）。", fields={"reason": ["必填"]})
    with transaction.atomic():
        cert = _locked_in_scope(actor, cert_id)
        cert.status = Certificate.Status.REFUSED
        cert.refuse_reason = reason
        cert.issued_by = user
        cert.issued_at = now or timezone.now()
        cert.save(update_fields=["status", "refuse_reason", "issued_by", "issued_at"])
    return cert


def certificate_for(actor: Actor, number: str) -> Certificate:
    """An issued certificate its volunteer or the staff in scope may download (404 otherwise)."""
    cert = (
        Certificate.objects.select_related("volunteer", "station")
        .filter(number=number, status=Certificate.Status.ISSUED)
        .first()
    )
    if cert is None:
        raise NotFound("无此证明。")
    own = actor.user_id is not None and cert.volunteer.user_id == actor.user_id
    if not own and cert.station_id not in stations_in_scope(actor):
        raise NotFound("无此证明。")
    return cert


def certificate_public(number: str) -> Certificate:
    cert = Certificate.objects.filter(number=number, status=Certificate.Status.ISSUED).first()
    if cert is None:
        raise NotFound("无此证明。")
    return cert


def verify_path(cert: Certificate) -> str:
    from django.urls import reverse

    return reverse("volunteer:cert_verify", args=[cert.number])


def certificate_pdf(cert: Certificate, request: Any = None) -> bytes:
    from chuangcheng.volunteer.pdf import absolute_url, qr_data_uri, render_pdf

    url = absolute_url(request, verify_path(cert))
    return render_pdf(
        "volunteer/pdf/certificate.html", {"cert": cert, "url": url, "qr": qr_data_uri(url)}
    )

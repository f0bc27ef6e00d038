"""文明积分 and 文明团结超市 pages: a person's points (balance, their code as a QR code, history),
the counter (the clerk scans the code, picks goods: one transaction), the receipt, goods and
stock for 站/所 staff, the adjustments queue (propose; another staff member decides) and the
quarterly publication (public, names masked, printable)."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from chuangcheng.core.errors import DomainError, NotFound, ValidationFailed
from chuangcheng.org.access import Actor
from chuangcheng.volunteer import points as ledger
from chuangcheng.volunteer import services, shop
from chuangcheng.volunteer.models import (
    Goods,
    PointAccount,
    PointAdjustment,
    PointEntry,
    Redemption,
    Station,
    StockMove,
    Volunteer,
)
from chuangcheng.volunteer.roles import COUNTER_ROLES, HOLDER_ROLES, SHOP_STAFF_ROLES
from chuangcheng.web.access import error_page, page


def qr_svg(text: str) -> str:
    """The code as an inline SVG QR code (no image request, nothing for the CSP)."""
    return str(segno.make(text, error="m").svg_inline(scale=4, dark="#1f2933", light="#ffffff"))


def my_points_context(user: Any) -> dict[str, Any]:
    """What the person's points block shows (their account is opened on first view)."""
    acc = ledger.account_for_user(user)
    code = shop.holder_code(acc)
    return {
        "account": acc,
        "code": code,
        "qr": mark_safe(qr_svg(code)),
        "entries": list(
            PointEntry.objects.filter(account=acc)
            .select_related("station")
            .order_by("-created_at", "-pk")[:30]
        ),
    }


@page(*HOLDER_ROLES, mobile=True)
def my_points(request: HttpRequest) -> HttpResponse:
    """我的积分 (a resident's or a volunteer's): balance, QR code, history, receipts."""
    ctx = my_points_context(request.user)
    ctx["redemptions"] = list(
        Redemption.objects.filter(account=ctx["account"])
        .select_related("station")
        .order_by("-created_at")[:20]
    )
    return render(request, "volunteer/m/points.html", ctx)


def _station_choice(request: HttpRequest, stations: list[Station]) -> Station:
    if not stations:
        raise NotFound("您没有可管理的文明团结超市。")
    wanted = str(request.GET.get("station") or request.POST.get("station") or "")
    chosen = next((s for s in stations if str(s.pk) == wanted), None)
    if wanted and chosen is None:
        raise NotFound("没有这个超市，或不属于您。")
    return chosen or stations[0]


@page(*COUNTER_ROLES)
def counter(request: HttpRequest) -> HttpResponse:
    """超市兑换 (the counter): scan the person's code, pick goods and quantities, redeem."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    stations = list(shop.counter_stations(actor))
    station = _station_choice(request, stations)
    goods = list(Goods.objects.filter(station=station, active=True).order_by("name"))
    error, status = None, 200
    values: dict[str, Any] = {"code": "", "qty": {}}
    if request.method == "POST":
        values["code"] = str(request.POST.get("code") or "")
        pairs = [
            (k[2:], v) for k, v in request.POST.items() if k.startswith("q_") and str(v).strip()
        ]
        values["qty"] = dict(pairs)
        try:
            r = shop.redeem(
                actor=actor, station=station, code=values["code"], lines=shop.parse_lines(pairs)
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            error, status = exc, exc.status_code
            goods = list(Goods.objects.filter(station=station, active=True).order_by("name"))
        else:
            messages.success(request, f"兑换成功，扣除 {r.points} 分。")
            return redirect(reverse("volunteer:receipt", args=[r.pk]))
    rows = [{"g": g, "qty": values["qty"].get(str(g.pk), "")} for g in goods]
    return render(
        request,
        "volunteer/counter.html",
        {
            "stations": stations,
            "station": station,
            "rows": rows,
            "code": values["code"],
            "error": error,
        },
        status=status,
    )


@page(*COUNTER_ROLES, *HOLDER_ROLES)
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """兑换小票."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    r = shop.redemption_visible(actor, pk)
    return render(
        request,
        "volunteer/receipt.html",
        {
            "r": r,
            "name": shop.mask(r.account.name),
            "lines": list(r.lines.select_related("goods")),
            "balance": r.entry.balance_after,
            "at_counter": shop.counter_stations(actor).filter(pk=r.station_id).exists(),
        },
    )


@page(*SHOP_STAFF_ROLES)
def goods(request: HttpRequest) -> HttpResponse:
    """超市商品: goods of the 超市 the person manages, adding goods, 入库/出库 with the log."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    stations = list(ledger.managed_stations(actor).order_by("code"))
    station = _station_choice(request, stations)
    error, status = None, 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "stock":
                m = shop.stock_change(
                    actor=actor,
                    goods_id=request.POST.get("goods"),
                    quantity=request.POST.get("quantity"),
                    note=str(request.POST.get("note") or ""),
                )
                messages.success(request, f"“{m.goods.name}”库存已更新为 {m.stock_after} 件。")
            else:
                g = shop.goods_add(
                    actor=actor,
                    station=station,
                    name=str(request.POST.get("name") or ""),
                    price=request.POST.get("price"),
                    stock=request.POST.get("stock") or 0,
                )
                messages.success(request, f"已上架“{g.name}”。")
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            error, status = exc, exc.status_code
        else:
            return redirect(f"{reverse('volunteer:goods')}?station={station.pk}")
    return render(
        request,
        "volunteer/goods.html",
        {
            "stations": stations,
            "station": station,
            "goods": list(Goods.objects.filter(station=station).order_by("name")),
            "moves": list(
                StockMove.objects.filter(goods__station=station).select_related("goods", "by")[:30]
            ),
            "error": error,
        },
        status=status,
    )


def _holder(value: str) -> PointAccount:
    """A holder by their volunteer number (ZYZ…) or their personal code."""
    value = (value or "").strip()
    v = Volunteer.objects.filter(number=value.upper()).first() if value else None
    if v is not None:
        return ledger.account_for_volunteer(v)
    if not value:
        raise ValidationFailed("请填写志愿者编号或扫描积分码。", fields={"holder": ["必填"]})
    try:
        return shop.account_by_code(value)
    except ValidationFailed:
        raise ValidationFailed(
            "没有找到这位积分持有人：请填写志愿者编号或扫描积分码。",
            fields={"holder": ["无此人"]},
        ) from None


@page(*SHOP_STAFF_ROLES)
def adjustments(request: HttpRequest) -> HttpResponse:
    """积分调整: propose (+/−, a reason); another staff member of the 站/所 approves or rejects."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    stations = list(ledger.managed_stations(actor).order_by("code"))
    station = _station_choice(request, stations)
    error, status = None, 200
    values = {k: str(request.POST.get(k) or "") for k in ("holder", "points", "reason")}
    if request.method == "POST":
        try:
            adj = ledger.adjustment_propose(
                actor=actor,
                account=_holder(values["holder"]),
                station=station,
                points=values["points"],
                reason=values["reason"],
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            error, status = exc, exc.status_code
        else:
            messages.success(
                request, f"已提出对 {adj.account.name} 的积分调整，待另一名工作人员审核。"
            )
            return redirect(f"{reverse('volunteer:adjustments')}?station={station.pk}")
    rows = list(
        PointAdjustment.objects.filter(station__in=stations)
        .select_related("account", "station", "proposed_by", "decided_by")
        .order_by("status", "-proposed_at")[:100]
    )
    return render(
        request,
        "volunteer/adjustments.html",
        {
            "stations": stations,
            "station": station,
            "rows": rows,
            "v": values,
            "me": actor.user_id,
            "error": error,
        },
        status=status,
    )


@require_POST
@page(*SHOP_STAFF_ROLES)
def adjustment_decide(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    approve = request.POST.get("decision") == "approve"
    adj = ledger.adjustment_decide(actor=actor, adjustment_id=pk, approve=approve)
    messages.success(request, f"积分调整已{'通过' if approve else '驳回'}。")
    return redirect(f"{reverse('volunteer:adjustments')}?station={adj.station_id}")


def publication(request: HttpRequest, code: str) -> HttpResponse:
    """Public: the 站's quarter (?q=2026-4): holders' points and redemptions, names masked."""
    try:
        station = services.station_by_code(code)
    except NotFound as exc:
        return error_page(request, 404, exc.message, mobile=True)
    today = timezone.localdate()
    year, q = shop.quarter_of(today)
    wanted = str(request.GET.get("q") or "")
    if wanted:
        parts = wanted.split("-")
        if (
            len(parts) != 2
            or not all(p.isdigit() for p in parts)
            or not 1 <= int(parts[1]) <= 4
            or not 2000 <= int(parts[0]) <= 2100
        ):
            return error_page(request, 400, "季度参数不对，应如 2026-4。", mobile=True)
        year, q = int(parts[0]), int(parts[1])
    prev = (year, q - 1) if q > 1 else (year - 1, 4)
    ctx = {"station": station, **shop.quarterly(station, year, q), "prev": f"{prev[0]}-{prev[1]}"}
    return render(request, "volunteer/publication.html", ctx)

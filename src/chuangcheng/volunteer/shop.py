"""文明团结超市: each 站 or 所 keeps goods priced in points, with a stock log. At the counter the
clerk scans the person's code (a signed token naming their points account, never an ID number),
picks goods and quantities, and the points are spent and the stock taken in ONE transaction:
the goods rows are locked first (in id order), then the holder's account, so the last item is
sold once however many counters try at the same moment and a refused redemption changes
nothing. Limits per quarter (a setting); each redemption has a receipt; balances and
redemptions are published per 站 each quarter (names masked)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from chuangcheng.core.errors import NotFound, PermissionDenied, ValidationFailed
from chuangcheng.core.settings_store import get_setting
from chuangcheng.org.access import Actor
from chuangcheng.volunteer import points as ledger
from chuangcheng.volunteer import settings_keys as keys
from chuangcheng.volunteer.models import (
    Goods,
    PointAccount,
    PointEntry,
    Redemption,
    RedemptionLine,
    Station,
    StockMove,
)
from chuangcheng.volunteer.roles import CLERK

CODE_SALT = "volunteer.points.code"
MAX_QTY = 99
MAX_LINES = 20


# ---------------------------------------------------------------- the personal code
def holder_code(account: PointAccount) -> str:
    """The code shown as the person's QR code: signed, names only the points account."""
    return signing.Signer(salt=CODE_SALT).sign(f"JF{account.pk}")


def account_by_code(code: str) -> PointAccount:
    try:
        value = signing.Signer(salt=CODE_SALT).unsign((code or "").strip())
    except signing.BadSignature:
        raise ValidationFailed(
            "无法识别该积分码，请让对方重新出示“我的积分”页上的二维码。",
            fields={"code": ["积分码无效"]},
        ) from None
    acc = PointAccount.objects.filter(pk=int(value[2:])).first() if value[2:].isdigit() else None
    if acc is None:
        raise ValidationFailed("该积分码没有对应的积分账户。", fields={"code": ["无此账户"]})
    return acc


def mask(name: str) -> str:
    """张*明, 李*, 欧阳**华: the first and (for three characters or more) the last shown."""
    name = name or ""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# ---------------------------------------------------------------- scope
def counter_stations(actor: Actor) -> QuerySet[Station]:
    """The 超市 whose counter the person may serve: a clerk's 站/所, and those the person
    manages as 站/所 staff."""
    clerk_units = actor.units_by_role.get(CLERK, frozenset())
    return (
        Station.objects.filter(
            Q(unit_id__in=clerk_units) | Q(pk__in=ledger.managed_stations(actor))
        )
        .exclude(level=Station.Level.CENTRE)
        .order_by("code")
    )


def goods_visible_to(actor: Actor) -> QuerySet[Goods]:
    return Goods.objects.filter(station__in=counter_stations(actor)).select_related("station")


def quarter_of(when: dt.date) -> tuple[int, int]:
    return when.year, (when.month - 1) // 3 + 1


def quarter_bounds(year: int, q: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime(year, 3 * (q - 1) + 1, 1, tzinfo=tz)
    end = dt.datetime(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1, tzinfo=tz)
    return start, end


# ---------------------------------------------------------------- goods and stock
def _int(value: Any, label: str, field: str, lo: int, hi: int) -> int:
    text = str(value if value is not None else "").strip()
    if not text.lstrip("-").isdigit() or not lo <= int(text) <= hi:
        raise ValidationFailed(f"{label}应为 {lo}–{hi} 的整数。", fields={field: ["超出范围"]})
    return int(text)


def goods_add(
    *,
    actor: Actor,
    station: Station,
    name: str,
    price: Any,
    stock: Any = 0,
    now: dt.datetime | None = None,
) -> Goods:
    if actor.user_id is None or not ledger.managed_stations(actor).filter(pk=station.pk).exists():
        raise PermissionDenied("只有本站/所工作人员可以管理超市商品。")
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise ValidationFailed("请填写商品名称（最多 40 字）。", fields={"name": ["必填"]})
    p = _int(price, "兑换积分", "price", 1, 100000)
    n = _int(stock or 0, "库存", "stock", 0, 100000)
    try:
        with transaction.atomic():
            g = Goods.objects.create(station=station, name=name, price=p, stock=n)
            if n:
                StockMove.objects.create(
                    goods=g,
                    kind=StockMove.Kind.IN,
                    quantity=n,
                    stock_after=n,
                    note="上架入库",
                    by_id=actor.user_id,
                    at=now or timezone.now(),
                )
    except IntegrityError:
        raise ValidationFailed(f"本超市已有商品“{name}”。", fields={"name": ["重名"]}) from None
    return g


def stock_change(
    *,
    actor: Actor,
    goods_id: Any,
    quantity: Any,
    note: str = "",
    now: dt.datetime | None = None,
) -> StockMove:
    """入库 (positive) or 出库 (negative, e.g. damaged), logged; never below zero."""
    uid = actor.user_id
    if uid is None:
        raise PermissionDenied("请先登录。")
    qty = _int(quantity, "数量", "quantity", -100000, 100000)
    if qty == 0:
        raise ValidationFailed("数量不能为 0。", fields={"quantity": ["不能为 0"]})
    with transaction.atomic():
        g = (
            Goods.objects.select_for_update()
            .filter(pk=goods_id if str(goods_id).isdigit() else 0)
            .filter(station__in=ledger.managed_stations(actor))
            .first()
        )
        if g is None:
            raise NotFound("没有这件商品，或不属于您管理的超市。")
        if g.stock + qty < 0:
            raise ValidationFailed(
                f"库存不足：“{g.name}”现有 {g.stock} 件。", fields={"quantity": ["库存不足"]}
            )
        g.stock += qty
        g.save(update_fields=["stock"])
        return StockMove.objects.create(
            goods=g,
            kind=StockMove.Kind.IN if qty > 0 else StockMove.Kind.OUT,
            quantity=qty,
            stock_after=g.stock,
            note=(note or "").strip()[:200],
            by_id=uid,
            at=now or timezone.now(),
        )


# ---------------------------------------------------------------- the counter
def parse_lines(pairs: Iterable[tuple[Any, Any]]) -> dict[int, int]:
    """(goods id, quantity) pairs from a form or the API: quantities summed per good; zero
    quantities dropped."""
    out: dict[int, int] = {}
    for gid, qty in pairs:
        if not str(gid).strip().isdigit():
            raise ValidationFailed("商品编号不对。", fields={"items": ["商品编号不对"]})
        q = _int(qty, "兑换数量", "items", 0, MAX_QTY)
        if q:
            out[int(gid)] = out.get(int(gid), 0) + q
    if not out:
        raise ValidationFailed("请至少选择一件商品。", fields={"items": ["未选商品"]})
    if len(out) > MAX_LINES:
        raise ValidationFailed(f"一次最多兑换 {MAX_LINES} 种商品。", fields={"items": ["过多"]})
    if any(q > MAX_QTY for q in out.values()):
        raise ValidationFailed(f"每种商品一次最多兑换 {MAX_QTY} 件。", fields={"items": ["过多"]})
    return out


def redeem(
    *,
    actor: Actor,
    station: Station,
    code: str,
    lines: dict[int, int],
    now: dt.datetime | None = None,
) -> Redemption:
    """积分兑换: spend the points and take the stock in one transaction, or change nothing."""
    if actor.user_id is None or not counter_stations(actor).filter(pk=station.pk).exists():
        raise PermissionDenied("您不是该超市的收银员或工作人员。")
    account = account_by_code(code)
    now = now or timezone.now()
    with transaction.atomic():
        goods = list(
            Goods.objects.select_for_update()
            .filter(pk__in=list(lines), station=station, active=True)
            .order_by("pk")
        )
        if len(goods) != len(lines):
            raise ValidationFailed("所选商品不在本超市的货架上。", fields={"items": ["不在本超市"]})
        for g in goods:
            if g.stock < lines[g.pk]:
                raise ValidationFailed(
                    f"“{g.name}”库存不足：现有 {g.stock} 件。", fields={"items": ["库存不足"]}
                )
        total = sum(g.price * lines[g.pk] for g in goods)
        acc = PointAccount.objects.select_for_update().get(pk=account.pk)
        limit = int(get_setting(keys.REDEMPTIONS_PER_QUARTER) or 0)
        if limit:
            start, end = quarter_bounds(*quarter_of(timezone.localtime(now).date()))
            used = Redemption.objects.filter(
                account=acc, created_at__gte=start, created_at__lt=end
            ).count()
            if used >= limit:
                raise ValidationFailed(
                    f"本季度已兑换 {used} 次，每人每季度最多兑换 {limit} 次。",
                    fields={"code": ["已达兑换次数上限"]},
                )
        if acc.balance < total:
            raise ValidationFailed(
                f"积分不足：{mask(acc.name)} 当前余额 {acc.balance} 分，本次需要 {total} 分。",
                fields={"items": ["积分不足"]},
            )
        names = "、".join(f"{g.name}×{lines[g.pk]}" for g in goods)
        entry, _ = ledger.post(
            acc,
            kind=PointEntry.Kind.SPEND,
            points=-total,
            ref=f"redeem:{uuid.uuid4().hex}",
            reason=f"文明团结超市兑换：{names}"[:200],
            station=station,
            by_id=actor.user_id,
            now=now,
            locked=True,  # locked above, after the goods; the ref is a new uuid
        )
        r = Redemption.objects.create(
            account=acc,
            station=station,
            number=f"DH{entry.pk:010d}",
            points=total,
            entry=entry,
            clerk_id=actor.user_id,
            created_at=now,
        )
        RedemptionLine.objects.bulk_create(
            RedemptionLine(redemption=r, goods=g, quantity=lines[g.pk], price=g.price)
            for g in goods
        )
        for g in goods:
            g.stock -= lines[g.pk]
            g.save(update_fields=["stock"])
        StockMove.objects.bulk_create(
            StockMove(
                goods=g,
                kind=StockMove.Kind.SALE,
                quantity=-lines[g.pk],
                stock_after=g.stock,
                note=r.number,
                redemption=r,
                by_id=actor.user_id,
                at=now,
            )
            for g in goods
        )
        if acc.station_id is None:
            PointAccount.objects.filter(pk=acc.pk).update(station=station)
    return r


def redemption_visible(actor: Actor, pk: int) -> Redemption:
    """A receipt: the holder's own, or one of a 超市 the person serves."""
    r = (
        Redemption.objects.select_related("account", "station")
        .filter(pk=pk)
        .filter(
            Q(station__in=counter_stations(actor))
            | Q(account__user_id=actor.user_id or 0)
            | Q(account__volunteer__user_id=actor.user_id or 0)
        )
        .first()
    )
    if r is None:
        raise NotFound("没有这张兑换小票。")
    return r


# ---------------------------------------------------------------- quarterly publication
def quarterly(station: Station, year: int, q: int) -> dict[str, Any]:
    """公示: the 站's holders with the quarter's points earned and spent and the balance at its
    end, and the quarter's redemptions at its 超市; names masked."""
    start, end = quarter_bounds(year, q)
    rows = (
        PointEntry.objects.filter(account__station=station, created_at__lt=end)
        .values("account_id", "account__name")
        .annotate(
            balance=Sum("points"),
            earned=Sum("points", filter=Q(created_at__gte=start, points__gt=0)),
            spent=Sum("points", filter=Q(created_at__gte=start, kind=PointEntry.Kind.SPEND)),
            n=Count("pk", filter=Q(created_at__gte=start)),
        )
        .order_by("-balance", "account_id")
    )
    holders = [
        {
            "name": mask(r["account__name"]),
            "earned": r["earned"] or Decimal("0"),
            "spent": -(r["spent"] or Decimal("0")),
            "balance": r["balance"] or Decimal("0"),
        }
        for r in rows
        if r["n"] or r["balance"]
    ]
    redemptions = [
        {
            "at": r.created_at,
            "number": r.number,
            "name": mask(r.account.name),
            "goods": "、".join(f"{ln.goods.name}×{ln.quantity}" for ln in r.lines.all()),
            "points": r.points,
        }
        for r in Redemption.objects.filter(
            station=station, created_at__gte=start, created_at__lt=end
        )
        .select_related("account")
        .prefetch_related("lines__goods")
        .order_by("created_at")
    ]
    return {
        "year": year,
        "quarter": q,
        "holders": holders,
        "redemptions": redemptions,
        "redeemed_points": sum(r["points"] for r in redemptions),
    }

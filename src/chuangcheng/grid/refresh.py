"""季度更新 (每季度更新): each quarter the grid's 专职网格员 confirms every home of the grid — 核实无变化
with one tap, or changed through the ledger (a must-report of a newcomer or a letting marks the
home confirmed and changed). A home is stale when it was last confirmed before the quarter
began. The community and the street see each grid's progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from chuangcheng.core.errors import NotFound, PermissionDenied
from chuangcheng.grid.models import Home, HomeCheck
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Region


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def quarter_label(quarter: str) -> str:
    return f"{quarter[:4]}年第{'一二三四'[int(quarter[-1]) - 1]}季度"


def mark_changed(home: Home, actor: Actor, now: dt.datetime) -> None:
    """A change through the ledger confirms the home for the quarter (inside the caller's
    transaction)."""
    assert actor.user_id is not None
    quarter = quarter_of(timezone.localdate(now))
    check, made = HomeCheck.objects.get_or_create(
        home=home,
        quarter=quarter,
        defaults={"confirmed_by_id": actor.user_id, "confirmed_at": now, "changed": True},
    )
    if not made and not check.changed:
        check.changed = True
        check.save(update_fields=["changed"])


def home_confirm(
    *, actor: Actor, home_id: int, now: dt.datetime | None = None
) -> tuple[HomeCheck, bool]:
    """核实无变化: one tap; again in the same quarter returns the first confirmation."""
    from chuangcheng.grid.mustreport import report_grids

    now = now or timezone.now()
    grids = report_grids(actor)
    if not grids.exists():
        raise PermissionDenied("只有专职网格员可以核实房屋。")
    home = Home.objects.filter(pk=home_id, building__grid__in=grids).first()
    if home is None:
        raise NotFound("房屋不存在，或不在您负责的网格。")
    assert actor.user_id is not None
    quarter = quarter_of(timezone.localdate(now))
    fields = {"confirmed_by_id": actor.user_id, "confirmed_at": now}
    try:
        with transaction.atomic():
            return HomeCheck.objects.get_or_create(home=home, quarter=quarter, defaults=fields)
    except IntegrityError:  # the same tap twice at once: the first one stands
        return HomeCheck.objects.get(home=home, quarter=quarter), False


def stale_homes(grids: QuerySet[Region] | Any, today: dt.date) -> QuerySet[Home]:
    """The homes of the grids not yet confirmed this quarter, with when each was last
    confirmed (`last`, None if never)."""
    quarter = quarter_of(today)
    return (
        Home.objects.filter(building__grid__in=grids)
        .exclude(checks__quarter=quarter)
        .annotate(last=Max("checks__confirmed_at"))
        .select_related("building__grid")
        .order_by("building__grid__code", "building__number", "unit_no", "floor", "door")
    )


@dataclass(frozen=True)
class Progress:
    grid: Region
    confirmed: int
    changed: int
    total: int

    @property
    def share(self) -> float:
        return self.confirmed / self.total if self.total else 1.0

    @property
    def open(self) -> int:
        return self.total - self.confirmed


def progress(grids: QuerySet[Region], today: dt.date) -> list[Progress]:
    quarter = quarter_of(today)
    rows = (
        Home.objects.filter(building__grid__in=grids)
        .values("building__grid_id")
        .annotate(
            total=Count("pk", distinct=True),
            confirmed=Count("checks", filter=Q(checks__quarter=quarter), distinct=True),
            changed=Count(
                "checks", filter=Q(checks__quarter=quarter, checks__changed=True), distinct=True
            ),
        )
    )
    by_grid = {r["building__grid_id"]: r for r in rows}
    out = []
    for grid in grids.order_by("code"):
        r = by_grid.get(grid.pk, {"total": 0, "confirmed": 0, "changed": 0})
        out.append(Progress(grid, r["confirmed"], r["changed"], r["total"]))
    return out

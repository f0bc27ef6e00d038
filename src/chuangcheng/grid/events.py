"""网格事件: a grid worker records what they find (on a patrol or told by residents) in one of
their grids; it becomes a case of the grid-event workflow (grid.workflow) with its own row.
The phone's key makes a resend return the same case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import QuerySet

from chuangcheng.cases.models import Case
from chuangcheng.cases.selectors import cases_visible_to
from chuangcheng.cases.services import case_open
from chuangcheng.core.errors import PermissionDenied, ValidationFailed
from chuangcheng.grid.models import EventClass, GridEvent
from chuangcheng.grid.patrols import city_point, open_patrol, patrol_grids
from chuangcheng.grid.workflow import KIND
from chuangcheng.org.access import Actor

EXTERNAL_SOURCE = "grid-phone"


def event_report(
    *,
    actor: Actor,
    grid_id: Any,
    category: str,
    scale: str,
    title: str,
    content: str,
    lat: Any,
    lng: Any,
    client_key: str,
    address: str = "",
    files: Sequence[tuple[Any, str]] = (),
    now: dt.datetime | None = None,
) -> tuple[Case, bool]:
    grids = patrol_grids(actor)
    if not grids.exists():
        raise PermissionDenied("只有网格员可以登记网格事件。")
    client_key = (client_key or "").strip()[:64]
    if not client_key:
        raise ValidationFailed("缺少客户端编号。", fields={"client_key": ["必填"]})
    grid = grids.filter(pk=int(grid_id)).first() if str(grid_id).isdigit() else None
    if grid is None:
        raise ValidationFailed("请选择您负责的网格。", fields={"grid": ["不是您负责的网格"]})
    if category not in EventClass.values:
        raise ValidationFailed("请选择事件类别。", fields={"category": ["不是允许的类别"]})
    if scale not in GridEvent.Scale.values:
        raise ValidationFailed("请选择事件规模。", fields={"scale": ["不是允许的规模"]})
    title, content = (title or "").strip(), (content or "").strip()
    if not title:
        raise ValidationFailed("请填写事件标题。", fields={"title": ["必填"]})
    if not content:
        raise ValidationFailed("请填写事件描述。", fields={"content": ["必填"]})
    lat_f, lng_f = city_point(lat, lng)
    walking = open_patrol(actor)  # found on the way: the event belongs to the patrol
    return case_open(
        kind=KIND,
        actor=actor,
        fields={
            "title": title[:200],
            "content": content[:5000],
            "address": (address or grid.name)[:255],
            "lat": lat_f,
            "lng": lng_f,
            "source": "网格员",
            "channel": "APP",
            "external_source": EXTERNAL_SOURCE,
            "external_id": f"{actor.user_id}:{client_key}",
        },
        region=grid,
        files=files,
        now=now,
        detail={
            "grid": grid,
            "event_class": category,
            "scale": scale,
            "patrol": walking if walking is not None and walking.grid_id == grid.pk else None,
        },
    )


def events_visible_to(actor: Actor) -> QuerySet[Case]:
    return (
        cases_visible_to(actor)
        .filter(kind=KIND)
        .select_related("gridevent__grid", "lead_unit")
        .prefetch_related("clocks")
    )


def visible_event_number(actor: Actor, case_id: int | None) -> str | None:
    """The number of an event (e.g. the one a visit's need became) if this person may see it."""
    if case_id is None:
        return None
    return cases_visible_to(actor).filter(pk=case_id).values_list("number", flat=True).first()


# where the grid's own people act next: 待处置 (three roads), 落实中 (a meeting's agreement), 待评价
GRID_TURN = ("reported", "agreed", "rating")


def waiting_for(actor: Actor) -> QuerySet[Case]:
    """今日工作: the events of one's own grids (by post) whose next step is the grid's, soonest due
    first (handed down from 12345 or 城管, returned from a department or 数字城管, or one's own)."""
    return events_visible_to(actor).filter(
        status__in=GRID_TURN, gridevent__grid__in=patrol_grids(actor)
    )


def event_rows(cases: Iterable[Case], now: dt.datetime) -> list[dict[str, Any]]:
    """Each event with its state's label and the light of its soonest running clock."""
    from chuangcheng.cases.clocks import light
    from chuangcheng.core.settings_store import get_setting
    from chuangcheng.grid.workflow import GRID_EVENT

    warn = float(get_setting("cases.warn_fraction"))
    rows = []
    for case in cases:
        running = [c for c in case.clocks.all() if c.due_at and c.stopped_at is None]
        clock = min(running, key=lambda c: c.due_at) if running else None  # type: ignore[arg-type, return-value]
        rows.append(
            {
                "case": case,
                "state": GRID_EVENT.state_label(case.status),
                "clock": clock,
                "light": light(clock, now, warn) if clock is not None else "",
            }
        )
    return rows

"""网格指挥 pages (issue 12, item 7): the map of one's grids (outlines, today's patrols with
their routes, open events with their lights, overdue visits per grid; a click on a grid gives
its figures and links) and the monthly indicators with the ranking of grids and workers (tables,
a bar chart, an Excel export). Scoped like every read: the grids one reads
(grid.ledgers.visible_grids), the events one sees (grid.events.events_visible_to)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from chuangcheng.cases.clocks import light
from chuangcheng.core.settings_store import get_setting
from chuangcheng.core.sheets import workbook_bytes
from chuangcheng.grid import indicators
from chuangcheng.grid.events import events_visible_to
from chuangcheng.grid.geometry import grid_shapes
from chuangcheng.grid.ledgers import visible_grids
from chuangcheng.grid.models import GridPost, Patrol, PatrolPoint
from chuangcheng.grid.patrols import patrols_visible_to
from chuangcheng.grid.reports import RANKING_ROLES, ranking_workbook
from chuangcheng.grid.roles import COMMUNITY, HELPER, STREET, WORKER, ZONGZHI
from chuangcheng.grid.workflow import GRID_EVENT, OPEN
from chuangcheng.org.access import Actor
from chuangcheng.org.people import person_name
from chuangcheng.web.access import page

# the map: the community, its 综治专干, the street; a grid worker (专职 or 兼职) their own grids
MAP_ROLES = (WORKER, HELPER, COMMUNITY, ZONGZHI, STREET)
# the ranking of grids and workers: the community, its 综治专干, the street (grid.reports)
MAX_MARKERS = 1000  # open events and today's patrols drawn at most (newest first)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _today(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(
        timezone.localdate(now), dt.time(), tzinfo=timezone.get_current_timezone()
    )
    return start, start + dt.timedelta(days=1)


@page(*MAP_ROLES)
def map_page(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    return render(
        request,
        "grid/map.html",
        {"grids": visible_grids(actor).count(), "may_rank": bool(actor.roles & set(RANKING_ROLES))},
    )


def map_data(actor: Actor, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the map draws, for the grids this person reads."""
    now = now or timezone.now()
    day_start, day_end = _today(now)
    grids = list(visible_grids(actor).order_by("code").values("pk", "code", "name", "lat", "lng"))
    ids = [g["pk"] for g in grids]
    workers: dict[int, list[str]] = {}
    for post in GridPost.objects.filter(
        grid_id__in=ids, kind=GridPost.Kind.FULL_TIME
    ).select_related("user"):
        workers.setdefault(post.grid_id, []).append(person_name(post.user))
    today = patrols_visible_to(actor).filter(
        grid_id__in=ids, started_at__gte=day_start, started_at__lt=day_end
    )
    patrol_counts: dict[int, dict[str, int]] = {
        grid_id: {"n": n, "running": running, "flagged": flagged}
        for grid_id, n, running, flagged in today.values_list("grid_id")
        .annotate(
            n=Count("pk"),
            running=Count("pk", filter=Q(ended_at__isnull=True)),
            flagged=Count("pk", filter=Q(flagged=True)),
        )
        .order_by()
    }
    open_events = events_visible_to(actor).filter(status__in=OPEN, gridevent__grid_id__in=ids)
    event_counts = dict(
        open_events.values_list("gridevent__grid_id").annotate(n=Count("pk")).order_by()
    )
    coverage = indicators.care_coverage(ids, now)
    shapes = grid_shapes(ids)
    ledger, events_url, patrols_url = (
        reverse("grid:ledger"),
        reverse("grid:events"),
        reverse("grid:patrols"),
    )
    out_grids = []
    for g in grids:
        pc = patrol_counts.get(g["pk"], {})
        ok, total = coverage.get(g["pk"], (0, 0))
        out_grids.append(
            {
                "id": g["pk"],
                "code": g["code"],
                "name": g["name"],
                "lat": g["lat"],
                "lng": g["lng"],
                "geometry": shapes.get(g["pk"]),
                "worker": "、".join(workers.get(g["pk"], [])),
                "patrols": pc.get("n", 0),
                "patrolling": pc.get("running", 0),
                "flagged": pc.get("flagged", 0),
                "open_events": event_counts.get(g["pk"], 0),
                "care": total,
                "overdue_visits": total - ok,
                "links": {
                    "ledger": f"{ledger}?grid={g['code']}",
                    "events": events_url,
                    "patrols": patrols_url,
                },
            }
        )
    patrol_rows = list(today.order_by("-started_at")[:MAX_MARKERS])
    routes: dict[int, list[list[float]]] = {}
    for pid, lat, lng in (
        PatrolPoint.objects.filter(patrol__in=[p.pk for p in patrol_rows])
        .order_by("patrol_id", "at")
        .values_list("patrol_id", "lat", "lng")
    ):
        routes.setdefault(pid, []).append([lat, lng])
    warn = float(get_setting("cases.warn_fraction"))
    out_events = []
    for case in open_events.order_by("-created_at")[:MAX_MARKERS]:
        if case.lat is None or case.lng is None:
            continue
        running = [
            c
            for c in case.clocks.all()
            if c.due_at and c.stopped_at is None and c.paused_at is None
        ]
        clock = min(running, key=lambda c: c.due_at) if running else None  # type: ignore[arg-type, return-value]
        out_events.append(
            {
                "id": case.pk,
                "number": case.number,
                "title": case.title,
                "grid": case.gridevent.grid_id,
                "state": GRID_EVENT.state_label(case.status),
                "light": (light(clock, now, warn) or "") if clock is not None else "",
                "lat": case.lat,
                "lng": case.lng,
                "url": reverse("web:case_detail", args=[case.pk]),
            }
        )
    return {
        "day": timezone.localdate(now).isoformat(),
        "grids": out_grids,
        "patrols": [_patrol(p, routes.get(p.pk, [])) for p in patrol_rows],
        "events": out_events,
    }


def _patrol(p: Patrol, route: list[list[float]]) -> dict[str, Any]:
    return {
        "id": p.pk,
        "grid": p.grid_id,
        "worker": person_name(p.user),
        "started_at": timezone.localtime(p.started_at).strftime("%H:%M"),
        "ended_at": timezone.localtime(p.ended_at).strftime("%H:%M") if p.ended_at else None,
        "flagged": p.flagged,
        "route": route,
    }


@page(*MAP_ROLES)
def map_json(request: HttpRequest) -> HttpResponse:
    return JsonResponse(map_data(request.actor))  # type: ignore[attr-defined]


def _table(request: HttpRequest) -> indicators.Table:
    month = indicators.parse_month(request.GET.get("month"))
    table = indicators.month_indicators(request.actor, month)  # type: ignore[attr-defined]
    table.sort(request.GET.get("by") or "patrol")
    return table


@page(*RANKING_ROLES)
def ranking_page(request: HttpRequest) -> HttpResponse:
    table = _table(request)
    by = request.GET.get("by") or "patrol"
    chart_col = next((c for c in table.columns if c.key == by), None)
    chart = {
        "label": chart_col.label if chart_col else "上报事件数",
        "percent": chart_col is not None,
        "names": [r["name"] for r in table.grids],
        "values": [
            (None if r[by] is None else round(100 * r[by], 1)) if chart_col else r[by]
            for r in table.grids
        ],
    }
    for row in table.grids + table.workers:
        row["cells"] = [
            {
                "key": c.key,
                "value": row[c.key],
                "num": row[c.key + "_num"],
                "den": row[c.key + "_den"],
            }
            for c in table.columns
        ]
    return render(
        request,
        "grid/ranking.html",
        {"table": table, "by": by, "chart": chart, "month": table.month},
    )


@page(*RANKING_ROLES)
def ranking_xlsx(request: HttpRequest) -> HttpResponse:
    table = _table(request)
    response = HttpResponse(workbook_bytes(ranking_workbook(table)), content_type=XLSX)
    name = f"网格月度指标{table.month.label}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response

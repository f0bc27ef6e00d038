"""网格化 monthly indicators (issue 12, item 7): per grid and per 专职网格员, for one month,
over the grids the asking person reads (grid.ledgers.visible_grids) and the events they see
(cases.selectors.cases_visible_to). Definitions (docs/grid.md, 「月度指标与排名」):

* 巡查完成率 = 完成的巡查 / 应巡查. Each 专职网格员 post (GridPost kind 专职) owes two patrols a
  day; 应巡查 = 2 × posts × days of the month so far (the whole month once it has ended; today
  included for the current month). A patrol counts when it was started in the month by the
  post's person in the post's grid, was ended, and is not flagged (越出网格); at most two a day
  count per post (a third patrol does not make up for a missed day). Days are local
  (Asia/Shanghai).
* 上报事件数: grid events reported (created) in the month; a worker's are those they reported.
* Of the events closed (已办结, not 作废) in the month:
  - 自处率 = handled in the grid / closed; "in the grid" is the road 现场处置 or 协商议事 (the
    community settles a 协商议事 with the residents, no department is involved); 上报 is not.
  - 按期办结率 = closed with no clock missed / closed: no stop the engine recorded for the case
    (cases.ClockStop, ADR 0023: 响应 and 部门办理) was after its due.
  - 满意率 = (满意 + 基本满意) / rated (events with a satisfaction; all closed ones are rated).
  A worker's are the events they reported.
* 走访覆盖率 = people of the care register (关爱) not overdue for a visit / people of the care
  register, at the end of the month (now, for the current month): a person is counted once,
  in the grid they live in, at their strictest tier, with the rules of grid.registers (the
  tier's interval since the last visit by an allowed method, or since registration; 24 hours
  after a change for 高风险). A worker's are the people of the grids of their 专职 posts.
* 必报及时率 = must-report items on time / items due, per grid and the worker who filed them
  (grid.mustreport.must_report_timeliness, joined with `with_pairs`).

A few aggregate queries for the whole table (no query per grid or per worker): patrols grouped
by post and day then summed, events grouped by grid and reporter, the care register's people,
entries and last visits. Works on PostgreSQL and on SQLite (the demo)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Max, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from chuangcheng.cases.selectors import cases_visible_to, missed_clock_exists
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.core.months import month_bounds
from chuangcheng.grid.ledgers import visible_grids
from chuangcheng.grid.models import (
    CareEntry,
    CareTier,
    GridEvent,
    GridPost,
    Patrol,
    Residence,
    Visit,
)
from chuangcheng.grid.mustreport import must_report_timeliness
from chuangcheng.grid.registers import CHANGE_WITHIN, TIER_ORDER, TIERS
from chuangcheng.grid.workflow import KIND
from chuangcheng.org.access import Actor
from chuangcheng.org.people import person_name

PATROLS_A_DAY = 2
IN_GRID_ROADS = (GridEvent.Road.ON_SPOT, GridEvent.Road.CONSULT)
SATISFIED = (GridEvent.Satisfaction.SATISFIED, GridEvent.Satisfaction.BASIC)


@dataclass(frozen=True)
class Month:
    label: str  # 2026-10
    start: dt.datetime  # aware, local midnight of the 1st
    end: dt.datetime  # aware, local midnight of the 1st of the next month
    until: dt.datetime  # the end, or now for the current month
    days: int  # days counted for 应巡查: all of them, or up to today

    @property
    def title(self) -> str:
        return f"{self.start.year}年{self.start.month}月"


def parse_month(raw: str | None, now: dt.datetime | None = None) -> Month:
    """'2026-10' → that month; empty → the last full month; anything else, or a month after
    this one, a 400 in Chinese."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first, nxt = month_bounds(raw, today, empty="last", noun="指标")
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(nxt, dt.time(), tzinfo=tz)
    current = today < nxt
    days = (today - first).days + 1 if current else (nxt - first).days
    return Month(f"{first:%Y-%m}", start, end, min(end, now) if current else end, days)


@dataclass(frozen=True)
class Column:
    key: str  # the rate's key in a row; its parts are key + "_num" and key + "_den"
    label: str
    num: str  # what is counted above and below the line, for the table's tooltips
    den: str


COLUMNS: list[Column] = [
    Column("patrol", "巡查完成率", "完成巡查", "应巡查"),
    Column("self", "自处率", "网格内处置", "办结事件"),
    Column("on_time", "按期办结率", "按期办结", "办结事件"),
    Column("satisfaction", "满意率", "满意和基本满意", "已评价"),
    Column("care", "走访覆盖率", "按期探访", "关爱对象"),
]


@dataclass
class Table:
    month: Month
    grids: list[dict[str, Any]]
    workers: list[dict[str, Any]]
    columns: list[Column] = field(default_factory=lambda: list(COLUMNS))

    def sort(self, by: str) -> None:
        if by != "reported" and by not in {c.key for c in self.columns}:
            raise ValidationFailed("排序指标不对。", fields={"by": ["未知的指标"]})
        for rows in (self.grids, self.workers):
            rows.sort(key=lambda r: (r[by] is None, -(r[by] or 0), r["code"]))
            for i, row in enumerate(rows, 1):
                row["rank"] = i


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _blank(**fixed: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"reported": 0, **fixed}
    for c in COLUMNS:
        row[c.key + "_num"] = row[c.key + "_den"] = 0
    return row


def _finish(rows: list[dict[str, Any]], columns: list[Column]) -> None:
    for row in rows:
        for c in columns:
            row[c.key] = _rate(row[c.key + "_num"], row[c.key + "_den"])


def with_pairs(
    table: Table,
    key: str,
    label: str,
    by_grid: Mapping[int, tuple[int, int]],
    by_worker: Mapping[int, tuple[int, int]],
    num: str = "按时",
    den: str = "应报",
) -> None:
    """Add a column computed elsewhere as (on time, total) per grid id and per user id, e.g.
    必报及时率 (grid.mustreport.must_report_timeliness)."""
    col = Column(key, label, num, den)
    table.columns.append(col)
    for rows, pairs, id_key in ((table.grids, by_grid, "id"), (table.workers, by_worker, "id")):
        for row in rows:
            on_time, total = pairs.get(row[id_key], (0, 0))
            row[key + "_num"], row[key + "_den"] = on_time, total
        _finish(rows, [col])


def month_indicators(actor: Actor, month: Month) -> Table:
    grids = list(visible_grids(actor).order_by("code").values("pk", "code", "name"))
    ids = [g["pk"] for g in grids]
    by_grid = {
        g["pk"]: _blank(id=g["pk"], code=g["code"], name=g["name"], worker="") for g in grids
    }
    # 专职网格员 posts of these grids: who owes the patrols; a worker's grids
    posts = list(
        GridPost.objects.filter(grid_id__in=ids, kind=GridPost.Kind.FULL_TIME).values_list(
            "grid_id", "user_id"
        )
    )
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in={uid for _g, uid in posts})}
    by_worker: dict[int, dict[str, Any]] = {}
    grids_of: dict[int, list[int]] = {}
    for grid_id, uid in posts:
        name = person_name(users[uid])
        row = by_grid[grid_id]
        row["worker"] = f"{row['worker']}、{name}" if row["worker"] else name
        grids_of.setdefault(uid, []).append(grid_id)
        w = by_worker.setdefault(uid, _blank(id=uid, name=name, code="", grids=""))
        w["patrol_den"] += PATROLS_A_DAY * month.days
        by_grid[grid_id]["patrol_den"] += PATROLS_A_DAY * month.days
    for uid, gids in grids_of.items():
        codes = sorted(by_grid[g]["code"] for g in gids)
        by_worker[uid]["code"] = codes[0]
        by_worker[uid]["grids"] = "、".join(by_grid[g]["name"] for g in sorted(gids))

    for grid_id, uid, done in _patrols_done(ids, month, set(posts)):
        by_grid[grid_id]["patrol_num"] += done
        if uid in by_worker:
            by_worker[uid]["patrol_num"] += done

    events = cases_visible_to(actor).filter(kind=KIND, gridevent__grid_id__in=ids)
    reported = (
        events.filter(created_at__gte=month.start, created_at__lt=month.until)
        .values_list("gridevent__grid_id", "created_by_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for grid_id, uid, n in reported:
        by_grid[grid_id]["reported"] += n
        if uid in by_worker:
            by_worker[uid]["reported"] += n
    closed = (
        events.filter(status="closed", closed_at__gte=month.start, closed_at__lt=month.until)
        .values_list("gridevent__grid_id", "created_by_id")
        .annotate(
            closed=Count("pk"),
            in_grid=Count("pk", filter=Q(gridevent__road__in=IN_GRID_ROADS)),
            on_time=Count("pk", filter=~missed_clock_exists()),
            rated=Count("pk", filter=~Q(gridevent__satisfaction="")),
            satisfied=Count("pk", filter=Q(gridevent__satisfaction__in=SATISFIED)),
        )
        .order_by()
    )
    for grid_id, uid, n, in_grid, on_time, rated, satisfied in closed:
        targets = [by_grid[grid_id]] + ([by_worker[uid]] if uid in by_worker else [])
        for row in targets:
            row["self_num"] += in_grid
            row["self_den"] += n
            row["on_time_num"] += on_time
            row["on_time_den"] += n
            row["satisfaction_num"] += satisfied
            row["satisfaction_den"] += rated

    for grid_id, (ok, total) in care_coverage(ids, month.until).items():
        by_grid[grid_id]["care_num"] += ok
        by_grid[grid_id]["care_den"] += total
    for uid, gids in grids_of.items():
        for g in gids:
            by_worker[uid]["care_num"] += by_grid[g]["care_num"]
            by_worker[uid]["care_den"] += by_grid[g]["care_den"]

    table = Table(month, list(by_grid.values()), list(by_worker.values()))
    _finish(table.grids, table.columns)
    _finish(table.workers, table.columns)
    timely = must_report_timeliness(ids, month.start, month.until)
    with_pairs(table, "must_report", "必报及时率", timely["grids"], timely["workers"])
    table.sort("patrol")
    return table


def _patrols_done(
    ids: list[int], month: Month, held: set[tuple[int, int]]
) -> list[tuple[int, int, int]]:
    """(grid, user, patrols that count) per 专职 post (`held`: (grid, user) of the posts):
    per local day at most two."""
    if not ids:
        return []
    per_day = (
        Patrol.objects.filter(
            grid_id__in=ids,
            started_at__gte=month.start,
            started_at__lt=month.until,
            ended_at__isnull=False,
            flagged=False,
            user_id__in=GridPost.objects.filter(kind=GridPost.Kind.FULL_TIME).values("user_id"),
        )
        .annotate(day=TruncDate("started_at"))
        .values("grid_id", "user_id", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    sql, params = per_day.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT t.grid_id, t.user_id, SUM(CASE WHEN t.n > {PATROLS_A_DAY} "
            f"THEN {PATROLS_A_DAY} ELSE t.n END) FROM ({sql}) t GROUP BY t.grid_id, t.user_id",
            params,
        )
        rows = [(int(g), int(u), int(n)) for g, u, n in cur.fetchall()]
    # the post itself: a patrol in a grid where its person holds no 专职 post does not count
    return [(g, u, n) for g, u, n in rows if (g, u) in held]


def care_coverage(ids: list[int], at: dt.datetime) -> dict[int, tuple[int, int]]:
    """Per grid: (people of the care register not overdue for a visit at `at`, people of the
    care register living there then). The rules of grid.registers.next_visit, in aggregate."""
    if not ids:
        return {}
    day = timezone.localdate(at - dt.timedelta(microseconds=1))
    living = Residence.objects.filter(
        Q(end__isnull=True) | Q(end__gt=day), start__lte=day, home__building__grid_id__in=ids
    )
    entries = CareEntry.objects.filter(
        Q(until__isnull=True) | Q(until__gt=day),
        since__lte=day,
        person_id__in=living.values("person_id"),
    )
    grid_of: dict[int, int] = {}
    placed = living.filter(person_id__in=entries.values("person_id")).values_list(
        "person_id", "home__building__grid_id"
    )
    for person_id, grid_id in placed:
        if grid_id is not None:
            grid_of.setdefault(person_id, grid_id)
    mine: dict[int, list[tuple[str, dt.date, dt.datetime | None]]] = {}
    for person_id, tier, since, changed in entries.values_list(
        "person_id", "tier", "since", "changed_at"
    ):
        mine.setdefault(person_id, []).append((tier, since, changed))
    last_by: dict[int, dict[str, dt.datetime | None]] = {}
    tiers = list(CareTier.values)
    lasts = (
        Visit.objects.filter(person_id__in=entries.values("person_id"), at__lt=at)
        .values_list("person_id")
        .annotate(
            **{f"last_{t}": Max("at", filter=Q(method__in=sorted(TIERS[t][1]))) for t in tiers}
        )
        .order_by()
    )
    for person_id, *maxes in lasts:
        last_by[person_id] = dict(zip(tiers, maxes, strict=True))
    tz = timezone.get_current_timezone()
    out: dict[int, tuple[int, int]] = {}
    for person_id, rows in mine.items():
        if person_id not in grid_of:
            continue
        grid_id = grid_of[person_id]
        tier = min((t for t, _s, _c in rows), key=TIER_ORDER.index)
        interval = TIERS[tier][0]
        last = last_by.get(person_id, {}).get(tier)
        registered = min(dt.datetime.combine(s, dt.time(), tzinfo=tz) for _t, s, _c in rows)
        due = (last or registered) + interval
        if tier == CareTier.HIGH:
            for t, _s, changed in rows:
                if t != CareTier.HIGH or changed is None or changed >= at:
                    continue
                if last is not None and changed <= last:
                    continue
                due = min(due, changed + CHANGE_WITHIN)
        ok, total = out.get(grid_id, (0, 0))
        out[grid_id] = (ok + (due > at), total + 1)
    return out

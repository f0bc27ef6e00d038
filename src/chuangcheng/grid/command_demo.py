"""Demo history for the grid map and the monthly ranking: every 专职网格员's patrols from the
first day of last month until three days ago (the demo's own last three patrols follow), so that
the default month of the ranking (the last full one) has figures. Each worker keeps to the
two-a-day rule with their own diligence (about 60–100 %); one patrol in fifty wanders out of
its grid and is flagged. Bulk-written: for the ten grids 450–1,000 patrols (28–58 days), three
route points each, well under a second."""

from __future__ import annotations

import datetime as dt
import random

from chuangcheng.grid.models import GridPost, Patrol, PatrolPoint
from chuangcheng.org.models import Region

NOTES = (
    "走访 8 户，无异常",
    "巡查楼道消防通道，畅通",
    "提醒 1 户出租房登记",
    "发现井盖松动，已报物业",
)


def patrol_history(today: dt.date, grids: list[Region], seed: int = 4712) -> int:
    rng = random.Random(seed)
    tz = dt.timezone(dt.timedelta(hours=8))
    first = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    last = today - dt.timedelta(days=3)
    posts = list(
        GridPost.objects.filter(grid__in=grids, kind=GridPost.Kind.FULL_TIME)
        .select_related("grid")
        .order_by("grid__code")
    )
    patrols: list[Patrol] = []
    routes: list[list[tuple[dt.datetime, float, float, bool]]] = []
    for n, post in enumerate(posts):
        grid = post.grid
        diligence = 1.0 - 0.04 * n - rng.uniform(0, 0.05)
        day = first
        while day <= last:
            for hour in (8, 15):
                if rng.random() > diligence:
                    continue
                start = dt.datetime.combine(day, dt.time(hour), tzinfo=tz)
                start += dt.timedelta(minutes=rng.randint(0, 50))
                wander = rng.random() < 0.02
                lat0, lng0 = grid.lat or 40.8, grid.lng or 111.7
                route = [
                    (
                        start + dt.timedelta(minutes=25 * i),
                        lat0 + (0.02 if wander and i else rng.uniform(-0.0002, 0.0002)),
                        lng0 + (0.02 if wander and i else rng.uniform(-0.0002, 0.0002)),
                        not (wander and i),
                    )
                    for i in range(3)
                ]
                outside = sum(1 for r in route if not r[3])
                patrols.append(
                    Patrol(
                        user_id=post.user_id,
                        grid=grid,
                        started_at=route[0][0],
                        start_lat=route[0][1],
                        start_lng=route[0][2],
                        ended_at=route[-1][0],
                        end_lat=route[-1][1],
                        end_lng=route[-1][2],
                        points=len(route),
                        outside=outside,
                        flagged=outside > 0.2 * len(route),
                        note=rng.choice(NOTES),
                        client_key=f"demo-history-{post.pk}-{start:%Y%m%d%H}",
                    )
                )
                routes.append(route)
            day += dt.timedelta(days=1)
    Patrol.objects.bulk_create(patrols, batch_size=500)
    PatrolPoint.objects.bulk_create(
        [
            PatrolPoint(patrol=p, at=a, lat=la, lng=ln, inside=ins)
            for p, route in zip(patrols, routes, strict=True)
            for a, la, ln, ins in route
        ],
        batch_size=1000,
    )
    return len(patrols)

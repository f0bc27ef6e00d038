"""(d) The monthly 三率 ranking of all units at 1M orders: ≤ 200 ms.

Times `hotline_indicators(month, "unit")` in-process and GET
/api/v1/indicators/hotline?month=…&group_by=unit through the test client (as the leader),
for the last complete month and the current one; the street ranking is shown for reference,
and so is the leader's dashboard page (ranking, 12-month trend and breakdowns), cold and warm.

    .venv/bin/python bench/ranking.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ServerTimer, percentiles, record, say, setup_django

TARGET_MS = 200.0


def sample(
    timer: ServerTimer,
    rounds: int,
    call: Callable[[], Any],
    before: Callable[[], Any] = lambda: None,
) -> tuple[dict[str, float], dict[str, float], Any]:
    """Wall and CPU percentiles of `rounds` calls after one warm-up call, and the last result."""
    samples, cpu = [], []
    result = None
    for i in range(rounds + 1):
        before()
        with timer:
            result = call()
        if i:
            samples.append(timer.wall_ms)
            cpu.append(timer.cpu_ms)
    return percentiles(samples), percentiles(cpu), result


def months() -> list[str]:
    from django.utils import timezone

    today = timezone.localdate()
    last = today.replace(day=1) - dt.timedelta(days=1)
    return [f"{last:%Y-%m}", f"{today:%Y-%m}"]


def run(rounds: int) -> None:
    from reads import api_client

    from chuangcheng.hotline.indicators import hotline_indicators

    client = api_client("leader")
    timer = ServerTimer()
    for month in months():
        for group_by, counted in (("unit", True), ("street", False)):
            p, c, rows = sample(timer, rounds, partial(hotline_indicators, month, group_by))
            ranked = sum(1 for r in rows if r.rank)
            label = f"(d) hotline_indicators({month!r}, {group_by!r})"
            say(
                f"{label}: {len(rows)} rows ({ranked} ranked)  p50 {p['p50']:.1f}  "
                f"p95 {p['p95']:.1f}  max {p['max']:.1f} ms"
            )
            record(
                label,
                target=f"≤ {TARGET_MS:.0f} ms",
                metric="p95",
                value=p["p95"],
                passed=p["p95"] <= TARGET_MS,
                stats=p,
                cpu=c,
                group="d" if counted else "d-ref",
                rows=len(rows),
            )
        url = f"/api/v1/indicators/hotline?month={month}&group_by=unit"
        p, c, resp = sample(timer, rounds, partial(client.get, url))
        assert resp.status_code == 200, resp.content[:300]
        label = f"(d) GET /api/v1/indicators/hotline?month={month}&group_by=unit"
        say(f"{label}: p50 {p['p50']:.1f}  p95 {p['p95']:.1f}  max {p['max']:.1f} ms")
        record(
            label,
            target=f"≤ {TARGET_MS:.0f} ms",
            metric="p95",
            value=p["p95"],
            passed=p["p95"] <= TARGET_MS,
            stats=p,
            cpu=c,
            group="d",
        )


def bench_dashboard(rounds: int) -> None:
    """The leader's dashboard page: the month's ranking, the 12-month trend and the breakdowns.
    Cold = the trend's cache emptied before each request (as after a deploy, or the first
    look in six hours); warm = ended months' trend counts from the cache."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client
    from reads import _page_settings

    user = get_user_model().objects.get(username="leader")
    timer = ServerTimer()
    with _page_settings():
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        for cold in (True, False):
            p, c, resp = sample(
                timer,
                rounds,
                lambda: client.get("/hotline/dashboard/"),
                before=cache.clear if cold else lambda: None,
            )
            assert resp.status_code == 200, resp.content[:300]
            reference(
                f"(d) page GET /hotline/dashboard/ as leader, {'cold' if cold else 'warm'}", p, c
            )
        # the worker's warming run (every 5 h) on an emptied cache, then the page after one
        # such run: what a leader meets when the worker has been at work
        from chuangcheng.hotline.tasks import warm_now

        p, c, done = sample(timer, max(rounds // 4, 2), warm_now, before=cache.clear)
        label = f"(d) worker warm_dashboards ({done['scopes']} scope(s) × {done['months']} months)"
        reference(label, p, c, metric="p50")
        cache.clear()
        warm_now()
        p, c, resp = sample(timer, rounds, lambda: client.get("/hotline/dashboard/"))
        assert resp.status_code == 200, resp.content[:300]
        reference(
            "(d) page GET /hotline/dashboard/ as leader, after the worker warmed the cache", p, c
        )


def reference(label: str, p: dict[str, float], c: dict[str, float], metric: str = "p95") -> None:
    """Print and record a figure shown for reference (no target)."""
    say(f"{label}: p50 {p['p50']:.1f}  p95 {p['p95']:.1f}  max {p['max']:.1f} ms")
    record(
        label,
        target="-",
        metric=metric,
        value=p[metric],
        passed=None,
        stats=p,
        cpu=c,
        group="d-ref",
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    setup_django()
    run(args.rounds)
    bench_dashboard(max(3, args.rounds // 4))


if __name__ == "__main__":
    main()

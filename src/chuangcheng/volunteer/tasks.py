"""The 文明实践 loop's periodic jobs (core.periodic.start_cycles imports this module when the
task worker starts): 自动结单 here (ADR 0032: the orders nobody rated in time, every hour); the
hourly 星级认定 run lives with the stars, the nightly points expiry with the points.

django.tasks has no cron: `close_unrated_orders` re-queues itself after each run and the worker
queues one when it starts (core/periodic.py: at most one run is ever pending, whoever asks).
"""

from __future__ import annotations

import datetime as dt

from django.tasks import task
from django.utils import timezone

from chuangcheng.core.periodic import on_worker_start, schedule_once
from chuangcheng.volunteer.points import expire_points, schedule_expiry  # noqa: F401
from chuangcheng.volunteer.stars import run_stars, schedule_stars  # noqa: F401

EVERY = dt.timedelta(hours=1)


@on_worker_start
def schedule_auto_close() -> bool:
    """Queue the next run unless one is pending. True when it queued one."""
    return schedule_once(close_unrated_orders, run_after=timezone.now() + EVERY)


@task()
def close_unrated_orders() -> dict[str, int]:
    from chuangcheng.volunteer.needs import close_unrated

    try:
        return {"closed": close_unrated()}
    finally:  # the next run is queued whatever this one met
        schedule_auto_close()

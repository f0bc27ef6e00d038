"""自动结单 (ADR 0032): the task worker closes the orders nobody rated in time, every hour.

django.tasks has no cron: `close_unrated_orders` re-queues itself after each run and the worker
queues one when it starts (core/periodic.py: at most one run is ever pending, whoever asks).
"""

from __future__ import annotations

import datetime as dt

from django.tasks import task
from django.utils import timezone

from chuangcheng.core.periodic import on_worker_start, schedule_once

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

"""The rounds of recurring plans (evaluation.plans), made by the task worker.

django.tasks has no cron: `create_rounds` re-queues itself for the next hour after each run; the
worker queues one when it starts and so does starting a series (core/periodic.py: at most one
run is ever pending). A round is made once whatever runs it (a unique plan per series and day).
"""

from __future__ import annotations

import datetime as dt

from django.tasks import task
from django.utils import timezone

from chuangcheng.core.periodic import on_worker_start, schedule_once

EVERY = dt.timedelta(hours=1)


def next_run(now: dt.datetime | None = None) -> dt.datetime:
    """Five minutes past the next full hour (local; the first run of a day makes its rounds)."""
    local = timezone.localtime(now or timezone.now())
    return local.replace(minute=5, second=0, microsecond=0) + (
        EVERY if local.minute >= 5 else dt.timedelta(0)
    )


@on_worker_start
def schedule_rounds() -> bool:
    """Queue the next run unless one is pending. True when it queued one."""
    return schedule_once(create_rounds, run_after=next_run())


@task()
def create_rounds() -> dict[str, int]:
    from chuangcheng.evaluation.plans import rounds_due

    result = rounds_due()
    schedule_rounds()
    return result

"""Scheduled retraining of the routing models.

django.tasks has no cron: `retrain_routers` re-queues itself for the next night after each run,
so one `manage.py train_router --schedule` (or the demo command) starts the cycle. Queuing is
idempotent: a run that is already waiting is not queued twice.
"""

from __future__ import annotations

import datetime as dt

from django.tasks import task
from django.utils import timezone

RETRAIN_HOUR = 2  # 02:00 local time, when nobody is dispatching


def next_run(now: dt.datetime | None = None) -> dt.datetime:
    local = timezone.localtime(now or timezone.now())
    run = local.replace(hour=RETRAIN_HOUR, minute=0, second=0, microsecond=0)
    return run if run > local else run + dt.timedelta(days=1)


def schedule_retraining() -> bool:
    """Queue the next nightly run unless one is already pending (core/periodic.py). True when
    it queued one."""
    from chuangcheng.core.periodic import schedule_once

    return schedule_once(retrain_routers, run_after=next_run())


@task()
def retrain_routers() -> dict[str, object]:
    from chuangcheng.core.errors import ValidationFailed
    from chuangcheng.intelligence.models import RouterModel
    from chuangcheng.intelligence.services import router_train

    result: dict[str, object] = {}
    for target in (RouterModel.Target.CATEGORY, RouterModel.Target.UNIT):
        try:
            model = router_train(target=target)
            result[target] = {"version": model.version, **model.metrics}
        except ValidationFailed as exc:
            result[target] = {"skipped": exc.message}
    schedule_retraining()
    return result

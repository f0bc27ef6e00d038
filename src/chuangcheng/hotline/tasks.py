"""Keeps the leader's dashboard warm.

The trend counts of ended months are cached for `TREND_CACHE_SECONDS` (ADR 0007), and so is
what last month's ranking keeps (`RANKING_CACHE_SECONDS`, ADR 0007 addendum 2). Computing
them is what makes a cold dashboard slow at a million orders (~1.1 s of its ~1.3 s), so the
worker recomputes them for every jurisdiction a dashboard user has, every `WARM_EVERY` (less
than the cache's lifetime): leaders then never meet a cold cache, except in the minutes after
the cache was emptied and before the next run. Like the nightly retraining, the task re-queues
itself after each run; the first cold trend starts the cycle (`hotline_trend` calls
`schedule_warming` on a miss), so nothing has to be set up after a deploy.

Only a shared cache helps: production's `DatabaseCache`. With the local-memory cache of the
demo and of development the worker warms its own memory, which is harmless and useless.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.tasks import task
from django.utils import timezone

WARM_EVERY = dt.timedelta(hours=5)


def schedule_warming(*, now: dt.datetime | None = None) -> bool:
    """Queue the next run unless one is already pending (core/periodic.py). True when it
    queued one. A task backend that cannot run a task later (no worker, e.g. the immediate
    one) queues nothing."""
    from chuangcheng.core.periodic import schedule_once

    return schedule_once(warm_dashboards, run_after=(now or timezone.now()) + WARM_EVERY)


def dashboard_scopes() -> list[Any]:
    """The distinct sets of orders the dashboard users see (city-wide, each jurisdiction)."""
    from django.contrib.auth import get_user_model

    from chuangcheng.hotline.roles import DISPATCHER, LEADER, SUPERVISOR
    from chuangcheng.hotline.selectors import figures_base
    from chuangcheng.org.access import actor_for

    users = (
        get_user_model()
        .objects.filter(is_active=True, memberships__role__in=(LEADER, SUPERVISOR, DISPATCHER))
        .distinct()
    )
    scopes: dict[str, Any] = {}
    for user in users.iterator():
        # the same base the dashboard counts with (None: the whole city), so its cache is hit
        base = figures_base(actor_for(user))
        try:
            key = "" if base is None else str(base.query)
        except EmptyResultSet:  # a user who sees nothing has nothing to warm
            continue
        scopes.setdefault(key, base)
    return list(scopes.values())


def warm_now(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Recompute and cache the default dashboard trend (the 12 months up to last month) and
    last month's ranking by unit and by street (what an ended month keeps of it) of every
    dashboard scope. Returns how many scopes and months."""
    from chuangcheng.hotline.indicators import hotline_indicators, hotline_trend, trend_months

    now = now or timezone.now()
    months = trend_months(now=now)
    scopes = dashboard_scopes()
    for base in scopes:
        hotline_trend(months, base=base, now=now, refresh=True)
        for group_by in ("unit", "street"):
            hotline_indicators(months[-1], group_by, base=base, now=now, refresh=True)
    return {"scopes": len(scopes), "months": len(months)}


@task()
def warm_dashboards() -> dict[str, int]:
    result = warm_now()
    schedule_warming()
    return result

"""Periodic jobs on django.tasks, which has no cron: a periodic task re-queues itself after each
run, and whatever may start a cycle (a cold dashboard, `train_router --schedule`, the worker at
start) calls `schedule_once`. At most one run of a periodic task is ever pending: the check and
the insert happen under a lock on the task's name (a PostgreSQL advisory lock; SQLite's writers
are serialised by BEGIN IMMEDIATE), so racing callers queue one run between them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from django.db import connections, transaction

_STARTERS: list[Callable[[], object]] = []


def _lock_name(using: str, name: str) -> None:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return  # SQLite: the transaction itself is exclusive among writers
    key = int.from_bytes(
        hashlib.blake2b(f"periodic:{name}".encode(), digest_size=8).digest(), "big", signed=True
    )
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def schedule_once(task: Any, *, run_after: dt.datetime | None) -> bool:
    """Queue a run of `task` (at `run_after`) unless one is already waiting, whenever it is
    due. True when it queued one. A backend that cannot run tasks later (no worker, e.g. the
    immediate one of some tests) queues nothing."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(task.get_backend(), DatabaseBackend):
        return False
    using = DBTaskResult.objects.db
    with transaction.atomic(using=using):
        _lock_name(using, task.module_path)
        waiting = DBTaskResult.objects.filter(
            task_path=task.module_path, status="READY"
        ).exists()  # READY whatever its run_after: a run due in five hours is pending too
        if waiting:
            return False
        task.using(run_after=run_after).enqueue()
    return True


def on_worker_start[F: Callable[[], object]](starter: F) -> F:
    """Register a function the task worker calls when it starts (to begin a periodic cycle
    that nothing else starts)."""
    if starter not in _STARTERS:
        _STARTERS.append(starter)
    return starter


def start_cycles() -> None:
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("chuangcheng.") and find_spec(f"{config.name}.tasks"):
            import_module(f"{config.name}.tasks")
    for starter in _STARTERS:
        starter()

"""The task worker, made to outlive what stops django-tasks-db's own `db_worker`.

* A lost database connection (PostgreSQL restarted, a backend terminated, a fail-over) is not
  fatal: the worker logs it, drops its connections, waits (1 s, 2 s, … up to 30 s) and goes on.
* A worker says every few seconds that it is alive and which task it runs (`WorkerHeartbeat`).
  A task left RUNNING longer than `CC_TASK_RECLAIM_AFTER` seconds that no fresh heartbeat names
  (its worker was killed, its machine died, or it lost the database while finishing it) is put
  back in the queue and run again, by any worker; after `CC_TASK_MAX_ATTEMPTS` starts it is
  marked FAILED instead, so a task that kills its worker cannot loop for ever.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections, transaction
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from chuangcheng.core.models import WorkerHeartbeat

logger = logging.getLogger("chuangcheng.worker")

MAX_BACKOFF = 30.0


def reclaim_abandoned(
    *,
    now: dt.datetime | None = None,
    after: dt.timedelta | None = None,
    max_attempts: int | None = None,
) -> dict[str, int]:
    """Put back in the queue every RUNNING task started more than `after` ago that no worker
    seen within `after` says it is running. Returns how many were re-queued and failed."""
    now = now or timezone.now()
    after = after or dt.timedelta(seconds=settings.CC_TASK_RECLAIM_AFTER)
    max_attempts = max_attempts or settings.CC_TASK_MAX_ATTEMPTS
    cutoff = now - after
    running = WorkerHeartbeat.objects.filter(seen_at__gte=cutoff, task_id__isnull=False)
    out = {"requeued": 0, "failed": 0}
    with transaction.atomic(using=DBTaskResult.objects.db):
        stale = (
            DBTaskResult.objects.select_for_update(skip_locked=True)
            .filter(status="RUNNING", started_at__lt=cutoff)
            .exclude(id__in=running.values("task_id"))
        )
        for task in stale:
            if len(task.worker_ids) >= max_attempts:
                task.status = "FAILED"
                task.finished_at = now
                task.exception_class_path = "chuangcheng.core.worker.AbandonedTask"
                task.traceback = (
                    f"任务已启动 {len(task.worker_ids)} 次，每次其进程都在完成前停止；不再重试。"
                )
                task.save(
                    update_fields=["status", "finished_at", "exception_class_path", "traceback"]
                )
                out["failed"] += 1
            else:
                task.status = "READY"
                task.save(update_fields=["status"])
                out["requeued"] += 1
    # heartbeats of workers gone long ago (killed, machine replaced) are of no more use
    WorkerHeartbeat.objects.filter(seen_at__lt=now - max(after * 10, dt.timedelta(days=1))).delete()
    if out["requeued"] or out["failed"]:
        logger.warning("reclaimed abandoned tasks: %s", out)
    return out


def _drop_connections() -> None:
    for conn in connections.all(initialized_only=True):
        with contextlib.suppress(DatabaseError):
            conn.close()


class ResilientWorker(Worker):
    """django-tasks-db's Worker with heartbeats, reclaiming and reconnecting (module doc)."""

    def __init__(self, *, beat_every: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.beat_every = beat_every
        self.current_task_id: str | None = None
        self.started_at = timezone.now()
        self._stop_beating = threading.Event()
        self._reclaimed_at: dt.datetime | None = None

    # ---------------------------------------------------------------- heartbeat thread
    def beat(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "host": socket.gethostname()[:100],
                "pid": os.getpid(),
                "task_id": self.current_task_id,
                "started_at": self.started_at,
                "seen_at": now,
            },
        )
        # reclaiming reads the task table: a few times per reclaim period is enough
        every = settings.CC_TASK_RECLAIM_AFTER / 5
        if self._reclaimed_at is None or (now - self._reclaimed_at).total_seconds() >= every:
            reclaim_abandoned(now=now)
            self._reclaimed_at = now

    def _beat_loop(self) -> None:
        while not self._stop_beating.is_set():
            try:
                self.beat()
            except (OperationalError, InterfaceError) as exc:
                logger.warning("heartbeat: database unavailable (%s)", exc)
                _drop_connections()
            except Exception:  # a heartbeat must never stop the worker
                logger.exception("heartbeat failed")
            self._stop_beating.wait(self.beat_every)
        _drop_connections()

    def _forget(self) -> None:
        with contextlib.suppress(DatabaseError):
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()

    # ---------------------------------------------------------------- main loop
    def run_task(self, db_task_result: DBTaskResult) -> None:
        self.current_task_id = str(db_task_result.id)
        try:
            super().run_task(db_task_result)
        finally:
            self.current_task_id = None

    def run(self) -> None:
        from chuangcheng.core.periodic import start_cycles

        beater = threading.Thread(target=self._beat_loop, name="heartbeat", daemon=True)
        beater.start()
        backoff, cycles_started = 1.0, False
        try:
            while self.running:
                try:
                    if not cycles_started:
                        start_cycles()
                        cycles_started = True
                    super().run()
                    return  # --batch done, --max-tasks reached, or asked to stop
                except (OperationalError, InterfaceError) as exc:
                    if not self.running:
                        return
                    logger.warning("database unavailable (%s); retrying in %.0f s", exc, backoff)
                    _drop_connections()
                    time.sleep(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)
                else:
                    backoff = 1.0
        finally:
            self._stop_beating.set()
            beater.join(timeout=5)
            self._forget()
            _drop_connections()

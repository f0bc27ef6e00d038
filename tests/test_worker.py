"""The task worker keeps going (issue 9, items 11 and 12).

* `task_worker` survives a database outage and runs later tasks afterwards. The outage is what a
  PostgreSQL restart does, on the test database only (the server is shared): its connections
  are cut (pg_terminate_backend) and new ones refused for a while (ALLOW_CONNECTIONS false).
* A task left RUNNING by a worker that died is reclaimed and run again; one that killed its
  worker too often is failed instead of looping.
* A periodic job has at most one pending run, also when many callers race (real threads).
* The demo's supervisor restarts a child that exits.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from chuangcheng.cases.tasks import notify_event
from chuangcheng.core.models import WorkerHeartbeat
from chuangcheng.core.periodic import schedule_once
from chuangcheng.core.worker import reclaim_abandoned
from chuangcheng.demo.management.commands.demo import Supervisor
from chuangcheng.hotline.tasks import schedule_warming, warm_dashboards
from chuangcheng.intelligence.tasks import retrain_routers, schedule_retraining

ROOT = Path(__file__).resolve().parent.parent
WAIT = 90.0  # seconds a test waits for the worker before it fails (2 shared CPU cores)


def wait_for(what: Any, message: str) -> None:
    deadline = time.monotonic() + WAIT
    while not what():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.2)


def status(task_id: Any) -> str:
    return DBTaskResult.objects.values_list("status", flat=True).get(id=task_id)


# ---------------------------------------------------------------- a real worker process
@pytest.fixture
def worker(
    transactional_db: Any, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """`manage.py task_worker` on the test database, with a name to find its connections."""
    app_name = f"cc-worker-{uuid.uuid4().hex[:12]}"
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("CC_")}
    env |= {
        "CC_DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CC_HISTORY_ANCHOR_FILE": str(tmp_path / "anchors.jsonl"),
        "CC_TASK_RECLAIM_AFTER": "3",
        "CC_CONN_MAX_AGE": "600",  # keep the connection, so that killing it is noticed
        "PGAPPNAME": app_name,
    }
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "task_worker",
            "--queue-name",
            "*",
            "--interval",
            "0.2",
            "--beat",
            "0.5",
            "--no-startup-delay",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield proc, app_name, tmp_path / "worker.log"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def allow_connections(allow: bool) -> None:
    """Refuse (or accept again) new connections to the test database; this can only be said
    from another database."""
    import psycopg

    db = connection.settings_dict
    name = connection.ops.quote_name(str(db["NAME"]))
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres", autocommit=True
    ) as other:
        other.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS {'true' if allow else 'false'}")


def kill_connections(app_name: str) -> int:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s",
            [app_name],
        )
        (killed,) = cur.fetchone()
    return int(killed)


def test_worker_survives_a_database_outage(
    worker: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    """What a PostgreSQL restart does to a worker, on this database only: its connections are
    cut and, for a while, no new connection is accepted."""
    proc, app_name, log = worker
    first = notify_event.enqueue(0)
    wait_for(lambda: status(first.id) == "SUCCESSFUL", "the worker never ran the first task")
    allow_connections(False)
    try:
        wait_for(lambda: kill_connections(app_name) > 0, "the worker holds no connection to cut")
        wait_for(
            lambda: proc.poll() is not None or b"database unavailable" in log.read_bytes(),
            "the worker did not notice the outage",
        )
        time.sleep(2)  # a few more failed attempts to reconnect
        assert proc.poll() is None, "the worker exited during the outage"
    finally:
        allow_connections(True)
    second = notify_event.enqueue(0)
    wait_for(lambda: status(second.id) == "SUCCESSFUL", "the worker stopped running tasks")
    assert proc.poll() is None


def test_worker_reclaims_a_task_whose_worker_died(
    worker: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    orphan = notify_event.enqueue(0)
    # what a worker killed mid-task leaves behind: RUNNING for ever under its id
    DBTaskResult.objects.filter(id=orphan.id).update(
        status="RUNNING",
        started_at=timezone.now() - dt.timedelta(hours=1),
        worker_ids=["killed-worker"],
    )
    wait_for(lambda: status(orphan.id) == "SUCCESSFUL", "the abandoned task was never re-run")
    row = DBTaskResult.objects.get(id=orphan.id)
    assert row.worker_ids[0] == "killed-worker" and len(row.worker_ids) == 2


# ---------------------------------------------------------------- reclaiming, unit by unit
def _running(started: dt.datetime, workers: list[str]) -> DBTaskResult:
    result = notify_event.enqueue(0)
    DBTaskResult.objects.filter(id=result.id).update(
        status="RUNNING", started_at=started, worker_ids=workers
    )
    return DBTaskResult.objects.get(id=result.id)


def test_reclaim_only_takes_tasks_no_live_worker_runs(db: Any) -> None:
    now = timezone.now()
    after = dt.timedelta(minutes=10)
    dead = _running(now - dt.timedelta(hours=1), ["w-dead"])
    recent = _running(now - dt.timedelta(minutes=2), ["w-busy"])  # just started: not yet
    long_running = _running(now - dt.timedelta(hours=2), ["w-alive"])
    WorkerHeartbeat.objects.create(
        worker_id="w-alive", task_id=long_running.id, started_at=now, seen_at=now
    )
    silent = _running(now - dt.timedelta(hours=2), ["w-silent"])
    WorkerHeartbeat.objects.create(  # names the task but has not beaten for 30 minutes
        worker_id="w-silent",
        task_id=silent.id,
        started_at=now - dt.timedelta(hours=3),
        seen_at=now - dt.timedelta(minutes=30),
    )
    exhausted = _running(now - dt.timedelta(hours=1), ["a", "b", "c"])

    result = reclaim_abandoned(now=now, after=after, max_attempts=3)

    assert result == {"requeued": 2, "failed": 1}
    assert status(dead.id) == "READY" and status(silent.id) == "READY"
    assert status(recent.id) == "RUNNING" and status(long_running.id) == "RUNNING"
    assert status(exhausted.id) == "FAILED"


# ---------------------------------------------------------------- one pending run per job
def test_cold_dashboard_views_queue_one_warming(db: Any) -> None:
    for _ in range(9):  # nine cold dashboard views
        schedule_warming()
    assert DBTaskResult.objects.filter(task_path=warm_dashboards.module_path).count() == 1


def test_retraining_is_queued_once(db: Any) -> None:
    assert schedule_retraining() is True
    assert schedule_retraining() is False
    assert DBTaskResult.objects.filter(task_path=retrain_routers.module_path).count() == 1


def test_demo_start_without_models_trains_now_with_one_pending_run(db: Any) -> None:
    from chuangcheng.demo.management.commands.demo import Command

    schedule_retraining()  # tonight's run, already pending
    for _ in range(2):  # two demo starts before any model exists
        Command()._routing_models()
    pending = DBTaskResult.objects.filter(task_path=retrain_routers.module_path, status="READY")
    assert pending.count() == 1
    assert pending.get().run_after <= timezone.now()


def test_a_running_job_still_queues_its_next_run(db: Any) -> None:
    running = warm_dashboards.enqueue()
    DBTaskResult.objects.filter(id=running.id).update(status="RUNNING")
    assert schedule_warming() is True  # what the run does as it ends
    assert (
        DBTaskResult.objects.filter(task_path=warm_dashboards.module_path, status="READY").count()
        == 1
    )


def test_racing_callers_queue_one_run(transactional_db: Any) -> None:
    callers = 8
    barrier = threading.Barrier(callers)
    results: list[bool] = []
    errors: list[BaseException] = []
    later = timezone.now() + dt.timedelta(hours=5)

    def call() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(schedule_once(warm_dashboards, run_after=later))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call) for _ in range(callers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(results) == [False] * (callers - 1) + [True]
    assert DBTaskResult.objects.filter(task_path=warm_dashboards.module_path).count() == 1


# ---------------------------------------------------------------- the demo's supervisor
def test_supervisor_restarts_a_child_that_exits(tmp_path: Path) -> None:
    starts = tmp_path / "starts"
    crashing = [
        sys.executable,
        "-c",
        f"open({str(starts)!r}, 'a').write('x'); raise SystemExit(3)",
    ]
    steady = [sys.executable, "-c", "import time; time.sleep(120)"]
    log: list[str] = []
    supervisor = Supervisor(
        {"worker": crashing, "web": steady}, cwd=tmp_path, env=dict(os.environ), log=log.append
    )
    supervisor.MAX_QUICK_FAILS = 99
    stop = threading.Event()
    runner = threading.Thread(target=lambda: supervisor.run(stop.is_set))
    runner.start()
    try:
        wait_for(
            lambda: starts.exists() and len(starts.read_text()) >= 3,
            "the crashed child was not restarted",
        )
        web = supervisor.children["web"]
        assert web.poll() is None  # the others keep running
    finally:
        stop.set()
        runner.join(timeout=30)
        supervisor.stop_all()
    assert supervisor.children["web"] is web and web.poll() is not None
    assert supervisor.restarts["worker"] >= 2 and supervisor.restarts["web"] == 0
    assert any("意外退出（返回码 3）" in line for line in log)


def test_supervisor_gives_up_on_a_child_that_cannot_start(tmp_path: Path) -> None:
    supervisor = Supervisor(
        {"web": [sys.executable, "-c", "raise SystemExit(1)"]},
        cwd=tmp_path,
        env=dict(os.environ),
        log=lambda line: None,
        poll=0.05,
    )
    supervisor.MAX_QUICK_FAILS = 2  # (the first restart comes after 1 s)
    assert supervisor.run(lambda: False) is True
    supervisor.stop_all()

"""`manage.py task_worker`: django-tasks-db's `db_worker`, with its options, that survives a
database restart and reclaims tasks whose worker died (core/worker.py). Run it instead of
`db_worker` (docs/deployment.md)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from chuangcheng.core.worker import ResilientWorker


class Command(DbWorkerCommand):
    help = "运行后台任务进程（数据库断开后自动重连，回收进程已停止的任务）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--beat",
            type=float,
            default=10.0,
            help="心跳间隔秒数（默认 10）；每次心跳也回收无人运行的任务",
        )
        parser.set_defaults(reload=False)  # a production process: no autoreloader

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        if options["reload"]:
            raise CommandError("task_worker 不支持 --reload（开发时可用 db_worker --reload）。")
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            beat_every=float(options["beat"]),
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        worker.run()

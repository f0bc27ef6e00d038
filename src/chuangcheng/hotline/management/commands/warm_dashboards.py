"""Fill the cache of the leader's dashboard now (after a deploy, a restore or a cache flush)
and make sure the worker keeps it warm."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from chuangcheng.hotline.tasks import schedule_warming, warm_now


class Command(BaseCommand):
    help = "预热领导看板的近 12 个月趋势缓存，并安排任务进程定时刷新 (warm the dashboard cache)"

    def handle(self, *args: Any, **opts: Any) -> None:
        started = time.perf_counter()
        done = warm_now()
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"已预热 {done['scopes']} 个管辖范围、各 {done['months']} 个月的趋势，"
            f"用时 {seconds:.1f} 秒"
        )
        if schedule_warming():
            self.stdout.write("已安排任务进程每 5 小时自动刷新")

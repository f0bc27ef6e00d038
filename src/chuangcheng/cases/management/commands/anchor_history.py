"""Append an anchor of all case histories' heads to the anchor file now (cases/anchors.py).
The task worker does this every CC_HISTORY_ANCHOR_EVERY seconds; cron may call this too."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from chuangcheng.cases.anchors import MARGIN, anchor_now, anchor_path


class Command(BaseCommand):
    help = "将全部工单办理记录的链头锚定到数据库之外的文件"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--margin",
            type=int,
            default=int(MARGIN.total_seconds()),
            help="只锚定早于此秒数的记录（默认 300，避开尚未提交的事务）",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        anchor = anchor_now(margin=dt.timedelta(seconds=opts["margin"]))
        self.stdout.write(
            f"已锚定 {anchor['cases']} 件工单、{anchor['events']} 条办理记录 → {anchor_path()}"
        )

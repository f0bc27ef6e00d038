"""Rewrite the MinHash keys of every open case (after a bulk load or an algorithm change)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from chuangcheng.cases.services import repeat_keys_rebuild


class Command(BaseCommand):
    help = "重建在办工单的查重键 (rebuild the repeat-lookup keys of open cases)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", default=None, help="只处理某一业务，例如 hotline")

    def handle(self, *args: Any, **opts: Any) -> None:
        written = repeat_keys_rebuild(kind=opts["kind"])
        self.stdout.write(f"已写入 {written} 个查重键")

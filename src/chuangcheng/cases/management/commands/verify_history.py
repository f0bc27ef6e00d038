"""Recompute the hash chain of every case (or some) and report the ones that do not match."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chuangcheng.cases.models import Case
from chuangcheng.cases.selectors import verify_chain


class Command(BaseCommand):
    help = "校验工单办理记录的哈希链 (verify the hash chains of case histories)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("numbers", nargs="*", help="工单编号；不填则校验全部")
        parser.add_argument("--limit", type=int, default=0, help="最多校验多少件（最新的优先）")

    def handle(self, *args: Any, **opts: Any) -> None:
        qs = Case.objects.order_by("-id")
        if opts["numbers"]:
            qs = qs.filter(number__in=opts["numbers"])
        if opts["limit"]:
            qs = qs[: opts["limit"]]
        checked, broken = 0, []
        for case in qs.iterator(chunk_size=500):
            checked += 1
            if not verify_chain(case):
                broken.append(case.number)
        for number in broken:
            self.stdout.write(f"哈希链不一致: {number}")
        self.stdout.write(f"已校验 {checked} 件，异常 {len(broken)} 件")
        if broken:
            raise CommandError("发现被篡改或不完整的办理记录")

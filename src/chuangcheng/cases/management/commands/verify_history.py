"""Check every case's history (or some): its keyed hash chain, the case row against what its
events say, and the chain heads against the anchors kept outside the database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chuangcheng.cases.anchors import anchor_path, check_anchor, read_anchors
from chuangcheng.cases.models import Case
from chuangcheng.cases.selectors import history_problems


class Command(BaseCommand):
    help = "校验工单办理记录：哈希链、工单表与办理记录是否一致、链头锚定 (verify case histories)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("numbers", nargs="*", help="工单编号；不填则校验全部")
        parser.add_argument("--limit", type=int, default=0, help="最多校验多少件（最新的优先）")
        parser.add_argument(
            "--anchors",
            choices=["latest", "all", "none"],
            default="latest",
            help="比对链头锚定：最新一条（默认，已涵盖其之前的全部记录）、全部、不比对",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        qs = Case.objects.order_by("-id")
        if opts["numbers"]:
            qs = qs.filter(number__in=opts["numbers"])
        if opts["limit"]:
            qs = qs[: opts["limit"]]
        checked, broken = 0, 0
        for case in qs.iterator(chunk_size=500):
            checked += 1
            problems = history_problems(case)
            if problems:
                broken += 1
                for problem in problems:
                    self.stdout.write(f"工单 {case.number}: {problem}")
        self.stdout.write(f"已校验 {checked} 件，异常 {broken} 件")
        anchor_problems = self._anchors(opts["anchors"])
        for problem in anchor_problems:
            self.stdout.write(problem)
        if broken or anchor_problems:
            raise CommandError("发现被篡改或不完整的办理记录")

    def _anchors(self, which: str) -> list[str]:
        if which == "none":
            return []
        anchors, problems = read_anchors()
        if not anchors:
            self.stdout.write(f"没有链头锚定（{anchor_path()}），跳过比对")
            return problems
        for anchor in anchors if which == "all" else anchors[-1:]:
            problems += check_anchor(anchor)
        self.stdout.write(f"已比对链头锚定 {len(anchors) if which == 'all' else 1} 条")
        return problems

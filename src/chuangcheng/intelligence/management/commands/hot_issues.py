"""``manage.py hot_issues --input FILE --top N [--format text|json]``: rank hot issues."""

from __future__ import annotations

import json
import warnings
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chuangcheng.intelligence.hotspots import HotIssue, find_hot_issues, read_messages_csv


def _span(issue: HotIssue) -> str:
    if not issue.first or not issue.last:
        return "时间未知"
    first, last = issue.first.date().isoformat(), issue.last.date().isoformat()
    return first if first == last else f"{first} 至 {last}"


class Command(BaseCommand):
    help = "发现热点问题 / find hot issues in a CSV of messages with likes and dislikes"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, metavar="FILE")
        parser.add_argument("--top", type=int, default=5, metavar="N")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        warnings.simplefilter("ignore")
        if options["top"] < 1:
            raise CommandError("--top 必须 ≥ 1 / --top must be at least 1")
        try:
            messages = read_messages_csv(options["input"])
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取 / cannot read {options['input']}: {exc}") from exc
        issues = find_hot_issues(messages, top=options["top"])
        if options["format"] == "json":
            self.stdout.write(json.dumps([i.as_dict() for i in issues], ensure_ascii=False))
            return
        for issue in issues:
            self.stdout.write(
                f"{issue.rank}. 热度 {issue.heat:.1f} | {issue.place} | {_span(issue)} | "
                f"{issue.n_messages} 条留言，{issue.n_users} 人，点赞净值 {issue.support}\n"
                f"   {issue.summary}\n"
                f"   留言编号：{', '.join(issue.msg_ids)}"
            )

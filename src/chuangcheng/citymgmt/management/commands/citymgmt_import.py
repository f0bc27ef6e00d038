"""`manage.py citymgmt_import FILE.xlsx`: import the 数字城管 catalogue, unit grids and components
from an Excel workbook, all or nothing (docs/citymgmt.md describes the sheets)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chuangcheng.citymgmt.excel import workbook_import
from chuangcheng.core.errors import DomainError
from chuangcheng.org.access import Actor, actor_for


class Command(BaseCommand):
    help = "从 Excel 导入数字城管目录、单元网格和部件（任何一行出错则全部不导入）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=".xlsx 文件")
        parser.add_argument("--user", default="", help="记为导入人的管理员用户名（可选）")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor(user_id=None, username="manage.py", roles=frozenset(), is_superuser=True)
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None or not user.is_superuser:
                raise CommandError(f"没有名为 {options['user']} 的管理员。")
            actor = actor_for(user)
        try:
            with open(options["file"], "rb") as fh:
                result = workbook_import(actor=actor, file=fh, filename=options["file"])
        except OSError as exc:
            raise CommandError(f"无法打开文件：{exc}") from None
        except DomainError as exc:
            rows = exc.fields.get("rows") or []
            raise CommandError("\n".join([exc.message.split("。")[0] + "。", *rows])) from None
        self.stdout.write(self.style.SUCCESS(f"导入成功：{result.summary()}。"))

"""`manage.py citymgmt_export FILE.xlsx [--sheet 部件 ...]`: export in the import format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chuangcheng.citymgmt.excel import SHEETS, workbook_export


class Command(BaseCommand):
    help = "把数字城管目录、单元网格和部件导出为 Excel（与导入格式相同）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="要写入的 .xlsx 文件")
        parser.add_argument(
            "--sheet", action="append", choices=SHEETS, help="只导出这些工作表（可重复）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sheets = tuple(options["sheet"] or SHEETS)
        try:
            Path(options["file"]).write_bytes(workbook_export(sheets=sheets))
        except OSError as exc:
            raise CommandError(f"无法写入文件：{exc}") from None
        self.stdout.write(self.style.SUCCESS(f"已导出：{'、'.join(sheets)} → {options['file']}"))

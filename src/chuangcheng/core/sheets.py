"""Excel workbooks for imports and exports, the same way in every loop (openpyxl).

Columns are found by their header in the first row, so their order does not matter. Every broken
row is named (sheet, row number, column, why) in a `RowError`; an importer collects them all and
raises `ImportRejected` inside its transaction, so nothing is half-imported."""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from chuangcheng.core.errors import ValidationFailed

MAX_ERRORS_SHOWN = 20


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"工作表“{self.sheet}”第 {self.row} 行"
        if self.column:
            where += f"“{self.column}”列"
        return f"{where}：{self.reason}"


class ImportRejected(ValidationFailed):
    """The workbook has broken rows; nothing was imported (HTTP 400)."""

    code = "import_rejected"

    def __init__(self, errors: list[RowError]) -> None:
        shown = [str(e) for e in errors[:MAX_ERRORS_SHOWN]]
        more = (
            f"（另有 {len(errors) - MAX_ERRORS_SHOWN} 处错误）"
            if len(errors) > MAX_ERRORS_SHOWN
            else ""
        )
        super().__init__(
            f"导入失败，未导入任何数据。{shown[0]}{more}" if shown else "导入失败。",
            fields={"rows": shown},
        )
        self.errors = errors


class RowProblem(Exception):
    """What is wrong with one cell; the importer turns it into a RowError with the row number."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


def open_workbook(file: IO[bytes] | str) -> Any:
    """The workbook (read-only, values), or a Chinese 400 if it is no .xlsx file."""
    try:
        return load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ValidationFailed(f"无法读取 Excel 文件（需要 .xlsx 格式）：{exc}") from None


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def choice(row: dict[str, Any], column: str, choices: Any, *, default: str | None = None) -> str:
    """A TextChoices value given by its value or its Chinese label."""
    raw = text(row.get(column))
    if not raw:
        if default is not None:
            return default
        raise RowProblem(column, "不能为空")
    for value, label in choices.choices:
        if raw in (value, label) or (label and raw == str(label).split("（")[0]):
            return str(value)
    allowed = "、".join(str(label).split("（")[0] for _, label in choices.choices)
    raise RowProblem(column, f"“{raw}”不是允许的值（{allowed}）")


def as_bool(row: dict[str, Any], column: str) -> bool:
    raw = text(row.get(column))
    if raw in ("", "是", "1", "true", "True", "TRUE", "启用", "Y", "y"):
        return True
    if raw in ("否", "0", "false", "False", "FALSE", "停用", "N", "n"):
        return False
    raise RowProblem(column, f"“{raw}”应为 是 或 否")


def as_float(row: dict[str, Any], column: str) -> float:
    raw = row.get(column)
    if raw is None or text(raw) == "":
        raise RowProblem(column, "不能为空")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise RowProblem(column, f"“{text(raw)}”不是数字") from None
    if not math.isfinite(value):
        raise RowProblem(column, "必须是有限的数字")
    return value


def rows(
    ws: Any, sheet: str, required: Iterable[str], errors: list[RowError]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(Excel row number, {header: value}) for each non-empty row under the header row; a
    missing required column is one error for the sheet and no rows."""
    it = ws.iter_rows(values_only=True)
    header_row = next(it, None)
    headers = [text(h) for h in (header_row or ())]
    missing = [c for c in required if c not in headers]
    if missing:
        errors.append(RowError(sheet, 1, missing[0], "表头缺少此列"))
        return
    for number, values in enumerate(it, start=2):
        if values is None or all(v is None or text(v) == "" for v in values):
            continue
        yield number, {h: v for h, v in zip(headers, values, strict=False) if h}


# ---------------------------------------------------------------- writing


def new_sheet(title: str, header: list[str]) -> tuple[Workbook, Any]:
    """A workbook with one sheet named `title` and a bold header row."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    return wb, ws


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

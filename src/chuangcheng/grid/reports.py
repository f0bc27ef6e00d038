"""The 网格月度指标 in the 报表 archive (core/reports.py, ADR 0021): the same workbook as the
ranking page's export (`/grid/ranking.xlsx`), built by the task worker and kept, so the
community and the street find each month's table again. Who may ask: the ranking's roles; two
people who read the same grids (their region paths) share the archive."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl.workbook.workbook import Workbook

from chuangcheng.core.reports import Input, Progress, ReportKind
from chuangcheng.core.sheets import new_sheet, workbook_bytes
from chuangcheng.grid import indicators
from chuangcheng.grid.roles import COMMUNITY, STREET, ZONGZHI
from chuangcheng.org.access import Actor

RANKING_ROLES = frozenset({COMMUNITY, ZONGZHI, STREET})


def ranking_workbook(table: indicators.Table) -> Workbook:
    """Two sheets, 网格 and 网格员: rank, who, 上报事件数, then each rate with its numerator
    and denominator (rates as percentages)."""

    def header(first: list[str]) -> list[str]:
        out = [*first, "上报事件数"]
        for c in table.columns:
            out += [c.label, c.num, c.den]
        return out

    wb, ws = new_sheet("网格", header(["排名", "网格编码", "网格", "专职网格员"]))
    for r in table.grids:
        ws.append([r["rank"], r["code"], r["name"], r["worker"], *_cells(table, r)])
    ws2 = wb.create_sheet("网格员")
    ws2.append(header(["排名", "网格员", "负责网格"]))
    for r in table.workers:
        ws2.append([r["rank"], r["name"], r["grids"], *_cells(table, r)])
    for sheet in (ws, ws2):
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, float):
                    cell.number_format = "0.0%"
        sheet.freeze_panes = "B2"
    return wb


def _cells(table: indicators.Table, r: dict[str, Any]) -> list[Any]:
    out: list[Any] = [r["reported"]]
    for c in table.columns:
        out += [r[c.key], r[c.key + "_num"], r[c.key + "_den"]]
    return out


def _may(actor: Actor) -> bool:
    return actor.is_superuser or bool(actor.roles & RANKING_ROLES)


def _scope(actor: Actor) -> str:
    if actor.is_superuser:
        return "all"
    paths = sorted({p for r in RANKING_ROLES for p in actor.paths_by_role.get(r, ())})
    return f"r:{','.join(paths)}"


def _clean(raw: Mapping[str, str]) -> tuple[dict[str, Any], str]:
    month = indicators.parse_month(raw.get("month"))
    return {"month": month.label}, f"网格月度指标 {month.title}"


def _last_month() -> str:
    return indicators.parse_month("").label


def build_monthly(actor: Actor, params: dict[str, Any], progress: Progress) -> tuple[bytes, str]:
    progress(0.1, "统计各网格指标")
    month = indicators.parse_month(params["month"])
    table = indicators.month_indicators(actor, month)
    progress(0.8, "写入表格")
    return workbook_bytes(ranking_workbook(table)), f"网格月度指标{month.label}.xlsx"


MONTHLY = ReportKind(
    key="grid.monthly",
    label="网格月度指标与排名",
    description="每个网格、每名专职网格员的巡查完成率、上报事件数、自处率、按期办结率、满意率、走访覆盖率及排名。Excel 表格。",
    extension="xlsx",
    may_request=_may,
    scope_key=_scope,
    clean=_clean,
    build=build_monthly,
    inputs=(Input("month", "月份", "month", _last_month),),
)

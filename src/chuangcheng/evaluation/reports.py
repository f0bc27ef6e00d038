"""The 创城测评 documents people forward (core/reports.py builds and archives them):

* 督查通报 (Word, weekly): the week's visits and 得分率, the ranking of units and streets with the
  红黑榜, every problem found by responsible unit with its photo, the problems struck off with
  their before/after photos, and what is overdue.
* 整改台账 (Excel): every problem found in a month (or every problem still open), one row each,
  and a sheet of rectification figures per unit.

Both read what the asker's pages read (visible_inspections, cases_visible_to), so a unit's 台账
holds its own problems only."""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from chuangcheng.cases.models import Attachment, Case
from chuangcheng.cases.selectors import cases_visible_to
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.core.reports import Input, Progress, ReportKind
from chuangcheng.core.settings_store import get_setting
from chuangcheng.evaluation import indicators
from chuangcheng.evaluation.models import Answer
from chuangcheng.evaluation.roles import EVALUATOR, LEADER, OFFICE, UNIT
from chuangcheng.evaluation.settings_keys import LIMIT_MINOR
from chuangcheng.evaluation.workflow import KIND as RECTIFY
from chuangcheng.evaluation.workflow import RECTIFY as WORKFLOW
from chuangcheng.org.access import Actor

OPEN_STATES = ("assigning", "rectifying", "reviewing")
PHOTO_PX = 1024  # longest side of a photo in the document; a 4032 px phone photo decodes to 1008 px at ¼ scale (JPEG draft), with no resampling


# ---------------------------------------------------------------- who, and for which data


def _scope(actor: Actor) -> str:
    """Two people with the same key read the same visits and problems (their pages would
    show the same), so they share the archive of these documents."""
    if actor.is_superuser:
        return "all"
    regions = sorted(
        {p for r in (OFFICE, LEADER, EVALUATOR) for p in actor.paths_by_role.get(r, ())}
    )
    units = sorted(actor.units_with_children(UNIT)) if UNIT in actor.roles else []
    own = actor.user_id if EVALUATOR in actor.roles else ""
    return f"r:{','.join(regions)};u:{','.join(map(str, units))};e:{own}"


def _office_or_leader(actor: Actor) -> bool:
    return actor.is_superuser or bool({OFFICE, LEADER} & actor.roles)


def _office_leader_or_unit(actor: Actor) -> bool:
    return actor.is_superuser or bool({OFFICE, LEADER, UNIT} & actor.roles)


def last_week() -> str:
    y, w, _ = (timezone.localdate() - dt.timedelta(days=7)).isocalendar()
    return f"{y}-W{w:02d}"


def this_month() -> str:
    return f"{timezone.localdate():%Y-%m}"


def _clean_week(raw: Mapping[str, str]) -> tuple[dict[str, Any], str]:
    week = (raw.get("week") or "").strip()
    if not week or "-W" not in week:
        raise ValidationFailed("请选择周次（如 2026-W48）。", fields={"week": ["周次格式不对"]})
    _start, _end, label = indicators.period_bounds(week)
    return {"week": week}, f"创城督查通报 {label}"


def _clean_ledger(raw: Mapping[str, str]) -> tuple[dict[str, Any], str]:
    month = (raw.get("month") or "").strip()
    which = (raw.get("which") or "found").strip()
    if which not in ("found", "open"):
        raise ValidationFailed("台账范围只能是“本月发现”或“全部未销号”。")
    if which == "open":
        return {
            "which": "open"
        }, f"创城问题整改台账（全部未销号，{timezone.localdate():%Y年%m月%d日}）"
    if not month or "-W" in month or "-Q" in month:
        raise ValidationFailed("请选择月份（如 2026-11）。", fields={"month": ["月份格式不对"]})
    _start, _end, label = indicators.period_bounds(month)
    return {"which": "found", "month": month}, f"创城问题整改台账（{label}发现）"


# ---------------------------------------------------------------- what both read


def _problems(actor: Actor) -> QuerySet[Case]:
    return (
        cases_visible_to(actor)
        .filter(kind=RECTIFY)
        .select_related(
            "problem__site__street__parent",
            "problem__site__site_type",
            "problem__item__content__project",
            "problem__inspection__plan",
            "lead_unit",
        )
        .prefetch_related("clocks")
    )


def _due(case: Case) -> dt.datetime | None:
    clock = next((c for c in case.clocks.all() if c.name == "rectify"), None)
    return clock.due_at if clock is not None else None


def _found_photos(cases: list[Case]) -> dict[int, Answer]:
    """The failing answer's photo of each problem (the latest with a photo)."""
    keys = {(c.problem.inspection_id, c.problem.item_id): c.pk for c in cases}
    out: dict[int, Answer] = {}
    if not keys:
        return out
    answers = (
        Answer.objects.filter(
            inspection_id__in={k[0] for k in keys},
            item_id__in={k[1] for k in keys},
            result=Answer.Result.FAIL,
        )
        .exclude(photo="")
        .order_by("answered_at")
    )
    for a in answers:
        case_id = keys.get((a.inspection_id, a.item_id))
        if case_id is not None:
            out[case_id] = a  # the latest wins
    return out


def _rectify_photos(case_ids: list[int]) -> dict[int, dict[str, Attachment]]:
    """The before/after photos of each problem's last 整改反馈."""
    out: dict[int, dict[str, Attachment]] = {}
    latest_seq: dict[int, int] = {}
    rows = (
        Attachment.objects.filter(
            case_id__in=case_ids, event__action="report", label__in=("before", "after")
        )
        .select_related("event")
        .order_by("case_id", "event__seq")
    )
    for att in rows:
        assert att.event is not None
        if latest_seq.get(att.case_id, -1) < att.event.seq:
            latest_seq[att.case_id] = att.event.seq
            out[att.case_id] = {}
        if att.content_type.startswith("image/"):
            out[att.case_id][att.label] = att
    return out


def _picture(file: Any) -> bytes | None:
    """A photo made small enough for a document (JPEG, longest side PHOTO_PX), or None when
    the file is missing or no image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with file.open("rb") as fh, Image.open(fh) as img:
            img.draft("RGB", (PHOTO_PX, PHOTO_PX))  # JPEG: decode at a reduced scale
            small = img.convert("RGB")
            small.thumbnail((PHOTO_PX, PHOTO_PX))
            out = io.BytesIO()
            small.save(out, "JPEG", quality=80)
    except (OSError, ValueError, UnidentifiedImageError):
        return None
    return out.getvalue()


def _pictures(files: list[Any], done: Callable[[int], None]) -> dict[str, bytes]:
    """Every photo of the document made small, several at a time (Pillow decodes without the
    GIL, so threads use every core), by file name; unreadable ones left out."""
    out: dict[str, bytes] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        futures = {pool.submit(_picture, f): f.name for f in files if f}
        for n, future in enumerate(as_completed(futures), start=1):
            picture = future.result()
            if picture is not None:
                out[futures[future]] = picture
            if n % 10 == 0:
                done(n)
    return out


def _local(moment: dt.datetime | None, fmt: str = "%m月%d日") -> str:
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日" if fmt == "%m月%d日" else local.strftime(fmt)


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{100 * rate:.1f}%"


def _yes_no(value: bool | None, yes: str, no: str) -> str:
    return "" if value is None else (yes if value else no)


def _unit_name(case: Case) -> str:
    if case.lead_unit is None:
        return "待交办"
    return case.lead_unit.short_name or case.lead_unit.name


# ---------------------------------------------------------------- 督查通报 (Word)


def _set_fonts(doc: Any) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    for name, size in (("Normal", 12), ("Title", 20), ("Heading 1", 15), ("Heading 2", 13)):
        style = doc.styles[name]
        style.font.name = "SimSun"
        style.font.size = Pt(size)
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), "宋体")


def _table(doc: Any, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text


def build_bulletin(actor: Actor, params: dict[str, Any], progress: Progress) -> tuple[bytes, str]:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    week = params["week"]
    start, end, label = indicators.period_bounds(week)
    progress(0.02, "统计得分与排名")
    units = indicators.ranking(actor, week, "unit")
    streets = indicators.ranking(actor, week, "street")
    overall = indicators._visits(actor, start, end)
    visits = overall.count()
    points = [
        (v.passed_points or 0, v.applicable_points or 0)
        for v in overall.only("passed_points", "applicable_points")
    ]
    applicable = sum(a for _p, a in points)
    rate = float(sum(p for p, _a in points) / applicable) if applicable else None
    problems = _problems(actor)
    found = list(
        problems.filter(
            created_at__gte=start, created_at__lt=end, problem__self_check=False
        ).order_by("lead_unit__short_name", "created_at")
    )
    closed = list(
        problems.filter(status="closed", closed_at__gte=start, closed_at__lt=end).order_by(
            "lead_unit__short_name", "closed_at"
        )
    )
    now = timezone.now()
    overdue = problems.filter(status__in=OPEN_STATES, next_due__lt=now).count()
    progress(0.05, "读取照片")
    found_photos = _found_photos(found)
    after_photos = _rectify_photos([c.pk for c in closed])
    files = [a.photo for a in found_photos.values()] + [
        att.file for pair in after_photos.values() for att in pair.values()
    ]
    pictures = _pictures(files, lambda n: progress(0.05 + 0.75 * n / max(len(files), 1), f"缩放照片 {n}/{len(files)}"))  # fmt: skip

    doc = Document()
    _set_fonts(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.5))
    title = doc.add_heading("创建全国文明城市工作督查通报", level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = doc.add_paragraph(f"{label}　市创城办　{timezone.localdate():%Y年%m月%d日}")
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading("一、总体情况", level=1)
    rebounds = sum(1 for c in found if c.problem.rebound)
    doc.add_paragraph(
        f"本周共测评点位 {visits} 个次，总体得分率 {_pct(rate)}；发现问题 {len(found)} 个"
        f"（其中反弹 {rebounds} 个），销号 {len(closed)} 个；截至通报时逾期未整改问题 {overdue} 个。"
    )

    doc.add_heading("二、得分排名", level=1)
    rated = [r for r in units if r["rate"] is not None]
    if rated:
        red = "、".join(r["name"] for r in rated[:3])
        doc.add_paragraph(f"红榜：{red}。")
        if len(rated) > 3:
            black = "、".join(r["name"] for r in reversed(rated[-3:]))
            doc.add_paragraph(f"黑榜：{black}。")
    doc.add_paragraph("（一）责任单位得分率排名")
    _table(
        doc,
        ["排名", "责任单位", "测评点次", "问题数", "得分率"],
        [
            [str(r["rank"]), r["name"], str(r["visits"]), str(r["problems"]), _pct(r["rate"])]
            for r in units
        ],
    )
    doc.add_paragraph("（二）街道得分率排名")
    _table(
        doc,
        ["排名", "街道", "测评点次", "问题数", "得分率"],
        [
            [str(r["rank"]), r["name"], str(r["visits"]), str(r["problems"]), _pct(r["rate"])]
            for r in streets
        ],
    )

    doc.add_heading("三、发现问题（按责任单位）", level=1)
    if not found:
        doc.add_paragraph("本周未发现问题。")
    total = len(found) + len(closed) or 1
    done = 0
    current = None
    numeral = 0
    for case in found:
        unit = _unit_name(case)
        if unit != current:
            current, numeral = unit, numeral + 1
            count = sum(1 for c in found if _unit_name(c) == unit)
            doc.add_heading(f"{_cn_index(numeral)}{unit}（{count} 个）", level=2)
        p = case.problem
        tags = "".join(t for t, on in (("【反弹】", p.rebound),) if on)
        doc.add_paragraph(
            f"{case.number}　{p.site.name}（{p.site.site_type.name}，{p.site.street.name}）："
            f"{p.item.code} {p.item.rule}　{tags}严重程度：{p.get_severity_display()}；"
            f"整改期限：{_local(_due(case))}；当前状态：{WORKFLOW.state_label(case.status)}。"
        )
        answer = found_photos.get(case.pk)
        if answer is not None and (picture := pictures.get(answer.photo.name or "")) is not None:
            doc.add_picture(io.BytesIO(picture), width=Cm(8))
        done += 1
        progress(0.8 + 0.15 * done / total, f"写入问题 {done}/{total}")

    doc.add_heading("四、整改销号情况", level=1)
    if not closed:
        doc.add_paragraph("本周无销号问题。")
    for case in closed:
        p = case.problem
        on_time = _yes_no(p.closed_on_time, "按期", "逾期")
        doc.add_paragraph(
            f"{case.number}　{_unit_name(case)}　{p.site.name}：{p.item.code} {p.item.rule}"
            f"　{_local(case.closed_at)}销号（{on_time or '—'}）"
            + (f"，复查不通过 {p.review_fails} 次" if p.review_fails else "")
            + "。"
        )
        photos = after_photos.get(case.pk, {})
        if photos:
            table = doc.add_table(rows=2, cols=2)
            table.style = "Table Grid"
            for col, (key, head) in enumerate((("before", "整改前"), ("after", "整改后"))):
                table.cell(0, col).text = head
                att = photos.get(key)
                picture = pictures.get(att.file.name or "") if att is not None else None
                cell = table.cell(1, col)
                if picture is None:
                    cell.text = "（无照片）"
                else:
                    cell.paragraphs[0].add_run().add_picture(io.BytesIO(picture), width=Cm(7))
        done += 1
        progress(0.8 + 0.15 * done / total, f"写入销号 {done}/{total}")

    doc.add_heading("五、工作要求", level=1)
    limit_minor = get_setting(LIMIT_MINOR)
    doc.add_paragraph(
        f"请各责任单位对照问题清单逐项整改，一般问题 {limit_minor} 个工作日内完成并上传整改前后照片；"
        f"逾期未整改的 {overdue} 个问题，请于下周督查前完成并说明原因。市创城办将对销号问题开展回头看，"
        "发现反弹的，计入月度排名。"
    )
    progress(0.97, "保存文档")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue(), f"创城督查通报_{week}.docx"


def _cn_index(n: int) -> str:
    digits = "一二三四五六七八九十"
    if n <= 10:
        return f"（{digits[n - 1]}）"
    return f"（{n}）"


# ---------------------------------------------------------------- 整改台账 (Excel)


LEDGER_HEADER = [
    "序号",
    "问题编号",
    "发现日期",
    "测评方式",
    "区",
    "街道",
    "点位类型",
    "点位",
    "测评项目",
    "条目编号",
    "问题（标准条文）",
    "严重程度",
    "责任单位",
    "整改期限",
    "状态",
    "亮灯",
    "销号日期",
    "按期整改",
    "复查不通过次数",
    "反弹",
    "自查发现",
]


def build_ledger(actor: Actor, params: dict[str, Any], progress: Progress) -> tuple[bytes, str]:
    from openpyxl.styles import PatternFill

    from chuangcheng.cases.clocks import light
    from chuangcheng.core.sheets import new_sheet, workbook_bytes

    problems = _problems(actor)
    if params["which"] == "open":
        problems = problems.filter(status__in=OPEN_STATES)
        period = None
        name = f"创城整改台账_未销号_{timezone.localdate():%Y%m%d}.xlsx"
    else:
        start, end, _label = indicators.period_bounds(params["month"])
        problems = problems.filter(created_at__gte=start, created_at__lt=end)
        period = params["month"]
        name = f"创城整改台账_{params['month']}.xlsx"
    progress(0.05, "读取问题")
    cases = list(problems.order_by("created_at", "pk"))
    wb, ws = new_sheet("整改台账", LEDGER_HEADER)
    fills = {
        "red": PatternFill("solid", fgColor="F8D7DA"),
        "yellow": PatternFill("solid", fgColor="FFF3CD"),
    }
    now = timezone.now()
    warn = float(get_setting("cases.warn_fraction"))
    lights = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}
    for i, case in enumerate(cases, start=1):
        p = case.problem
        clock = next((c for c in case.clocks.all() if c.name == "rectify"), None)
        colour = light(clock, now, warn) if clock is not None and clock.due_at else ""
        plan = p.inspection.plan
        how = "自查" if p.self_check else ("明查" if plan is None or plan.announced else "暗访")
        ws.append(
            [
                i,
                case.number,
                timezone.localtime(case.created_at).date(),
                how,
                p.site.street.parent.name if p.site.street.parent else "",
                p.site.street.name,
                p.site.site_type.name,
                p.site.name,
                p.item.content.project.name,
                p.item.code,
                p.item.rule,
                p.get_severity_display(),
                _unit_name(case),
                timezone.localtime(clock.due_at).replace(tzinfo=None)
                if clock and clock.due_at
                else None,
                WORKFLOW.state_label(case.status),
                lights.get(colour or "", "") if case.status in OPEN_STATES else "",
                timezone.localtime(case.closed_at).date() if case.closed_at else None,
                _yes_no(p.closed_on_time, "是", "否"),
                p.review_fails,
                "是" if p.rebound else "",
                "是" if p.self_check else "",
            ]
        )
        if case.status in OPEN_STATES and colour in fills:
            for cell in ws[ws.max_row]:
                cell.fill = fills[colour]
        if i % 200 == 0:
            progress(0.05 + 0.8 * i / len(cases), f"写入第 {i}/{len(cases)} 行")
    for column, width in (("B", 16), ("C", 12), ("H", 24), ("K", 50), ("M", 14), ("N", 17)):
        ws.column_dimensions[column].width = width
    for row in ws.iter_rows(min_row=2, min_col=3, max_col=3):
        row[0].number_format = "yyyy-mm-dd"
    for row in ws.iter_rows(min_row=2, min_col=14, max_col=14):
        row[0].number_format = "yyyy-mm-dd hh:mm"
    for row in ws.iter_rows(min_row=2, min_col=17, max_col=17):
        row[0].number_format = "yyyy-mm-dd"
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = ws.dimensions
    if period is not None:
        progress(0.9, "统计各单位整改情况")
        summary = wb.create_sheet("按单位汇总")
        summary.append(
            ["责任单位", "问题数", "已销号", "整改完成率", "按期整改率", "复查通过率", "反弹数"]
        )
        for r in indicators.rectification(actor, period):
            summary.append(
                [
                    r["name"],
                    r["problems"],
                    r["closed"],
                    _pct(r["closed_rate"]),
                    _pct(r["on_time_rate"]),
                    _pct(r["review_pass_rate"]),
                    r["rebounds"],
                ]
            )
        summary.column_dimensions["A"].width = 20
    progress(0.97, "保存表格")
    return workbook_bytes(wb), name


BULLETIN = ReportKind(
    key="evaluation.bulletin",
    label="创城督查通报（周）",
    description="本周测评得分、单位与街道排名、红黑榜、按单位列出的问题及照片、整改前后对比。Word 文档。",
    extension="docx",
    may_request=_office_or_leader,
    scope_key=_scope,
    clean=_clean_week,
    build=build_bulletin,
    inputs=(Input("week", "周次", "week", last_week),),
)

LEDGER = ReportKind(
    key="evaluation.ledger",
    label="创城问题整改台账",
    description="每个问题一行：点位、条目、责任单位、期限、状态、亮灯、销号与复查情况；另附各单位整改汇总。Excel 表格。",
    extension="xlsx",
    may_request=_office_leader_or_unit,
    scope_key=_scope,
    clean=_clean_ledger,
    build=build_ledger,
    inputs=(
        Input("month", "发现月份", "month", this_month),
        Input(
            "which",
            "范围",
            "select",
            lambda: "found",
            (("found", "该月发现的问题"), ("open", "全部未销号问题")),
        ),
    ),
)

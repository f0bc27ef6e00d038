"""The standard (测评标准): its editions, their Excel import and export, and publishing.

One sheet, “测评标准”, one row per 测评条目; 测评项目 and 测评内容 repeat on each of their rows.
Columns are found by their header (docs/evaluation.md lists them):

  项目代码 测评项目 内容代码 测评内容 条目代码 测评要求 测评方法 适用点位 [最少数量] [认可形式]
  [不合格情形] 分值

测评方法 and 适用点位 hold several values separated by 、 or , (a method or a site type by its
name or code). An import replaces the whole tree of a DRAFT edition, all or nothing: every
broken row is named and nothing is kept. A published edition never changes; `edition_copy`
starts the next one as a draft."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from openpyxl.styles import Alignment

from chuangcheng.core.errors import Conflict, PermissionDenied, ValidationFailed
from chuangcheng.core.sheets import (
    ImportRejected,
    RowError,
    RowProblem,
    new_sheet,
    open_workbook,
    rows,
    text,
    workbook_bytes,
)
from chuangcheng.evaluation.models import CheckItem, Content, Edition, Method, Project, SiteType
from chuangcheng.evaluation.roles import STANDARD_EDIT_ROLES
from chuangcheng.org.access import Actor

SHEET = "测评标准"
COLUMNS = [
    "项目代码",
    "测评项目",
    "内容代码",
    "测评内容",
    "条目代码",
    "测评要求",
    "测评方法",
    "适用点位",
    "最少数量",
    "认可形式",
    "不合格情形",
    "分值",
]
REQUIRED = [c for c in COLUMNS if c not in ("适用点位", "最少数量", "认可形式", "不合格情形")]
SPLIT = re.compile(r"[、,，;；/\s]+")
CODE = re.compile(r"^[0-9A-Za-z.\-_]{1,20}$")


def require_editor(actor: Actor) -> None:
    if not (actor.is_superuser or actor.roles & STANDARD_EDIT_ROLES):
        raise PermissionDenied("只有创城办可以修改测评标准。")


def _draft(edition: Edition) -> None:
    if not edition.editable:
        raise Conflict(
            f"“{edition.name}”已{edition.get_status_display()}，不能修改；请复制为新版本。"
        )


# ---------------------------------------------------------------- import


@dataclass
class _Row:
    number: int
    project: tuple[str, str]
    content: tuple[str, str]
    code: str
    rule: str
    methods: list[str]
    site_types: list[SiteType]
    min_count: int | None
    allowed_forms: str
    failure_examples: str
    points: Decimal


def _code(row: dict[str, Any], column: str) -> str:
    raw = text(row.get(column))
    if not raw:
        raise RowProblem(column, "不能为空")
    if not CODE.match(raw):
        raise RowProblem(column, f"“{raw}”不是有效代码（字母、数字、点、横线，最多 20 位）")
    return raw


def _name(row: dict[str, Any], column: str, limit: int) -> str:
    raw = text(row.get(column))
    if not raw:
        raise RowProblem(column, "不能为空")
    if len(raw) > limit:
        raise RowProblem(column, f"不能超过 {limit} 字")
    return raw


def _methods(row: dict[str, Any]) -> list[str]:
    by_label = {label: value for value, label in Method.choices}
    out: list[str] = []
    for part in SPLIT.split(text(row.get("测评方法"))):
        if not part:
            continue
        value = part if part in Method.values else by_label.get(part)
        if value is None:
            allowed = "、".join(str(label) for _v, label in Method.choices)
            raise RowProblem("测评方法", f"“{part}”不是测评方法（{allowed}）")
        if value not in out:
            out.append(value)
    if not out:
        raise RowProblem("测评方法", "不能为空")
    return out


def _site_types(row: dict[str, Any], index: dict[str, SiteType]) -> list[SiteType]:
    out: list[SiteType] = []
    for part in SPLIT.split(text(row.get("适用点位"))):
        if not part:
            continue
        site_type = index.get(part)
        if site_type is None:
            raise RowProblem("适用点位", f"没有名为或代码为“{part}”的点位类型")
        if site_type not in out:
            out.append(site_type)
    return out


def _count(row: dict[str, Any]) -> int | None:
    raw = row.get("最少数量")
    if raw is None or text(raw) == "":
        return None
    try:
        value = Decimal(text(raw))
    except InvalidOperation:
        raise RowProblem("最少数量", f"“{text(raw)}”不是整数") from None
    if value != value.to_integral_value() or value < 0 or value > 100_000:
        raise RowProblem("最少数量", f"“{text(raw)}”应为 0–100000 的整数")
    return int(value)


def _points(row: dict[str, Any]) -> Decimal:
    raw = text(row.get("分值"))
    if not raw:
        raise RowProblem("分值", "不能为空")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise RowProblem("分值", f"“{raw}”不是数字") from None
    if not value.is_finite() or value < 0 or value >= 10_000:
        raise RowProblem("分值", f"“{raw}”应为 0–9999.99 之间的数")
    return value.quantize(Decimal("0.01"))


def _parse(ws: Any, errors: list[RowError]) -> list[_Row]:
    index: dict[str, SiteType] = {}
    for st in SiteType.objects.all():
        index[st.code] = index[st.name] = st
    parsed: list[_Row] = []
    projects: dict[str, tuple[str, int]] = {}  # code -> (name, first row)
    contents: dict[tuple[str, str], tuple[str, int]] = {}
    items: dict[tuple[str, str, str], int] = {}
    for number, row in rows(ws, SHEET, REQUIRED, errors):
        try:
            pcode, pname = _code(row, "项目代码"), _name(row, "测评项目", 100)
            ccode, cname = _code(row, "内容代码"), _name(row, "测评内容", 300)
            code, rule = _code(row, "条目代码"), _name(row, "测评要求", 2000)
            seen = projects.setdefault(pcode, (pname, number))
            if seen[0] != pname:
                raise RowProblem("测评项目", f"项目代码 {pcode} 在第 {seen[1]} 行名为“{seen[0]}”")
            seen = contents.setdefault((pcode, ccode), (cname, number))
            if seen[0] != cname:
                raise RowProblem("测评内容", f"内容代码 {ccode} 在第 {seen[1]} 行名为“{seen[0]}”")
            first = items.setdefault((pcode, ccode, code), number)
            if first != number:
                raise RowProblem("条目代码", f"与第 {first} 行重复")
            parsed.append(
                _Row(
                    number=number,
                    project=(pcode, pname),
                    content=(ccode, cname),
                    code=code,
                    rule=rule,
                    methods=_methods(row),
                    site_types=_site_types(row, index),
                    min_count=_count(row),
                    allowed_forms=text(row.get("认可形式"))[:200],
                    failure_examples=text(row.get("不合格情形"))[:2000],
                    points=_points(row),
                )
            )
        except RowProblem as p:
            errors.append(RowError(SHEET, number, p.column, p.reason))
    return parsed


def standard_import(*, actor: Actor, edition: Edition, file: IO[bytes] | str) -> dict[str, int]:
    """Replace the draft edition's tree with the workbook's, all or nothing."""
    require_editor(actor)
    wb = open_workbook(file)
    try:
        if SHEET not in wb.sheetnames:
            raise ValidationFailed(f"工作簿中没有名为“{SHEET}”的工作表。")
        errors: list[RowError] = []
        parsed = _parse(wb[SHEET], errors)
    finally:
        wb.close()
    if errors:
        raise ImportRejected(errors)
    if not parsed:
        raise ValidationFailed(f"工作表“{SHEET}”中没有测评条目。")
    with transaction.atomic():
        locked = Edition.objects.select_for_update().get(pk=edition.pk)
        _draft(locked)
        locked.projects.all().delete()
        projects: dict[str, Project] = {}
        contents: dict[tuple[str, str], Content] = {}
        through = CheckItem.site_types.through
        links = []
        for order, r in enumerate(parsed):
            project = projects.get(r.project[0])
            if project is None:
                project = projects[r.project[0]] = Project.objects.create(
                    edition=locked, code=r.project[0], name=r.project[1], order=len(projects)
                )
            key = (r.project[0], r.content[0])
            content = contents.get(key)
            if content is None:
                content = contents[key] = Content.objects.create(
                    project=project, code=r.content[0], name=r.content[1], order=len(contents)
                )
            item = CheckItem.objects.create(
                content=content,
                code=r.code,
                rule=r.rule,
                methods=r.methods,
                min_count=r.min_count,
                allowed_forms=r.allowed_forms,
                failure_examples=r.failure_examples,
                points=r.points,
                order=order,
            )
            links += [through(checkitem_id=item.pk, sitetype_id=st.pk) for st in r.site_types]
        through.objects.bulk_create(links)
    return {"projects": len(projects), "contents": len(contents), "items": len(parsed)}


# ---------------------------------------------------------------- export


def standard_export(edition: Edition) -> bytes:
    wb, ws = new_sheet(SHEET, COLUMNS)
    items = (
        CheckItem.objects.filter(content__project__edition=edition)
        .select_related("content__project")
        .prefetch_related("site_types")
        .order_by("content__project__order", "content__order", "order", "pk")
    )
    for item in items:
        content, project = item.content, item.content.project
        ws.append(
            [
                project.code,
                project.name,
                content.code,
                content.name,
                item.code,
                item.rule,
                "、".join(item.method_labels()),
                "、".join(st.name for st in item.site_types.all()),
                item.min_count,
                item.allowed_forms,
                item.failure_examples,
                float(item.points),
            ]
        )
    for column, width in zip(
        "ABCDEFGHIJKL", (10, 18, 10, 30, 12, 50, 16, 30, 10, 20, 30, 8), strict=True
    ):
        ws.column_dimensions[column].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return workbook_bytes(wb)


# ---------------------------------------------------------------- editions


def edition_publish(*, actor: Actor, edition: Edition) -> Edition:
    """草稿 → 已发布 (the edition inspections use from now on; the one before is retired)."""
    require_editor(actor)
    with transaction.atomic():
        locked = Edition.objects.select_for_update().get(pk=edition.pk)
        _draft(locked)
        if not CheckItem.objects.filter(content__project__edition=locked).exists():
            raise ValidationFailed("没有测评条目的版本不能发布。")
        Edition.objects.filter(status=Edition.Status.PUBLISHED).update(
            status=Edition.Status.RETIRED
        )
        locked.status = Edition.Status.PUBLISHED
        locked.published_at = timezone.now()
        locked.save(update_fields=["status", "published_at"])
    return locked


def edition_copy(*, actor: Actor, edition: Edition, code: str, name: str) -> Edition:
    """A new draft with the same tree (the next year's edition starts from this one)."""
    require_editor(actor)
    code, name = code.strip(), name.strip()
    if not CODE.match(code):
        raise ValidationFailed("版本代码只能含字母、数字、点、横线，最多 20 位。")
    if not name:
        raise ValidationFailed("请填写版本名称。")
    with transaction.atomic():
        if Edition.objects.filter(code=code).exists():
            raise ValidationFailed(f"版本代码 {code} 已存在。")
        copy = Edition.objects.create(code=code, name=name[:100], based_on=edition)
        through = CheckItem.site_types.through
        links = []
        for project in edition.projects.prefetch_related("contents__items__site_types"):
            p = Project.objects.create(
                edition=copy, code=project.code, name=project.name, order=project.order
            )
            for content in project.contents.all():
                c = Content.objects.create(
                    project=p, code=content.code, name=content.name, order=content.order
                )
                for item in content.items.all():
                    types = list(item.site_types.all())
                    item.pk, item.content = None, c
                    item.save()
                    links += [through(checkitem_id=item.pk, sitetype_id=t.pk) for t in types]
        through.objects.bulk_create(links)
    return copy


def current_edition() -> Edition | None:
    return Edition.objects.filter(status=Edition.Status.PUBLISHED).first()

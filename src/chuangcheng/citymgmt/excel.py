"""Excel import and export (openpyxl) of the catalogue, the unit grids and the component registry.

One workbook may hold any of four sheets, found by name; columns are found by their header in
the first row, so their order does not matter (docs/citymgmt.md lists them):

  大类小类       类别 大类代码 大类名称 小类代码 小类名称 [启用]
  立案结案标准   类别 大类代码 小类代码 序号 立案条件 结案条件 A类时限 A类计时 … C类计时 [备注]
  单元网格       网格代码 [名称] 社区代码 街道代码 区域类别 边界WKT [启用]
  部件           标识码 [小类代码] [部件名称] 主管部门 权属部门 养护部门 [所在单元网格] 部件状态 …

An import is all or nothing: the sheets are read in that order inside one transaction; every
broken row is named (sheet, row number, column, why) and nothing is kept. Rows are matched on
their codes: an existing record is updated, a new one created; nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from openpyxl import Workbook

from chuangcheng.citymgmt.geo import grid_for_point
from chuangcheng.citymgmt.models import (
    CatalogueClass,
    Component,
    ComponentSource,
    ComponentState,
    Counting,
    Family,
    HandlingLimit,
    ImportRecord,
    Standard,
    Subclass,
    UnitGrid,
    ZoneClass,
)
from chuangcheng.citymgmt.services import (
    _require_editor,
    apply_boundary,
    grid_index_touch,
    grid_region_problems,
    object_id_problems,
)
from chuangcheng.core.errors import DomainError, ValidationFailed
from chuangcheng.core.sheets import (
    ImportRejected,
    RowError,
    RowProblem,
    as_bool,
    as_float,
    choice,
    open_workbook,
    rows,
    text,
)
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Region, Unit

SHEET_CATALOGUE = "大类小类"
SHEET_STANDARDS = "立案结案标准"
SHEET_GRIDS = "单元网格"
SHEET_COMPONENTS = "部件"
SHEETS = (SHEET_CATALOGUE, SHEET_STANDARDS, SHEET_GRIDS, SHEET_COMPONENTS)

CATALOGUE_COLUMNS = ["类别", "大类代码", "大类名称", "小类代码", "小类名称", "启用"]
STANDARD_COLUMNS = [
    "类别",
    "大类代码",
    "小类代码",
    "序号",
    "立案条件",
    "结案条件",
    *[f"{z}类{what}" for z in "ABC" for what in ("时限", "计时")],
    "备注",
]
GRID_COLUMNS = ["网格代码", "名称", "社区代码", "街道代码", "区域类别", "边界WKT", "启用"]
COMPONENT_COLUMNS = [
    "标识码",
    "小类代码",
    "部件名称",
    "主管部门",
    "权属部门",
    "养护部门",
    "所在单元网格",
    "部件状态",
    "初始日期",
    "变更日期",
    "数据来源",
    "位置描述",
    "材质",
    "备注",
    "纬度",
    "经度",
]
REQUIRED = {
    SHEET_CATALOGUE: ["类别", "大类代码", "大类名称"],
    SHEET_STANDARDS: ["类别", "大类代码", "小类代码", "立案条件", "结案条件"],
    SHEET_GRIDS: ["网格代码", "社区代码", "街道代码", "边界WKT"],
    SHEET_COMPONENTS: ["标识码", "纬度", "经度"],
}
BATCH = 1000


def _code(row: dict[str, Any], column: str, width: int, *, required: bool = True) -> str:
    raw = text(row.get(column))
    if not raw:
        if required:
            raise RowProblem(column, "不能为空")
        return ""
    if not raw.isdigit():
        raise RowProblem(column, f"“{raw}”不是数字代码")
    if len(raw) < width:
        raw = raw.zfill(width)  # Excel drops the leading zero of 01
    if len(raw) != width:
        raise RowProblem(column, f"“{raw}”应为 {width} 位数字")
    return raw


def _family(row: dict[str, Any]) -> str:
    return choice(row, "类别", Family)


def _date(row: dict[str, Any], column: str) -> dt.date | None:
    raw = row.get(column)
    if raw is None or text(raw) == "":
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    value = text(raw).replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RowProblem(column, f"“{text(raw)}”不是日期（如 2024-05-01）") from None


def _rows(ws: Any, sheet: str, errors: list[RowError]) -> Iterator[tuple[int, dict[str, Any]]]:
    return rows(ws, sheet, REQUIRED[sheet], errors)


# ---------------------------------------------------------------- import


@dataclass
class ImportResult:
    counts: dict[str, int]

    def summary(self) -> str:
        return "，".join(f"{k} {v} 行" for k, v in self.counts.items()) or "没有可导入的工作表"


def workbook_import(*, actor: Actor, file: IO[bytes] | str, filename: str = "") -> ImportResult:
    """Import whatever of the four sheets the workbook holds, all or nothing."""
    _require_editor(actor)
    wb = open_workbook(file)
    known = [s for s in SHEETS if s in wb.sheetnames]
    if not known:
        raise ValidationFailed("工作簿中没有可导入的工作表，应至少有以下之一：" + "、".join(SHEETS))
    errors: list[RowError] = []
    counts: dict[str, int] = {}
    try:
        with transaction.atomic():
            if SHEET_CATALOGUE in known:
                counts[SHEET_CATALOGUE] = _import_catalogue(wb[SHEET_CATALOGUE], errors)
            if SHEET_STANDARDS in known:
                counts[SHEET_STANDARDS] = _import_standards(wb[SHEET_STANDARDS], errors)
            if SHEET_GRIDS in known:
                counts[SHEET_GRIDS] = _import_grids(wb[SHEET_GRIDS], errors)
            if SHEET_COMPONENTS in known:
                counts[SHEET_COMPONENTS] = _import_components(wb[SHEET_COMPONENTS], errors)
            if errors:
                raise ImportRejected(errors)
            ImportRecord.objects.create(
                actor_id=actor.user_id, filename=filename[:200], counts=counts
            )
    finally:
        wb.close()
    return ImportResult(counts)


def _import_catalogue(ws: Any, errors: list[RowError]) -> int:
    classes = {(c.family, c.code): c for c in CatalogueClass.objects.all()}
    subs = {(s.klass_id, s.code): s for s in Subclass.objects.all()}
    n = 0
    for number, row in _rows(ws, SHEET_CATALOGUE, errors):
        try:
            family = _family(row)
            ccode = _code(row, "大类代码", 2)
            cname = text(row.get("大类名称"))
            if not cname:
                raise RowProblem("大类名称", "不能为空")
            scode = _code(row, "小类代码", 2, required=False)
            sname = text(row.get("小类名称"))
            if scode and not sname:
                raise RowProblem("小类名称", "填写了小类代码时不能为空")
            active = as_bool(row, "启用")
        except RowProblem as p:
            errors.append(RowError(SHEET_CATALOGUE, number, p.column, p.reason))
            continue
        klass = classes.get((family, ccode))
        if klass is None:
            klass = CatalogueClass.objects.create(family=family, code=ccode, name=cname[:40])
            classes[(family, ccode)] = klass
        elif klass.name != cname[:40]:
            klass.name = cname[:40]
            klass.save(update_fields=["name"])
        if scode:
            sub = subs.get((klass.pk, scode))
            if sub is None:
                subs[(klass.pk, scode)] = Subclass.objects.create(
                    klass=klass, code=scode, name=sname[:60], active=active
                )
            elif (sub.name, sub.active) != (sname[:60], active):
                sub.name, sub.active = sname[:60], active
                sub.save(update_fields=["name", "active"])
        elif klass.active != active:
            klass.active = active
            klass.save(update_fields=["active"])
        n += 1
    return n


def _subclass_index() -> dict[tuple[str, str, str], Subclass]:
    return {
        (s.klass.family, s.klass.code, s.code): s for s in Subclass.objects.select_related("klass")
    }


def _import_standards(ws: Any, errors: list[RowError]) -> int:
    subs = _subclass_index()
    n = 0
    for number, row in _rows(ws, SHEET_STANDARDS, errors):
        try:
            family = _family(row)
            ccode = _code(row, "大类代码", 2)
            scode = _code(row, "小类代码", 2)
            sub = subs.get((family, ccode, scode))
            if sub is None:
                raise RowProblem("小类代码", f"目录中没有{family_label(family)}小类 {ccode}{scode}")
            seq = _code(row, "序号", 2, required=False) or "01"
            filing = text(row.get("立案条件"))
            closing = text(row.get("结案条件"))
            if not filing:
                raise RowProblem("立案条件", "不能为空")
            if not closing:
                raise RowProblem("结案条件", "不能为空")
            limits: list[tuple[str, int, str]] = []
            for zone in "ABC":
                amount_col, counting_col = f"{zone}类时限", f"{zone}类计时"
                raw = text(row.get(amount_col))
                if not raw:
                    continue
                if not raw.isdigit() or int(raw) <= 0:
                    raise RowProblem(amount_col, f"“{raw}”应为正整数")
                limits.append((zone, int(raw), choice(row, counting_col, Counting)))
        except RowProblem as p:
            errors.append(RowError(SHEET_STANDARDS, number, p.column, p.reason))
            continue
        standard, _ = Standard.objects.update_or_create(
            subclass=sub,
            seq=seq,
            defaults={
                "filing_condition": filing,
                "closing_condition": closing,
                "note": text(row.get("备注"))[:200],
            },
        )
        standard.limits.exclude(zone_class__in=[z for z, _, _ in limits]).delete()
        for zone, amount, counting in limits:
            HandlingLimit.objects.update_or_create(
                standard=standard,
                zone_class=zone,
                defaults={"amount": amount, "counting": counting},
            )
        n += 1
    return n


def family_label(family: str) -> str:
    return str(Family(family).label)


def _import_grids(ws: Any, errors: list[RowError]) -> int:
    regions = {
        r.code: r
        for r in Region.objects.filter(level__in=[Region.Level.STREET, Region.Level.COMMUNITY])
    }
    existing = {g.code: g for g in UnitGrid.objects.all()}
    seen: set[str] = set()
    n = 0
    for number, row in _rows(ws, SHEET_GRIDS, errors):
        try:
            code = text(row.get("网格代码"))
            if not code.isdigit() or not 12 <= len(code) <= 19:
                raise RowProblem("网格代码", f"“{code}”应为 12–19 位数字")
            if code in seen:
                raise RowProblem("网格代码", f"{code} 在本表中重复")
            community = regions.get(text(row.get("社区代码")))
            if community is None or community.level != Region.Level.COMMUNITY:
                raise RowProblem("社区代码", f"没有代码为“{text(row.get('社区代码'))}”的社区")
            street = regions.get(text(row.get("街道代码")))
            if street is None or street.level != Region.Level.STREET:
                raise RowProblem("街道代码", f"没有代码为“{text(row.get('街道代码'))}”的街道")
            problem = grid_region_problems(community, street)
            if problem:
                raise RowProblem("社区代码", problem)
            zone = choice(row, "区域类别", ZoneClass, default=ZoneClass.B)
            grid = existing.get(code) or UnitGrid(code=code)
            grid.name = text(row.get("名称"))[:60]
            grid.community, grid.street, grid.zone_class = community, street, zone
            grid.active = as_bool(row, "启用")
            try:
                apply_boundary(grid, text(row.get("边界WKT")))
            except ValueError as exc:
                raise RowProblem("边界WKT", str(exc)) from None
        except RowProblem as p:
            errors.append(RowError(SHEET_GRIDS, number, p.column, p.reason))
            continue
        seen.add(code)
        grid.save()
        existing[code] = grid
        n += 1
    if n:
        grid_index_touch()
    return n


def _unit_index() -> dict[str, Unit]:
    index: dict[str, Unit] = {}
    for unit in Unit.objects.all():
        for key in (unit.short_name, unit.name, unit.code):  # the code wins a clash
            if key:
                index[key] = unit
    return index


def _import_components(ws: Any, errors: list[RowError]) -> int:
    subs = {(k[1], k[2]): s for k, s in _subclass_index().items() if k[0] == Family.COMPONENT}
    grids = {g.code: g for g in UnitGrid.objects.all()}
    grids_by_id = {g.pk: g for g in grids.values()}
    units = _unit_index()
    seen: set[str] = set()
    batch: list[Component] = []
    n = 0
    update_fields = [
        f.name
        for f in Component._meta.concrete_fields
        if not f.primary_key and f.name != "object_id"
    ]

    def flush() -> None:
        Component.objects.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=["object_id"],
            update_fields=update_fields,
            batch_size=BATCH,
        )
        batch.clear()

    for number, row in _rows(ws, SHEET_COMPONENTS, errors):
        try:
            object_id = text(row.get("标识码"))
            if len(object_id) != 16 or not object_id.isdigit():
                raise RowProblem("标识码", f"“{object_id}”应为 16 位数字")
            if object_id in seen:
                raise RowProblem("标识码", f"{object_id} 在本表中重复")
            sub = subs.get((object_id[6:8], object_id[8:10]))
            if sub is None:
                raise RowProblem(
                    "标识码", f"第 7–10 位 {object_id[6:10]} 不是目录中的部件大类+小类代码"
                )
            given = text(row.get("小类代码"))
            if given and given.zfill(4) != object_id[6:10] and given != sub.full_code:
                raise RowProblem("小类代码", f"“{given}”与标识码中的 {object_id[6:10]} 不符")
            lat, lng = as_float(row, "纬度"), as_float(row, "经度")
            if not (-90 <= lat <= 90):
                raise RowProblem("纬度", "应在 -90 到 90 之间")
            if not (-180 <= lng <= 180):
                raise RowProblem("经度", "应在 -180 到 180 之间")
            grid_code = text(row.get("所在单元网格"))
            if grid_code:
                grid = grids.get(grid_code)
                if grid is None:
                    raise RowProblem("所在单元网格", f"没有代码为 {grid_code} 的单元网格")
            else:
                try:
                    grid = grids_by_id[grid_for_point(lat, lng).grid_id]
                except DomainError as exc:
                    raise RowProblem("经度", f"未填所在单元网格，且{exc.message}") from None
            problem = object_id_problems(object_id, sub, grid)
            if problem:
                raise RowProblem("标识码", problem)
            depts: dict[str, tuple[Unit | None, str]] = {}
            for column in ("主管部门", "权属部门", "养护部门"):
                name = text(row.get(column))
                unit = units.get(name) if name else None
                depts[column] = (unit, "" if unit else name[:80])
            component = Component(
                object_id=object_id,
                subclass=sub,
                name=text(row.get("部件名称"))[:60],
                main_dept=depts["主管部门"][0],
                main_dept_name=depts["主管部门"][1],
                owner_dept=depts["权属部门"][0],
                owner_dept_name=depts["权属部门"][1],
                maintainer_dept=depts["养护部门"][0],
                maintainer_dept_name=depts["养护部门"][1],
                grid=grid,
                state=choice(row, "部件状态", ComponentState, default=ComponentState.INTACT),
                initial_date=_date(row, "初始日期"),
                change_date=_date(row, "变更日期"),
                source=choice(row, "数据来源", ComponentSource, default=ComponentSource.CENSUS),
                location=text(row.get("位置描述"))[:120],
                material=text(row.get("材质"))[:30],
                note=text(row.get("备注"))[:200],
                lat=lat,
                lng=lng,
            )
        except RowProblem as p:
            errors.append(RowError(SHEET_COMPONENTS, number, p.column, p.reason))
            continue
        seen.add(object_id)
        n += 1
        if errors:
            continue  # keep checking, but write nothing more: the transaction will roll back
        batch.append(component)
        if len(batch) >= BATCH:
            flush()
    if batch and not errors:
        flush()
    return n


# ---------------------------------------------------------------- export


def _yes(value: bool) -> str:
    return "是" if value else "否"


def _label(choices: Any, value: str) -> str:
    return str(dict(choices.choices).get(value, value)).split("（")[0]


def _labels(choices: Any) -> dict[str, str]:
    return {str(v): _label(choices, v) for v in choices.values}


def workbook_export(*, sheets: tuple[str, ...] = SHEETS) -> bytes:
    """The chosen sheets as an .xlsx file in the import format (a round trip changes nothing)."""
    wb = Workbook(write_only=True)
    if SHEET_CATALOGUE in sheets:
        ws = wb.create_sheet(SHEET_CATALOGUE)
        ws.append(CATALOGUE_COLUMNS)
        for klass in CatalogueClass.objects.prefetch_related("subclasses"):
            subs = list(klass.subclasses.all())
            family = _label(Family, klass.family)
            if not subs:
                ws.append([family, klass.code, klass.name, "", "", _yes(klass.active)])
            for sub in subs:
                ws.append([family, klass.code, klass.name, sub.code, sub.name, _yes(sub.active)])
    if SHEET_STANDARDS in sheets:
        ws = wb.create_sheet(SHEET_STANDARDS)
        ws.append(STANDARD_COLUMNS)
        standards = Standard.objects.select_related("subclass__klass").prefetch_related("limits")
        for st in standards.order_by("subclass__klass__family", "subclass__klass__code"):
            limits = {lim.zone_class: lim for lim in st.limits.all()}
            cells: list[Any] = []
            for zone in "ABC":
                lim = limits.get(zone)
                cells += [lim.amount, _label(Counting, lim.counting)] if lim else ["", ""]
            ws.append(
                [
                    _label(Family, st.subclass.klass.family),
                    st.subclass.klass.code,
                    st.subclass.code,
                    st.seq,
                    st.filing_condition,
                    st.closing_condition,
                    *cells,
                    st.note,
                ]
            )
    if SHEET_GRIDS in sheets:
        ws = wb.create_sheet(SHEET_GRIDS)
        ws.append(GRID_COLUMNS)
        for g in UnitGrid.objects.select_related("community", "street"):
            ws.append(
                [
                    g.code,
                    g.name,
                    g.community.code,
                    g.street.code,
                    g.zone_class,
                    g.boundary_wkt,
                    _yes(g.active),
                ]
            )
    if SHEET_COMPONENTS in sheets:
        ws = wb.create_sheet(SHEET_COMPONENTS)
        ws.append(COMPONENT_COLUMNS)
        rows = Component.objects.order_by("object_id").values_list(
            "object_id",
            "subclass__klass__code",
            "subclass__code",
            "name",
            "main_dept__code",
            "main_dept_name",
            "owner_dept__code",
            "owner_dept_name",
            "maintainer_dept__code",
            "maintainer_dept_name",
            "grid__code",
            "state",
            "initial_date",
            "change_date",
            "source",
            "location",
            "material",
            "note",
            "lat",
            "lng",
        )
        states, sources = _labels(ComponentState), _labels(ComponentSource)
        for (
            object_id,
            class_code,
            sub_code,
            name,
            main,
            main_name,
            owner,
            owner_name,
            maintainer,
            maintainer_name,
            grid,
            state,
            initial,
            changed,
            source,
            *rest,
        ) in rows.iterator(chunk_size=2000):
            ws.append(
                [
                    object_id,
                    class_code + sub_code,
                    name,
                    main or main_name,
                    owner or owner_name,
                    maintainer or maintainer_name,
                    grid,
                    states.get(state, state),
                    initial.isoformat() if initial else "",
                    changed.isoformat() if changed else "",
                    sources.get(source, source),
                    *rest,
                ]
            )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

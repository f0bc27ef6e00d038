"""数字城管 reference data: the seeded catalogue, the 16-digit 标识码, unit grids and the point
lookup, Excel import/export (a broken row is named and nothing is imported), the demo data."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from openpyxl import Workbook, load_workbook

from chuangcheng.citymgmt import geo
from chuangcheng.citymgmt.demo_data import build_citymgmt_demo
from chuangcheng.citymgmt.excel import (
    COMPONENT_COLUMNS,
    GRID_COLUMNS,
    ImportRejected,
    workbook_export,
    workbook_import,
)
from chuangcheng.citymgmt.models import (
    CatalogueClass,
    Component,
    GridIndexState,
    HandlingLimit,
    ImportRecord,
    Standard,
    Subclass,
    UnitGrid,
)
from chuangcheng.citymgmt.seed import ensure_seeded
from chuangcheng.citymgmt.services import component_save, grid_save, object_id_problems
from chuangcheng.core.errors import NotFound, PermissionDenied, ValidationFailed
from chuangcheng.demo.city import DemoCity
from chuangcheng.org.models import Region
from tests.conftest import actor

# 中山西路街道 and two of its communities in the demo city
STREET, COMMUNITY_1, COMMUNITY_2 = "150103004", "150103004001", "150103004002"


@pytest.fixture(autouse=True)
def _seeded_and_fresh(db: Any) -> None:
    """The seeded catalogue (a transactional test elsewhere may have flushed it) and an empty
    grid index in this process."""
    ensure_seeded()
    geo.clear_cache()


def square(x0: float, y0: float, size: float = 0.01) -> str:
    x1, y1 = round(x0 + size, 6), round(y0 + size, 6)
    return f"POLYGON(({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}))"


def make_grid(code: str, wkt: str, community: str = COMMUNITY_1, zone: str = "B") -> UnitGrid:
    c = Region.objects.get(code=community)
    grid = UnitGrid(code=code, community=c, street=c.parent, zone_class=zone, boundary_wkt=wkt)
    return grid_save(actor=actor("admin"), grid=grid)


@pytest.fixture
def two_grids(city: DemoCity) -> tuple[UnitGrid, UnitGrid]:
    """Two squares side by side sharing the border lng = 111.65 (lat 40.80–40.81)."""
    west = make_grid("150103004001001", square(111.64, 40.80), COMMUNITY_1, "A")
    east = make_grid("150103004002001", square(111.65, 40.80), COMMUNITY_2, "C")
    return west, east


def sub(klass: str, code: str, family: str = "component") -> Subclass:
    return Subclass.objects.select_related("klass").get(
        klass__family=family, klass__code=klass, code=code
    )


# ---------------------------------------------------------------- catalogue seed
def test_seeded_catalogue_has_the_real_codes(db: Any) -> None:
    assert sub("01", "02").name == "污水井盖"
    assert sub("01", "02").full_code == "100102"
    assert sub("02", "01", "event").name == "非法小广告"
    assert sub("02", "01", "event").full_code == "200201"
    # DOMAIN-LOOPS §0.1: 04 突发事件 before 05 街面秩序
    events = dict(CatalogueClass.objects.filter(family="event").values_list("code", "name"))
    assert events["04"] == "突发事件" and events["05"] == "街面秩序"
    assert sub("05", "07", "event").name == "乱堆物堆料"
    assert Subclass.objects.filter(klass__family="component").count() == 90


def test_seeded_standards_carry_the_real_limits(db: Any) -> None:
    exposed = Standard.objects.get(subclass=sub("01", "02", "event"))
    assert "未入容器" in exposed.filing_condition and exposed.closing_condition == "彻底清理"
    limits = {lim.zone_class: (lim.amount, lim.counting) for lim in exposed.limits.all()}
    assert limits == {z: (4, "work_hours") for z in "ABC"}
    # 私搭乱建: 停工 4 工作时, 处罚 7 工作日, 拆除 20 工作日
    illegal = Standard.objects.filter(subclass=sub("01", "01", "event")).order_by("seq")
    got = [(s.closing_condition, s.limits.get(zone_class="A").amount) for s in illegal]
    assert got == [("停工", 4), ("依法处罚", 7), ("彻底拆除", 20)]
    assert HandlingLimit.objects.get(
        standard__subclass=sub("01", "03", "event"), standard__seq="02", zone_class="B"
    ).counting == ("workdays")


# ---------------------------------------------------------------- 标识码
@pytest.mark.parametrize(
    "object_id,why",
    [
        ("150103010200001", "16 位"),  # 15 digits
        ("15010301020000012", "16 位"),  # 17 digits
        ("15010301020000a1", "16 位"),
        ("1501030103000001", "0102"),  # class+subclass digits say 雨水井盖, the subclass 污水井盖
        ("1501040102000001", "行政区划代码 150103"),  # region digits of another district
        ("1501030102000000", "不能全为 0"),
    ],
)
def test_object_id_is_checked(
    two_grids: tuple[UnitGrid, UnitGrid], object_id: str, why: str
) -> None:
    component = Component(
        object_id=object_id, subclass=sub("01", "02"), grid=two_grids[0], lat=40.805, lng=111.645
    )
    with pytest.raises(ValidationFailed) as exc:
        component_save(actor=actor("admin"), component=component)
    assert why in exc.value.message
    assert not Component.objects.exists()


def test_valid_object_id_is_saved(two_grids: tuple[UnitGrid, UnitGrid]) -> None:
    component = Component(
        object_id="1501030102048188",
        subclass=sub("01", "02"),
        grid=two_grids[0],
        lat=40.8,
        lng=111.6,
    )
    component_save(actor=actor("admin"), component=component)
    assert Component.objects.get().object_id == "1501030102048188"


def test_an_event_subclass_is_no_component(two_grids: tuple[UnitGrid, UnitGrid]) -> None:
    assert "不是部件小类" in object_id_problems("1501030102000001", sub("01", "02", "event"), None)


def test_only_an_administrator_edits_the_registry(two_grids: tuple[UnitGrid, UnitGrid]) -> None:
    component = Component(
        object_id="1501030102000001",
        subclass=sub("01", "02"),
        grid=two_grids[0],
        lat=40.8,
        lng=111.6,
    )
    with pytest.raises(PermissionDenied):
        component_save(actor=actor("dispatcher"), component=component)
    assert not Component.objects.exists()


# ---------------------------------------------------------------- grids and lookup
def test_lookup_inside_each_grid(two_grids: tuple[UnitGrid, UnitGrid]) -> None:
    hit = geo.grid_for_point(40.805, 111.645)
    assert (hit.grid_code, hit.zone_class) == ("150103004001001", "A")
    assert (hit.community_name, hit.street_name) == ("海亮社区", "中山西路街道")
    hit = geo.grid_for_point("40.805", "111.655")
    assert (hit.grid_code, hit.community_name) == ("150103004002001", "公园东路社区")


@pytest.mark.parametrize("lat,lng", [(40.805, 111.65), (40.80, 111.65), (40.81, 111.65)])
def test_a_point_on_a_shared_border_belongs_to_the_lower_code(
    two_grids: tuple[UnitGrid, UnitGrid], lat: float, lng: float
) -> None:
    assert geo.grid_for_point(lat, lng).grid_code == "150103004001001"


def test_a_point_on_the_outer_border_is_inside(two_grids: tuple[UnitGrid, UnitGrid]) -> None:
    assert geo.grid_for_point(40.80, 111.66).grid_code == "150103004002001"  # south-east corner
    assert geo.grid_for_point(40.807, 111.64).grid_code == "150103004001001"  # west edge


def test_a_point_outside_every_grid_is_a_clear_404(two_grids: tuple[UnitGrid, UnitGrid]) -> None:
    with pytest.raises(NotFound) as exc:
        geo.grid_for_point(40.9, 111.645)
    assert exc.value.status_code == 404
    assert "不在任何单元网格内" in exc.value.message


@pytest.mark.parametrize(
    "lat,lng,why",
    [
        ("abc", "111.6", "数字"),
        (None, "111.6", "数字"),
        ("inf", "111.6", "有限"),
        ("40.8", "nan", "有限"),
        ("90.5", "111.6", "纬度"),
        ("40.8", "-180.1", "经度"),
    ],
)
def test_bad_coordinates_are_a_400(db: Any, lat: Any, lng: Any, why: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        geo.grid_for_point(lat, lng)
    assert exc.value.status_code == 400 and why in exc.value.message


def test_a_new_grid_is_found_at_once(two_grids: tuple[UnitGrid, UnitGrid]) -> None:
    with pytest.raises(NotFound):
        geo.grid_for_point(40.815, 111.645)
    make_grid("150103004001002", square(111.64, 40.81))
    assert geo.grid_for_point(40.815, 111.645).grid_code == "150103004001002"


def test_a_change_made_by_another_process_is_noticed(
    two_grids: tuple[UnitGrid, UnitGrid],
) -> None:
    """Another process moves a grid and writes a new token: this process's index (built
    before) must not answer from its stale tree."""
    assert geo.grid_for_point(40.805, 111.645).grid_code == "150103004001001"
    UnitGrid.objects.filter(code="150103004001001").update(boundary_wkt=square(111.60, 40.80))
    GridIndexState.objects.filter(pk=1).update(token="written-by-another-process")
    with pytest.raises(NotFound):
        geo.grid_for_point(40.805, 111.645)
    assert geo.grid_for_point(40.805, 111.605).grid_code == "150103004001001"


@pytest.mark.django_db(transaction=True)
def test_lookups_in_threads_while_grids_change(city: DemoCity) -> None:
    """Real threads look up while another adds grids: no error but 'outside', and every
    lookup after the last commit sees every grid."""
    make_grid("150103004001001", square(111.64, 40.80))
    errors: list[BaseException] = []
    stop = threading.Event()

    def look() -> None:
        try:
            while not stop.is_set():
                assert geo.grid_for_point(40.805, 111.645).grid_code == "150103004001001"
                try:  # the second grid: not there yet, or there with its own code
                    hit = geo.grid_for_point(40.815, 111.645)
                    assert hit.grid_code == "150103004001002"
                except NotFound:
                    pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=look) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(2, 7):
        make_grid(f"15010300400100{i}", square(111.64, 40.80 + 0.01 * (i - 1)))
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    assert geo.grid_for_point(40.845, 111.645).grid_code == "150103004001005"


def test_grid_boundary_and_region_are_checked(city: DemoCity) -> None:
    c = Region.objects.get(code=COMMUNITY_1)
    other_street = Region.objects.get(code="150102001")
    for wkt, street, why in [
        ("POLYGON((0 0, 1 1))", c.parent, "WKT"),
        ("POINT(111.6 40.8)", c.parent, "多边形"),
        ("POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))", c.parent, "无效"),
        ("POLYGON((200 0, 201 0, 201 1, 200 0))", c.parent, "超出"),
        (square(111.64, 40.80), other_street, "不属于"),
    ]:
        grid = UnitGrid(code="150103004001009", community=c, street=street, boundary_wkt=wkt)
        with pytest.raises(ValidationFailed) as exc:
            grid_save(actor=actor("admin"), grid=grid)
        assert why in exc.value.message, (wkt, exc.value.message)
    assert not UnitGrid.objects.exists()


# ---------------------------------------------------------------- Excel
def workbook(sheets: dict[str, list[list[Any]]]) -> io.BytesIO:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def component_row(object_id: str, grid: str = "150103004001001", **over: Any) -> list[Any]:
    values = {
        "标识码": object_id,
        "小类代码": object_id[6:10],
        "养护部门": "D-ZJ",
        "所在单元网格": grid,
        "部件状态": "完好",
        "纬度": 40.805,
        "经度": 111.645,
        **over,
    }
    return [values.get(c, "") for c in COMPONENT_COLUMNS]


def test_import_with_a_broken_row_names_it_and_imports_nothing(city: DemoCity) -> None:
    grid_row = [
        "150103004001001",
        "海亮第1单元网格",
        COMMUNITY_1,
        STREET,
        "A",
        square(111.64, 40.80),
        "是",
    ]
    file = workbook(
        {
            "单元网格": [GRID_COLUMNS, grid_row],
            "部件": [
                COMPONENT_COLUMNS,
                component_row("1501030102000001"),
                component_row("1501030103000001"),
                component_row("1501030199000001"),  # row 4: no subclass 01-99
                component_row("1501030105000001", 部件状态="坏了"),  # row 5
            ],
        }
    )
    with pytest.raises(ImportRejected) as exc:
        workbook_import(actor=actor("admin"), file=file, filename="broken.xlsx")
    rows = exc.value.fields["rows"]
    assert rows[0].startswith("工作表“部件”第 4 行“标识码”列：")
    assert "0199" in rows[0]
    assert rows[1].startswith("工作表“部件”第 5 行“部件状态”列：“坏了”不是允许的值")
    assert "未导入任何数据" in exc.value.message and exc.value.status_code == 400
    # nothing half-imported: neither the valid grid nor the valid components
    assert not UnitGrid.objects.exists()
    assert not Component.objects.exists()
    assert not ImportRecord.objects.exists()


def test_import_names_a_missing_header_and_a_wrong_file(city: DemoCity) -> None:
    file = workbook({"部件": [["标识码", "纬度"], ["1501030102000001", 40.8]]})
    with pytest.raises(ImportRejected) as exc:
        workbook_import(actor=actor("admin"), file=file)
    assert exc.value.fields["rows"] == ["工作表“部件”第 1 行“经度”列：表头缺少此列"]
    with pytest.raises(ValidationFailed) as bad:
        workbook_import(actor=actor("admin"), file=io.BytesIO(b"not an excel file"))
    assert "无法读取 Excel" in bad.value.message


def test_import_resolves_the_grid_from_the_point(two_grids: tuple[UnitGrid, UnitGrid]) -> None:
    file = workbook(
        {"部件": [COMPONENT_COLUMNS, component_row("1501030102000001", grid="", 经度=111.655)]}
    )
    result = workbook_import(actor=actor("admin"), file=file)
    assert result.counts == {"部件": 1}
    assert Component.objects.get().grid.code == "150103004002001"
    assert Component.objects.get().maintainer_dept.code == "D-ZJ"  # type: ignore[union-attr]


def test_import_refuses_a_non_administrator(city: DemoCity) -> None:
    file = workbook({"部件": [COMPONENT_COLUMNS]})
    with pytest.raises(PermissionDenied):
        workbook_import(actor=actor("dispatcher"), file=file)


def snapshot() -> dict[str, Any]:
    return {
        "classes": sorted(CatalogueClass.objects.values_list("family", "code", "name", "active")),
        "subs": sorted(Subclass.objects.values_list("klass__code", "code", "name", "active")),
        "standards": sorted(
            Standard.objects.values_list(
                "subclass__klass__family",
                "subclass__klass__code",
                "subclass__code",
                "seq",
                "filing_condition",
                "closing_condition",
                "note",
            )
        ),
        "limits": sorted(
            HandlingLimit.objects.values_list(
                "standard__subclass_id", "standard__seq", "zone_class", "amount", "counting"
            )
        ),
        "grids": sorted(
            UnitGrid.objects.values_list(
                "code", "name", "community__code", "street__code", "zone_class", "active"
            )
        ),
        "components": sorted(
            Component.objects.values_list(
                "object_id",
                "subclass_id",
                "name",
                "main_dept_id",
                "main_dept_name",
                "owner_dept_id",
                "owner_dept_name",
                "maintainer_dept_id",
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
        ),
    }


def test_export_then_import_gives_back_the_same_data(city: DemoCity) -> None:
    build_citymgmt_demo(components=400)
    before = snapshot()
    boundaries = dict(UnitGrid.objects.values_list("code", "boundary_wkt"))
    data = workbook_export()
    assert set(load_workbook(io.BytesIO(data), read_only=True).sheetnames) == {
        "大类小类",
        "立案结案标准",
        "单元网格",
        "部件",
    }
    Component.objects.all().delete()
    UnitGrid.objects.all().delete()
    HandlingLimit.objects.all().delete()
    Standard.objects.all().delete()
    result = workbook_import(actor=actor("admin"), file=io.BytesIO(data), filename="all.xlsx")
    assert result.counts["部件"] == 400 and result.counts["单元网格"] == 120
    assert snapshot() == before
    assert dict(UnitGrid.objects.values_list("code", "boundary_wkt")) == boundaries
    # importing the same file again changes nothing
    workbook_import(actor=actor("admin"), file=io.BytesIO(data))
    assert snapshot() == before
    assert ImportRecord.objects.count() == 2


def test_import_and_export_commands(city: DemoCity, tmp_path: Any) -> None:
    build_citymgmt_demo(components=50)
    target = tmp_path / "components.xlsx"
    call_command("citymgmt_export", str(target), "--sheet", "部件")
    assert load_workbook(target, read_only=True).sheetnames == ["部件"]
    Component.objects.all().delete()
    call_command("citymgmt_import", str(target))
    assert Component.objects.count() == 50
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(workbook({"部件": [COMPONENT_COLUMNS, component_row("123")]}).getvalue())
    with pytest.raises(CommandError, match="第 2 行“标识码”列"):
        call_command("citymgmt_import", str(broken))


# ---------------------------------------------------------------- demo data
def test_demo_grids_tile_the_street_and_components_are_consistent(city: DemoCity) -> None:
    stats = build_citymgmt_demo(components=600)
    assert stats == {"grids": 120, "components": 600}
    assert build_citymgmt_demo() == {"grids": 0, "components": 0}  # once
    street = Region.objects.get(code=STREET)
    assert set(UnitGrid.objects.values_list("community__parent", flat=True)) == {street.pk}
    assert UnitGrid.objects.values("community").distinct().count() == 5
    assert {len(code) for code in UnitGrid.objects.values_list("code", flat=True)} == {15}
    for c in Component.objects.select_related("subclass__klass", "grid")[:600]:
        assert object_id_problems(c.object_id, c.subclass, c.grid) == ""
        assert geo.grid_for_point(c.lat, c.lng).grid_code == c.grid.code
    maintainers = set(
        Component.objects.exclude(maintainer_dept=None).values_list(
            "maintainer_dept__short_name", flat=True
        )
    )
    assert {"园林局", "环卫处", "供电公司", "供水公司", "燃气公司"} <= maintainers

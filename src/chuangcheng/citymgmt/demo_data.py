"""Demo data of the 数字城管 loop: 中山西路街道's communities divided into unit grids, and a
component registry of a few thousand components with realistic 主管/权属/养护 units.

Called by `manage.py demo` after the demo city is built; idempotent (a street that has grids is
left alone) and fast on SQLite (bulk inserts, one transaction).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction

from chuangcheng.citymgmt.models import (
    Component,
    ComponentSource,
    ComponentState,
    Family,
    Subclass,
    UnitGrid,
    ZoneClass,
)
from chuangcheng.citymgmt.seed import ensure_seeded
from chuangcheng.citymgmt.services import apply_boundary, grid_index_touch
from chuangcheng.org.models import Region, Unit

DEMO_STREET = "150103004"  # 中山西路街道
DEMO_SEED = 8
# departments and utilities the registry's components belong to, added if the city lacks them
EXTRA_UNITS = [
    ("D-YL", "市园林绿化局", "园林局", Unit.Kind.DEPARTMENT),
    ("D-HW", "市环境卫生管理处", "环卫处", Unit.Kind.DEPARTMENT),
    ("U-GD", "国网呼和浩特供电公司", "供电公司", Unit.Kind.UTILITY),
]
# the street's area: each community a band of latitude around its centre, split in ROWS x COLS
ROWS, COLS = 4, 6
BAND_LAT = 0.004  # the demo city puts its communities 0.004° of latitude apart
WEST, EAST = -0.006, 0.011  # longitude span around the street's centre


@dataclass(frozen=True)
class Kind:
    """A kind of component in the demo registry: catalogue codes, share, and its units
    (a unit code of the demo city, or a plain name for an owner outside the system)."""

    klass: str
    sub: str
    weight: int
    main: str
    owner: str
    maintainer: str
    material: str = ""


KINDS = [
    Kind("01", "01", 220, "D-ZJ", "U-GS", "U-GS", "铸铁"),  # 上水井盖
    Kind("01", "02", 260, "D-ZJ", "D-ZJ", "D-ZJ", "铸铁"),  # 污水井盖
    Kind("01", "03", 260, "D-ZJ", "D-ZJ", "D-ZJ", "球墨铸铁"),  # 雨水井盖
    Kind("01", "04", 180, "D-ZJ", "D-ZJ", "D-ZJ", "铸铁"),  # 雨水箅子
    Kind("01", "05", 120, "U-GD", "U-GD", "U-GD", "复合材料"),  # 电力井盖
    Kind("01", "07", 90, "D-ZJ", "中国电信呼和浩特分公司", "中国电信呼和浩特分公司", "复合材料"),
    Kind("01", "10", 110, "D-ZJ", "U-GR", "U-GR", "铸铁"),  # 热力井盖
    Kind("01", "11", 90, "D-ZJ", "U-RQ", "U-RQ", "铸铁"),  # 燃气井盖
    Kind("01", "13", 80, "市消防救援支队", "U-GS", "U-GS", "铸铁"),  # 消防设施（消防栓）
    Kind("01", "17", 90, "U-GD", "U-GD", "U-GD", "水泥"),  # 电杆
    Kind("01", "18", 420, "D-CG", "D-CG", "D-CG", "钢"),  # 路灯
    Kind("02", "03", 40, "D-JG", "市公交集团", "市公交集团", "钢"),  # 公交站亭
    Kind("02", "09", 90, "D-JG", "D-JG", "D-JG", "铝"),  # 交通标志牌
    Kind("02", "11", 60, "D-JG", "D-JG", "D-JG", "钢"),  # 交通护栏
    Kind("02", "13", 50, "D-CG", "D-CG", "D-CG", "铝"),  # 路名牌
    Kind("02", "14", 30, "D-JG", "D-JG", "D-JG", ""),  # 交通信号灯
    Kind("03", "01", 15, "D-HW", "D-HW", "D-HW", ""),  # 公共厕所
    Kind("03", "05", 330, "D-HW", "D-HW", "D-HW", "不锈钢"),  # 垃圾箱
    Kind("03", "07", 60, "D-CG", "沿街商户", "沿街商户", ""),  # 广告牌匾
    Kind("04", "02", 420, "D-YL", "D-YL", "D-YL", ""),  # 行道树
    Kind("04", "03", 120, "D-YL", "D-YL", "D-YL", "铸铁"),  # 树池箅子
    Kind("04", "05", 30, "D-YL", "D-YL", "D-YL", ""),  # 绿地
    Kind("04", "07", 40, "D-YL", "D-YL", "D-YL", "木"),  # 街头座椅
    Kind("05", "01", 25, "STREET", "STREET", "STREET", ""),  # 宣传栏
]
STATES = [
    (ComponentState.INTACT, 940),
    (ComponentState.DAMAGED, 35),
    (ComponentState.MISSING, 10),
    (ComponentState.OCCUPIED, 15),
]


def _r(x: float) -> float:
    """Round coordinates so neighbouring grids share their border exactly."""
    return round(x, 6)


# 转数字城管分类对照 for the demo's 12345 categories: 12345 分类编码 → 城管 事件小类 (6 digits)
TRANSFER_CATEGORIES = {
    "010103": "200101",  # 违章建筑 → 私搭乱建
    "010105": "200142",  # 道路与市政设施 → 道路破损
    "020102": "200141",  # 油烟污染 → 油烟污染
    "020103": "200102",  # 垃圾清运 → 暴露垃圾
    "030101": "200505",  # 乱停乱放 → 机动车乱停放
    "030104": "200506",  # 共享单车 → 非机动车乱停放
}


def seed_transfer_categories() -> int:
    """The demo's 转数字城管分类对照 rows (kept as data: the admin edits them). Once per pair."""
    from chuangcheng.cases.models import Category
    from chuangcheng.citymgmt.models import TransferCategory
    from chuangcheng.citymgmt.services import subclass_by_code

    ensure_seeded()
    made = 0
    for code, sub in TRANSFER_CATEGORIES.items():
        category = Category.objects.filter(code=code).first()
        if category is None or TransferCategory.objects.filter(category=category).exists():
            continue
        TransferCategory.objects.create(category=category, subclass=subclass_by_code(sub))
        made += 1
    return made


def build_citymgmt_demo(*, components: int = 3000, seed: int = DEMO_SEED) -> dict[str, int]:
    """Grids for 中山西路街道 and a component registry spread over them (once)."""
    seed_transfer_categories()
    street = Region.objects.filter(code=DEMO_STREET).first()
    if street is None or street.lat is None or street.lng is None:
        return {"grids": 0, "components": 0}
    if UnitGrid.objects.filter(street=street).exists():
        return {"grids": 0, "components": 0}
    rng = random.Random(seed)
    with transaction.atomic():
        ensure_seeded()
        units = _units(street)
        grids = _grids(street)
        made = _components(grids, units, components, rng)
        grid_index_touch()
    return {"grids": len(grids), "components": made}


def _units(street: Region) -> dict[str, Unit]:
    city = street.ancestor_at(Region.Level.CITY) or street
    for code, name, short, kind in EXTRA_UNITS:
        Unit.objects.get_or_create(
            code=code, defaults={"name": name, "short_name": short, "kind": kind, "region": city}
        )
    units = {u.code: u for u in Unit.objects.all()}
    office = units.get(f"S-{street.code}")
    if office is not None:
        units["STREET"] = office
    return units


def _grids(street: Region) -> list[UnitGrid]:
    communities = list(
        Region.objects.filter(parent=street, level=Region.Level.COMMUNITY).order_by("code")
    )
    grids: list[UnitGrid] = []
    lng0 = float(street.lng or 0)
    width = (EAST - WEST) / COLS
    for community in communities:
        lat0 = float(community.lat or 0) - BAND_LAT / 2
        height = BAND_LAT / ROWS
        for row in range(ROWS):
            for col in range(COLS):
                x0, x1 = _r(lng0 + WEST + col * width), _r(lng0 + WEST + (col + 1) * width)
                y0, y1 = _r(lat0 + row * height), _r(lat0 + (row + 1) * height)
                n = row * COLS + col + 1
                zone = (
                    ZoneClass.A
                    if col in (2, 3)
                    else ZoneClass.C
                    if col in (0, COLS - 1) and row in (0, ROWS - 1)
                    else ZoneClass.B
                )
                grid = UnitGrid(
                    code=f"{community.code}{n:03d}",
                    name=f"{community.name}第{n}单元网格",
                    community=community,
                    street=street,
                    zone_class=zone,
                )
                apply_boundary(
                    grid, f"POLYGON(({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}))"
                )
                grids.append(grid)
    UnitGrid.objects.bulk_create(grids)
    return list(UnitGrid.objects.filter(street=street).order_by("code"))


def _components(
    grids: list[UnitGrid], units: dict[str, Unit], total: int, rng: random.Random
) -> int:
    if not grids:
        return 0
    subs = {
        (s.klass.code, s.code): s
        for s in Subclass.objects.filter(klass__family=Family.COMPONENT).select_related("klass")
    }
    kinds = [k for k in KINDS if (k.klass, k.sub) in subs]
    weights = [k.weight for k in kinds]
    serial: dict[tuple[str, str], int] = {}
    states, state_weights = zip(*STATES, strict=True)
    rows: list[Component] = []

    def dept(ref: str) -> tuple[Unit | None, str]:
        unit = units.get(ref)
        return (unit, "") if unit is not None else (None, "" if ref == "STREET" else ref)

    for _ in range(total):
        kind = rng.choices(kinds, weights)[0]
        grid = rng.choice(grids)
        key = (kind.klass, kind.sub)
        serial[key] = serial.get(key, 0) + 1
        main, owner, maintainer = dept(kind.main), dept(kind.owner), dept(kind.maintainer)
        initial = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(5 * 365))
        changed = initial + dt.timedelta(days=rng.randrange(400)) if rng.random() < 0.2 else None
        rows.append(
            Component(
                object_id=f"{grid.code[:6]}{kind.klass}{kind.sub}{serial[key]:06d}",
                subclass=subs[key],
                main_dept=main[0],
                main_dept_name=main[1],
                owner_dept=owner[0],
                owner_dept_name=owner[1],
                maintainer_dept=maintainer[0],
                maintainer_dept_name=maintainer[1],
                grid=grid,
                state=rng.choices(states, state_weights)[0],
                initial_date=initial,
                change_date=changed,
                source=ComponentSource.UPDATE if changed else ComponentSource.CENSUS,
                material=kind.material,
                # inside the grid, never on its border (a border point belongs to the lower code)
                lat=_r(rng.uniform(grid.min_lat + 1e-5, grid.max_lat - 1e-5)),
                lng=_r(rng.uniform(grid.min_lng + 1e-5, grid.max_lng - 1e-5)),
            )
        )
    Component.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def unit_grids_for(street_code: str) -> int:
    """单元网格 for one more street of the demo (once): e.g. 人民路街道, where the 网格化 demo's
    仕奇社区 lies, so that its events can go on to 数字城管. No components."""
    street = Region.objects.filter(code=street_code).first()
    if street is None or street.lng is None or UnitGrid.objects.filter(street=street).exists():
        return 0
    with transaction.atomic():
        grids = _grids(street)
        grid_index_touch()
    return len(grids)

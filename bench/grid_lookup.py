"""(f) 数字城管 unit grids: point → unit grid, community and street with ~1,000 grids (target
≤ 5 ms), and the Excel import of 5,000 components (target: a few seconds).

Uses a database of its own, `cc_bench_grids` (created and migrated here; CC_DATABASE_URL
overrides), with the demo city and a lattice of 30 × 34 = 1,020 rectangular grids (one column
of 34 grids per community). Lookups go through `citymgmt.geo.grid_for_point`, i.e. with the
per-lookup token read that keeps every process's index fresh. Two calibration rows are timed
in the same run: a plain Python loop and a `SELECT 1` round trip.

    .venv/bin/python bench/grid_lookup.py [--lookups 2000] [--components 5000]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("CC_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cc_bench_grids")
from common import percentiles, record, say, setup_django

ROWS = 34  # grids per community (30 communities: 1,020 grids)
CELL_LAT, CELL_LNG = 0.002, 0.003
ORIGIN_LAT, ORIGIN_LNG = 40.75, 111.55


def ensure_database() -> None:
    import psycopg
    from psycopg import sql

    url = os.environ["CC_DATABASE_URL"]
    name = url.rsplit("/", 1)[-1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone():
            c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def build_grids() -> int:
    from django.db import transaction

    from chuangcheng.citymgmt.models import Component, UnitGrid
    from chuangcheng.citymgmt.services import apply_boundary, grid_index_touch
    from chuangcheng.org.models import Region

    communities = list(Region.objects.filter(level=Region.Level.COMMUNITY).order_by("code"))
    expected = len(communities) * ROWS
    if UnitGrid.objects.count() == expected:
        return expected
    with transaction.atomic():
        Component.objects.all().delete()
        UnitGrid.objects.all().delete()
        grids = []
        for col, community in enumerate(communities):
            for row in range(ROWS):
                x0 = round(ORIGIN_LNG + col * CELL_LNG, 6)
                y0 = round(ORIGIN_LAT + row * CELL_LAT, 6)
                x1, y1 = round(x0 + CELL_LNG, 6), round(y0 + CELL_LAT, 6)
                grid = UnitGrid(
                    code=f"{community.code}{row + 1:03d}",
                    community=community,
                    street=community.parent,
                    zone_class="ABC"[row % 3],
                )
                apply_boundary(
                    grid, f"POLYGON(({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}))"
                )
                grids.append(grid)
        UnitGrid.objects.bulk_create(grids)
        grid_index_touch()
    return expected


def components_workbook(n: int, rnd: random.Random) -> bytes:
    from openpyxl import Workbook

    from chuangcheng.citymgmt.excel import COMPONENT_COLUMNS
    from chuangcheng.citymgmt.models import UnitGrid

    grids = list(UnitGrid.objects.values_list("code", "min_lat", "min_lng"))
    kinds = ["0101", "0102", "0103", "0118", "0305", "0402"]
    units = ["D-ZJ", "D-CG", "U-GS", "U-RQ", "城区园林养护中心"]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("部件")
    ws.append(COMPONENT_COLUMNS)
    for i in range(n):
        code, lat, lng = rnd.choice(grids)
        kind = kinds[i % len(kinds)]
        dept = units[i % len(units)]
        values = {
            "标识码": f"{code[:6]}{kind}{i + 1:06d}",
            "小类代码": kind,
            "主管部门": dept,
            "权属部门": dept,
            "养护部门": dept,
            "所在单元网格": code,
            "部件状态": "完好",
            "初始日期": "2023-05-01",
            "数据来源": "普查",
            "纬度": round(lat + CELL_LAT * rnd.uniform(0.1, 0.9), 6),
            "经度": round(lng + CELL_LNG * rnd.uniform(0.1, 0.9), 6),
        }
        ws.append([values.get(c, "") for c in COMPONENT_COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lookups", type=int, default=2000)
    ap.add_argument("--components", type=int, default=5000)
    args = ap.parse_args()
    ensure_database()
    setup_django()

    from django.core.management import call_command
    from django.db import connection

    from chuangcheng.citymgmt import geo
    from chuangcheng.citymgmt.excel import workbook_export, workbook_import
    from chuangcheng.citymgmt.models import Component
    from chuangcheng.citymgmt.seed import ensure_seeded
    from chuangcheng.demo.city import build_demo_city
    from chuangcheng.org.access import Actor

    call_command("migrate", verbosity=0)
    build_demo_city(with_users=False)
    ensure_seeded()
    n_grids = build_grids()
    rnd = random.Random(20261130)
    admin = Actor(user_id=None, username="bench", roles=frozenset(), is_superuser=True)
    rows: list[dict[str, Any]] = []

    # ---- calibration: the same run, the same machine
    def loop() -> int:
        return sum(i * i for i in range(100_000))

    calib = []
    for _ in range(50):
        t0 = time.perf_counter()
        loop()
        calib.append((time.perf_counter() - t0) * 1000)
    rows.append(
        record(
            "calibration: Python loop sum(i*i for i in range(100_000))",
            target="(ref)",
            metric="p50",
            value=percentiles(calib)["p50"],
            passed=None,
            group="f-ref",
            stats=percentiles(calib),
        )
    )
    select1 = []
    with connection.cursor() as cur:
        for _ in range(500):
            t0 = time.perf_counter()
            cur.execute("SELECT 1")
            cur.fetchone()
            select1.append((time.perf_counter() - t0) * 1000)
    rows.append(
        record(
            "calibration: SELECT 1 round trip",
            target="(ref)",
            metric="p50",
            value=percentiles(select1)["p50"],
            passed=None,
            group="f-ref",
            stats=percentiles(select1),
        )
    )

    # ---- lookups
    geo.clear_cache()
    max_lng = 111.55 + CELL_LNG * (n_grids // ROWS)
    max_lat = 40.75 + CELL_LAT * ROWS
    t0 = time.perf_counter()
    geo.grid_for_point(40.751, 111.551)
    build_ms = (time.perf_counter() - t0) * 1000
    rows.append(
        record(
            f"grid index build (first lookup in a process, {n_grids:,} grids)",
            target="(ref)",
            metric="once",
            value=build_ms,
            passed=None,
            group="f-ref",
        )
    )
    points = [
        (rnd.uniform(40.75, max_lat), rnd.uniform(111.55, max_lng)) for _ in range(args.lookups)
    ]
    samples = []
    for lat, lng in points:
        t0 = time.perf_counter()
        geo.grid_for_point(lat, lng)
        samples.append((time.perf_counter() - t0) * 1000)
    st = percentiles(samples)
    rows.append(
        record(
            f"grid lookup point → grid/community/street ({n_grids:,} grids, token check incl.)",
            target="p95 ≤ 5 ms",
            metric="p95",
            value=st["p95"],
            passed=st["p95"] <= 5.0,
            group="f",
            stats=st,
        )
    )
    tree_only = []
    tree = geo._INDEX.snapshot.tree
    assert tree is not None
    import shapely

    for lat, lng in points:
        t0 = time.perf_counter()
        tree.query(shapely.Point(lng, lat), predicate="intersects")
        tree_only.append((time.perf_counter() - t0) * 1000)
    rows.append(
        record(
            "  of which STRtree query alone",
            target="(ref)",
            metric="p50",
            value=percentiles(tree_only)["p50"],
            passed=None,
            group="f-ref",
            stats=percentiles(tree_only),
        )
    )

    # ---- Excel import/export of the registry
    data = components_workbook(args.components, rnd)
    Component.objects.all().delete()
    for label in ("new", "update"):
        t0 = time.perf_counter()
        result = workbook_import(actor=admin, file=io.BytesIO(data), filename="bench.xlsx")
        ms = (time.perf_counter() - t0) * 1000
        assert result.counts["部件"] == args.components
        rows.append(
            record(
                f"Excel import of {args.components:,} components ({label})",
                target="a few s",
                metric="once",
                value=ms,
                passed=ms <= 10_000,
                group="f",
            )
        )
    t0 = time.perf_counter()
    out = workbook_export(sheets=("部件",))
    ms = (time.perf_counter() - t0) * 1000
    rows.append(
        record(
            f"Excel export of {args.components:,} components ({len(out) // 1024} KiB)",
            target="(ref)",
            metric="once",
            value=ms,
            passed=None,
            group="f-ref",
        )
    )

    say(f"\n{'benchmark':84} {'figure':>10} {'p50':>7} {'p95':>7} {'max':>7}  target")
    for r in rows:
        s: dict[str, Any] = r.get("stats") or {}
        say(
            f"{str(r['name'])[:84]:84} {float(r['value'] or 0):>8.2f}ms "
            f"{float(s.get('p50', 0)):>7.3f} {float(s.get('p95', 0)):>7.3f} "
            f"{float(s.get('max', 0)):>7.2f}  {r['target']}"
        )


if __name__ == "__main__":
    main()

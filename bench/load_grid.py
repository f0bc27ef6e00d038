"""Prepare the 网格化 bench database (issue 12): 10,000 grids under the streets and communities
of the demo city, their homes, 1,000,000 people with encrypted ID numbers and phones and their
blind indexes, who lives where, the care register (~1.5 % of people), the control register, a
year of visits following the tiers, and patrols with their points. Own database
`cc_bench_grid` (`CC_DATABASE_URL` overrides).

    .venv/bin/python bench/load_grid.py [--people 1000000] [--grids 10000] [--patrol-days 90]
                                        [--reload]

How:
* the region tree: 999 bench communities (10 grids each) spread over the demo city's 12
  streets, next to 仕奇社区 and its 10 grids (the demo's own grid data is built too, by
  `build_grid_demo`): 10,000 grids, about 830 per street; one 专职网格员 per grid;
* buildings (2 per grid) and homes (20 per building) with `INSERT … SELECT generate_series`;
* people: every ID number and phone is a real Fernet token of its own (no pool of shared
  ciphertexts) with its real HMAC blind index, made in Python in two processes (one per core,
  ~13 µs per Fernet token) and streamed with COPY, their residences with them;
* the care and control registers, the visits (a year, by tier: 高风险 weekly, 重点 monthly,
  一般 quarterly; about 15 % have slipped past their due) and the patrols (2 a day per worker,
  start, middle and end points; `--patrol-days`, default 90: a year of 10,000 workers would be
  7.3 M patrols) in SQL;
* secondary indexes of the big tables are dropped during the load and rebuilt after it
  (as bench/load.py), FK triggers off (`session_replication_role = replica`), VACUUM ANALYZE.

Not loaded: 网格事件 in bulk (events are cases of the engine; the demo's own events are there).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("CC_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cc_bench_grid")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import say, setup_django
from load import _drop_secondary_indexes, _meta_get, _meta_set, _restore_indexes, ensure_database

BIG = (
    "grid_person",
    "grid_residence",
    "grid_careentry",
    "grid_controlentry",
    "grid_visit",
    "grid_patrol",
    "grid_patrolpoint",
)
BENCH_USER_PREFIX = "gb_w"  # bench workers: gb_w<grid code>
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红娥玲芬鹏辉建国庆志海燕雪梅晓东宏淑珍凤桂"
)


def bench_phone(k: int) -> str:
    """The k-th bench person's phone: distinct for every k (7919 is prime to 10⁹)."""
    return f"1{3 + k % 7}{(k * 7919 + 12345) % 10**9:09d}"


def migrate() -> None:
    import subprocess

    from common import ROOT, bench_env

    env = {**bench_env(), "CC_DATABASE_URL": os.environ["CC_DATABASE_URL"]}
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0", "--no-input", "--skip-checks"],
        check=True,
        env=env,
        cwd=ROOT,
    )


# ---------------------------------------------------------------- regions, units, workers


def build_regions(grids: int) -> list[int]:
    """Bench communities with 10 grids each under the 12 streets; returns the bench grid ids."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from chuangcheng.demo.city import DEMO_PASSWORD
    from chuangcheng.grid.models import GridPost
    from chuangcheng.grid.roles import WORKER
    from chuangcheng.org.models import Membership, Region, Unit

    streets = list(Region.objects.filter(level=Region.Level.STREET).order_by("code"))
    existing = Region.objects.filter(level=Region.Level.GRID).count()
    n_comm = max(0, (grids - existing) // 10)
    made = []
    for c in range(n_comm):
        street = streets[c % len(streets)]
        made.append(
            Region(
                code=f"{street.code}{100 + c // len(streets):03d}",
                name=f"基准{c + 1:03d}社区",
                level=Region.Level.COMMUNITY,
                parent=street,
                lat=(street.lat or 40.8) + ((c // 12) % 9 - 4) * 0.004,
                lng=(street.lng or 111.7) + ((c // 108) % 9 - 4) * 0.004,
                path="",
            )
        )
    Region.objects.bulk_create(made, batch_size=1000)
    comms = list(Region.objects.filter(code__in=[r.code for r in made]))
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE org_region r SET path = p.path || r.id || '/' FROM org_region p "
            "WHERE r.parent_id = p.id AND r.path = ''"
        )
    street_units = {u.region_id: u for u in Unit.objects.filter(kind=Unit.Kind.STREET)}
    Unit.objects.bulk_create(
        [
            Unit(
                code=f"Q-{c.code}",
                name=f"{c.name}居委会",
                short_name=c.name,
                kind=Unit.Kind.COMMUNITY,
                region=c,
                parent=street_units.get(c.parent_id),  # type: ignore[misc]
            )
            for c in comms
        ],
        batch_size=1000,
    )
    grid_rows = [
        Region(
            code=f"{c.code}{g:02d}",
            name=f"{c.name}第{g}网格",
            level=Region.Level.GRID,
            parent=c,
            lat=(c.lat or 40.8) + (g - 5) * 0.0003,
            lng=(c.lng or 111.7) + (g % 3 - 1) * 0.0003,
            path="",
        )
        for c in comms
        for g in range(1, 11)
    ]
    Region.objects.bulk_create(grid_rows, batch_size=2000)
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE org_region r SET path = p.path || r.id || '/' FROM org_region p "
            "WHERE r.parent_id = p.id AND r.path = ''"
        )
    bench_grids = list(
        Region.objects.filter(level=Region.Level.GRID, parent__in=comms).order_by("id")
    )
    units = {u.region_id: u for u in Unit.objects.filter(region__in=comms)}
    User = get_user_model()
    hashed = make_password(DEMO_PASSWORD)
    User.objects.bulk_create(
        [
            User(
                username=f"{BENCH_USER_PREFIX}{g.code}",
                password=hashed,
                first_name=f"网格员{g.code[-4:]}",
            )
            for g in bench_grids
        ],
        batch_size=2000,
    )
    users = dict(
        User.objects.filter(username__startswith=BENCH_USER_PREFIX).values_list("username", "pk")
    )
    Membership.objects.bulk_create(
        [
            Membership(
                user_id=users[f"{BENCH_USER_PREFIX}{g.code}"], role=WORKER, unit=units[g.parent_id]
            )  # type: ignore[index]
            for g in bench_grids
        ],
        batch_size=2000,
    )
    GridPost.objects.bulk_create(
        [
            GridPost(
                grid=g, user_id=users[f"{BENCH_USER_PREFIX}{g.code}"], kind=GridPost.Kind.FULL_TIME
            )
            for g in bench_grids
        ],
        batch_size=2000,
    )
    return [g.pk for g in bench_grids]


# ---------------------------------------------------------------- people (Python, 2 processes)


def _person_chunk(
    args: tuple[int, int, int, int, list[tuple[int, int]], str],
) -> tuple[bytes, bytes, int]:
    """COPY text of people [lo, hi) and their residences. homes: (home id, community id)."""
    lo, hi, n_people, first_id, homes, today_s = args
    from chuangcheng.core.crypto import encrypt
    from chuangcheng.core.idcard import check_char, id_index, mask_id
    from chuangcheng.core.privacy import mask_phone
    from chuangcheng.grid.models import phone_index

    today = dt.date.fromisoformat(today_s)
    rng = random.Random(lo)
    people, links = io.StringIO(), io.StringIO()
    now = dt.datetime.now(dt.UTC).isoformat()
    n_homes = len(homes)
    t0 = time.process_time()
    for k in range(lo, hi):
        h = k * n_homes // n_people
        home_id, community_id = homes[h]
        head = k == 0 or (k - 1) * n_homes // n_people != h
        age = rng.randint(25, 92) if head else rng.randint(1, 80)
        # distinct ID numbers by construction: (region, sequence) from k mod 3000, and within
        # one such class the day of the year from k // 3000 (< 365), so no two share a birthday;
        # region codes the demo's own people do not use
        birth = today - dt.timedelta(days=age * 365 + (k // 3000) % 365)
        male = rng.random() < 0.5
        region = ("150122", "150123", "150124", "150125", "150221", "150222")[k % 6]
        seq = (k // 6) % 500 * 2 + (1 if male else 0)
        body = f"{region}{birth:%Y%m%d}{seq:03d}"
        number = body + check_char(body)
        phone = bench_phone(k) if head or rng.random() < 0.5 else ""
        name = rng.choice(SURNAMES) + "".join(
            rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))
        )
        floating = rng.random() < 0.12
        pid = first_id + k
        people.write(
            "\t".join(
                (
                    str(pid),
                    name,
                    "m" if male else "f",
                    birth.isoformat(),
                    encrypt(number),
                    id_index(number),
                    mask_id(number),
                    encrypt(phone),
                    mask_phone(phone),
                    phone_index(phone),
                    "02" if floating else "01",
                    "01" if floating else "",
                    str(community_id),
                    "",
                    now,
                )
            )
            + "\n"
        )
        start = today - dt.timedelta(days=rng.randint(60, 6000))
        kind = "02" if floating else "01"
        links.write(
            f"{pid}\t{home_id}\t{kind}\t{'t' if head and not floating else 'f'}\t"
            f"{'' if head else rng.choice(('配偶', '子', '女', '父亲', '母亲'))}\t{start}\t\\N\n"
        )
    return (
        people.getvalue().encode(),
        links.getvalue().encode(),
        int((time.process_time() - t0) * 1000),
    )


def load_people(n_people: int, grid_ids: list[int]) -> dict[str, float]:
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cur:
        cur.execute(
            "SELECT h.id, g.parent_id FROM grid_home h JOIN grid_building b ON b.id = h.building_id "
            "JOIN org_region g ON g.id = b.grid_id WHERE g.id = ANY(%s) ORDER BY h.id",
            [grid_ids],
        )
        homes = [(int(a), int(b)) for a, b in cur.fetchall()]
        cur.execute("SELECT coalesce(max(id), 0) + 1 FROM grid_person")
        first_id = int(cur.fetchone()[0])
    today = timezone.localdate().isoformat()
    step = 50_000
    chunks = [
        (lo, min(lo + step, n_people), n_people, first_id, homes, today)
        for lo in range(0, n_people, step)
    ]
    raw = connection.connection  # psycopg 3
    t0 = time.perf_counter()
    cpu_ms = 0
    ctx = multiprocessing.get_context("fork")
    connection.close()  # the children must not share the parent's socket
    with ctx.Pool(2) as pool:
        connection.ensure_connection()
        raw = connection.connection
        with raw.cursor() as cur:
            cur.execute("SET session_replication_role = replica")
            for i, (people, links, cpu) in enumerate(pool.imap(_person_chunk, chunks)):
                cpu_ms += cpu
                with cur.copy(
                    "COPY grid_person (id, name, sex, birth, id_number, id_index, id_masked, phone, "
                    "phone_masked, phone_index, person_type, inflow, community_id, note, updated_at) "
                    "FROM STDIN"
                ) as cp:
                    cp.write(people)
                with cur.copy(
                    'COPY grid_residence (person_id, home_id, kind, is_owner, relation, start, "end") '
                    "FROM STDIN"
                ) as cp:
                    cp.write(links)
                raw.commit()
                if i % 4 == 3:
                    say(f"  people: {(i + 1) * step:,} ({time.perf_counter() - t0:.0f}s)")
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('grid_person', 'id'), (SELECT max(id) FROM grid_person))"
            )
            cur.execute("SET session_replication_role = DEFAULT")
            raw.commit()
    wall = time.perf_counter() - t0
    say(
        f"  people: {n_people:,} with 2 Fernet tokens + 2 blind indexes each in {wall:.0f}s wall "
        f"({cpu_ms / 1000:.0f}s CPU in the 2 generating processes)"
    )
    return {"people_s": wall, "people_cpu_s": cpu_ms / 1000}


# ---------------------------------------------------------------- the rest, in SQL

SQL_BUILDINGS = """
INSERT INTO grid_building (grid_id, number, name, floors, lat, lng)
SELECT g.id, lpad(b::text, 5, '0'), b || '号楼', 6,
       g.lat + (b - 1.5) * 0.0002, g.lng + (b - 1.5) * 0.0002
FROM org_region g, generate_series(1, 2) b WHERE g.id = ANY(%(grids)s)
"""
SQL_HOMES = """
INSERT INTO grid_home (building_id, unit_no, floor, door, use, rented, hazard)
SELECT bl.id, ((h - 1) / 10 + 1)::text, ((h - 1) %% 10) / 2 + 1,
       (((h - 1) %% 10) / 2 + 1)::text || lpad((((h - 1) %% 2) + 1)::text, 2, '0'),
       'home', random() < 0.14, CASE WHEN random() < 0.01 THEN '01' ELSE '00' END
FROM grid_building bl, generate_series(1, 20) h WHERE bl.grid_id = ANY(%(grids)s)
"""
# ~1.5 % of people: one category each, 高风险 for half of those over 80, the rest 重点/一般
SQL_CARE = """
INSERT INTO grid_careentry (person_id, category, tier, since, until, changed_at, note)
SELECT p.id,
       (ARRAY['dibao','disabled','empty_nest','very_old','single_parent','unemployed'])[1 + p.id %% 6],
       CASE WHEN p.birth < %(today)s::date - 80 * 365 AND p.id %% 2 = 0 THEN 'high'
            WHEN p.id %% 3 = 0 THEN 'key' ELSE 'general' END,
       %(today)s::date - (120 + p.id %% 800)::int, NULL,
       CASE WHEN p.id %% 97 = 0 THEN now() - interval '5 hours' END, ''
FROM grid_person p
WHERE p.id %% 67 = 0 AND p.id >= %(first)s
"""
SQL_CONTROL = """
INSERT INTO grid_controlentry (person_id, type, attention, source, since, until, note)
SELECT p.id, lpad((1 + p.id %% 6)::text, 2, '0'), (ARRAY['high','medium','low'])[1 + p.id %% 3],
       lpad((p.id %% 3)::text, 2, '0'), %(today)s::date - (30 + p.id %% 1400)::int, NULL, '定期谈话，表现稳定'
FROM grid_person p WHERE p.id %% 1000 = 7 AND p.id >= %(first)s
"""
# a year of visits by the grid's worker: the last one 0.1–0.9 gaps ago (15 %: 1.05–1.6 gaps
# ago, overdue), then one every 0.6–0.95 gap back to a year ago
SQL_VISITS = """
INSERT INTO grid_visit (person_id, visitor_id, at, method, found, needs, need_to, client_key,
                        recorded_at)
SELECT e.person_id, gp.user_id, v.at,
       CASE WHEN e.tier = 'high' OR k %% 3 <> 0 THEN 'home' ELSE 'message' END,
       '身体状况良好，生活能自理', '', '', 'bench-' || e.id || '-' || k, v.at
FROM grid_careentry e
JOIN grid_residence r ON r.person_id = e.person_id AND r."end" IS NULL
JOIN grid_home h ON h.id = r.home_id
JOIN grid_building b ON b.id = h.building_id
JOIN grid_gridpost gp ON gp.grid_id = b.grid_id AND gp.kind = 'full'
CROSS JOIN LATERAL (SELECT CASE e.tier WHEN 'high' THEN 7 WHEN 'key' THEN 30 ELSE 91 END AS gap) t
CROSS JOIN LATERAL generate_series(0, 365 / t.gap) k
CROSS JOIN LATERAL (SELECT now() - make_interval(days => 1) * t.gap * (
    CASE WHEN e.id %% 7 = 0 THEN 1.05 + (e.id %% 10) * 0.055 ELSE 0.1 + (e.id %% 9) * 0.09 END
    + k * 0.78)
  AS at) v
WHERE e.id >= %(first_care)s
"""
SQL_PATROLS = """
INSERT INTO grid_patrol (user_id, grid_id, started_at, start_lat, start_lng, ended_at, end_lat,
                         end_lng, points, outside, flagged, note, client_key)
SELECT gp.user_id, gp.grid_id, s.at, g.lat, g.lng, s.at + interval '50 minutes', g.lat, g.lng,
       3, CASE WHEN (gp.id + d) %% 200 = 0 THEN 2 ELSE 0 END, (gp.id + d) %% 200 = 0,
       '走访 10 户，无异常', 'bench-p-' || gp.id || '-' || d || '-' || hh
FROM grid_gridpost gp JOIN org_region g ON g.id = gp.grid_id
CROSS JOIN generate_series(1, %(days)s) d CROSS JOIN (VALUES (8), (15)) AS x(hh)
CROSS JOIN LATERAL (SELECT (%(today)s::date - d::int + make_interval(hours => hh))::timestamp
                           AT TIME ZONE 'Asia/Shanghai' AS at) s
WHERE gp.kind = 'full' AND gp.grid_id = ANY(%(grids)s)
"""
SQL_POINTS = """
INSERT INTO grid_patrolpoint (patrol_id, at, lat, lng, inside)
SELECT p.id, p.started_at + make_interval(mins => 25 * i), p.start_lat + 0.0001 * i,
       p.start_lng + CASE WHEN p.flagged AND i > 0 THEN 0.02 ELSE 0.0001 * i END,
       NOT (p.flagged AND i > 0)
FROM grid_patrol p CROSS JOIN generate_series(0, 2) i WHERE p.client_key LIKE 'bench-p-%%'
"""


def bulk_sql(grid_ids: list[int], patrol_days: int, first_person: int) -> dict[str, float]:
    from django.db import connection
    from django.utils import timezone

    out: dict[str, float] = {}
    today = timezone.localdate().isoformat()
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) + 1 FROM grid_careentry")
        first_care = int(cur.fetchone()[0])
        params = {
            "grids": grid_ids,
            "today": today,
            "first": first_person,
            "first_care": first_care,
            "days": patrol_days,
        }
        cur.execute("SET session_replication_role = replica")
        for name, sql in (
            ("care", SQL_CARE),
            ("control", SQL_CONTROL),
            ("visits", SQL_VISITS),
            ("patrols", SQL_PATROLS),
            ("points", SQL_POINTS),
        ):
            t0 = time.perf_counter()
            cur.execute(sql, params)
            out[name] = time.perf_counter() - t0
            say(f"  {name}: {cur.rowcount:,} rows, {out[name]:.0f}s")
        cur.execute("SET session_replication_role = DEFAULT")
    return out


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for t in (*BIG, "grid_home", "grid_building", "grid_gridpost", "org_region", "org_unit"):
            cur.execute(f"VACUUM ANALYZE {t}")


def prepare(people: int, grids: int, patrol_days: int, reload: bool) -> dict[str, Any]:
    if reload:
        from load import _psql

        name = os.environ["CC_DATABASE_URL"].rsplit("/", 1)[-1]
        _psql(f'DROP DATABASE IF EXISTS "{name}"')
    ensure_database()
    migrate()
    setup_django()
    from django.core.management import call_command
    from django.db import connection, transaction

    from chuangcheng.demo.city import DEMO_PASSWORD, build_demo_city
    from chuangcheng.grid.seed import build_grid_demo

    call_command("createcachetable", verbosity=0)
    build_demo_city()
    build_grid_demo(DEMO_PASSWORD)
    with connection.cursor() as cur:
        _restore_indexes(cur)
        meta = _meta_get(cur, "grid")
    wanted = {"people": people, "grids": grids, "patrol_days": patrol_days}
    if meta and not reload and all(meta.get(k) == v for k, v in wanted.items()):
        say(f"cc_bench_grid already loaded ({meta.get('loaded_at')}); --reload to load again")
        vacuum()
        return dict(meta)
    if meta:
        raise SystemExit("the bench grid data is there with other sizes: --reload to load again")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with transaction.atomic():
        grid_ids = build_regions(grids)
        with connection.cursor() as cur:
            cur.execute(SQL_BUILDINGS, {"grids": grid_ids})
            cur.execute(SQL_HOMES, {"grids": grid_ids})
            _drop_secondary_indexes(cur, BIG)
            cur.execute("SELECT coalesce(max(id), 0) + 1 FROM grid_person")
            first_person = int(cur.fetchone()[0])
    timings["regions_homes_s"] = time.perf_counter() - t0
    say(f"  {len(grid_ids):,} bench grids, buildings, homes: {timings['regions_homes_s']:.0f}s")
    timings.update(load_people(people, grid_ids))
    timings.update(bulk_sql(grid_ids, patrol_days, first_person))
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        _restore_indexes(cur)
    timings["indexes_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    vacuum()
    timings["vacuum_s"] = time.perf_counter() - t0
    info = {**wanted, **timings, "loaded_at": time.strftime("%Y-%m-%d %H:%M")}
    with connection.cursor() as cur:
        _meta_set(cur, "grid", info)
    say(f"loaded: {info}")
    return info


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=1_000_000)
    ap.add_argument("--grids", type=int, default=10_000)
    ap.add_argument("--patrol-days", type=int, default=90)
    ap.add_argument("--reload", action="store_true")
    args = ap.parse_args()
    prepare(args.people, args.grids, args.patrol_days, args.reload)


if __name__ == "__main__":
    main()

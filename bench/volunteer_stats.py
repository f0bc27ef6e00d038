"""文明实践 统计分析 at scale, in a database of its own (`cc_bench_vcampaign`; CC_DATABASE_URL
overrides):

    .venv/bin/python bench/volunteer_stats.py [--volunteers 100000] [--entries 1000000]
        [--rounds 20] [--reload] [--drop]

Loads the demo city and the demo 文明实践 (2 中心, 2 所, 6 站, 20 teams), then N volunteers
spread over the six 站 (about 16,700 a 站: heavier per 站 than a real district's hundred) and
M hour entries over the last 365 days (one in three for a team), in SQL (INSERT … SELECT
generate_series). Then measures the statistics page (GET /volunteer/stats/?month=<last full
month>, test client, signed in: every section, scoped) for the district's 中心 and for one 站,
with this process's CPU plus its PostgreSQL backend's (bench/common.ServerTimer). Target: p95
≤ 300 ms. Calibration rows (a Python loop, SELECT 1) at the start and the end. `--drop`
drops the bench database afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("CC_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cc_bench_vcampaign")
from citymgmt import calibrate
from common import ServerTimer, percentiles, record, say, setup_django

TARGET_MS = 300.0


def ensure_database() -> None:
    import psycopg

    name = os.environ["CC_DATABASE_URL"].rsplit("/", 1)[1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')


def drop_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    name = os.environ["CC_DATABASE_URL"].rsplit("/", 1)[1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')
    say(f"dropped {name}")


def load(volunteers: int, entries: int, reload: bool) -> None:
    from django.core.management import call_command
    from django.db import connection

    from chuangcheng.demo.city import DEMO_PASSWORD, build_demo_city
    from chuangcheng.volunteer.models import HourEntry, Station, Team
    from chuangcheng.volunteer.seed import build_volunteer_demo

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # pages render {% static %}
    build_demo_city()
    build_volunteer_demo(DEMO_PASSWORD)
    have = HourEntry.objects.count()
    if have >= entries and not reload:
        say(f"database: {have:,} hour entries (reused; --reload to load again)")
        return
    stations = list(
        Station.objects.filter(level=Station.Level.STATION)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    teams = list(Team.objects.order_by("pk").values_list("pk", flat=True))
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM volunteer_hourentry WHERE ref LIKE 'bench:%%'")
        cur.execute("DELETE FROM volunteer_volunteer WHERE number LIKE 'B%%'")
        cur.execute(
            """
            INSERT INTO volunteer_volunteer (number, name, sex, birth, id_number, id_index,
                id_masked, phone, phone_masked, skills, station_id, registered_at, user_id)
            SELECT 'B' || lpad(g::text, 9, '0'), '志愿者' || g,
                   CASE WHEN g %% 2 = 0 THEN 'm' ELSE 'f' END,
                   date '1960-01-01' + (g %% 18000), 'bench', 'bench-' || g,
                   '150103********' || lpad((g %% 10000)::text, 4, '0'), 'bench', '139****0000', '',
                   (%(stations)s::bigint[])[1 + g %% %(n)s],
                   now() - make_interval(days => (g %% 900)), NULL
            FROM generate_series(1, %(volunteers)s) g
            """,
            {"stations": stations, "n": len(stations), "volunteers": volunteers},
        )
        cur.execute("SELECT min(id), max(id) FROM volunteer_volunteer WHERE number LIKE 'B%%'")
        vmin, vmax = cur.fetchone()
        span = vmax - vmin + 1
        cur.execute(
            """
            INSERT INTO volunteer_hourentry (volunteer_id, hours, source, ref, field, content,
                station_id, team_id, served_on, recorded_at, recorded_by_id)
            SELECT v.id, ((g %% 8) + 1) * 0.5, 'leader', 'bench:' || g, 'other', '志愿服务',
                   v.station_id,
                   CASE WHEN g %% 3 = 0 THEN (%(teams)s::bigint[])[1 + g %% %(nt)s] END,
                   current_date - (g %% 365), now(), NULL
            FROM generate_series(1, %(entries)s) g
            JOIN volunteer_volunteer v ON v.id = %(vmin)s + (g::bigint * 7919) %% %(span)s
            """,
            {
                "teams": teams,
                "nt": len(teams),
                "entries": entries,
                "vmin": vmin,
                "span": span,
            },
        )
        cur.execute("ANALYZE volunteer_volunteer")
        cur.execute("ANALYZE volunteer_hourentry")
    say(
        f"loaded {volunteers:,} volunteers and {entries:,} hour entries in "
        f"{time.perf_counter() - t0:.0f} s"
    )


def users() -> dict[str, object]:
    from django.contrib.auth import get_user_model

    from chuangcheng.org.models import Membership
    from chuangcheng.volunteer.models import Station
    from chuangcheng.volunteer.roles import CENTRE

    model = get_user_model()
    home = Station.objects.get(name="中山西路社区新时代文明实践站")
    centre = home.parent.parent if home.parent else None
    assert centre is not None
    u, _ = model.objects.get_or_create(username="bench_vol_centre")
    Membership.objects.get_or_create(user=u, role=CENTRE, unit=centre.unit)
    return {
        f"中心（{centre.name}）": u,
        f"站（{home.name}）": model.objects.get(username="vol_zhan"),
    }


def run(rounds: int) -> None:
    from django.test import Client
    from django.utils import timezone

    from chuangcheng.volunteer.models import HourEntry

    today = timezone.localdate()
    last = today.replace(day=1) - dt.timedelta(days=1)
    month = f"{last:%Y-%m}"
    in_month = HourEntry.objects.filter(served_on__year=last.year, served_on__month=last.month)
    say(f"month {month}: {in_month.count():,} hour entries in it (all stations)")
    timer = ServerTimer()
    for label, user in users().items():
        client = Client()
        client.force_login(user)
        url = f"/volunteer/stats/?month={month}"
        walls, cpus = [], []
        for i in range(rounds + 1):
            with timer:
                r = client.get(url)
            assert r.status_code == 200, r.status_code
            if i:  # the first is a warm-up
                walls.append(timer.wall_ms)
                cpus.append(timer.cpu_ms)
        w, c = percentiles(walls), percentiles(cpus)
        ok = w["p95"] <= TARGET_MS
        say(
            f"统计分析 page, {label}: wall p50 {w['p50']:.1f} ms, p95 {w['p95']:.1f} ms; "
            f"cpu p50 {c['p50']:.1f} ms, p95 {c['p95']:.1f} ms "
            f"(target p95 ≤ {TARGET_MS:.0f} ms: {'PASS' if ok else 'FAIL'})"
        )
        record(
            f"volunteer stats page ({label})",
            target=f"≤ {TARGET_MS:.0f} ms",
            metric="p95",
            value=w["p95"],
            passed=ok,
            stats=w,
            cpu=c,
            group="volunteer",
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--volunteers", type=int, default=100_000)
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--reload", action="store_true")
    ap.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    args = ap.parse_args()
    ensure_database()
    setup_django()
    load(args.volunteers, args.entries, args.reload)
    calibrate("start")
    run(args.rounds)
    calibrate("end")
    if args.drop:
        drop_database()


if __name__ == "__main__":
    main()

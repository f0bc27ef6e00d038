"""文明实践活动: 200 volunteers checking in to one activity at once, then checking out (each
check-out credits hours in the ledger), with a fifth of the requests sent twice (a phone
resending). Every scan goes through `volunteer.activities.check` (the service behind the page
and the API) from a pool of threads, each with its own PostgreSQL connection, all released by
one barrier. Prints the wall time of each wave and p50/p95 per scan, checks every volunteer
was recorded exactly once, and times two calibration rows in the same run (a Python loop and a
`SELECT 1` round trip).

Uses a database of its own, `cc_bench_vact` (created, migrated and — unless --keep — dropped
here; CC_DATABASE_URL overrides).

    .venv/bin/python bench/volunteer_checkins.py [--volunteers 200] [--threads 20] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("CC_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cc_bench_vact")

from common import fmt_ms, percentiles, record, say, setup_django


def _db_name() -> str:
    return os.environ["CC_DATABASE_URL"].rsplit("/", 1)[-1]


def ensure_database() -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname=%s", [_db_name()]).fetchone():
            c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(_db_name())))


def drop_database() -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(_db_name()))
        )


def calibrate() -> list[dict[str, Any]]:
    from django.db import connection

    rows = []
    calib = []
    for _ in range(50):
        t0 = time.perf_counter()
        sum(i * i for i in range(100_000))
        calib.append((time.perf_counter() - t0) * 1000)
    rows.append(("calibration: Python loop sum(i*i for i in range(100_000))", calib))
    select1 = []
    with connection.cursor() as cur:
        for _ in range(500):
            t0 = time.perf_counter()
            cur.execute("SELECT 1")
            cur.fetchone()
            select1.append((time.perf_counter() - t0) * 1000)
    rows.append(("calibration: SELECT 1 round trip", select1))
    out = []
    for name, samples in rows:
        st = percentiles(samples)
        say(f"{name:<60} p50 {fmt_ms(st['p50'])} ms  p95 {fmt_ms(st['p95'])} ms")
        out.append(
            record(
                name,
                target="(ref)",
                metric="p50",
                value=st["p50"],
                passed=None,
                group="vact-ref",
                stats=st,
            )
        )
    return out


def wave(act: Any, people: list[Any], kind: str, threads: int, resend: int) -> dict[str, Any]:
    """Every volunteer scans once (the first `resend` twice), `threads` at a time, all
    released together; returns wall time, per-scan timings and what was created."""
    from django.db import connection

    from chuangcheng.volunteer.activities import check

    jobs = []  # a resend right after its original, so the two run at the same moment
    for i, v in enumerate(people):
        jobs += [(v, f"{v.pk}-{kind}")] * (2 if i < resend else 1)
    lock = threading.Lock()
    todo = list(reversed(jobs))
    samples: list[float] = []
    created: list[bool] = []
    errors: list[str] = []
    barrier = threading.Barrier(threads + 1)

    def worker() -> None:
        try:
            barrier.wait()
            while True:
                with lock:
                    if not todo:
                        return
                    v, key = todo.pop()
                t0 = time.perf_counter()
                try:
                    _, made = check(
                        volunteer=v,
                        activity_id=act.pk,
                        token=act.token,
                        kind=kind,
                        lat=act.lat + 0.0005,
                        lng=act.lng,
                        client_key=key,
                    )
                except Exception as exc:  # counted and printed below
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    samples.append(ms)
                    created.append(made)
        finally:
            connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in pool:
        t.join()
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "samples": samples, "created": created, "errors": errors}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--volunteers", type=int, default=200)
    ap.add_argument("--threads", type=int, default=20)
    ap.add_argument("--keep", action="store_true", help="keep the bench database")
    args = ap.parse_args()
    ensure_database()
    setup_django()

    from django.core.management import call_command
    from django.utils import timezone

    from chuangcheng.demo.city import DEMO_PASSWORD, build_demo_city
    from chuangcheng.volunteer.models import (
        Activity,
        ActivityCheckin,
        ActivitySignup,
        HourEntry,
        Station,
        Volunteer,
    )
    from chuangcheng.volunteer.seed import build_volunteer_demo

    try:
        call_command("migrate", verbosity=0)
        build_demo_city()
        build_volunteer_demo(DEMO_PASSWORD)
        home = Station.objects.get(name="中山西路社区新时代文明实践站")
        now = timezone.now()
        region = home.unit.region
        act = Activity.objects.create(
            station=home,
            title="基准：200 人同时签到",
            field="ecology",
            duties="bench",
            starts_at=now - dt.timedelta(minutes=10),
            ends_at=now + dt.timedelta(hours=2),
            address="中山西路社区党群服务中心",
            lat=float(region.lat or 40.81),
            lng=float(region.lng or 111.65),
            capacity=args.volunteers,
            radius_m=500,
            margin_min=30,
            token=f"bench-{now.timestamp():.0f}",
            created_at=now - dt.timedelta(days=2),
        )
        people = list(Volunteer.objects.order_by("pk")[: args.volunteers])
        ActivitySignup.objects.bulk_create(
            ActivitySignup(activity=act, volunteer=v, status="approved", created_at=now)
            for v in people
        )
        resend = len(people) // 5
        say(
            f"{len(people)} volunteers, {args.threads} threads (own connections), "
            f"{resend} scans sent twice per wave"
        )
        calibrate()
        for kind in ("in", "out"):
            if kind == "out":  # an hour later: each check-out credits 1.0 h
                ActivityCheckin.objects.filter(activity=act).update(
                    at=timezone.now() - dt.timedelta(minutes=61)
                )
            res = wave(act, people, kind, args.threads, resend)
            st = percentiles(res["samples"])
            rows = ActivityCheckin.objects.filter(activity=act, kind=kind).count()
            ok = (
                not res["errors"]
                and rows == len(people)
                and res["created"].count(True) == len(people)
                and res["created"].count(False) == resend
            )
            label = "check-in" if kind == "in" else "check-out (+ hours)"
            say(
                f"{label:<20} {len(people) + resend} scans: wall {res['wall_s']:.2f} s, "
                f"p50 {fmt_ms(st['p50'])} ms, p95 {fmt_ms(st['p95'])} ms, "
                f"max {fmt_ms(st['max'])} ms; rows {rows}, resends counted once: {ok}"
            )
            for e in res["errors"][:5]:
                say("  error:", e)
            record(
                f"activity {label}: {len(people)} volunteers + {resend} resends, "
                f"{args.threads} threads",
                target="all recorded once within a minute",
                metric="wall_s",
                value=res["wall_s"],
                passed=ok and res["wall_s"] < 60,
                group="vact",
                stats=st,
            )
        entries = HourEntry.objects.filter(ref__startswith=f"activity:{act.pk}:")
        say(
            f"ledger: {entries.count()} entries for {len(people)} volunteers, "
            f"{sum(e.hours for e in entries)} hours"
        )
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database()
            say(f"dropped {_db_name()}")


if __name__ == "__main__":
    main()

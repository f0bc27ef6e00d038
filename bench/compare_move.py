"""The 12345 figures before and after a change, in ONE run: each side (a checkout and its own
bench database, same size, same generator) runs in a process of its own, alternating round by
round so a busy host slows both alike. Per side and round it times:

  calibration   a plain Python loop (sum(i*i for i in range(100_000))) and a SELECT 1 round
                trip: the machine's speed at that moment, to compare the rows against
  api           GET /api/v1/cases (three variants, as compare_old.py), as the dispatcher
  ranking       hotline_indicators(<last month>, "unit"): the monthly 三率 ranking (after two
                warm-up calls: what an ended month keeps comes from the cache)
  ranking_cold  the same with the cache emptied before each call (untimed)
  queue         GET /hotline/queue/ as handler_cg (the busiest unit's queue page)

CPU is the process's Python CPU plus its PostgreSQL backend's CPU (/proc schedstat), per call;
wall time too. Written for the move of the 12345 columns into hotline.HotlineOrder (ADR 0017):

    git worktree add --detach /work/wt/bench_old 1112bb4     # the old code (own .venv link)
    CC_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench_old \\
        /work/wt/bench_old/.venv/bin/python /work/wt/bench_old/bench/load.py --orders 200000
    CC_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench_new \\
        .venv/bin/python bench/load.py --orders 200000
    .venv/bin/python bench/compare_move.py --old /work/wt/bench_old [--rounds 3]

Only figures of the same run compare (bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, os, sys, time
root, n_api, n_rank, n_queue, month = sys.argv[1:6]
n_api, n_rank, n_queue = int(n_api), int(n_rank), int(n_queue)
sys.path[:0] = [root, root + "/src", root + "/bench"]
os.chdir(root)
from common import bench_env
for k, v in bench_env().items():
    os.environ.setdefault(k, v)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.hotline.indicators import hotline_indicators

with connection.cursor() as cur:
    cur.execute("SELECT pg_backend_pid()")
    pid = cur.fetchone()[0]
def pg():
    return int(open(f"/proc/{pid}/schedstat").read().split()[0])

def timed(fn, n):
    for _ in range(2):
        fn()
    c0, p0, w0 = time.process_time(), pg(), time.perf_counter()
    for i in range(n):
        fn(i)
    c1, p1, w1 = time.process_time(), pg(), time.perf_counter()
    return {"py": 1000 * (c1 - c0) / n, "pg": (p1 - p0) / n / 1e6, "wall": 1000 * (w1 - w0) / n}

out = {}
t0 = time.process_time()
for _ in range(20):
    sum(i * i for i in range(100_000))
out["cal_loop"] = 1000 * (time.process_time() - t0) / 20
with connection.cursor() as cur:
    w0 = time.perf_counter()
    for _ in range(500):
        cur.execute("SELECT 1")
        cur.fetchone()
    out["cal_select1"] = 1000 * (time.perf_counter() - w0) / 500

api = APIClient(HTTP_HOST="127.0.0.1")
tok = api.post("/api/v1/auth/token", {"username": "dispatcher", "password": DEMO_PASSWORD},
               format="json").json()["token"]
api.credentials(HTTP_AUTHORIZATION=f"Bearer {tok}")
urls = ["/api/v1/cases?page=2", "/api/v1/cases?status=handling", "/api/v1/cases"]
def get_api(i=0):
    assert api.get(urls[i % len(urls)]).status_code == 200
out["api"] = timed(get_api, n_api)

def rank(i=0):
    assert hotline_indicators(month, "unit")
out["ranking"] = timed(rank, n_rank)

# the ranking on an empty cache (an ended month's counts are cached since ADR 0007's second
# addendum; the old code caches nothing): the cache is emptied before each call, untimed
from django.core.cache import cache
cold = {"py": 0.0, "pg": 0.0, "wall": 0.0}
for i in range(n_rank):
    cache.clear()
    c0, p0, w0 = time.process_time(), pg(), time.perf_counter()
    rank(i)
    cold["py"] += 1000 * (time.process_time() - c0) / n_rank
    cold["pg"] += (pg() - p0) / n_rank / 1e6
    cold["wall"] += 1000 * (time.perf_counter() - w0) / n_rank
out["ranking_cold"] = cold

page = Client(HTTP_HOST="127.0.0.1")
page.force_login(get_user_model().objects.get(username="handler_cg"))
def queue(i=0):
    r = page.get("/hotline/queue/")
    assert r.status_code == 200 and b"data-case" in r.content
out["queue"] = timed(queue, n_queue)
print(json.dumps(out))
"""

ROWS = ("api", "ranking", "ranking_cold", "queue")


def _previous_month() -> str:
    import datetime as dt

    today = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    return f"{today.year:04d}-{today.month:02d}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--old", required=True, help="checkout of the old code")
    ap.add_argument("--old-db", default="postgres://postgres@127.0.0.1:5432/cc_bench_old")
    ap.add_argument("--new-db", default="postgres://postgres@127.0.0.1:5432/cc_bench_new")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--api", type=int, default=150, help="API requests per round")
    ap.add_argument("--ranking", type=int, default=5, help="rankings per round")
    ap.add_argument("--queue", type=int, default=40, help="queue pages per round")
    ap.add_argument("--month", default=_previous_month())
    args = ap.parse_args()
    sides = {"old": (args.old, args.old_db), "new": (str(ROOT), args.new_db)}
    got: dict[str, list[dict]] = {s: [] for s in sides}
    counts = [str(args.api), str(args.ranking), str(args.queue), args.month]
    for r in range(args.rounds):
        for side, (root, db) in sides.items():
            env = {**os.environ, "CC_DATABASE_URL": db, "PYTHONWARNINGS": "ignore"}
            out = subprocess.run(
                [sys.executable, "-c", CHILD, root, *counts],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            row = json.loads(out.stdout.strip().splitlines()[-1])
            got[side].append(row)
            parts = [f"cal loop {row['cal_loop']:.1f} ms, SELECT 1 {row['cal_select1']:.3f} ms"]
            parts += [
                f"{k} {row[k]['py'] + row[k]['pg']:.2f} ms CPU ({row[k]['wall']:.2f} wall)"
                for k in ROWS
            ]
            print(f"round {r + 1} {side}: " + "; ".join(parts), flush=True)
    print(f"medians of {args.rounds} rounds (month {args.month}):")
    med: dict[str, dict[str, float]] = {}
    for side, rows in got.items():
        m = med[side] = {
            "cal_loop": statistics.median(x["cal_loop"] for x in rows),
            "cal_select1": statistics.median(x["cal_select1"] for x in rows),
        }
        for k in ROWS:
            m[k] = statistics.median(x[k]["py"] + x[k]["pg"] for x in rows)
            m[k + "_wall"] = statistics.median(x[k]["wall"] for x in rows)
    print(f"{'row':34} {'old':>10} {'new':>10} {'new/old':>8}")
    for key, label in [
        ("cal_loop", "calibration: Python loop (ms)"),
        ("cal_select1", "calibration: SELECT 1 (ms)"),
        ("api", "GET /api/v1/cases CPU (ms/req)"),
        ("api_wall", "GET /api/v1/cases wall"),
        ("ranking", "ranking CPU (ms/call)"),
        ("ranking_wall", "ranking wall"),
        ("ranking_cold", "ranking, empty cache, CPU"),
        ("ranking_cold_wall", "ranking, empty cache, wall"),
        ("queue", "queue page CPU (ms/req)"),
        ("queue_wall", "queue page wall"),
    ]:
        o, n = med["old"][key], med["new"][key]
        print(f"{label:34} {o:10.3f} {n:10.3f} {100 * (n / o - 1):+7.1f}%")


if __name__ == "__main__":
    main()

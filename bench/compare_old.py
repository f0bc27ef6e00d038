"""Old code against this code in ONE run: CPU per 12345 API request (GET /api/v1/cases, three
variants, as the dispatcher through the test client with a token from /api/v1/auth/token),
alternating old and new processes round by round so a busy host slows both alike.

    git worktree add --detach /work/wt/bench_old 8aa0c33     # the old code (own .venv link)
    CC_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench_old \\
        /work/wt/bench_old/.venv/bin/python /work/wt/bench_old/bench/load.py --orders 2000
    CC_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench_new \\
        .venv/bin/python bench/load.py --orders 2000
    .venv/bin/python bench/compare_old.py --old /work/wt/bench_old [--rounds 3 --requests 300]

Each side runs in a process of its own with its own database (same size, same generator);
`--old-db`/`--new-db` name them. Prints Python CPU, PostgreSQL backend CPU, wall time and the
queries of one request per side and round, then the medians.
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
root, n = sys.argv[1], int(sys.argv[2])
urls = ["/api/v1/cases?page=2", "/api/v1/cases?status=handling", "/api/v1/cases"]
sys.path[:0] = [root, root + "/src", root + "/bench"]
os.chdir(root)
from common import bench_env
for k, v in bench_env().items():
    os.environ.setdefault(k, v)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from django.db import connection
from rest_framework.test import APIClient
from chuangcheng.demo.city import DEMO_PASSWORD
c = APIClient(HTTP_HOST="127.0.0.1")
tok = c.post("/api/v1/auth/token", {"username": "dispatcher", "password": DEMO_PASSWORD},
             format="json").json()["token"]
c.credentials(HTTP_AUTHORIZATION=f"Bearer {tok}")
with connection.cursor() as cur:
    cur.execute("SELECT pg_backend_pid()")
    pid = cur.fetchone()[0]
def pg():
    return int(open(f"/proc/{pid}/schedstat").read().split()[0])
for u in urls:
    for _ in range(5):
        assert c.get(u).status_code == 200
seen = []
def count(execute, sql, params, many, context):
    seen.append(sql)
    return execute(sql, params, many, context)
with connection.execute_wrapper(count):
    c.get(urls[0])
c0, p0, w0 = time.process_time(), pg(), time.perf_counter()
for i in range(n):
    c.get(urls[i % len(urls)])
c1, p1, w1 = time.process_time(), pg(), time.perf_counter()
print(json.dumps({"py": 1000 * (c1 - c0) / n, "pg": (p1 - p0) / n / 1e6,
                  "wall": 1000 * (w1 - w0) / n, "queries": len(seen)}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--old", required=True, help="checkout of the old code")
    ap.add_argument("--old-db", default="postgres://postgres@127.0.0.1:5432/cc_bench_old")
    ap.add_argument("--new-db", default="postgres://postgres@127.0.0.1:5432/cc_bench_new")
    ap.add_argument(
        "--before", help="optional third side: another checkout run on the new database"
    )
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=300)
    args = ap.parse_args()
    sides = {"old": (args.old, args.old_db), "new": (str(ROOT), args.new_db)}
    if args.before:
        sides["before"] = (args.before, args.new_db)
    got: dict[str, list[dict[str, float]]] = {s: [] for s in sides}
    for r in range(args.rounds):
        for side, (root, db) in sides.items():
            env = {**os.environ, "CC_DATABASE_URL": db, "PYTHONWARNINGS": "ignore"}
            out = subprocess.run(
                [sys.executable, "-c", CHILD, root, str(args.requests)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            row = json.loads(out.stdout.strip().splitlines()[-1])
            got[side].append(row)
            print(
                f"round {r + 1} {side}: python {row['py']:.2f} ms + postgres {row['pg']:.2f} ms "
                f"CPU, wall {row['wall']:.2f} ms, {row['queries']} queries per request",
                flush=True,
            )
    med = {
        s: {k: statistics.median(x[k] for x in rows) for k in rows[0]} for s, rows in got.items()
    }
    cpu_o = med["old"]["py"] + med["old"]["pg"]
    for side, m in med.items():
        cpu = m["py"] + m["pg"]
        print(
            f"median {side:6}: CPU {cpu:.2f} ms per request (python {m['py']:.2f} + postgres "
            f"{m['pg']:.2f}), {100 * (cpu / cpu_o - 1):+.1f} % vs old; wall {m['wall']:.2f} ms; "
            f"{m['queries']:.0f} queries"
        )


if __name__ == "__main__":
    main()

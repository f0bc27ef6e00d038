"""`make bench`: prepare the bench database (1M 12345 orders + 1M 数字城管 cases), run every
benchmark, print one table.

    .venv/bin/python bench/run.py [--reload] [--orders N] [--city-cases N] [--only a,b,...]
                                  [--quick]

  (a) intake through the HTTP API under gunicorn + wrk     ≥ 1,000 orders/s   bench/intake.py
  (b) each workflow action, server time                    ≤ 50 ms            bench/actions.py
  (c) handler queue and GET /api/v1/cases at 1M orders     p95 ≤ 100 ms       bench/reads.py
  (d) monthly ranking of all units at 1M orders            ≤ 200 ms           bench/ranking.py
  (g) each 数字城管 action, server time                     ≤ 50 ms            bench/citymgmt.py
  (h) 城管 department queue, GET /api/v1/cases?kind=citymgmt p95 ≤ 100 ms       bench/citymgmt.py
  (i) 城管 monthly indicators of all departments            ≤ 200 ms           bench/citymgmt.py
  (j) 城管 grid lookup (in process and the API)             ≤ 5 ms             bench/citymgmt.py
  calibration rows (a Python loop, SELECT 1) at the start and the end of the run

The 城管 cases are loaded by bench/load_citymgmt.py (`--city-cases 0`: none, groups g–j skipped).

Database: CC_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/cc_bench), created and
loaded by bench/load.py; orders the benchmarks open are removed again at the end.
Raw results: var/bench/results.jsonl; the table: var/bench/latest.txt.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS_DIR, RESULTS_FILE, ROOT, bench_env, fmt_ms, say

BENCH = Path(__file__).resolve().parent
# (letter, script, arguments, arguments with --quick)
GROUPS = [
    ("a", "intake.py", [], ["--seconds", "8", "--configs", "sync:3"]),
    ("b", "actions.py", [], ["--cases", "30"]),
    ("c", "reads.py", [], ["--rounds", "10"]),
    ("d", "ranking.py", [], ["--rounds", "5"]),
    ("g", "citymgmt.py", ["--part", "actions"], ["--part", "actions", "--cases", "16"]),
    ("h", "citymgmt.py", ["--part", "reads"], ["--part", "reads", "--rounds", "10"]),
    ("i", "citymgmt.py", ["--part", "indicators"], ["--part", "indicators", "--rounds", "4"]),
    ("j", "citymgmt.py", ["--part", "grid"], ["--part", "grid", "--lookups", "1000"]),
]
ALL = {g[0] for g in GROUPS}
CITY = {"g", "h", "i", "j"}
CALIBRATION = "@cal"  # the group of the calibration rows (taken again in every run)


def sub(script: str, *args: str) -> int:
    say(f"\n=== {script} {' '.join(args)}")
    return subprocess.call([sys.executable, str(BENCH / script), *args], cwd=ROOT, env=bench_env())


def table(rows: list[dict[str, object]], detail: bool) -> str:
    order = {
        CALIBRATION: -1,
        **{g: i for i, g in enumerate(["a", "a-ref", "b", "b-ref", "c", "c-detail", "d", "d-ref"])},
        **{g: 10 + i for i, g in enumerate(["g", "g-ref", "h", "h-ref", "h-detail", "i", "j"])},
        "j-ref": 17,
    }
    rows = sorted(
        (r for r in rows if detail or "detail" not in str(r.get("group"))),
        key=lambda r: order.get(str(r.get("group")), 9),
    )
    head = (
        f"{'benchmark':78} {'figure':>13} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} "
        f"{'cpu p95':>7}  {'target':>12}  result"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        st = r.get("stats") or {}
        value = r.get("value")
        if r.get("metric") == "orders/s":
            figure = f"{value:,.0f}/s"
        else:
            figure = f"{r.get('metric')} {fmt_ms(value)}"  # type: ignore[arg-type]
        result = {True: "PASS", False: "MISS", None: "(ref)"}[r.get("passed")]  # type: ignore[index]
        if str(r.get("group", "")).endswith("-ref") and r.get("passed") is not None:
            result = "(ref) " + result
        lines.append(
            f"{str(r['name'])[:78]:78} {figure:>13} {fmt_ms(st.get('p50')):>7} "  # type: ignore[union-attr]
            f"{fmt_ms(st.get('p95')):>7} {fmt_ms(st.get('p99')):>7} "  # type: ignore[union-attr]
            f"{fmt_ms(st.get('max')):>7} {fmt_ms((r.get('cpu') or {}).get('p95')):>7}  "  # type: ignore[union-attr]
            f"{r['target']!s:>12}  {result}"
        )
        if r.get("cpu_ms_per_req"):
            c = r["cpu_ms_per_req"]
            u = r["cpu_util"]
            lines.append(
                f"{'':4}CPU per order: gunicorn {c['gunicorn']:.2f} ms, postgres {c['postgres']:.2f} ms, "  # type: ignore[index]
                f"wrk {c['wrk']:.2f} ms; cores busy: {u['gunicorn']:.2f} + {u['postgres']:.2f} + "  # type: ignore[index]
                f"{u['wrk']:.2f} (+ {u.get('other', 0):.2f} other processes) of 2; "  # type: ignore[index]
                f"non-201: {r.get('bad')}, socket errors: {r.get('errors')}"
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reload", action="store_true", help="truncate and bulk-load again")
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--city-cases", type=int, default=1_000_000)
    ap.add_argument("--only", default=",".join(sorted(ALL)))
    ap.add_argument("--quick", action="store_true", help="fewer rounds, one gunicorn config")
    ap.add_argument("--detail", action="store_true", help="one line per list-endpoint request")
    args = ap.parse_args()
    started = time.time()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(","))
    if not args.city_cases:
        only -= CITY
    kept: list[str] = []
    if RESULTS_FILE.exists():
        if only != ALL:  # a partial run keeps the other groups' latest rows
            kept = [
                line
                for line in RESULTS_FILE.read_text().splitlines()
                if str(json.loads(line).get("group", "?"))[0] not in only | {CALIBRATION[0]}
            ]
        RESULTS_FILE.rename(RESULTS_DIR / "results.previous.jsonl")
    if kept:
        RESULTS_FILE.write_text("\n".join(kept) + "\n")
    load_args = ["--orders", str(args.orders)] + (["--reload"] if args.reload else [])
    if sub("load.py", *load_args) != 0:
        raise SystemExit("loading the bench database failed")
    if args.city_cases:
        city_args = ["--cases", str(args.city_cases)] + (["--reload"] if args.reload else [])
        if sub("load_citymgmt.py", *city_args) != 0:
            raise SystemExit("loading the 城管 cases failed")
    failed = []
    sub("citymgmt.py", "--part", "calibrate", "--label", "start")
    # reads first (cold-ish caches as after a deploy), the writers last
    for group, script, full, quick in sorted(GROUPS, key=lambda g: "jhcidgba".index(g[0])):
        if group in only and sub(script, *(quick if args.quick else full)) != 0:
            failed.append(f"{script} ({group})")
    sub("citymgmt.py", "--part", "calibrate", "--label", "end")
    sub("load.py", "--cleanup")
    if args.city_cases:
        sub("load_citymgmt.py", "--cleanup")
    rows = (
        [json.loads(line) for line in RESULTS_FILE.read_text().splitlines()]
        if RESULTS_FILE.exists()
        else []
    )
    out = table(rows, args.detail)
    header = (
        f"chuangcheng benchmarks — {time.strftime('%Y-%m-%d %H:%M')}, "
        f"{args.orders:,} bulk 12345 orders + {args.city_cases:,} 城管 cases, PostgreSQL, 2 cores; "
        f"took {time.time() - started:.0f}s"
    )
    say("\n" + header + "\n" + out)
    if failed:
        say(f"\nbenchmark scripts that failed: {', '.join(failed)}")
    (RESULTS_DIR / "latest.txt").write_text(header + "\n" + out + "\n")


if __name__ == "__main__":
    main()

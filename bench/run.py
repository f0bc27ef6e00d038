"""`make bench`: prepare the 1M-order bench database, run every benchmark, print one table.

    .venv/bin/python bench/run.py [--reload] [--orders N] [--only a,b,c,d] [--quick]

  (a) intake through the HTTP API under gunicorn + wrk     ≥ 1,000 orders/s   bench/intake.py
  (b) each workflow action, server time                    ≤ 50 ms            bench/actions.py
  (c) handler queue and GET /api/v1/cases at 1M orders     p95 ≤ 100 ms       bench/reads.py
  (d) monthly ranking of all units at 1M orders            ≤ 200 ms           bench/ranking.py

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
GROUPS = [("a", "intake.py"), ("b", "actions.py"), ("c", "reads.py"), ("d", "ranking.py")]


def sub(script: str, *args: str) -> int:
    say(f"\n=== {script} {' '.join(args)}")
    return subprocess.call([sys.executable, str(BENCH / script), *args], cwd=ROOT, env=bench_env())


def table(rows: list[dict[str, object]], detail: bool) -> str:
    order = {"a": 0, "a-ref": 1, "b": 2, "b-ref": 3, "c": 4, "c-detail": 5, "d": 6, "d-ref": 7}
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
    ap.add_argument("--only", default="a,b,c,d")
    ap.add_argument("--quick", action="store_true", help="fewer rounds, one gunicorn config")
    ap.add_argument("--detail", action="store_true", help="one line per list-endpoint request")
    args = ap.parse_args()
    started = time.time()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(","))
    kept: list[str] = []
    if RESULTS_FILE.exists():
        if only != {"a", "b", "c", "d"}:  # a partial run keeps the other groups' latest rows
            kept = [
                line
                for line in RESULTS_FILE.read_text().splitlines()
                if str(json.loads(line).get("group", "?"))[0] not in only
            ]
        RESULTS_FILE.rename(RESULTS_DIR / "results.previous.jsonl")
    if kept:
        RESULTS_FILE.write_text("\n".join(kept) + "\n")
    load_args = ["--orders", str(args.orders)] + (["--reload"] if args.reload else [])
    if sub("load.py", *load_args) != 0:
        raise SystemExit("loading the bench database failed")
    quick = {
        "intake.py": ["--seconds", "8", "--configs", "sync:3"],
        "actions.py": ["--cases", "30"],
        "reads.py": ["--rounds", "10"],
        "ranking.py": ["--rounds", "5"],
    }
    failed = []
    # reads first (cold-ish caches as after a deploy), the writers last
    for group, script in sorted(GROUPS, key=lambda g: "cdba".index(g[0])):
        if group in only and sub(script, *(quick[script] if args.quick else [])) != 0:
            failed.append(script)
    sub("load.py", "--cleanup")
    rows = (
        [json.loads(line) for line in RESULTS_FILE.read_text().splitlines()]
        if RESULTS_FILE.exists()
        else []
    )
    out = table(rows, args.detail)
    header = (
        f"chuangcheng benchmarks — {time.strftime('%Y-%m-%d %H:%M')}, "
        f"{args.orders:,} bulk orders, PostgreSQL, 2 cores; "
        f"took {time.time() - started:.0f}s"
    )
    say("\n" + header + "\n" + out)
    if failed:
        say(f"\nbenchmark scripts that failed: {', '.join(failed)}")
    (RESULTS_DIR / "latest.txt").write_text(header + "\n" + out + "\n")


if __name__ == "__main__":
    main()

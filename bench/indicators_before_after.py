"""城管考核 before and after in ONE run: `citymgmt_indicators(month)` as the leader (the whole
city) with the first version (citymgmt.indicators_python: every case of the month read
into Python) and with the SQL version, alternating, with calibration rows at the start and the
end; the two results compared field by field (the three top subclasses of an area by their
counts, since equal counts came in any order before).

    CC_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench_perf \\
        .venv/bin/python bench/indicators_before_after.py [--month 2026-10] [--rounds 2]

The old version takes ~20 s CPU per call at a million cases: keep --rounds small. The new
version is also timed per part (departments, areas, inspectors) over --new-rounds calls.

`--old-sql <checkout>`: "old" is the SQL version of another checkout instead (its
`citymgmt/indicators.py` loaded as a module of its own into this process, over this code's
models), e.g. main before the engine recorded clock stops (ADR 0023):

    .venv/bin/python bench/indicators_before_after.py --old-sql /work/main --rounds 4
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from citymgmt import INDICATOR_MS, LEADER, _row, calibrate
from common import ROOT, ServerTimer, say, setup_django


def _comparable(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    out["regions"] = [
        {k: v for k, v in r.items() if k != "top_subclasses"} for r in data["regions"]
    ]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--month", default="")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--new-rounds", type=int, default=10)
    ap.add_argument("--level", default="community")
    ap.add_argument("--old-sql", default="", help="checkout whose SQL version is the old one")
    args = ap.parse_args()
    setup_django()
    sys.path.insert(0, str(ROOT))
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from chuangcheng.citymgmt import indicators as new
    from chuangcheng.citymgmt import indicators_python as old
    from chuangcheng.org.access import actor_for

    old_fn = old.citymgmt_indicators_python
    if args.old_sql:
        import importlib.util

        path = Path(args.old_sql) / "src/chuangcheng/citymgmt/indicators.py"
        spec = importlib.util.spec_from_file_location("indicators_old_sql", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        old_fn = module.citymgmt_indicators
        say(f"old = the SQL version of {path}")

    today = timezone.localdate()
    month = args.month or (
        today.replace(day=1) - __import__("datetime").timedelta(days=1)
    ).strftime("%Y-%m")
    leader = get_user_model().objects.get(username=LEADER)
    calibrate("start")
    timer = ServerTimer()
    samples: dict[str, tuple[list[float], list[float]]] = {"old": ([], []), "new": ([], [])}
    results: dict[str, Any] = {}
    for _ in range(args.rounds):
        for label, fn in (
            ("old", old_fn),
            ("new", new.citymgmt_indicators),
        ):
            with timer:
                results[label] = fn(actor_for(leader), month, level=args.level)
            samples[label][0].append(timer.wall_ms)
            samples[label][1].append(timer.cpu_ms)
            say(f"  {label}: {timer.wall_ms:,.0f} ms wall, {timer.cpu_ms:,.0f} ms CPU")
    same = _comparable(results["old"]) == _comparable(results["new"])
    say(f"old and new give the same figures: {same}")
    if not same:
        for part in ("departments", "regions", "inspectors"):
            a, b = _comparable(results["old"])[part], _comparable(results["new"])[part]
            rows = sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b))
            say(f"  {part}: {rows} of {len(b)} rows differ")
            for x, y in zip(a, b, strict=False):
                if x != y:
                    say(f"    old {x}\n    new {y}")
                    break
    due = sum(r["due"] for r in results["new"]["departments"])
    for label in ("old", "new"):
        _row(
            f"(i) citymgmt_indicators('{month}') {label} ({due:,} dispatched)",
            *samples[label],
            INDICATOR_MS,
            "i",
        )
    start, end = new.month_bounds(month)
    base = None  # the leader sees the whole city
    assert new.sees_every_case_of(actor_for(leader), "citymgmt")
    parts = {
        "departments": lambda: new.departments(base, start, end),
        "areas": lambda: new.regions(base, start, end, args.level),
        "inspectors": lambda: new.inspectors(base, start, end),
        "all (new)": lambda: new.citymgmt_indicators(actor_for(leader), month, level=args.level),
    }
    for name, fn in parts.items():
        wall, cpu = [], []
        fn()
        for _ in range(args.new_rounds):
            with timer:
                fn()
            wall.append(timer.wall_ms)
            cpu.append(timer.cpu_ms)
        _row(f"(i) new {name} ('{month}')", wall, cpu, INDICATOR_MS, "i")
    calibrate("end")
    if not same:
        raise SystemExit("the figures differ")


if __name__ == "__main__":
    main()

"""Shared helpers for the benchmarks: the bench database, Django setup, percentiles, results.

Every benchmark runs against its own PostgreSQL database (default `cc_bench`), never the
development or test database. Results are appended as JSON lines to `var/bench/results.jsonl`
so `bench/run.py` can print one table at the end.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB_URL = "postgres://postgres@127.0.0.1:5432/cc_bench"
RESULTS_DIR = ROOT / "var" / "bench"
RESULTS_FILE = RESULTS_DIR / "results.jsonl"
BENCH_OPERATOR = "bench_operator"  # intake through the API is done as this user (cleanup key)


def bench_env() -> dict[str, str]:
    """Environment for the bench processes (and gunicorn): the bench database, quiet logs."""
    env = dict(os.environ)
    env.setdefault("CC_DATABASE_URL", BENCH_DB_URL)
    env.setdefault("CC_LOG_LEVEL", "ERROR")
    # production-like settings (DEBUG off, database cache, manifest static files) without the
    # HTTPS redirect: the load generator talks plain HTTP on loopback
    env.setdefault("CC_ENV", "production")
    env.setdefault("CC_SECRET_KEY", "bench-only-secret-key-" + "b" * 40)
    env.setdefault("CC_DEBUG", "0")
    # production settings require these since sign-in security (ADR 0009): a bench-only history
    # key, and no TOTP for the bench's own accounts (they sign in through the test client)
    env.setdefault("CC_HISTORY_KEY", "bench-only-history-key-" + "h" * 40)
    env.setdefault("CC_FIELD_KEYS", "YmVuY2gtb25seS1maWVsZC1rZXktMzItYnl0ZXMhISE=")
    env.setdefault("CC_FIELD_INDEX_KEY", "bench-only-index-key-" + "i" * 40)
    env.setdefault("CC_REQUIRE_2FA", "0")
    env.setdefault("CC_SSL_REDIRECT", "0")
    env.setdefault("CC_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    env.setdefault("CC_DATA_DIR", str(ROOT / "var" / "bench" / "data"))
    # keep one PostgreSQL backend per process for the whole run (ServerTimer reads its CPU)
    env.setdefault("CC_CONN_MAX_AGE", "3600")
    return env


def setup_django() -> None:
    for k, v in bench_env().items():
        os.environ.setdefault(k, v)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    for p in (str(ROOT), str(ROOT / "src")):
        if p not in sys.path:
            sys.path.insert(0, p)
    import django

    django.setup()


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50/p95/p99/max/mean of a list of milliseconds (nearest-rank)."""
    if not samples_ms:
        return {"n": 0}
    s = sorted(samples_ms)

    def rank(p: float) -> float:
        k = max(0, min(len(s) - 1, round(p / 100 * len(s) + 0.5) - 1))
        return s[k]

    return {
        "n": len(s),
        "p50": rank(50),
        "p95": rank(95),
        "p99": rank(99),
        "max": s[-1],
        "mean": statistics.fmean(s),
    }


class ServerTimer:
    """Wall time and CPU time of server-side work done in this process: this process's CPU
    plus the CPU of its PostgreSQL backend (/proc/<pid>/schedstat, in ns). On a machine shared
    with other busy processes the wall time includes waiting for a core; the CPU time does not.

        timer = ServerTimer()
        with timer:
            ...
        timer.wall_ms, timer.cpu_ms
    """

    def __init__(self) -> None:
        self.wall_ms = self.cpu_ms = 0.0
        self.pid = self._backend_pid()

    @staticmethod
    def _backend_pid() -> int:
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            return int(cur.fetchone()[0])

    def _pg_ns(self) -> int:
        try:
            return int(Path(f"/proc/{self.pid}/schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return 0

    def __enter__(self) -> ServerTimer:
        self.t0, self.c0, self.p0 = time.perf_counter(), time.process_time_ns(), self._pg_ns()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall_ms = (time.perf_counter() - self.t0) * 1000
        pg = self._pg_ns() - self.p0
        if self._backend_pid() != self.pid:  # reconnected: the old backend's figure is useless
            self.pid, pg = self._backend_pid(), 0
        self.cpu_ms = (time.process_time_ns() - self.c0 + max(pg, 0)) / 1e6


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, (time.perf_counter() - t0) * 1000


def record(
    name: str, *, target: str, metric: str, value: float | None, passed: bool | None, **extra: Any
) -> dict[str, Any]:
    """Append one result row (one line of the final table)."""
    row = {
        "name": name,
        "target": target,
        "metric": metric,
        "value": value,
        "passed": passed,
        "at": time.strftime("%Y-%m-%d %H:%M:%S"),
        **extra,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    with RESULTS_FILE.open("a", encoding="utf-8") as f:
        f.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    return row


def fmt_ms(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.2f}" if v < 1 else f"{v:.1f}" if v < 100 else f"{v:.0f}"


def say(*parts: Any) -> None:
    print(*parts, flush=True)

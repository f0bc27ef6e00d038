"""What each middleware costs an API request: the same 12345 API requests through the test
client with the full MIDDLEWARE list and with one middleware left out at a time, interleaved
round by round (so a busy host slows every variant alike). CPU per request = this process +
its PostgreSQL backend (common.ServerTimer). A development tool; not run by run.py.

    .venv/bin/python bench/http_overhead.py [--rounds 200] [--url /api/v1/cases?page=2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ServerTimer, percentiles, say, setup_django

KEEP = {  # the request would not work without these
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--url", action="append")
    ap.add_argument("--user", default="dispatcher")
    args = ap.parse_args()
    setup_django()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings
    from rest_framework.test import APIClient

    from chuangcheng.demo.city import DEMO_PASSWORD

    urls = args.url or ["/api/v1/cases?page=2", "/api/v1/cases?status=handling"]
    token_client = APIClient(HTTP_HOST="127.0.0.1")
    resp = token_client.post(
        "/api/v1/auth/token", {"username": args.user, "password": DEMO_PASSWORD}, format="json"
    )
    token = resp.json()["token"]
    full = list(settings.MIDDLEWARE)
    variants: dict[str, list[str]] = {"full MIDDLEWARE": full}
    for mw in full:
        if mw not in KEEP:
            variants[f"without {mw.rsplit('.', 1)[-1]}"] = [m for m in full if m != mw]
    variants["only sessions + auth"] = [m for m in full if m in KEEP]
    clients: dict[str, Any] = {}
    for name, mws in variants.items():
        with override_settings(MIDDLEWARE=mws):
            c = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
            for url in urls:
                r = c.get(url)
                assert r.status_code == 200, (name, url, r.status_code)
        clients[name] = c
    timer = ServerTimer()
    wall: dict[str, list[float]] = {n: [] for n in variants}
    cpu: dict[str, list[float]] = {n: [] for n in variants}
    for _ in range(args.rounds):
        for name, c in clients.items():
            for url in urls:
                with timer:
                    c.get(url)
                wall[name].append(timer.wall_ms)
                cpu[name].append(timer.cpu_ms)
    base = percentiles(cpu["full MIDDLEWARE"])["p50"]
    say(f"{'variant':48} {'cpu p50':>8} {'Δ vs full':>9} {'cpu mean':>8} {'wall p50':>8}  (ms)")
    for name in variants:
        c, w = percentiles(cpu[name]), percentiles(wall[name])
        say(f"{name:48} {c['p50']:8.2f} {c['p50'] - base:+9.2f} {c['mean']:8.2f} {w['p50']:8.2f}")


if __name__ == "__main__":
    main()

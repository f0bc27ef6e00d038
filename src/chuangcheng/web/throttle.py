"""Login throttling: after N failed attempts for one username from one IP within a window,
refuse further attempts until the window has passed.

State lives in Django's cache (locmem in development, the database cache in production), so
every web process sees the same count. Each key holds the timestamps of recent failures: a
sliding window, and every write sets an explicit timeout (the database cache's `incr` would
reset it).
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache
from django.http import HttpRequest

MAX_FAILURES = 5
WINDOW_SECONDS = 300


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _key(username: str, ip: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}|{ip}".encode()).hexdigest()[:40]
    return f"cc:login-fail:{digest}"


def _recent(key: str, now: float) -> list[float]:
    stamps = cache.get(key) or []
    return [t for t in stamps if now - t < WINDOW_SECONDS]


def is_locked(username: str, ip: str) -> bool:
    return len(_recent(_key(username, ip), time.time())) >= MAX_FAILURES


def seconds_left(username: str, ip: str) -> int:
    now = time.time()
    stamps = _recent(_key(username, ip), now)
    if len(stamps) < MAX_FAILURES:
        return 0
    return max(1, int(WINDOW_SECONDS - (now - stamps[-MAX_FAILURES])))


def record_failure(username: str, ip: str) -> int:
    key, now = _key(username, ip), time.time()
    stamps = [*_recent(key, now), now][-MAX_FAILURES * 2 :]
    cache.set(key, stamps, timeout=WINDOW_SECONDS)
    return len(stamps)


def reset(username: str, ip: str) -> None:
    cache.delete(_key(username, ip))

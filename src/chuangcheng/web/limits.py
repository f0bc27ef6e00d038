"""Failed-attempt limits for public look-ups (进度查询), shared by every web process.

The counts live in the "shared" cache, which is the database cache in every environment (the
demo runs several gunicorn workers; production many machines): a per-process cache would let
each worker grant its own allowance. Each key holds the timestamps of recent failures (a
sliding window) and every write sets an explicit timeout.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.http import HttpRequest

CACHE_ALIAS = "shared"


@dataclass(frozen=True)
class Limit:
    name: str
    max_failures: int
    window_seconds: int


# 进度查询: a person who mistypes tries a few times; a guesser tries many.
TRACK_PER_ADDRESS = Limit("track-addr", 10, 15 * 60)
TRACK_PER_NUMBER = Limit("track-number", 5, 15 * 60)


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _key(limit: Limit, subject: str) -> str:
    digest = hashlib.sha256(f"{limit.name}|{subject.strip().lower()}".encode()).hexdigest()[:40]
    return f"cc:limit:{limit.name}:{digest}"


def _recent(limit: Limit, key: str, now: float) -> list[float]:
    stamps = caches[CACHE_ALIAS].get(key) or []
    return [t for t in stamps if now - t < limit.window_seconds]


def exceeded(limit: Limit, subject: str) -> bool:
    return len(_recent(limit, _key(limit, subject), time.time())) >= limit.max_failures


def record_failure(limit: Limit, subject: str) -> None:
    key, now = _key(limit, subject), time.time()
    stamps = [*_recent(limit, key, now), now][-limit.max_failures * 2 :]
    caches[CACHE_ALIAS].set(key, stamps, timeout=limit.window_seconds)

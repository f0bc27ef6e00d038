"""The audit hash chain: each event carries a keyed hash (HMAC-SHA-256) of its predecessor's
hash and its own content.

The key lives outside the database (`CC_HISTORY_KEY`, or a file named by
`CC_HISTORY_KEY_FILE`), so whoever can write the tables (even their owner, who can disable the
append-only trigger) cannot recompute a chain after editing an event: `verify_history` then
reports it. ADR 0008.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

GENESIS = "0" * 64
MIN_KEY_BYTES = 32


def canonical_json(payload: Any) -> str:
    return json.dumps(
        payload, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":")
    )


def key_file_once(path: str, make: str) -> bytes:
    """The key in `path`, written there first (with `make`) if there is none: development and
    the demo. Written aside, then linked into place, so a racing process links or reads the
    whole key, never half of it."""
    file = Path(path)
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_name(f".{file.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(make + "\n")
        try:
            os.link(tmp, file)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return file.read_bytes().strip()


@functools.cache
def _key_from(value: str, path: str, dev_path: str) -> bytes:
    if value:
        key = value.encode()
    elif path:
        try:
            key = Path(path).read_bytes().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"CC_HISTORY_KEY_FILE {path!r}: {exc}") from exc
    elif dev_path:  # development and the demo: a key generated once, next to the data
        key = key_file_once(dev_path, secrets.token_urlsafe(48))
    else:
        raise ImproperlyConfigured("CC_HISTORY_KEY or CC_HISTORY_KEY_FILE must be set")
    if len(key) < MIN_KEY_BYTES:
        raise ImproperlyConfigured(f"the history key must be at least {MIN_KEY_BYTES} bytes")
    return key


def history_key() -> bytes:
    """The secret the chain is keyed with (settings CC_HISTORY_KEY / CC_HISTORY_KEY_FILE /
    CC_HISTORY_DEV_KEY_FILE)."""
    return _key_from(
        getattr(settings, "CC_HISTORY_KEY", ""),
        str(getattr(settings, "CC_HISTORY_KEY_FILE", "") or ""),
        str(getattr(settings, "CC_HISTORY_DEV_KEY_FILE", "") or ""),
    )


def chain_hash(prev_hash: str, payload: dict[str, Any], *, key: bytes | None = None) -> str:
    """HMAC-SHA-256 of the previous hash and the payload, keyed by the history key."""
    message = (prev_hash + canonical_json(payload)).encode()
    return hmac.new(key or history_key(), message, hashlib.sha256).hexdigest()


def plain_chain_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    """The unkeyed SHA-256 chain of releases before the keyed one (only `rekey_history`
    reads it, to check an old chain before sealing it with the key)."""
    return hashlib.sha256((prev_hash + canonical_json(payload)).encode()).hexdigest()


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())

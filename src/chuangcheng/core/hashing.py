"""The audit hash chain: each event carries the hash of its predecessor."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64


def chain_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    body = json.dumps(
        payload, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":")
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()

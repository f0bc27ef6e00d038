"""MinHash locality-sensitive keys for near-duplicate short texts.

A text becomes the set of its character bigrams; `NUM_PERM` MinHash values estimate Jaccard
similarity; they are cut into `BANDS` bands of `ROWS` values and each band, together with a
scope (e.g. the street), is hashed to one signed 64-bit key. Two texts in the same scope share
at least one key with probability 1 − (1 − J^ROWS)^BANDS: for BANDS=16, ROWS=2 that is 0.94 at
J = 0.4 and 0.48 at J = 0.2, so real repeats are found and the few chance candidates are
re-ranked by exact similarity. Looking keys up is an equality search on a B-tree, so its cost
grows with the number of candidates, not with the size of the table.
"""

from __future__ import annotations

import hashlib
import struct

import numpy as np

BANDS = 16
ROWS = 2
NUM_PERM = BANDS * ROWS
_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(20261123)  # fixed: keys must be the same in every process
_A = _rng.integers(1, _PRIME, size=NUM_PERM, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, size=NUM_PERM, dtype=np.uint64)


def _shingle_hashes(text: str) -> np.ndarray:
    grams = {text[i : i + 2] for i in range(len(text) - 1)} if len(text) > 1 else {text}
    values = [
        int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little") for g in grams
    ]
    return np.asarray(values, dtype=np.uint64)


def signature(text: str) -> np.ndarray:
    """NUM_PERM MinHash values of the text's character bigrams (uint64, < 2^61)."""
    x = _shingle_hashes(text)
    if x.size == 0:
        return np.full(NUM_PERM, _PRIME, dtype=np.uint64)
    # (a·x + b) mod p without overflow: x < 2^32, a < 2^61 → split a into 2^29 halves
    a_hi, a_lo = _A >> np.uint64(29), _A & np.uint64((1 << 29) - 1)
    xs = x[:, None]
    part = ((a_hi[None, :] * xs) % _PRIME) * np.uint64(1 << 29) % _PRIME
    h = (part + a_lo[None, :] * xs + _B[None, :]) % _PRIME
    return h.min(axis=0)


def band_keys(text: str, scope: str) -> list[int]:
    """One signed 64-bit key per band; texts in other scopes never share a key."""
    if len(text) < 2:
        return []
    sig = signature(text)
    keys = []
    for band in range(BANDS):
        chunk = sig[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(scope.encode() + struct.pack("<H", band) + chunk, digest_size=8)
        keys.append(struct.unpack("<q", digest.digest())[0])
    return keys

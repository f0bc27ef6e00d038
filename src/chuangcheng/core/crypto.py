"""Personal data encrypted at rest (ID numbers, and whatever a loop marks as such), ADR 0022.

* **Encryption**: Fernet (AES-128-CBC with HMAC-SHA-256, from the `cryptography` package) under
  the field keys `CC_FIELD_KEYS` (comma-separated) or the file `CC_FIELD_KEYS_FILE` (one key per
  line). The first key encrypts; every key decrypts, so a new key is put first, `manage.py
  rotate_field_keys` re-encrypts every value with it, and the old key is then removed.
* **Blind index**: a value that must be found or kept unique (the same ID number registered
  twice) is also stored as a keyed hash (HMAC-SHA-256 under `CC_FIELD_INDEX_KEY` or
  `CC_FIELD_INDEX_KEY_FILE`, a key of its own that does not rotate with the field keys), per
  purpose, so equal values match without the value being readable.

Keys live outside the database (a dump alone reveals nothing). In development and the demo both
are generated once next to the data (`var/field.keys`, `var/field-index.key`); production
refuses to start without them (config/settings.py).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from chuangcheng.core.hashing import key_file_once

MIN_INDEX_KEY_BYTES = 32


class Undecryptable(Exception):
    """A stored value no configured field key opens (a key was removed too early, or the value
    was written under another installation's keys)."""


def _read(value: str, path: str, dev_path: str, name: str, make: str) -> bytes:
    if value:
        return value.strip().encode()
    if path:
        try:
            return Path(path).read_bytes().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE {path!r}: {exc}") from exc
    if dev_path:
        return key_file_once(dev_path, make)
    raise ImproperlyConfigured(f"{name} or {name}_FILE must be set")


@functools.cache
def _fernet(value: str, path: str, dev_path: str) -> MultiFernet:
    raw = _read(value, path, dev_path, "CC_FIELD_KEYS", Fernet.generate_key().decode())
    keys = [k.strip() for k in raw.decode().replace(",", "\n").splitlines() if k.strip()]
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "CC_FIELD_KEYS: each key must be 32 url-safe base64-encoded bytes "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
        ) from exc


@functools.cache
def _index_key(value: str, path: str, dev_path: str) -> bytes:
    key = _read(value, path, dev_path, "CC_FIELD_INDEX_KEY", secrets.token_urlsafe(48))
    if len(key) < MIN_INDEX_KEY_BYTES:
        raise ImproperlyConfigured(
            f"CC_FIELD_INDEX_KEY must be at least {MIN_INDEX_KEY_BYTES} bytes"
        )
    return key


def field_keys() -> MultiFernet:
    return _fernet(
        getattr(settings, "CC_FIELD_KEYS", ""),
        str(getattr(settings, "CC_FIELD_KEYS_FILE", "") or ""),
        str(getattr(settings, "CC_FIELD_DEV_KEYS_FILE", "") or ""),
    )


def index_key() -> bytes:
    return _index_key(
        getattr(settings, "CC_FIELD_INDEX_KEY", ""),
        str(getattr(settings, "CC_FIELD_INDEX_KEY_FILE", "") or ""),
        str(getattr(settings, "CC_FIELD_DEV_INDEX_KEY_FILE", "") or ""),
    )


def forget_keys() -> None:
    """Drop the cached keys (after the settings changed: tests, a key rotation)."""
    _fernet.cache_clear()
    _index_key.cache_clear()


def encrypt(plain: str) -> str:
    """The stored form of `plain` (an empty value stays empty: nothing to hide)."""
    if not plain:
        return ""
    return field_keys().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return field_keys().decrypt(token.encode()).decode()
    except InvalidToken:
        raise Undecryptable("no configured field key opens this value") from None


def reencrypt(token: str) -> str:
    """The same value under the first (newest) key."""
    if not token:
        return ""
    try:
        return field_keys().rotate(token.encode()).decode()
    except InvalidToken:
        raise Undecryptable("no configured field key opens this value") from None


def blind_index(value: str, purpose: str) -> str:
    """A keyed hash of `value` for finding and uniqueness; differs per purpose, so one column's
    index cannot be matched against another's. Empty stays empty."""
    if not value:
        return ""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(index_key(), message, hashlib.sha256).hexdigest()

"""Masking of personal data for roles that do not need it."""

from __future__ import annotations

import re

PHONE_RE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8})$")


def normalise_phone(raw: str) -> str:
    return re.sub(r"[\s\-()（）]", "", raw or "")


def is_phone(raw: str) -> bool:
    return bool(PHONE_RE.match(normalise_phone(raw)))


def mask_phone(phone: str) -> str:
    """138****1234 for a mobile; keep the first 3 and last 4 otherwise too."""
    p = normalise_phone(phone)
    if not p:
        return ""
    if len(p) <= 7:
        return p[:1] + "*" * (len(p) - 3) + p[-2:]
    return p[:3] + "*" * (len(p) - 7) + p[-4:]


def mask_name(name: str) -> str:
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)

"""The roles people hold, as far as the organisation knows them. A person holds a role in a
unit (a handler of 城管局, a dispatcher of the command centre); the unit's region and kind decide
what they see (data scope).

The organisation names no loop's roles: each loop declares its own (hotline.roles,
citymgmt...), their Chinese names with its workflow, and adds them to the few groups below that
the engine asks about."""

from __future__ import annotations

from collections.abc import Iterable

# Every role some workflow declares (code -> Chinese name). The case engine fills this as each
# workflow registers (cases.workflow.register), so the organisation names no loop's roles.
_DECLARED: dict[str, str] = {}


def declare_roles(roles: dict[str, str]) -> None:
    for code, label in roles.items():
        _DECLARED.setdefault(code, label)


def role_choices() -> list[tuple[str, str]]:
    return list(_DECLARED.items())


def role_label(code: str) -> str:
    return _DECLARED.get(code, code)


# ---------------------------------------------------------------- groups the engine asks about
# Works from a command centre (sees a confidential caller's name, reads the whole jurisdiction).
CENTRE = "centre"
# May see a reporter's full phone number (they must call them back) — each view is audited.
REVEAL_PHONE = "reveal_phone"
# A member of the public (居民): reports and follows their own cases only.
PUBLIC = "public"
GROUPS = frozenset({CENTRE, REVEAL_PHONE, PUBLIC})

_GROUPS: dict[str, frozenset[str]] = {}


def declare_role_group(group: str, roles: Iterable[str]) -> None:
    """A loop adds its roles to one of the engine's groups (several loops may add to one)."""
    if group not in GROUPS:
        raise ValueError(f"unknown role group {group!r}")
    _GROUPS[group] = _GROUPS.get(group, frozenset()) | frozenset(roles)


def role_group(group: str) -> frozenset[str]:
    """The roles every registered loop put in `group` (empty if none did)."""
    if group not in GROUPS:
        raise ValueError(f"unknown role group {group!r}")
    return _GROUPS.get(group, frozenset())

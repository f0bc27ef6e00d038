"""The roles people hold. A person holds a role in a unit (a handler of 城管局, a dispatcher of
the command centre); the unit's region and kind decide what they see (data scope)."""

from __future__ import annotations

OPERATOR = "operator"  # 受理员
DISPATCHER = "dispatcher"  # 派单员
HANDLER = "handler"  # 承办人
CALLBACK = "callback"  # 回访员
SUPERVISOR = "supervisor"  # 督办员
LEADER = "leader"  # 领导
CITIZEN = "citizen"  # 居民

ROLE_CHOICES = [
    (OPERATOR, "受理员"),
    (DISPATCHER, "派单员"),
    (HANDLER, "承办人"),
    (CALLBACK, "回访员"),
    (SUPERVISOR, "督办员"),
    (LEADER, "领导"),
    (CITIZEN, "居民"),
]
ROLE_LABELS = dict(ROLE_CHOICES)

# Roles that work from the centre and see every order in their unit's jurisdiction.
CENTRE_ROLES = frozenset({OPERATOR, DISPATCHER, CALLBACK, SUPERVISOR, LEADER})
# Roles that may see a caller's full phone number (they must call them) — each view is audited.
CONTACT_ROLES = frozenset({OPERATOR, DISPATCHER, CALLBACK, HANDLER})


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

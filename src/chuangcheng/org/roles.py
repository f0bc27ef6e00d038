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


# ---------------------------------------------------------------- who may use which view
# ONE definition of each role set: the pages (web.access / web.views) and the API (api.views)
# both read these, so a page and its endpoint can never admit different people.

# 数据看板 and GET /api/v1/indicators/hotline: the 三率, counts and ranking.
ANALYTICS_ROLES = frozenset({LEADER, SUPERVISOR, DISPATCHER})
# 热点问题 · 未诉先办 (rising issues, most-reported open orders).
HOT_ISSUE_ROLES = ANALYTICS_ROLES
# 来电人历史工单: earlier orders of a phone number, looked up while an appeal is taken in or
# sorted out (受理 and 派单). Page partial and GET /api/v1/callers alike.
CALLER_HISTORY_ROLES = frozenset({OPERATOR, DISPATCHER})
# 智能派单建议 and 疑似重复工单 on an order (the page's panel and GET .../suggestions):
# dispatchers act on them, supervisors read them.
SUGGESTION_ROLES = frozenset({DISPATCHER, SUPERVISOR})
# 可能重复的在办工单 while an appeal is typed (page partial and GET /api/v1/repeats).
INTAKE_REPEAT_ROLES = frozenset({OPERATOR, DISPATCHER})

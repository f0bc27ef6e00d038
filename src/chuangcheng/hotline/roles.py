"""The people of the 12345 loop and which of them may use which page or endpoint.

ONE definition of each role set: the pages (hotline.views) and the API (hotline.api) both read
these, so a page and its endpoint can never admit different people. The roles' Chinese names and
what each sees of the loop's orders are declared with the workflow (hotline.workflow.ROLES)."""

from __future__ import annotations

from chuangcheng.org.roles import CENTRE, PUBLIC, REVEAL_PHONE, declare_role_group

OPERATOR = "operator"  # 受理员
DISPATCHER = "dispatcher"  # 派单员
HANDLER = "handler"  # 承办人
CALLBACK = "callback"  # 回访员
SUPERVISOR = "supervisor"  # 督办员
LEADER = "leader"  # 领导
CITIZEN = "citizen"  # 居民

# Roles that work from the centre and see every order in their unit's jurisdiction.
CENTRE_ROLES = frozenset({OPERATOR, DISPATCHER, CALLBACK, SUPERVISOR, LEADER})
# Everyone who works on orders (the centre and the units' handlers): 工单详情 and its actions.
STAFF_ROLES = CENTRE_ROLES | {HANDLER}
# Roles that may see a caller's full phone number (they must call them) — each view is audited.
CONTACT_ROLES = frozenset({OPERATOR, DISPATCHER, CALLBACK, HANDLER})

# 受理: who may open an order (the 受理 page, 我要反映 on the phone, POST /api/v1/cases)...
INTAKE_ROLES = frozenset({OPERATOR, CITIZEN})
# ...and several at once (POST /api/v1/cases/batch: an integration's operator account).
BATCH_INTAKE_ROLES = frozenset({OPERATOR})

# 数据看板 and GET /api/v1/indicators/hotline: the 三率, counts and ranking.
ANALYTICS_ROLES = frozenset({LEADER, SUPERVISOR, DISPATCHER})
# 热点问题 · 未诉先办 (rising issues, most-reported open orders).
HOT_ISSUE_ROLES = ANALYTICS_ROLES
# 来电人历史工单: earlier orders of a phone number, looked up while an appeal is taken in or
# sorted out (受理 and 派单); also 工单查询 by the caller's phone. Page partial and
# GET /api/v1/callers alike.
CALLER_HISTORY_ROLES = frozenset({OPERATOR, DISPATCHER})
# 智能派单建议 and 疑似重复工单 on an order (the page's panel and GET .../suggestions):
# dispatchers act on them, supervisors read them.
SUGGESTION_ROLES = frozenset({DISPATCHER, SUPERVISOR})
# 可能重复的在办工单 while an appeal is typed (page partial and GET /api/v1/repeats).
INTAKE_REPEAT_ROLES = frozenset({OPERATOR, DISPATCHER})

# what the engine asks of a role without naming it (org.roles)
declare_role_group(CENTRE, CENTRE_ROLES)
declare_role_group(REVEAL_PHONE, CONTACT_ROLES)
declare_role_group(PUBLIC, {CITIZEN})

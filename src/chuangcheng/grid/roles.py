"""The people of the 网格化服务管理 loop and what each may read. ONE definition of each role set:
pages and API both read these."""

from __future__ import annotations

from chuangcheng.org.roles import declare_roles

WORKER = "gd_worker"  # 专职网格员: their own grids (GridPost), on a phone
HELPER = "gd_helper"  # 兼职网格员、楼栋长: their own grids, no control register
COMMUNITY = "gd_community"  # 社区工作人员: every grid of their community (membership unit's region)
ZONGZHI = "gd_zongzhi"  # 社区综治专干: as community staff, and the control register
STREET = "gd_street"  # 街道网格中心: every grid of the street; no personal registers' details
DEPARTMENT = "gd_dept"  # 承办部门: an escalated event handed to a department with a deadline

ROLES = {
    WORKER: "专职网格员",
    HELPER: "兼职网格员",
    COMMUNITY: "社区工作人员",
    ZONGZHI: "社区综治专干",
    STREET: "街道网格中心",
    DEPARTMENT: "网格事件承办部门",
}

# who reads the 人房 ledgers (people, homes, who lives where), each within their grids
LEDGER_READ_ROLES = frozenset({WORKER, HELPER, COMMUNITY, ZONGZHI, STREET})
# who may change them (import, correct, confirm in the quarterly refresh)
LEDGER_EDIT_ROLES = frozenset({WORKER, COMMUNITY, ZONGZHI})
# who reads a grid's people by the grid they hold a post in (the rest: by their unit's region)
POSTED_ROLES = frozenset({WORKER, HELPER})
# who sees an ID number in full (each look is logged); everyone else sees it masked
ID_REVEAL_ROLES = frozenset({WORKER, ZONGZHI})

declare_roles(ROLES)
# who reads by their unit's region (community or street) rather than by a grid post
REGION_ROLES = frozenset({COMMUNITY, ZONGZHI, STREET})
EDIT_BY_REGION_ROLES = frozenset({COMMUNITY, ZONGZHI})
# who records a visit (探访) to someone in their grids
VISIT_ROLES = frozenset({WORKER, HELPER, COMMUNITY, ZONGZHI})
# the control register (管控, 特殊人群): the grid's 专职网格员 (by post) and the community's
# 综治专干 (by region); nobody else, not the street, not community staff in general
CONTROL_BY_POST_ROLES = frozenset({WORKER})
CONTROL_BY_REGION_ROLES = frozenset({ZONGZHI})

"""The people of the 创城测评 loop and which of them may use which page or endpoint.

ONE definition of each role set: pages and API both read these."""

from __future__ import annotations

from chuangcheng.org.roles import declare_roles

OFFICE = "ev_office"  # 创城办: keeps the standard and the site registry, plans inspections
EVALUATOR = "ev_evaluator"  # 测评员: inspects sites against the standard
UNIT = "ev_unit"  # 责任单位: the unit responsible for (or paired with) sites
LEADER = "ev_leader"  # 创城领导: reads scores and rankings

ROLES = {
    OFFICE: "创城办",
    EVALUATOR: "测评员",
    UNIT: "责任单位",
    LEADER: "创城领导",
}

# 测评标准: who may read the standard (everyone of the loop), who may change or import it
STANDARD_READ_ROLES = frozenset({OFFICE, EVALUATOR, UNIT, LEADER})
STANDARD_EDIT_ROLES = frozenset({OFFICE})
# 点位: who may read the registry (a unit: only its own and its paired sites), who may change it
SITE_READ_ROLES = frozenset({OFFICE, EVALUATOR, UNIT, LEADER})
SITE_EDIT_ROLES = frozenset({OFFICE})
# roles that read every site in their unit's region (the rest: only their units' sites)
SITE_REGION_ROLES = frozenset({OFFICE, EVALUATOR, LEADER})

declare_roles(ROLES)

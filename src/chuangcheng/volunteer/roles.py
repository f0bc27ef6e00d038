"""The people of the 新时代文明实践 loop and what each may do. ONE definition of each role set:
pages and API both read these. What each role sees of the orders is declared with the workflow
(volunteer.workflow)."""

from __future__ import annotations

from chuangcheng.org.roles import PUBLIC, declare_role_group, declare_roles

# 居民: the same account a resident uses for 12345 (one person, one public role); orders from a
# 站's menu and follows and rates their own orders only
RESIDENT = "citizen"
STATION = "vol_station"  # 文明实践站工作人员: the orders of their community (the 站 unit's region)
INSTITUTE = "vol_institute"  # 文明实践所工作人员: the orders of every 站 of the street
CENTRE = "vol_centre"  # 文明实践中心工作人员: the orders of the district
LEADER = "vol_leader"  # 志愿服务队队长: the orders dispatched to their team (the team's unit)
VOLUNTEER = "vol_volunteer"  # 志愿者: the orders they are assigned to by name

ROLES = {
    STATION: "文明实践站工作人员",
    INSTITUTE: "文明实践所工作人员",
    CENTRE: "文明实践中心工作人员",
    LEADER: "志愿服务队队长",
    VOLUNTEER: "志愿者",
}
declare_roles(ROLES)
declare_role_group(PUBLIC, {RESIDENT})

# 审单 and 派单 (accept, reject, dispatch, reassign, cancel): the 站, or the 所 above it
REVIEW_ROLES = frozenset({STATION, INSTITUTE})
# the staff queue of orders (站/所/中心)
QUEUE_ROLES = frozenset({STATION, INSTITUTE, CENTRE})
# 队伍订单 (the team's queue)
TEAM_ROLES = frozenset({LEADER})
# 我的志愿服务 (a volunteer's own page)
VOLUNTEER_ROLES = frozenset({VOLUNTEER, LEADER})
# who reads the orders list in the API (every role of the loop, each within its scope)
ORDER_READ_ROLES = QUEUE_ROLES | TEAM_ROLES | {VOLUNTEER, RESIDENT}

# 文明团结超市收银员: the counter of the 超市 of their 站/所 (the unit); 站/所 staff may also serve it
CLERK = "vol_clerk"
declare_roles({CLERK: "文明团结超市收银员"})
# the counter (兑换): the clerk, or the 站/所 staff of the 超市's unit
COUNTER_ROLES = frozenset({CLERK, STATION, INSTITUTE})
# goods, stock and 积分调整 (propose / approve): 站/所 staff of the unit
SHOP_STAFF_ROLES = frozenset({STATION, INSTITUTE})
# who holds points and sees their own (a resident, a volunteer, a team leader)
HOLDER_ROLES = frozenset({RESIDENT, VOLUNTEER, LEADER})

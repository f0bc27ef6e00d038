from django.apps import AppConfig

from chuangcheng.hotline.roles import (
    ANALYTICS_ROLES,
    CALLBACK,
    CENTRE_ROLES,
    CITIZEN,
    DISPATCHER,
    HANDLER,
    HOT_ISSUE_ROLES,
    LEADER,
    OPERATOR,
    SUPERVISOR,
)


class Config(AppConfig):
    name = "chuangcheng.hotline"
    label = "hotline"
    verbose_name = "12345 接诉即办"
    default_auto_field = "django.db.models.BigAutoField"

    # What this loop adds to the shell (read by web.loops): the navigation, in the order of
    # the loop, as (url name, label, roles that see it)...
    nav = [
        ("hotline:intake", "受理", frozenset({OPERATOR})),
        ("hotline:dispatch", "派单台", frozenset({DISPATCHER})),
        ("hotline:queue", "我的工单", frozenset({HANDLER})),
        ("hotline:callbacks", "回访", frozenset({CALLBACK})),
        ("hotline:supervision", "督办", frozenset({SUPERVISOR})),
        ("hotline:case_list", "工单查询", CENTRE_ROLES),
        ("hotline:dashboard", "数据看板", ANALYTICS_ROLES),
        ("hotline:hot", "热点", HOT_ISSUE_ROLES),
        ("hotline:m_home", "我的诉求", frozenset({CITIZEN})),
    ]
    # ...where `/` sends a person, first matching role wins...
    home_by_role = [
        (OPERATOR, "hotline:intake"),
        (DISPATCHER, "hotline:dispatch"),
        (HANDLER, "hotline:queue"),
        (CALLBACK, "hotline:callbacks"),
        (SUPERVISOR, "hotline:supervision"),
        (LEADER, "hotline:dashboard"),
        (CITIZEN, "hotline:m_home"),
    ]
    # the 居民's tab bar on the phone layout, and where the sign-in page sends someone to follow
    # an order by its number
    public_nav = [
        ("hotline:m_home", "首页"),
        ("hotline:m_submit", "我要反映"),
        ("hotline:m_track", "进度查询"),
        ("hotline:m_cases", "我的诉求"),
    ]
    public_brand = "12345 市民诉求"
    public_track_page = "hotline:m_track"
    superuser_home = "hotline:case_list"
    no_role_home = "hotline:m_home"
    public_case_page = "hotline:m_case"  # where a notice takes a 居民
    # ...and the 智能辅助 panels on an order's page (its template: hotline/case_detail.html).
    case_detail_extras = "chuangcheng.hotline.views.intelligence.detail_extras"

    def ready(self) -> None:
        from chuangcheng.hotline import workflow  # noqa: F401  (registers the workflow)

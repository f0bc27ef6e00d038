from django.apps import AppConfig

from chuangcheng.volunteer import settings_keys  # noqa: F401  (declares the loop's settings)


class VolunteerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chuangcheng.volunteer"
    label = "volunteer"
    verbose_name = "新时代文明实践"

    # What this loop adds to the shell (read by web.loops). Role codes as in volunteer.roles.
    nav = [
        (
            "volunteer:queue",
            "志愿服务订单",
            frozenset({"vol_station", "vol_institute", "vol_centre"}),
        ),
        ("volunteer:team", "队伍订单", frozenset({"vol_leader"})),
        ("volunteer:me", "我的志愿服务", frozenset({"vol_volunteer", "vol_leader"})),
        (
            "volunteer:activities",
            "文明实践活动",
            frozenset({"vol_station", "vol_institute", "vol_centre", "vol_leader"}),
        ),
        ("volunteer:m_activities", "活动报名", frozenset({"vol_volunteer", "vol_leader"})),
        ("volunteer:counter", "超市兑换", frozenset({"vol_clerk", "vol_station", "vol_institute"})),
        ("volunteer:goods", "超市商品", frozenset({"vol_station", "vol_institute"})),
        ("volunteer:adjustments", "积分调整", frozenset({"vol_station", "vol_institute"})),
        # 百日打卡 and 统计分析 (ADR 0030)
        ("volunteer:campaigns", "打卡活动", frozenset({"vol_institute", "vol_centre"})),
        (
            "volunteer:stats",
            "文明实践统计",
            frozenset({"vol_station", "vol_institute", "vol_centre", "leader", "ev_leader"}),
        ),
        ("volunteer:m_campaigns", "文明打卡", frozenset({"vol_volunteer", "vol_leader"})),
        (
            "volunteer:documents",
            "证明与星级",
            frozenset({"vol_station", "vol_institute", "vol_centre"}),
        ),
    ]
    # a resident's tab bar on the loop's phone pages
    public_brand = "新时代文明实践"
    public_nav = [
        ("volunteer:m_orders", "我的点单"),
        ("volunteer:m_campaigns", "文明打卡"),
        ("volunteer:my_points", "我的积分"),
    ]
    public_case_page = "volunteer:m_order"  # where a notice about an order takes a 居民
    home_by_role = [
        ("vol_station", "volunteer:queue"),
        ("vol_institute", "volunteer:queue"),
        ("vol_centre", "volunteer:queue"),
        ("vol_leader", "volunteer:team"),
        ("vol_volunteer", "volunteer:me"),
        ("vol_clerk", "volunteer:counter"),
    ]

    def ready(self) -> None:
        # declares the loop's roles and the orders' workflow
        from chuangcheng.volunteer import points as _points  # noqa: F401  (积分 rules, expiry)
        from chuangcheng.volunteer import roles, workflow  # noqa: F401

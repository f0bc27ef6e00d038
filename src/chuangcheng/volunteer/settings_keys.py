"""The 新时代文明实践 loop's settings (参数设置): its clocks. Declared when the app's config
loads (volunteer.apps imports this module)."""

from __future__ import annotations

from chuangcheng.core.settings_store import SettingSpec, declare_settings

REVIEW_HOURS = "volunteer.review_hours"
TAKE_HOURS = "volunteer.take_hours"

declare_settings(
    SettingSpec(
        REVIEW_HOURS,
        "文明实践·审单时限（小时）",
        "int",
        24,
        help="居民点单后，站点应在多少小时内审核（通过或不予受理）",
        minimum=1,
        maximum=168,
    ),
    SettingSpec(
        TAKE_HOURS,
        "文明实践·接单时限（小时）",
        "int",
        12,
        help="派单后，志愿服务队应在多少小时内接单或说明理由拒绝",
        minimum=1,
        maximum=168,
    ),
)

# ---------------------------------------------------------------- activities (活动与签到)
ACTIVITY_RADIUS_M = "volunteer.activity_radius_m"
ACTIVITY_MARGIN_MIN = "volunteer.activity_margin_min"
ACTIVITY_HOURS_CAP = "volunteer.activity_hours_cap"

declare_settings(
    SettingSpec(
        ACTIVITY_RADIUS_M,
        "文明实践·活动签到范围（米）",
        "int",
        500,
        help="发布活动时的默认签到范围：离活动地点超过这个距离不能签到、签退",
        minimum=50,
        maximum=5000,
    ),
    SettingSpec(
        ACTIVITY_MARGIN_MIN,
        "文明实践·活动签到时间余量（分钟）",
        "int",
        30,
        help="发布活动时的默认余量：开始前多少分钟起可签到、结束后多少分钟内可签退",
        minimum=0,
        maximum=240,
    ),
    SettingSpec(
        ACTIVITY_HOURS_CAP,
        "文明实践·每次活动最多记录时长（小时）",
        "float",
        2.0,
        help="签到签退折算的时长（按半小时向下取整）每次活动最多记这么多小时",
        minimum=0.5,
        maximum=24,
    ),
)

# ---------------------------------------------------------------- 文明积分 and 文明团结超市
POINTS_PER_HOUR = "volunteer.points_per_hour"
POINTS_PER_ACTIVITY = "volunteer.points_per_activity"
POINTS_PER_CHECKIN_DAY = "volunteer.points_per_checkin_day"
POINTS_EXPIRE_MONTHS = "volunteer.points_expire_months"
REDEMPTIONS_PER_QUARTER = "volunteer.redemptions_per_quarter"
# per service field (the "8+N"): volunteer.points_coef.<field>, e.g. volunteer.points_coef.health
POINTS_COEF_PREFIX = "volunteer.points_coef."
_FIELDS = (
    ("theory", "理论宣讲"),
    ("education", "教育服务"),
    ("culture", "文化服务"),
    ("science", "科普服务"),
    ("health", "卫生健康"),
    ("law", "法律服务"),
    ("sports", "体育服务"),
    ("ecology", "生态环保"),
    ("other", "特色服务"),
)

declare_settings(
    SettingSpec(
        POINTS_PER_HOUR,
        "文明积分·每小时服务积分",
        "float",
        1.0,
        help="志愿服务每 1 小时记多少文明积分（再乘以服务领域系数）；积分与时长分账，兑换不减时长",
        minimum=0,
        maximum=100,
    ),
    *(
        SettingSpec(
            f"{POINTS_COEF_PREFIX}{code}",
            f"文明积分·{label}领域系数",
            "float",
            1.0,
            help=f"{label}领域的服务时长折算积分时乘以的系数",
            minimum=0,
            maximum=10,
        )
        for code, label in _FIELDS
    ),
    SettingSpec(
        POINTS_PER_ACTIVITY,
        "文明积分·参加一次活动积分",
        "float",
        2.0,
        help="志愿者参加一次活动（签退或组织者确认）记多少积分",
        minimum=0,
        maximum=100,
    ),
    SettingSpec(
        POINTS_PER_CHECKIN_DAY,
        "文明积分·活动打卡每日积分",
        "float",
        1.0,
        help="文明行为打卡等活动每打卡一天记多少积分",
        minimum=0,
        maximum=100,
    ),
    SettingSpec(
        POINTS_EXPIRE_MONTHS,
        "文明积分·有效期（月）",
        "int",
        0,
        help="获得超过这么多个月仍未使用的积分作过期处理；0 为永不过期",
        minimum=0,
        maximum=120,
    ),
    SettingSpec(
        REDEMPTIONS_PER_QUARTER,
        "文明团结超市·每人每季度兑换次数",
        "int",
        3,
        help="每人每个季度在文明团结超市最多兑换几次；0 为不限",
        minimum=0,
        maximum=100,
    ),
)

# ---------------------------------------------------------------- stars (vdocs)
STAR_NOTICE_DAYS = "volunteer.star_notice_days"
STAR_WITHDRAW_BAR_DAYS = "volunteer.star_withdraw_bar_days"

declare_settings(
    SettingSpec(
        STAR_NOTICE_DAYS,
        "文明实践·星级认定公示期（工作日）",
        "int",
        5,
        help="志愿者累计时长达到下一星级后，公示多少个工作日无异议即予认定",
        minimum=1,
        maximum=30,
    ),
    SettingSpec(
        STAR_WITHDRAW_BAR_DAYS,
        "文明实践·撤销公示后重新公示的间隔（天）",
        "int",
        365,
        help="公示被撤销（如时长造假）后，同一星级多少天内不再自动公示",
        minimum=0,
        maximum=1095,
    ),
)

# ---------------------------------------------------------------- 自动结单 (ADR 0032)
RATE_DAYS = "volunteer.rate_days"

declare_settings(
    SettingSpec(
        RATE_DAYS,
        "文明实践·评单期限（天）",
        "int",
        7,
        help="服务完成后居民多少天内未评价，订单自动结单并记为“未评价”（不默认好评）",
        minimum=1,
        maximum=60,
    ),
)

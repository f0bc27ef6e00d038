"""新时代文明实践: the 中心 → 所 → 站 (each an org.Unit bound to its region), the "8+N" teams
(each an org.Unit under its 站 or 所, so a dispatched order is the team's by the engine's lead
unit), volunteers (real name; the ID number encrypted, found by its blind index, shown masked,
never the public volunteer number), each 站's service menu and the order's own row."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from chuangcheng.core.fields import EncryptedTextField


class Station(models.Model):
    """A 新时代文明实践 中心 (district), 所 (street) or 站 (community): the loop's facts about a
    unit of the organisation (its region is the unit's)."""

    class Level(models.TextChoices):
        CENTRE = "centre", "新时代文明实践中心"
        INSTITUTE = "institute", "新时代文明实践所"
        STATION = "station", "新时代文明实践站"

    unit = models.OneToOneField(
        "org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="practice"
    )
    level = models.CharField("层级", max_length=10, choices=Level.choices)
    code = models.SlugField(
        "公开编码", max_length=30, unique=True, help_text="站点页面与二维码的地址 /v/<编码>/"
    )
    name = models.CharField("名称", max_length=80)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("服务电话", max_length=20, blank=True, help_text="站点的公开电话")

    class Meta:
        verbose_name = "文明实践阵地"
        verbose_name_plural = "文明实践中心/所/站"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ServiceField(models.TextChoices):
    """The "8" of the "8+N" teams (and of the menu's items)."""

    THEORY = "theory", "理论宣讲"
    EDUCATION = "education", "教育服务"
    CULTURE = "culture", "文化服务"
    SCIENCE = "science", "科普服务"
    HEALTH = "health", "卫生健康"
    LAW = "law", "法律服务"
    SPORTS = "sports", "体育服务"
    ECOLOGY = "ecology", "生态环保"
    OTHER = "other", "特色服务"  # the "N"


class Volunteer(models.Model):
    """A registered volunteer (实名注册)."""

    class Sex(models.TextChoices):
        MALE = "m", "男"
        FEMALE = "f", "女"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer",
    )
    number = models.CharField(
        "志愿者编号", max_length=16, unique=True, help_text="平台统一编号，不含身份证号码"
    )
    name = models.CharField("姓名", max_length=40)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    birth = models.DateField("出生日期")
    id_number = EncryptedTextField("公民身份号码")
    id_index = models.CharField("身份号码索引", max_length=64, editable=False, unique=True)
    id_masked = models.CharField("公民身份号码（脱敏）", max_length=18, editable=False)
    phone = EncryptedTextField("联系电话")
    phone_masked = models.CharField("联系电话（脱敏）", max_length=20, editable=False)
    skills = models.CharField("技能特长", max_length=200, blank=True)
    station = models.ForeignKey(
        Station, verbose_name="注册站点", on_delete=models.PROTECT, related_name="volunteers"
    )
    registered_at = models.DateTimeField("注册时间")

    class Meta:
        verbose_name = "志愿者"
        verbose_name_plural = "志愿者"
        ordering = ["number"]
        indexes = [  # the statistics (ADR 0030): registered per station by a date
            models.Index(
                fields=["station", "registered_at"], include=["id"], name="volunteer_reg_by_station"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.number}）"


class Team(models.Model):
    """A 志愿服务队 of a 站 or 所: one of the "8" fields or a team of its own (N)."""

    unit = models.OneToOneField(
        "org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="volunteer_team"
    )
    station = models.ForeignKey(
        Station, verbose_name="所属站/所", on_delete=models.PROTECT, related_name="teams"
    )
    field = models.CharField("服务领域", max_length=10, choices=ServiceField.choices)
    name = models.CharField("队名", max_length=80)
    leader = models.ForeignKey(
        Volunteer,
        verbose_name="队长",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    members = models.ManyToManyField(
        Volunteer, verbose_name="队员", through="TeamMember", related_name="teams"
    )
    active = models.BooleanField("在册", default=True)

    class Meta:
        verbose_name = "志愿服务队"
        verbose_name_plural = "志愿服务队"
        ordering = ["station", "field", "name"]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, verbose_name="队伍", on_delete=models.CASCADE)
    volunteer = models.ForeignKey(Volunteer, verbose_name="志愿者", on_delete=models.CASCADE)
    joined_at = models.DateTimeField("加入时间")

    class Meta:
        verbose_name = "队员"
        verbose_name_plural = "队员"
        constraints = [
            models.UniqueConstraint(fields=["team", "volunteer"], name="volunteer_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.volunteer}"


class MenuItem(models.Model):
    """One service on a 站's menu (服务菜单), what residents order from."""

    station = models.ForeignKey(
        Station, verbose_name="站点", on_delete=models.PROTECT, related_name="menu"
    )
    name = models.CharField("服务项目", max_length=40)
    field = models.CharField("服务领域", max_length=10, choices=ServiceField.choices)
    description = models.CharField("说明", max_length=200, blank=True)
    active = models.BooleanField("上架", default=True)
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "服务菜单项"
        verbose_name_plural = "服务菜单"
        ordering = ["station", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="volunteer_menu_name_once")
        ]

    def __str__(self) -> str:
        return f"{self.station} · {self.name}"


class ServiceOrder(models.Model):
    """The loop's own row of an order (点单): one-to-one with its case (kind `vorder`)."""

    case = models.OneToOneField(
        "cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="vorder"
    )
    station = models.ForeignKey(
        Station, verbose_name="站点", on_delete=models.PROTECT, related_name="orders"
    )
    item = models.ForeignKey(
        MenuItem, verbose_name="服务项目", on_delete=models.PROTECT, related_name="orders"
    )
    wanted = models.CharField("期望服务时间", max_length=60, blank=True)
    team = models.ForeignKey(
        Team,
        verbose_name="服务队",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    reject_reason = models.CharField("不予受理理由", max_length=500, blank=True)
    refuse_reason = models.CharField("拒绝接单理由", max_length=500, blank=True)
    stars = models.PositiveSmallIntegerField("评价星级", null=True, blank=True)
    comment = models.CharField("评价意见", max_length=500, blank=True)

    class Meta:
        verbose_name = "志愿服务订单"
        verbose_name_plural = "志愿服务订单"

    def __str__(self) -> str:
        return f"订单 {self.case_id}"


class ServiceRecord(models.Model):
    """Who came to serve an order and for how long, as the team leader confirmed it (服务完成).
    Written once, with the step that confirms the service."""

    order = models.ForeignKey(
        ServiceOrder, verbose_name="订单", on_delete=models.CASCADE, related_name="records"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name="志愿者", on_delete=models.PROTECT, related_name="records"
    )
    hours = models.DecimalField("服务时长（小时）", max_digits=4, decimal_places=1)
    served_at = models.DateTimeField("确认时间")

    class Meta:
        verbose_name = "订单服务记录"
        verbose_name_plural = "订单服务记录"
        constraints = [
            models.UniqueConstraint(fields=["order", "volunteer"], name="volunteer_record_once")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.hours} 小时"


class HourEntry(models.Model):
    """One line of the hours ledger (志愿服务时间记录): append-only. Every hour a volunteer has
    comes from one entry: a team leader's 服务完成 of an order, a confirmed check-in at an
    activity, or a leader's confirmation; a correction is a new (negative) entry, never an edit.
    `ref` names what the entry is for, so the same thing is never credited twice."""

    class Source(models.TextChoices):
        ORDER = "order", "订单服务"
        CHECKIN = "checkin", "活动签到"
        LEADER = "leader", "负责人确认"
        CORRECTION = "correction", "更正"

    volunteer = models.ForeignKey(
        Volunteer, verbose_name="志愿者", on_delete=models.PROTECT, related_name="hour_entries"
    )
    hours = models.DecimalField("服务时长（小时）", max_digits=6, decimal_places=1)
    source = models.CharField("来源", max_length=12, choices=Source.choices)
    ref = models.CharField("记录依据", max_length=80, unique=True)
    field = models.CharField("服务领域", max_length=10, choices=ServiceField.choices)
    content = models.CharField("服务内容", max_length=200)
    station = models.ForeignKey(
        Station, verbose_name="记录站点", on_delete=models.PROTECT, related_name="hour_entries"
    )
    team = models.ForeignKey(
        Team,
        verbose_name="服务队",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hour_entries",
    )
    served_on = models.DateField("服务日期")
    recorded_at = models.DateTimeField("记录时间")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "志愿服务时间记录"
        verbose_name_plural = "志愿服务时间记录"
        indexes = [
            models.Index(fields=["volunteer", "served_on"], name="volunteer_hours_by_person"),
            models.Index(fields=["station", "served_on"], name="volunteer_hours_by_station"),
            # the statistics (ADR 0030): a month's active volunteers and its hours by station
            # and team, read from the index alone
            models.Index(
                fields=["station", "served_on"],
                include=["volunteer", "team", "hours"],
                name="volunteer_hours_station_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.hours} 小时 · {self.get_source_display()}"


# ---------------------------------------------------------------- activities (文明实践活动)
class Activity(models.Model):
    """A 文明实践活动 a 站 (or 所) publishes: volunteers sign up, the 站 approves, and those
    approved check in and out by scanning the activity's QR code (its check-in page with a
    secret token) within its time window and its radius; check-out credits hours."""

    station = models.ForeignKey(
        Station, verbose_name="所属站/所", on_delete=models.PROTECT, related_name="activities"
    )
    team = models.ForeignKey(
        Team,
        verbose_name="组织队伍",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        help_text="其队长可为未能签到的志愿者确认时长",
    )
    title = models.CharField("活动名称", max_length=80)
    field = models.CharField("服务领域", max_length=10, choices=ServiceField.choices)
    duties = models.CharField("服务内容", max_length=500, help_text="志愿者在活动中做什么")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    address = models.CharField("活动地点", max_length=200)
    lat = models.FloatField("纬度")
    lng = models.FloatField("经度")
    capacity = models.PositiveIntegerField("招募人数")
    radius_m = models.PositiveIntegerField("签到范围（米）")
    margin_min = models.PositiveIntegerField("签到时间余量（分钟）")
    token = models.CharField("签到口令", max_length=40, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("发布时间")

    class Meta:
        verbose_name = "文明实践活动"
        verbose_name_plural = "文明实践活动"
        ordering = ["-starts_at", "-pk"]
        indexes = [
            models.Index(fields=["station", "starts_at"], name="volunteer_activity_by_station"),
            models.Index(fields=["ends_at"], name="volunteer_activity_by_end"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="volunteer_activity_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ActivitySignup(models.Model):
    """A volunteer's sign-up (报名) for an activity, approved or declined by the 站."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已通过"
        DECLINED = "declined", "未通过"

    activity = models.ForeignKey(
        Activity, verbose_name="活动", on_delete=models.CASCADE, related_name="signups"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name="志愿者", on_delete=models.PROTECT, related_name="signups"
    )
    status = models.CharField("审核状态", max_length=10, choices=Status.choices)
    reason = models.CharField("未通过理由", max_length=200, blank=True)
    created_at = models.DateTimeField("报名时间")
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "活动报名"
        verbose_name_plural = "活动报名"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="volunteer_signup_once")
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.volunteer}"


class ActivityCheckin(models.Model):
    """One scan at an activity: a check-in or a check-out, each at most once per volunteer
    (the unique constraint makes a resent scan count once)."""

    class Kind(models.TextChoices):
        IN = "in", "签到"
        OUT = "out", "签退"

    activity = models.ForeignKey(
        Activity, verbose_name="活动", on_delete=models.CASCADE, related_name="checkins"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name="志愿者", on_delete=models.PROTECT, related_name="checkins"
    )
    kind = models.CharField("类型", max_length=3, choices=Kind.choices)
    at = models.DateTimeField("时间")
    lat = models.FloatField("纬度")
    lng = models.FloatField("经度")
    distance_m = models.PositiveIntegerField("距活动地点（米）")
    client_key = models.CharField("客户端编号", max_length=64, blank=True)

    class Meta:
        verbose_name = "活动签到"
        verbose_name_plural = "活动签到"
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "volunteer", "kind"], name="volunteer_checkin_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.volunteer} · {self.get_kind_display()}"


# ------------------------------------------------------------------ 文明积分 and 文明团结超市
class PointAccount(models.Model):
    """One person's 文明积分 (a volunteer's or a resident's): held per user account; a
    volunteer without an account holds it by their volunteer row. `balance` is the running sum
    of the account's entries, written with each entry under this row's lock, never below zero."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="point_account",
    )
    volunteer = models.OneToOneField(
        Volunteer,
        verbose_name="志愿者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="point_account",
    )
    name = models.CharField("姓名", max_length=40)
    station = models.ForeignKey(
        Station,
        verbose_name="所属站点",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="point_accounts",
    )
    balance = models.DecimalField("积分余额", max_digits=10, decimal_places=1, default=0)
    created_at = models.DateTimeField("开户时间")

    class Meta:
        verbose_name = "积分账户"
        verbose_name_plural = "积分账户"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance__gte=0), name="volunteer_points_never_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(volunteer__isnull=False),
                name="volunteer_points_has_holder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.balance} 分"


class PointEntry(models.Model):
    """One line of the points ledger: append-only. `ref` names the fact (an hours entry, an
    attendance, a check-in day, a redemption, an approved adjustment, an expiry run), so the same
    fact never earns twice. `balance_after` is the account's balance once this entry is in."""

    class Kind(models.TextChoices):
        EARN = "earn", "获得"
        SPEND = "spend", "兑换"
        EXPIRE = "expire", "过期"
        ADJUST = "adjust", "调整"

    account = models.ForeignKey(
        PointAccount, verbose_name="积分账户", on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    points = models.DecimalField("积分", max_digits=10, decimal_places=1)
    balance_after = models.DecimalField("变动后余额", max_digits=10, decimal_places=1)
    shortfall = models.DecimalField(
        "未能扣回", max_digits=10, decimal_places=1, default=0, help_text="扣回时余额不足的部分"
    )
    ref = models.CharField("记录依据", max_length=100, unique=True)
    reason = models.CharField("说明", max_length=200)
    station = models.ForeignKey(
        Station,
        verbose_name="站点",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="point_entries",
    )
    created_at = models.DateTimeField("记录时间")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "积分记录"
        verbose_name_plural = "积分记录"
        indexes = [
            models.Index(fields=["account", "created_at"], name="volunteer_points_by_account"),
            models.Index(fields=["station", "created_at"], name="volunteer_points_by_station"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance_after__gte=0), name="volunteer_entry_balance_ok"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account.name} · {self.get_kind_display()} {self.points}"


class PointAdjustment(models.Model):
    """积分调整: one staff member proposes (+/−, a reason), another of the same 站/所 approves or
    rejects; only an approval writes the ledger entry."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "已驳回"

    account = models.ForeignKey(
        PointAccount, verbose_name="积分账户", on_delete=models.PROTECT, related_name="adjustments"
    )
    station = models.ForeignKey(
        Station, verbose_name="站点", on_delete=models.PROTECT, related_name="point_adjustments"
    )
    points = models.DecimalField("调整积分", max_digits=10, decimal_places=1)
    reason = models.CharField("理由", max_length=200)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出人", on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField("提出时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    entry = models.OneToOneField(
        PointEntry,
        verbose_name="积分记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adjustment",
    )

    class Meta:
        verbose_name = "积分调整"
        verbose_name_plural = "积分调整"
        ordering = ["-proposed_at"]

    def __str__(self) -> str:
        return f"{self.account.name} · {self.points}（{self.get_status_display()}）"


class Goods(models.Model):
    """A good on the shelf of a 站's or 所's 文明团结超市."""

    station = models.ForeignKey(
        Station, verbose_name="超市所在站/所", on_delete=models.PROTECT, related_name="goods"
    )
    name = models.CharField("商品名称", max_length=40)
    price = models.PositiveIntegerField("兑换积分")
    stock = models.PositiveIntegerField("库存", default=0)
    active = models.BooleanField("上架", default=True)

    class Meta:
        verbose_name = "超市商品"
        verbose_name_plural = "超市商品"
        ordering = ["station", "name"]
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="volunteer_goods_name_once"),
            models.CheckConstraint(condition=models.Q(price__gt=0), name="volunteer_goods_price"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.price} 分）"


class Redemption(models.Model):
    """一次兑换 at a counter: the points spent (one ledger entry) and the stock taken, together."""

    account = models.ForeignKey(
        PointAccount, verbose_name="积分账户", on_delete=models.PROTECT, related_name="redemptions"
    )
    station = models.ForeignKey(
        Station, verbose_name="超市", on_delete=models.PROTECT, related_name="redemptions"
    )
    number = models.CharField("小票编号", max_length=20, unique=True)
    points = models.PositiveIntegerField("合计积分")
    entry = models.OneToOneField(
        PointEntry, verbose_name="积分记录", on_delete=models.PROTECT, related_name="redemption"
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("兑换时间")

    class Meta:
        verbose_name = "积分兑换"
        verbose_name_plural = "积分兑换"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["account", "created_at"], name="volunteer_redeem_by_account"),
            models.Index(fields=["station", "created_at"], name="volunteer_redeem_by_station"),
        ]

    def __str__(self) -> str:
        return self.number


class RedemptionLine(models.Model):
    redemption = models.ForeignKey(
        Redemption, verbose_name="兑换", on_delete=models.CASCADE, related_name="lines"
    )
    goods = models.ForeignKey(
        Goods, verbose_name="商品", on_delete=models.PROTECT, related_name="lines"
    )
    quantity = models.PositiveIntegerField("数量")
    price = models.PositiveIntegerField("单价（积分）")

    class Meta:
        verbose_name = "兑换明细"
        verbose_name_plural = "兑换明细"

    def __str__(self) -> str:
        return f"{self.goods} × {self.quantity}"


class StockMove(models.Model):
    """The 超市's stock log: every change of a good's stock (入库, 出库, 兑换)."""

    class Kind(models.TextChoices):
        IN = "in", "入库"
        OUT = "out", "出库"
        SALE = "sale", "兑换"

    goods = models.ForeignKey(
        Goods, verbose_name="商品", on_delete=models.PROTECT, related_name="moves"
    )
    kind = models.CharField("类型", max_length=4, choices=Kind.choices)
    quantity = models.IntegerField("数量", help_text="入库为正，出库与兑换为负")
    stock_after = models.PositiveIntegerField("变动后库存")
    note = models.CharField("备注", max_length=200, blank=True)
    redemption = models.ForeignKey(
        Redemption,
        verbose_name="兑换",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moves",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "库存记录"
        verbose_name_plural = "库存记录"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.goods} {self.get_kind_display()} {self.quantity}"


# ---------------------------------------------------------------- 百日打卡 (campaigns, ADR 0030)
def campaign_photo_path(instance: CampaignCheckin, filename: str) -> str:
    return f"volunteer/campaigns/{instance.campaign_id}/{instance.day:%Y%m%d}-{instance.token}.jpg"


class Campaign(models.Model):
    """A check-in campaign (文明行为打卡) a 中心 or 所 runs: from `start`, for `days` days, each
    day's task taken in turn from `tasks` (a list that repeats). Open to residents and
    volunteers alike."""

    station = models.ForeignKey(
        Station, verbose_name="主办单位", on_delete=models.PROTECT, related_name="campaigns"
    )
    title = models.CharField("活动名称", max_length=60)
    description = models.CharField("活动说明", max_length=500, blank=True)
    start = models.DateField("开始日期")
    days = models.PositiveSmallIntegerField("天数")
    tasks = models.JSONField("每日任务", default=list, help_text="按天轮换的任务列表")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间")

    class Meta:
        verbose_name = "打卡活动"
        verbose_name_plural = "打卡活动"
        ordering = ["-start", "pk"]

    def __str__(self) -> str:
        return self.title


class CampaignParticipant(models.Model):
    """Someone who joined a campaign (a resident, or a volunteer: then their 站 is kept for the
    statistics)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="参与人", on_delete=models.CASCADE, related_name="+"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name="志愿者", null=True, blank=True, on_delete=models.SET_NULL
    )
    display_name = models.CharField("显示姓名", max_length=40, blank=True)
    joined_at = models.DateTimeField("报名时间")

    class Meta:
        verbose_name = "打卡参与人"
        verbose_name_plural = "打卡参与人"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "user"], name="volunteer_campaign_join_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.user_id}"


class CampaignCheckin(models.Model):
    """One day checked (打卡): at most one per person and day (a unique constraint, so two
    requests at once still make one). An improper photo is removed by staff, who and why kept
    on the row; the day stays checked."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="checkins"
    )
    participant = models.ForeignKey(
        CampaignParticipant,
        verbose_name="参与人",
        on_delete=models.CASCADE,
        related_name="checkins",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="打卡人", on_delete=models.CASCADE, related_name="+"
    )
    station = models.ForeignKey(
        Station,
        verbose_name="志愿者注册站点",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    day = models.DateField("打卡日期")
    token = models.CharField(max_length=32, unique=True)
    note = models.CharField("心得", max_length=200, blank=True)
    photo = models.FileField("照片", upload_to=campaign_photo_path, blank=True)
    checked_at = models.DateTimeField("打卡时间")
    photo_removed_at = models.DateTimeField("照片撤下时间", null=True, blank=True)
    photo_removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤下人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    photo_removed_reason = models.CharField("撤下理由", max_length=200, blank=True)

    class Meta:
        verbose_name = "打卡记录"
        verbose_name_plural = "打卡记录"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "user", "day"], name="volunteer_checkin_once_a_day"
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "day"], name="volunteer_checkin_by_day"),
            models.Index(fields=["station", "day"], name="volunteer_checkin_by_station"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.day}"


# ---------------------------------------------------------------- stars and certificates (vdocs)
class StarNotice(models.Model):
    """星级认定公示: a volunteer whose hours crossed the next level's threshold, shown on the
    public page until `ends_at` (working days); then awarded, unless staff withdrew it (with a
    reason) or the hours fell below the threshold meanwhile (lapsed). One level at a time."""

    class Status(models.TextChoices):
        OPEN = "open", "公示中"
        AWARDED = "awarded", "已认定"
        WITHDRAWN = "withdrawn", "已撤销"
        LAPSED = "lapsed", "时长不足未认定"

    volunteer = models.ForeignKey(
        Volunteer, verbose_name="志愿者", on_delete=models.PROTECT, related_name="star_notices"
    )
    level = models.PositiveSmallIntegerField("星级")
    hours = models.DecimalField("公示时累计时长", max_digits=8, decimal_places=1)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default="open")
    opened_at = models.DateTimeField("公示开始")
    ends_at = models.DateTimeField("公示截止")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    reason = models.CharField("撤销理由", max_length=200, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "星级认定公示"
        verbose_name_plural = "星级认定公示"
        ordering = ["-opened_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "level"],
                condition=models.Q(status__in=["open", "awarded"]),
                name="volunteer_star_notice_once",
            ),
            models.UniqueConstraint(
                fields=["volunteer"],
                condition=models.Q(status="open"),
                name="volunteer_star_one_open_notice",
            ),
        ]
        indexes = [models.Index(fields=["status", "ends_at"], name="volunteer_star_notice_due")]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.level} 星 · {self.get_status_display()}"


class StarAward(models.Model):
    """A star level awarded (星级认定): append-only; a volunteer's level is their highest award.
    A later hours correction never removes it (the page notes the shortfall)."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name="志愿者", on_delete=models.PROTECT, related_name="star_awards"
    )
    level = models.PositiveSmallIntegerField("星级")
    hours = models.DecimalField("认定时累计时长", max_digits=8, decimal_places=1)
    notice = models.OneToOneField(
        StarNotice, verbose_name="公示", on_delete=models.PROTECT, related_name="award"
    )
    awarded_at = models.DateTimeField("认定时间")

    class Meta:
        verbose_name = "星级认定"
        verbose_name_plural = "星级认定"
        ordering = ["volunteer", "level"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "level"], name="volunteer_star_once")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.level} 星"


class Certificate(models.Model):
    """志愿服务证明 (民发〔2015〕149号): requested by the volunteer (申请), issued by the staff of
    their 站 or the 所/中心 above (开具). At issue every figure is frozen on the row; the PDF and
    the public verify page read the row, never the ledger again."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "已申请"
        ISSUED = "issued", "已开具"
        REFUSED = "refused", "不予开具"

    number = models.CharField("证明编号", max_length=24, unique=True)
    volunteer = models.ForeignKey(
        Volunteer, verbose_name="志愿者", on_delete=models.PROTECT, related_name="certificates"
    )
    station = models.ForeignKey(
        Station, verbose_name="出具单位", on_delete=models.PROTECT, related_name="certificates"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default="requested")
    purpose = models.CharField("用途", max_length=100, blank=True)
    requested_at = models.DateTimeField("申请时间")
    issued_at = models.DateTimeField("出具日期", null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    refuse_reason = models.CharField("不予开具理由", max_length=200, blank=True)
    # frozen at issue
    name = models.CharField("姓名", max_length=40, blank=True)
    id_type = models.CharField("证件类型", max_length=20, blank=True)
    id_masked = models.CharField("证件号码（脱敏）", max_length=18, blank=True)
    volunteer_number = models.CharField("志愿者编号", max_length=16, blank=True)
    hours = models.DecimalField("服务时长合计", max_digits=8, decimal_places=1, default=0)
    first_day = models.DateField("最早服务日期", null=True, blank=True)
    last_day = models.DateField("最近服务日期", null=True, blank=True)
    by_year = models.JSONField("分年度时长", default=list, blank=True)
    by_field = models.JSONField("服务内容", default=list, blank=True)
    issuer = models.CharField("出具主体", max_length=80, blank=True)
    principal = models.CharField("负责人", max_length=40, blank=True)
    handler = models.CharField("经办人", max_length=40, blank=True)
    contact = models.CharField("联系方式", max_length=40, blank=True)
    stars = models.PositiveSmallIntegerField("星级", default=0)

    class Meta:
        verbose_name = "志愿服务证明"
        verbose_name_plural = "志愿服务证明"
        ordering = ["-requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer"],
                condition=models.Q(status="requested"),
                name="volunteer_cert_one_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.volunteer}"

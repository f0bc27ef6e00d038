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
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.hours} 小时 · {self.get_source_display()}"


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

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

"""网格化服务管理: who works which grid, and the 人房 ledgers (楼栋 → 房屋; 人员; who lives where,
from when to when). Codes follow GB/T 31000-2015 (DOMAIN-LOOPS.md §2.2). ID numbers and phones
are encrypted at rest (core.crypto), found by their blind index, shown masked; every look at a
person's record is logged (PersonRead)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from chuangcheng.core.fields import EncryptedTextField


class GridPost(models.Model):
    """A person's post in a grid (网格: a region of level 网格 under a community)."""

    class Kind(models.TextChoices):
        FULL_TIME = "full", "专职网格员"
        PART_TIME = "part", "兼职网格员"
        BUILDING = "building", "楼栋长"

    grid = models.ForeignKey(
        "org.Region", verbose_name="网格", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="人员",
        on_delete=models.CASCADE,
        related_name="grid_posts",
    )
    kind = models.CharField("岗位", max_length=10, choices=Kind.choices, default=Kind.FULL_TIME)

    class Meta:
        verbose_name = "网格岗位"
        verbose_name_plural = "网格岗位"
        constraints = [
            models.UniqueConstraint(fields=["grid", "user"], name="grid_post_once"),
        ]

    def __str__(self) -> str:
        return f"{self.grid} {self.get_kind_display()}"


class Building(models.Model):
    """楼栋 (or a 平房 yard), numbered within its community (00001–99999)."""

    grid = models.ForeignKey(
        "org.Region", verbose_name="网格", on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField("楼栋编号", max_length=5)
    name = models.CharField("楼栋名称", max_length=60, help_text="如：7号楼、仕奇小区3栋")
    floors = models.PositiveSmallIntegerField("层数", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    lng = models.FloatField("经度", null=True, blank=True)

    class Meta:
        verbose_name = "楼栋"
        verbose_name_plural = "楼栋"
        ordering = ["grid", "number"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "number"], name="grid_building_number"),
        ]

    def __str__(self) -> str:
        return self.name


class Home(models.Model):
    """房屋: one dwelling (or shop) of a building."""

    class Use(models.TextChoices):
        HOME = "home", "住宅"
        SHOP = "shop", "商铺"
        OFFICE = "office", "办公"
        OTHER = "other", "其他"

    class Hazard(models.TextChoices):  # GB/T 31000 隐患类型（房屋）
        NONE = "00", "无"
        FIRE = "01", "火灾"
        SECURITY = "02", "治安"
        DISPUTE = "03", "矛盾纠纷"
        CHEMICALS = "04", "危化物品"
        DISEASE = "05", "疾病传染"
        OTHER = "99", "其他"

    building = models.ForeignKey(
        Building, verbose_name="楼栋", on_delete=models.PROTECT, related_name="homes"
    )
    unit_no = models.CharField("单元", max_length=10, blank=True)
    floor = models.SmallIntegerField("楼层", null=True, blank=True)
    door = models.CharField("门牌号", max_length=20)
    use = models.CharField("使用性质", max_length=8, choices=Use.choices, default=Use.HOME)
    rented = models.BooleanField("出租", default=False)
    hazard = models.CharField("隐患类型", max_length=2, choices=Hazard.choices, default=Hazard.NONE)

    class Meta:
        verbose_name = "房屋"
        verbose_name_plural = "房屋"
        ordering = ["building", "unit_no", "floor", "door"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "unit_no", "door"], name="grid_home_address"
            ),
        ]

    def __str__(self) -> str:
        unit = f"{self.unit_no}单元" if self.unit_no else ""
        return f"{self.building.name}{unit}{self.door}"


class Person(models.Model):
    """实有人口: a person living or staying in the community (户籍, 流动 or 境外)."""

    class Type(models.TextChoices):
        REGISTERED = "01", "户籍人口"
        FLOATING = "02", "流动人口"
        FOREIGN = "03", "境外人员"

    class Sex(models.TextChoices):
        MALE = "m", "男"
        FEMALE = "f", "女"

    class Inflow(models.TextChoices):  # GB/T 31000 流入原因
        NONE = "", "—"
        WORK = "01", "务工"
        FARM = "02", "务农"
        BUSINESS = "03", "经商"
        STUDY = "04", "学习培训"
        MARRIAGE = "05", "婚嫁"
        FOLLOW = "06", "随迁"
        TREATMENT = "07", "治病疗养"
        RELATIVES = "08", "投亲靠友"
        TRANSFER = "09", "工作调动"
        OTHER = "99", "其他"

    name = models.CharField("姓名", max_length=40)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    birth = models.DateField("出生日期", null=True, blank=True)
    id_number = EncryptedTextField("公民身份号码", blank=True)
    id_index = models.CharField("身份号码索引", max_length=64, blank=True, editable=False)
    id_masked = models.CharField("公民身份号码（脱敏）", max_length=18, blank=True, editable=False)
    phone = EncryptedTextField("联系电话", blank=True)
    phone_masked = models.CharField("联系电话（脱敏）", max_length=20, blank=True, editable=False)
    phone_index = models.CharField("联系电话索引", max_length=64, blank=True, editable=False)
    person_type = models.CharField(
        "人员类型", max_length=2, choices=Type.choices, default=Type.REGISTERED
    )
    inflow = models.CharField(
        "流入原因", max_length=2, choices=Inflow.choices, blank=True, default=Inflow.NONE
    )
    community = models.ForeignKey(
        "org.Region",
        verbose_name="所属社区",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="登记在哪个社区的台账",
    )
    note = models.CharField("备注", max_length=200, blank=True)
    confirmed_at = models.DateTimeField("最近核实时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "实有人口"
        ordering = ["name", "pk"]
        constraints = [
            # one record per ID number (found and kept unique by its blind index)
            models.UniqueConstraint(
                fields=["id_index"], condition=~models.Q(id_index=""), name="grid_person_id_once"
            ),
        ]
        indexes = [
            # 按电话查找: the phone's blind index (a family may share one phone: not unique)
            models.Index(
                fields=["phone_index"],
                condition=~models.Q(phone_index=""),
                name="grid_person_phone",
            ),
            # 按姓名查找 (prefix): LIKE '王伟%' uses it on PostgreSQL whatever the collation
            models.Index(
                fields=["name"], name="grid_person_name", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # the phone's blind index follows the phone, whoever changes it (import, admin)
        self.phone_index = phone_index(self.phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "phone" in update_fields:
            kwargs["update_fields"] = {*update_fields, "phone_index"}
        super().save(*args, **kwargs)


PHONE_INDEX_PURPOSE = "grid.person.phone"


def phone_index(phone: str) -> str:
    """The blind index of a phone number (normalised first: spaces and dashes do not count)."""
    from chuangcheng.core.crypto import blind_index
    from chuangcheng.core.privacy import normalise_phone

    number = normalise_phone(phone or "")
    if number.lstrip("+").startswith("86") and len(number.lstrip("+")) == 13:
        number = number[-11:]  # +86 13800001234 is 13800001234
    return blind_index(number, PHONE_INDEX_PURPOSE)


class Residence(models.Model):
    """人房关联: a person lives in a home, in a way (住所类型), from a day until a day. Never
    deleted: moving out sets its end, so who lived where stays known."""

    class Kind(models.TextChoices):  # GB/T 31000 住所类型
        OWN = "01", "自购房屋"
        RENT = "02", "租赁房屋"
        LODGE = "03", "寄宿"
        BORROW = "04", "借住"
        DORM = "05", "单位宿舍"
        TEMPORARY = "06", "临时性宿舍"
        WORKERS = "07", "农民工公寓"
        OTHER = "99", "其他"

    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="residences"
    )
    home = models.ForeignKey(
        Home, verbose_name="房屋", on_delete=models.PROTECT, related_name="residences"
    )
    kind = models.CharField("居住类型", max_length=2, choices=Kind.choices)
    is_owner = models.BooleanField("房主", default=False)
    relation = models.CharField("与房主关系", max_length=20, blank=True)
    start = models.DateField("入住日期")
    end = models.DateField("迁出日期", null=True, blank=True)

    class Meta:
        verbose_name = "人房关联"
        verbose_name_plural = "人房关联"
        ordering = ["home", "-start"]
        constraints = [
            # a person lives in a home once at a time (history rows have an end)
            models.UniqueConstraint(
                fields=["person", "home"],
                condition=models.Q(end__isnull=True),
                name="grid_residence_current_once",
            ),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="grid_residence_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.home}"


class PersonRead(models.Model):
    """查阅留痕: who looked at a person's record, when, and what they saw in full. Append-only."""

    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="查阅人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("查阅时间")
    what = models.CharField("查阅内容", max_length=40, help_text="如：人员信息、完整身份证号")

    class Meta:
        verbose_name = "人员信息查阅记录"
        verbose_name_plural = "人员信息查阅记录"
        ordering = ["-at"]
        indexes = [models.Index(fields=["person", "-at"], name="grid_read_person")]

    def __str__(self) -> str:
        return f"{self.user} {self.what} {self.at:%Y-%m-%d %H:%M}"


class RefusedRead(models.Model):
    """拒绝查阅留痕: someone asked for a register or a person's record they may not see. The
    request is refused and changes nothing else; this line stays, for whoever audits the looks
    (docs/privacy.md). Append-only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="请求人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("请求时间")
    what = models.CharField("请求内容", max_length=40, help_text="如：管控台账、人员信息")
    path = models.CharField("请求地址", max_length=200)
    person_ref = models.PositiveBigIntegerField("人员编号", null=True, blank=True)

    class Meta:
        verbose_name = "拒绝查阅记录"
        verbose_name_plural = "拒绝查阅记录"
        ordering = ["-at"]
        indexes = [models.Index(fields=["-at"], name="grid_refused_at")]

    def __str__(self) -> str:
        return f"{self.user} {self.what} {self.at:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------- the two registers (§2.2)


class CareTier(models.TextChoices):
    """探访 tiers of the care register (DOMAIN-LOOPS.md §2.4) and what each needs."""

    HIGH = "high", "高风险"
    KEY = "key", "重点"
    GENERAL = "general", "一般"


class VisitMethod(models.TextChoices):
    """The seven permitted ways of visiting (特殊困难老年人探访关爱)."""

    HOME = "home", "上门走访"
    MESSAGE = "message", "即时通讯探访"
    THIRD_PARTY = "third_party", "委托第三方探访"
    PAIRED = "paired", "党员/志愿者结对帮扶"
    NEIGHBOURS = "neighbours", "亲属邻里互助"
    ALERT = "alert", "主动发现和智能预警"
    HOTLINE = "hotline", "服务热线快速响应"


class CareEntry(models.Model):
    """关爱登记 (六必访 and the elderly tiers): a person in a category, at a tier, from a day
    until a day. A change in their situation (`changed_at`) asks for a visit within 24 hours
    when the tier is 高风险."""

    class Category(models.TextChoices):
        DIBAO = "dibao", "低保"
        DISABLED = "disabled", "残疾"
        EMPTY_NEST = "empty_nest", "空巢老人"
        VERY_OLD = "very_old", "高龄老人"
        SINGLE_PARENT = "single_parent", "单亲"
        UNEMPLOYED = "unemployed", "失业"

    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="care"
    )
    category = models.CharField("类别", max_length=14, choices=Category.choices)
    tier = models.CharField("探访等级", max_length=8, choices=CareTier.choices)
    since = models.DateField("登记日期")
    until = models.DateField("退出日期", null=True, blank=True)
    changed_at = models.DateTimeField(
        "情况变化时间", null=True, blank=True, help_text="高风险对象情况变化后 24 小时内须探访"
    )
    note = models.CharField("情况说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "关爱登记"
        verbose_name_plural = "关爱台账（六必访）"
        ordering = ["person", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "category"],
                condition=models.Q(until__isnull=True),
                name="grid_care_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_category_display()}"


class ControlEntry(models.Model):
    """管控登记 (GB/T 31000 特殊人群). Seen only by the grid's 专职网格员 and the community's
    综治专干; every look logged."""

    class Type(models.TextChoices):
        RELEASED = "01", "刑满释放人员"
        CORRECTION = "02", "社区矫正人员"
        MENTAL = "03", "肇事肇祸等严重精神障碍患者"
        DRUGS = "04", "吸毒人员"
        HIV_RISK = "05", "艾滋病危险人员"
        YOUTH = "06", "重点青少年"

    class Attention(models.TextChoices):
        HIGH = "high", "高"
        MEDIUM = "medium", "中"
        LOW = "low", "低"

    class Source(models.TextChoices):
        VISIT = "00", "走访"
        POLICE = "01", "公安"
        ZONGZHI = "02", "综治"

    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="control"
    )
    type = models.CharField("人员类型", max_length=2, choices=Type.choices)
    attention = models.CharField(
        "关注程度", max_length=6, choices=Attention.choices, default=Attention.MEDIUM
    )
    source = models.CharField("数据来源", max_length=2, choices=Source.choices)
    since = models.DateField("列管日期")
    until = models.DateField("解除日期", null=True, blank=True)
    note = models.CharField("帮扶情况", max_length=200, blank=True)

    class Meta:
        verbose_name = "管控登记"
        verbose_name_plural = "管控台账（特殊人群）"
        ordering = ["person", "type"]

    def __str__(self) -> str:
        return f"{self.person} {self.get_type_display()}"


class NeedRoute(models.TextChoices):
    """Where a need found on a visit goes, with the visit (one action)."""

    NONE = "", "仅记录"
    EVENT = "event", "登记网格事件"
    ORDER = "order", "转志愿服务"  # an order of the community's 文明实践站 (ADR 0032)


class Visit(models.Model):
    """探访: who visited whom, when (on the phone), how, what they found and what is needed.
    The phone's key makes a resend a no-op. A need may become a 网格事件 or an order of the
    community's 文明实践站 with the visit (in the same transaction): `need_case` is that case."""

    person = models.ForeignKey(
        Person, verbose_name="探访对象", on_delete=models.PROTECT, related_name="visits"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="探访人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("探访时间")
    method = models.CharField("探访方式", max_length=12, choices=VisitMethod.choices)
    found = models.CharField("探访情况", max_length=500)
    needs = models.CharField("需求", max_length=300, blank=True)
    need_to = models.CharField(
        "需求去向", max_length=10, choices=NeedRoute.choices, blank=True, default=""
    )
    need_case = models.ForeignKey(
        "cases.Case",
        verbose_name="需求登记的网格事件或志愿服务订单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    client_key = models.CharField("客户端编号", max_length=64, unique=True)
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "探访记录"
        verbose_name_plural = "探访记录"
        ordering = ["-at"]
        indexes = [models.Index(fields=["person", "-at"], name="grid_visit_person")]

    def __str__(self) -> str:
        return f"{self.person} {self.at:%Y-%m-%d}"


# ---------------------------------------------------------------- patrols (巡查)


class Patrol(models.Model):
    """一次巡查: a grid worker walks their grid; started and ended on the phone with place and
    time, the route kept as points. Points outside the grid are counted; a patrol mostly
    outside it is flagged for the community to see."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="网格员", on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "org.Region", verbose_name="网格", on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField("开始时间")
    start_lat = models.FloatField("开始纬度")
    start_lng = models.FloatField("开始经度")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    end_lat = models.FloatField("结束纬度", null=True, blank=True)
    end_lng = models.FloatField("结束经度", null=True, blank=True)
    points = models.PositiveIntegerField("轨迹点数", default=0)
    outside = models.PositiveIntegerField("网格外点数", default=0)
    flagged = models.BooleanField("越出网格", default=False)
    note = models.CharField("巡查情况", max_length=500, blank=True)
    client_key = models.CharField("客户端编号", max_length=64, unique=True)

    class Meta:
        verbose_name = "巡查记录"
        verbose_name_plural = "巡查记录"
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["grid", "-started_at"], name="grid_patrol_grid"),
            # 今日工作: one worker's patrols of today, among a year of everyone's
            models.Index(fields=["user", "-started_at"], name="grid_patrol_user"),
        ]
        constraints = [
            # one patrol at a time per person
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(ended_at__isnull=True),
                name="grid_patrol_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid} {self.started_at:%Y-%m-%d %H:%M}"


class PatrolPoint(models.Model):
    """A point of a patrol's route, as the phone took it (a resend of the same moment is
    ignored)."""

    patrol = models.ForeignKey(
        Patrol, verbose_name="巡查", on_delete=models.CASCADE, related_name="route"
    )
    at = models.DateTimeField("时间")
    lat = models.FloatField("纬度")
    lng = models.FloatField("经度")
    inside = models.BooleanField("在网格内")

    class Meta:
        verbose_name = "巡查轨迹点"
        verbose_name_plural = "巡查轨迹点"
        ordering = ["patrol", "at"]
        constraints = [
            models.UniqueConstraint(fields=["patrol", "at"], name="grid_patrol_point_once"),
        ]

    def __str__(self) -> str:
        return f"{self.lat:.5f},{self.lng:.5f} {self.at:%H:%M:%S}"


# ---------------------------------------------------------------- events (网格事件)


class EventClass(models.TextChoices):
    """What an event is: the GB/T 31000 矛盾纠纷 classes (MD…) and the platform's own (SJ…)."""

    MD01 = "MD01", "矛盾纠纷·婚恋家庭"
    MD02 = "MD02", "矛盾纠纷·邻里"
    MD04 = "MD04", "矛盾纠纷·物权（物业）"
    MD06 = "MD06", "矛盾纠纷·合同消费"
    MD07 = "MD07", "矛盾纠纷·劳动人事"
    MD11 = "MD11", "矛盾纠纷·城乡建设"
    MD99 = "MD99", "矛盾纠纷·其他"
    SJ01 = "SJ01", "安全隐患"
    SJ02 = "SJ02", "治安隐患"
    SJ03 = "SJ03", "消防隐患"
    SJ04 = "SJ04", "环境卫生"
    SJ05 = "SJ05", "公共设施损坏"
    SJ06 = "SJ06", "群众诉求"
    SJ99 = "SJ99", "其他事件"


class GridEvent(models.Model):
    """网格事件: the loop's own row of a case (one-to-one with cases.Case): its grid, its class
    and scale, the road taken, the meeting of a 协商议事, the department's days, and what the
    residents said at the end."""

    class Scale(models.TextChoices):  # GB/T 31000 事件规模
        PERSON = "01", "个体性"
        GROUP = "02", "一般群体性"
        MAJOR = "03", "重大群体性"

    class Road(models.TextChoices):
        NONE = "", "—"
        ON_SPOT = "on_spot", "现场处置"
        CONSULT = "consult", "协商议事"
        ESCALATE = "escalate", "上报"

    class Satisfaction(models.TextChoices):
        NONE = "", "—"
        SATISFIED = "satisfied", "满意"
        BASIC = "basic", "基本满意"
        UNSATISFIED = "unsatisfied", "不满意"

    case = models.OneToOneField(
        "cases.Case",
        verbose_name="案卷",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="gridevent",
    )
    grid = models.ForeignKey(
        "org.Region", verbose_name="网格", on_delete=models.PROTECT, related_name="+"
    )
    event_class = models.CharField("事件类别", max_length=4, choices=EventClass.choices)
    scale = models.CharField("事件规模", max_length=2, choices=Scale.choices, default=Scale.PERSON)
    road = models.CharField("处置方式", max_length=10, choices=Road.choices, blank=True)
    attendees = models.CharField("参会人员", max_length=300, blank=True)
    agreement = models.CharField("议定事项", max_length=1000, blank=True)
    dept_days = models.PositiveSmallIntegerField("部门办理时限（工作日）", default=5)
    satisfaction = models.CharField(
        "群众满意度", max_length=12, choices=Satisfaction.choices, blank=True
    )
    # the patrol it was found on (a worker reporting during their open patrol of that grid)
    patrol = models.ForeignKey(
        Patrol,
        verbose_name="发现于巡查",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )

    class Meta:
        verbose_name = "网格事件"
        verbose_name_plural = "网格事件"

    def __str__(self) -> str:
        return f"{self.get_event_class_display()} {self.grid}"


# ---------------------------------------------------------------- 必报事项 and 季度更新


class RentalRecord(models.Model):
    """房屋出租登记: a home let, by whom to whom, from a day until a day. Never deleted: a new
    letting ends the one before, so the home's history stays known."""

    home = models.ForeignKey(
        Home, verbose_name="房屋", on_delete=models.PROTECT, related_name="rentals"
    )
    landlord = models.CharField("出租人", max_length=40)
    landlord_phone = EncryptedTextField("出租人电话", blank=True)
    landlord_phone_masked = models.CharField(
        "出租人电话（脱敏）", max_length=20, blank=True, editable=False
    )
    tenant = models.CharField("承租人", max_length=40)
    tenant_person = models.ForeignKey(
        Person,
        verbose_name="承租人（台账）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    start = models.DateField("起租日期")
    end = models.DateField("到期日期", null=True, blank=True)
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "房屋出租登记"
        verbose_name_plural = "房屋出租登记"
        ordering = ["home", "-start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="grid_rental_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.home} {self.start:%Y-%m-%d}"


class Pregnancy(models.Model):
    """孕妇登记: a woman of the grid expecting a child, and whether the 母子健康手册 is made
    (建档)."""

    class Filed(models.TextChoices):
        NO = "no", "未建档"
        YES = "yes", "已建档"
        ELSEWHERE = "elsewhere", "外地建档"

    person = models.ForeignKey(
        Person, verbose_name="孕妇", on_delete=models.PROTECT, related_name="pregnancies"
    )
    expected = models.DateField("预产期")
    filed = models.CharField("建档情况", max_length=10, choices=Filed.choices, default=Filed.NO)
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "孕妇登记"
        verbose_name_plural = "孕妇台账"
        ordering = ["expected"]

    def __str__(self) -> str:
        return f"{self.person} 预产期 {self.expected:%Y-%m-%d}"


class IssueEntry(models.Model):
    """隐患及设施台账: a safety hazard, a source of instability or a broken public facility
    found in a grid; when it needs handling it became a 网格事件 (`case`)."""

    class Type(models.TextChoices):
        SAFETY = "safety", "安全隐患"
        FIRE = "fire", "消防隐患"
        ORDER = "order", "治安隐患"
        UNSTABLE = "unstable", "不稳定因素"
        FACILITY = "facility", "公共设施损坏"

    grid = models.ForeignKey(
        "org.Region", verbose_name="网格", on_delete=models.PROTECT, related_name="+"
    )
    type = models.CharField("类型", max_length=10, choices=Type.choices)
    place = models.CharField("地点", max_length=120)
    description = models.CharField("情况", max_length=1000)
    found_at = models.DateTimeField("发现时间")
    case = models.OneToOneField(
        "cases.Case",
        verbose_name="网格事件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "隐患及设施登记"
        verbose_name_plural = "隐患及设施台账"
        ordering = ["-found_at"]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.place}"


class MustReport(models.Model):
    """必报事项: what a grid worker must report within a time of learning of it (a setting per
    kind, continuous hours). A quick note (知悉) is a draft with the moment they learned of it;
    filing lands it in its ledger (and, when it needs handling, opens a 网格事件). The phone's
    key makes a resend return the same record."""

    class Kind(models.TextChoices):
        HAZARD = "hazard", "安全隐患及不稳定因素"
        PREGNANCY = "pregnancy", "新增孕妇"
        NEWCOMER = "newcomer", "外来人口"
        RENTAL = "rental", "房屋出租"
        FACILITY = "facility", "公共设施维护"

    class Status(models.TextChoices):
        DRAFT = "draft", "已知悉待上报"
        FILED = "filed", "已上报"

    kind = models.CharField("事项", max_length=10, choices=Kind.choices)
    status = models.CharField("状态", max_length=6, choices=Status.choices, default=Status.FILED)
    grid = models.ForeignKey(
        "org.Region", verbose_name="网格", on_delete=models.PROTECT, related_name="+"
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上报人", on_delete=models.PROTECT, related_name="+"
    )
    learned_at = models.DateTimeField("知悉时间")
    due_at = models.DateTimeField("应报时间")
    reported_at = models.DateTimeField("上报时间", null=True, blank=True)
    on_time = models.BooleanField("按时上报", null=True, blank=True)
    summary = models.CharField("摘要", max_length=200)
    client_key = models.CharField("客户端编号", max_length=64, unique=True)
    # what it produced: the ledger row (one of these) and the event
    home = models.ForeignKey(
        Home, verbose_name="房屋", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person,
        verbose_name="人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    residence = models.ForeignKey(
        Residence,
        verbose_name="人房关联",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rental = models.ForeignKey(
        RentalRecord,
        verbose_name="出租登记",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pregnancy = models.ForeignKey(
        Pregnancy,
        verbose_name="孕妇登记",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issue = models.ForeignKey(
        IssueEntry,
        verbose_name="隐患及设施登记",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="网格事件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "必报事项"
        verbose_name_plural = "必报事项"
        ordering = ["-learned_at"]
        indexes = [
            models.Index(fields=["grid", "-reported_at"], name="grid_mustreport_grid"),
            models.Index(fields=["reported_by", "status"], name="grid_mustreport_user"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.summary}"


class HomeCheck(models.Model):
    """季度更新: a home of a grid confirmed in a quarter (核实无变化, or changed through the
    ledger by a must-report). Once per home and quarter."""

    home = models.ForeignKey(
        Home, verbose_name="房屋", on_delete=models.PROTECT, related_name="checks"
    )
    quarter = models.CharField("季度", max_length=6, help_text="如 2026Q4")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="核实人", on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField("核实时间")
    changed = models.BooleanField("有变化", default=False)

    class Meta:
        verbose_name = "房屋季度核实"
        verbose_name_plural = "房屋季度核实"
        ordering = ["-confirmed_at"]
        constraints = [
            models.UniqueConstraint(fields=["home", "quarter"], name="grid_homecheck_once"),
        ]

    def __str__(self) -> str:
        return f"{self.home} {self.quarter}"

"""数字化城市管理 (数字城管) reference data: the catalogue of 部件/事件 with their 立案/结案 standards
and 处置时限, the unit grids (单元网格) and the component registry (部件).

Everything here is data a city edits in the admin or imports from Excel: class lists differ
between cities (DOMAIN-LOOPS §0.2), so no code names a class or subclass. Writes go through
`citymgmt.services`; geometry is WKT text read by shapely (`citymgmt.geo`), no PostGIS needed.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from chuangcheng.org.models import Region, Unit


class Family(models.TextChoices):
    """The family of a catalogue class: 部件 (a physical object), 事件 (a happening), or a third
    family some cities add for 12345-style categories (e.g. 朝阳's 9001–9017 百姓生活)."""

    COMPONENT = "component", "部件"
    EVENT = "event", "事件"
    OTHER = "other", "其他"


# the leading digit of the 6-digit catalogue code (北京朝阳: 100101 = 部件 0101, 200101 = 事件 0101)
FAMILY_DIGIT = {Family.COMPONENT: "1", Family.EVENT: "2", Family.OTHER: "9"}


class ZoneClass(models.TextChoices):
    """区域类别 of a unit grid: the 处置时限 of a subclass may differ by it."""

    A = "A", "A类 核心区"
    B = "B", "B类 一般区"
    C = "C", "C类 边缘区"


class Counting(models.TextChoices):
    """How a time limit counts (计时类型). The engine's clocks count them; codes shared with
    cases.TimeLimit where they exist."""

    HOURS = "hours", "紧急工作时（连续小时，含节假日）"
    WORK_HOURS = "work_hours", "工作时（仅工作时间）"
    WORKDAYS = "workdays", "工作日"
    DAYS = "days", "自然日"


two_digits = RegexValidator(r"^[0-9]{2}$", "必须是两位数字，如 01。")
grid_code_validator = RegexValidator(r"^[0-9]{12,19}$", "单元网格代码必须是 12–19 位数字。")
object_id_validator = RegexValidator(r"^[0-9]{16}$", "部件标识码必须是 16 位数字。")


class CatalogueClass(models.Model):
    """A major class (大类) of the catalogue, e.g. 部件 01 公用设施 or 事件 02 宣传广告."""

    family = models.CharField("类别", max_length=10, choices=Family.choices)
    code = models.CharField("大类代码", max_length=2, validators=[two_digits])
    name = models.CharField("大类名称", max_length=40)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "大类"
        verbose_name_plural = "大类"
        ordering = ["family", "code"]
        constraints = [
            models.UniqueConstraint(fields=["family", "code"], name="citymgmt_class_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.get_family_display()} {self.code} {self.name}"


class Subclass(models.Model):
    """A subclass (小类), e.g. 部件 0102 污水井盖 or 事件 0201 非法小广告. Cases are filed against a
    subclass; its standards say when a case may be filed and closed and how long handling takes."""

    klass = models.ForeignKey(
        CatalogueClass, verbose_name="大类", on_delete=models.PROTECT, related_name="subclasses"
    )
    code = models.CharField("小类代码", max_length=2, validators=[two_digits])
    name = models.CharField("小类名称", max_length=60)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "小类"
        verbose_name_plural = "小类"
        ordering = ["klass__family", "klass__code", "code"]
        constraints = [models.UniqueConstraint(fields=["klass", "code"], name="citymgmt_sub_uniq")]

    def __str__(self) -> str:
        return f"{self.full_code} {self.name}"

    @property
    def full_code(self) -> str:
        """The 6-digit catalogue code: family digit, 0, class, subclass (100102 = 部件 污水井盖)."""
        return f"{FAMILY_DIGIT[Family(self.klass.family)]}0{self.klass.code}{self.code}"


class Standard(models.Model):
    """One 立案/结案 standard row of a subclass (立案明细): when a case may be filed (立案条件),
    when it may be closed (结案条件) and, through its limits, how long handling may take by
    zone class. A subclass may have several (私搭乱建: 停工 / 处罚 / 拆除)."""

    subclass = models.ForeignKey(
        Subclass, verbose_name="小类", on_delete=models.CASCADE, related_name="standards"
    )
    seq = models.CharField("立案明细序号", max_length=2, validators=[two_digits], default="01")
    filing_condition = models.TextField("立案条件")
    closing_condition = models.TextField("结案条件")
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "立案结案标准"
        verbose_name_plural = "立案结案标准"
        ordering = ["subclass", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["subclass", "seq"], name="citymgmt_standard_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.subclass} #{self.seq}"


class HandlingLimit(models.Model):
    """处置时限 of a standard in one zone class: an amount and how it counts."""

    standard = models.ForeignKey(
        Standard, verbose_name="标准", on_delete=models.CASCADE, related_name="limits"
    )
    zone_class = models.CharField("区域类别", max_length=1, choices=ZoneClass.choices)
    amount = models.PositiveIntegerField("时限")
    counting = models.CharField("计时类型", max_length=10, choices=Counting.choices)

    class Meta:
        verbose_name = "处置时限"
        verbose_name_plural = "处置时限"
        ordering = ["standard", "zone_class"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "zone_class"], name="citymgmt_limit_uniq"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="citymgmt_limit_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.zone_class}: {self.amount} {self.get_counting_display()}"


class UnitGrid(models.Model):
    """单元网格: the smallest management area (CJ/T 213), a polygon inside one community. Any
    point resolves to its grid, community and street (`geo.grid_for_point`)."""

    code = models.CharField(
        "网格代码", max_length=19, unique=True, validators=[grid_code_validator]
    )
    name = models.CharField("名称", max_length=60, blank=True)
    community = models.ForeignKey(
        Region,
        verbose_name="社区",
        on_delete=models.PROTECT,
        related_name="unit_grids",
        limit_choices_to={"level": Region.Level.COMMUNITY},
    )
    street = models.ForeignKey(
        Region,
        verbose_name="街道",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Region.Level.STREET},
    )
    zone_class = models.CharField(
        "区域类别", max_length=1, choices=ZoneClass.choices, default=ZoneClass.B
    )
    boundary_wkt = models.TextField(
        "边界（WKT，经度 纬度）", help_text="POLYGON((lng lat, …)) 或 MULTIPOLYGON"
    )
    # the bounding box and a representative point, computed from the boundary on save
    min_lng = models.FloatField("最小经度", editable=False, default=0)
    min_lat = models.FloatField("最小纬度", editable=False, default=0)
    max_lng = models.FloatField("最大经度", editable=False, default=0)
    max_lat = models.FloatField("最大纬度", editable=False, default=0)
    center_lat = models.FloatField("中心纬度", editable=False, default=0)
    center_lng = models.FloatField("中心经度", editable=False, default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "单元网格"
        verbose_name_plural = "单元网格"
        ordering = ["code"]
        indexes = [models.Index(fields=["street", "community"], name="citymgmt_grid_region")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class GridIndexState(models.Model):
    """One row: a fresh random token written in the same transaction as any change to the unit
    grids, so every process notices (one primary-key read) that its in-memory index is stale.
    A random token rather than a counter: a rolled-back change restores the old token, which
    still names the old grids, and no two different sets of grids share a token."""

    token = models.CharField(max_length=32, default="")
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "网格索引版本"
        verbose_name_plural = "网格索引版本"

    def __str__(self) -> str:
        return self.token


class ComponentState(models.TextChoices):
    """部件状态."""

    INTACT = "intact", "完好"
    DAMAGED = "damaged", "破损"
    MISSING = "missing", "丢失"
    OCCUPIED = "occupied", "占用"
    REMOVED = "removed", "废弃"


class ComponentSource(models.TextChoices):
    """数据来源 of a component record."""

    CENSUS = "census", "普查"
    UPDATE = "update", "变更测绘"
    REPORT = "report", "巡查上报"
    TRANSFER = "transfer", "部门移交"
    OTHER = "other", "其他"


class Component(models.Model):
    """A component (部件) of the city's registry, with the CJ/T 214 basic attributes (DOMAIN-LOOPS
    §1.3). Its 16-digit 标识码 is 6 region + 2 class + 2 subclass + 6 serial digits."""

    object_id = models.CharField(
        "标识码", max_length=16, unique=True, validators=[object_id_validator]
    )
    subclass = models.ForeignKey(
        Subclass, verbose_name="小类", on_delete=models.PROTECT, related_name="components"
    )
    name = models.CharField("部件名称", max_length=60, blank=True)
    main_dept = models.ForeignKey(
        Unit,
        verbose_name="主管部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    main_dept_name = models.CharField("主管部门名称（非系统单位）", max_length=80, blank=True)
    owner_dept = models.ForeignKey(
        Unit,
        verbose_name="权属部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_dept_name = models.CharField("权属部门名称（非系统单位）", max_length=80, blank=True)
    maintainer_dept = models.ForeignKey(
        Unit,
        verbose_name="养护部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    maintainer_dept_name = models.CharField("养护部门名称（非系统单位）", max_length=80, blank=True)
    grid = models.ForeignKey(
        UnitGrid, verbose_name="所在单元网格", on_delete=models.PROTECT, related_name="components"
    )
    state = models.CharField(
        "部件状态", max_length=10, choices=ComponentState.choices, default=ComponentState.INTACT
    )
    initial_date = models.DateField("初始日期", null=True, blank=True)
    change_date = models.DateField("变更日期", null=True, blank=True)
    source = models.CharField(
        "数据来源", max_length=10, choices=ComponentSource.choices, default=ComponentSource.CENSUS
    )
    location = models.CharField("位置描述", max_length=120, blank=True)
    material = models.CharField("材质", max_length=30, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    lat = models.FloatField("纬度")
    lng = models.FloatField("经度")

    class Meta:
        verbose_name = "部件"
        verbose_name_plural = "部件"
        ordering = ["object_id"]
        indexes = [
            models.Index(fields=["subclass", "object_id"], name="citymgmt_comp_sub"),
            models.Index(fields=["grid", "object_id"], name="citymgmt_comp_grid"),
            models.Index(fields=["state", "object_id"], name="citymgmt_comp_state"),
            models.Index(fields=["lng", "lat"], name="citymgmt_comp_lnglat"),
        ]

    def __str__(self) -> str:
        return f"{self.object_id} {self.name or self.subclass.name}"


class ImportRecord(models.Model):
    """One Excel import that went through (an audit row: who, when, what, how many)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    filename = models.CharField("文件名", max_length=200, blank=True)
    counts = models.JSONField("导入行数", default=dict)
    created_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "导入记录"
        verbose_name_plural = "导入记录"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.filename}"


# ---------------------------------------------------------------- the loop's cases


class Responsibility(models.Model):
    """One row of the 权责清单: which department handles an event subclass in a region (a blank
    region: everywhere). The most specific region wins. A case about a registered component goes
    to the component's 养护/权属/主管 department instead."""

    subclass = models.ForeignKey(
        Subclass, verbose_name="小类", on_delete=models.CASCADE, related_name="responsibilities"
    )
    region = models.ForeignKey(
        Region,
        verbose_name="区域",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    unit = models.ForeignKey(
        Unit, verbose_name="责任部门", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "权责清单"
        verbose_name_plural = "权责清单"
        constraints = [
            models.UniqueConstraint(fields=["subclass", "region"], name="responsibility_unique")
        ]

    def __str__(self) -> str:
        return f"{self.subclass_id} → {self.unit_id}"


class Source(models.TextChoices):
    """Where a 城管 case came from (信息来源). Only an inspector's own report skips 核实."""

    INSPECTOR = "inspector", "监督员上报"
    PUBLIC = "public", "公众举报"
    HOTLINE = "hotline", "12345转办"
    VIDEO = "video", "视频监控"
    GRID = "grid", "网格上报"  # a 网格事件 the community or street sent on (转数字城管)


NEEDS_VERIFY = frozenset({Source.PUBLIC, Source.HOTLINE, Source.VIDEO})


class VerifyResult(models.TextChoices):
    EXISTS = "exists", "属实"
    NOT_EXISTS = "not_exists", "不属实"
    UNABLE = "unable", "无法核实"


class CheckResult(models.TextChoices):
    PASSED = "passed", "核查通过"
    NOT_PASSED = "not_passed", "核查不通过"


class CloseType(models.TextChoices):
    """结案类型 (eGova 1–4)."""

    NORMAL = "normal", "正常结案"
    OVERDUE = "overdue", "超时结案"
    ERROR = "error", "差错结案"
    SPECIAL = "special", "特殊结案"


class PhotoType(models.TextChoices):
    NEAR = "near", "近景"
    FAR = "far", "远景"
    REFERENCE = "reference", "参照物"
    BEFORE = "before", "处置前"
    AFTER = "after", "处置后"


class CityCase(models.Model):
    """The 数字城管 loop's own fields of a case (one-to-one with cases.Case), written in the same
    transaction as the case (citymgmt.services) and by the loop's actions (citymgmt.workflow)."""

    case = models.OneToOneField(
        "cases.Case",
        verbose_name="案卷",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="citycase",
    )
    family = models.CharField("类别", max_length=10, choices=Family.choices)
    subclass = models.ForeignKey(
        Subclass, verbose_name="小类", on_delete=models.PROTECT, related_name="+"
    )
    standard = models.ForeignKey(
        Standard,
        verbose_name="立案标准",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    component = models.ForeignKey(
        Component,
        verbose_name="部件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    grid = models.ForeignKey(
        UnitGrid, verbose_name="单元网格", on_delete=models.PROTECT, related_name="cases"
    )
    zone_class = models.CharField("区域类别", max_length=1, choices=ZoneClass.choices)
    source = models.CharField("信息来源", max_length=10, choices=Source.choices)
    client_key = models.CharField("上报端标识", max_length=64, blank=True)
    verify_result = models.CharField(
        "核实结果", max_length=12, choices=VerifyResult.choices, blank=True
    )
    check_result = models.CharField(
        "最近核查结果", max_length=12, choices=CheckResult.choices, blank=True
    )
    close_type = models.CharField("结案类型", max_length=10, choices=CloseType.choices, blank=True)
    rework_count = models.PositiveSmallIntegerField("返工次数", default=0)
    return_count = models.PositiveSmallIntegerField("回退次数", default=0)
    suspend_count = models.PositiveSmallIntegerField("缓办次数", default=0)
    suspended = models.BooleanField("缓办中", default=False)
    self_handled = models.BooleanField("自处理", default=False)
    hotline_case = models.ForeignKey(
        "cases.Case",
        verbose_name="来源12345工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="citymgmt_transfers",
    )
    # 考核键: copies of the keys the month's 综合评价 filters and groups by (citymgmt.indicators),
    # kept by the loop's engine hooks in the same transaction as every step
    # (citymgmt.eval_keys: `Workflow.on_save`, `Workflow.on_clocks`, the 立案 step), so each
    # table of a month is ONE index-only range scan of this table (ADR 0026). The case, its
    # 处置 clock row and its 立案 event are the truth; migration 0008 filled them from those.
    eval_reported_at = models.DateTimeField("上报时间（考核用）", null=True, blank=True)
    eval_reporter = models.BigIntegerField("上报人（考核用）", null=True, blank=True)
    eval_filed_at = models.DateTimeField("立案时间（考核用）", null=True, blank=True)
    eval_dispatched_at = models.DateTimeField("派遣时间（考核用）", null=True, blank=True)
    eval_unit = models.BigIntegerField("处置部门（考核用）", null=True, blank=True)
    eval_closed = models.BooleanField("已结案（考核用）", default=False, db_default=False)
    eval_handle_started = models.DateTimeField("处置计时开始（考核用）", null=True, blank=True)
    eval_handle_stopped = models.DateTimeField("处置计时结束（考核用）", null=True, blank=True)
    eval_handle_due = models.DateTimeField("处置期限（考核用）", null=True, blank=True)

    class Meta:
        verbose_name = "城管案卷"
        verbose_name_plural = "城管案卷"
        indexes = [
            models.Index(fields=["grid"], name="citycase_grid"),
            # 专业部门: the cases dispatched in the month (PostgreSQL: INCLUDE is ignored elsewhere)
            models.Index(
                fields=["eval_dispatched_at"],
                name="citycase_eval_dispatched",
                condition=models.Q(eval_dispatched_at__isnull=False),
                include=[
                    "case",
                    "eval_unit",
                    "eval_closed",
                    "suspend_count",
                    "rework_count",
                    "eval_handle_started",
                    "eval_handle_stopped",
                    "eval_handle_due",
                ],
            ),
            # 区域: the cases filed in the month
            models.Index(
                fields=["eval_filed_at"],
                name="citycase_eval_filed",
                condition=models.Q(eval_filed_at__isnull=False),
                include=[
                    "case",
                    "grid",
                    "subclass",
                    "source",
                    "eval_closed",
                    "suspend_count",
                    "eval_handle_stopped",
                    "eval_handle_due",
                ],
            ),
            # 监督员: the cases reported in the month
            models.Index(
                fields=["eval_reported_at"],
                name="citycase_eval_reported",
                include=["case", "eval_reporter", "source", "self_handled", "eval_filed_at"],
            ),
        ]

    def __str__(self) -> str:
        return f"城管案卷 {self.case_id}"


class TransferCategory(models.Model):
    """转数字城管的分类对照: a 12345 category whose orders may be transferred to 数字城管, and the
    城管 小类 suggested for them. Kept as data (admin), seeded for the demo categories."""

    category = models.OneToOneField(
        "cases.Category",
        verbose_name="12345分类",
        on_delete=models.CASCADE,
        related_name="citymgmt_transfer",
    )
    subclass = models.ForeignKey(
        Subclass, verbose_name="建议城管小类", on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "转数字城管分类对照"
        verbose_name_plural = "转数字城管分类对照"

    def __str__(self) -> str:
        return f"{self.category_id} → {self.subclass_id}"

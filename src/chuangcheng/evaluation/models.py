"""创城测评: the standard (测评体系) in versioned editions, and the registry of field sites (点位).

An edition's tree is 测评项目 (Project) → 测评内容 (Content) → 测评条目 (CheckItem, what an
evaluator checks at a site: its rule, methods, the site types it applies to, what counts and its
points). A published edition never changes (an inspection keeps the edition it used); the next
one starts as a draft copy."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models


class Method(models.TextChoices):
    FIELD = "field", "实地考察"
    MATERIAL = "material", "材料审核"
    SURVEY = "survey", "问卷调查"
    ONLINE = "online", "网上申报"


class SiteType(models.Model):
    """实地考察点位类型 (the 2021 handbook's kinds, plus the minors' system's sites)."""

    code = models.CharField("类型代码", max_length=10, unique=True)
    name = models.CharField("名称", max_length=40, unique=True)
    minors = models.BooleanField("未成年人测评点位", default=False)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "点位类型"
        verbose_name_plural = "点位类型"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Edition(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        RETIRED = "retired", "已停用"

    code = models.CharField("版本代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=100)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    based_on = models.ForeignKey(
        "self", verbose_name="复制自", null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "测评标准版本"
        verbose_name_plural = "测评标准版本"
        ordering = ["-code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_status_display()}）"

    @property
    def editable(self) -> bool:
        return self.status == self.Status.DRAFT


class Project(models.Model):
    """测评项目."""

    edition = models.ForeignKey(
        Edition, verbose_name="版本", on_delete=models.CASCADE, related_name="projects"
    )
    code = models.CharField("项目代码", max_length=20)
    name = models.CharField("测评项目", max_length=100)
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "测评项目"
        verbose_name_plural = "测评项目"
        ordering = ["edition", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="ev_project_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Content(models.Model):
    """测评内容."""

    project = models.ForeignKey(
        Project, verbose_name="测评项目", on_delete=models.CASCADE, related_name="contents"
    )
    code = models.CharField("内容代码", max_length=20)
    name = models.CharField("测评内容", max_length=300)
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "测评内容"
        verbose_name_plural = "测评内容"
        ordering = ["project", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="ev_content_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CheckItem(models.Model):
    """测评条目: one thing an evaluator checks, with what counts and what it is worth."""

    content = models.ForeignKey(
        Content, verbose_name="测评内容", on_delete=models.CASCADE, related_name="items"
    )
    code = models.CharField("条目代码", max_length=30)
    rule = models.TextField("测评要求")
    methods = models.JSONField("测评方法", default=list)  # [Method values]
    site_types = models.ManyToManyField(
        SiteType, verbose_name="适用点位", blank=True, related_name="items"
    )
    min_count = models.PositiveIntegerField("最少数量", null=True, blank=True)
    allowed_forms = models.CharField("认可形式", max_length=200, blank=True)
    failure_examples = models.TextField("不合格情形", blank=True)
    points = models.DecimalField(
        "分值",
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "测评条目"
        verbose_name_plural = "测评条目"
        ordering = ["content", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["content", "code"], name="ev_item_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.rule[:30]}"

    def method_labels(self) -> list[str]:
        labels = dict(Method.choices)
        return [labels.get(m, m) for m in self.methods]


class Site(models.Model):
    """实地考察点位: a place the evaluators visit, its type, where it is, who answers for it."""

    code = models.CharField("点位编号", max_length=30, unique=True)
    name = models.CharField("点位名称", max_length=100)
    site_type = models.ForeignKey(
        SiteType, verbose_name="点位类型", on_delete=models.PROTECT, related_name="sites"
    )
    street = models.ForeignKey(
        "org.Region", verbose_name="街道", on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        "org.Region",
        verbose_name="社区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField("地址", max_length=200, blank=True)
    lat = models.FloatField("纬度")
    lng = models.FloatField("经度")
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name="属地责任单位",
        on_delete=models.PROTECT,
        related_name="evaluation_sites",
    )
    paired_units = models.ManyToManyField(
        "org.Unit", verbose_name="包联单位", blank=True, related_name="paired_evaluation_sites"
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "测评点位"
        verbose_name_plural = "测评点位"
        ordering = ["code"]
        indexes = [
            models.Index(fields=["site_type", "code"], name="ev_site_type"),
            models.Index(fields=["unit", "code"], name="ev_site_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# ---------------------------------------------------------------- inspections


class PlanKind(models.TextChoices):
    INSPECTION = "inspection", "测评"
    REVISIT = "revisit", "回头看"


class PlanSeries(models.Model):
    """A recurring plan (周督查, 旬推进, 月排比, 季测评): what each round samples and when the
    rounds fall, until an end date. Each round is a Plan of its own, created by the task worker
    on its day (never twice: one plan per series and date)."""

    class Repeat(models.TextChoices):
        WEEKLY = "weekly", "每周"
        DEKAD = "dekad", "每旬"
        MONTHLY = "monthly", "每月"
        QUARTERLY = "quarterly", "每季"

    name = models.CharField("计划名称", max_length=100)
    kind = models.CharField("计划类型", max_length=10, choices=PlanKind.choices)
    repeat = models.CharField("重复", max_length=10, choices=Repeat.choices)
    weekday = models.PositiveSmallIntegerField("星期", null=True, blank=True)  # 0 = Monday
    day = models.PositiveSmallIntegerField("日", null=True, blank=True)  # of the month (1–31)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("截止日期")
    evaluator = models.ForeignKey(
        "auth.User", verbose_name="测评员", on_delete=models.PROTECT, related_name="+"
    )
    announced = models.BooleanField("明查", default=False)
    site_types = models.ManyToManyField(SiteType, verbose_name="点位类型", blank=True)
    streets = models.ManyToManyField(
        "org.Region", verbose_name="街道", blank=True, related_name="+"
    )
    sample_per_type = models.PositiveIntegerField("每类随机抽取", null=True, blank=True)
    revisit_days = models.PositiveSmallIntegerField("回头看范围（天）", default=30)
    revisit_all_items = models.BooleanField("回头看全部条目", default=False)
    created_by = models.ForeignKey(
        "auth.User", verbose_name="制定人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("制定时间", auto_now_add=True)
    stopped_at = models.DateTimeField("停止时间", null=True, blank=True)
    stopped_by = models.ForeignKey(
        "auth.User",
        verbose_name="停止人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "周期测评计划"
        verbose_name_plural = "周期测评计划"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.name


class Plan(models.Model):
    """测评计划: which sites, which standard, who, when, announced or not (暗访: the units are
    not told). Each chosen site becomes an Inspection. A 回头看 revisits the sites whose
    problems were struck off (销号) in a period; a round of a series belongs to it."""

    name = models.CharField("计划名称", max_length=100)
    kind = models.CharField(
        "计划类型", max_length=10, choices=PlanKind.choices, default=PlanKind.INSPECTION
    )
    series = models.ForeignKey(
        PlanSeries,
        verbose_name="周期计划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rounds",
    )
    revisit_from = models.DateField("销号起始日期", null=True, blank=True)
    revisit_to = models.DateField("销号截止日期", null=True, blank=True)
    revisit_all_items = models.BooleanField("回头看全部条目", default=False)
    edition = models.ForeignKey(Edition, verbose_name="测评标准", on_delete=models.PROTECT)
    planned_on = models.DateField("测评日期")
    evaluator = models.ForeignKey(
        "auth.User", verbose_name="测评员", on_delete=models.PROTECT, related_name="+"
    )
    announced = models.BooleanField("明查", default=False, help_text="否：暗访，责任单位看不到计划")
    selection = models.CharField("点位选取", max_length=200, blank=True)
    created_by = models.ForeignKey(
        "auth.User", verbose_name="制定人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("制定时间", auto_now_add=True)

    class Meta:
        verbose_name = "测评计划"
        verbose_name_plural = "测评计划"
        ordering = ["-planned_on", "-pk"]
        constraints = [
            # a round of a series is created once, whoever creates it and however often
            models.UniqueConstraint(fields=["series", "planned_on"], name="ev_plan_round_once"),
        ]

    def __str__(self) -> str:
        return self.name


class Inspection(models.Model):
    """One visit of one site against the standard: a planned inspection (测评) or a unit's own
    check (自查, counted apart)."""

    class Kind(models.TextChoices):
        INSPECTION = "inspection", "测评"
        SELF_CHECK = "self_check", "自查"

    class Status(models.TextChoices):
        PLANNED = "planned", "待测评"
        ONGOING = "ongoing", "测评中"
        SUBMITTED = "submitted", "已提交"

    plan = models.ForeignKey(
        Plan,
        verbose_name="测评计划",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inspections",
    )
    kind = models.CharField("类型", max_length=12, choices=Kind.choices, default=Kind.INSPECTION)
    site = models.ForeignKey(
        Site, verbose_name="点位", on_delete=models.PROTECT, related_name="inspections"
    )
    edition = models.ForeignKey(Edition, verbose_name="测评标准", on_delete=models.PROTECT)
    evaluator = models.ForeignKey(
        "auth.User", verbose_name="测评员", on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name="自查单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    planned_on = models.DateField("测评日期")
    announced = models.BooleanField("明查", default=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PLANNED)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    applicable_points = models.DecimalField(
        "应得分", max_digits=8, decimal_places=2, null=True, blank=True
    )
    passed_points = models.DecimalField(
        "实得分", max_digits=8, decimal_places=2, null=True, blank=True
    )
    problems = models.PositiveIntegerField("问题数", default=0)
    # a 回头看 of the failed items only: the items to check (empty: the site's whole checklist)
    only_items = models.JSONField("检查条目", default=list, blank=True)

    class Meta:
        verbose_name = "测评记录"
        verbose_name_plural = "测评记录"
        ordering = ["-planned_on", "pk"]
        indexes = [
            models.Index(fields=["evaluator", "planned_on"], name="ev_insp_evaluator"),
            models.Index(fields=["site", "submitted_at"], name="ev_insp_site"),
            models.Index(fields=["kind", "submitted_at"], name="ev_insp_month"),
        ]

    def __str__(self) -> str:
        return f"{self.site.name} {self.planned_on}"

    @property
    def score_rate(self) -> Decimal | None:
        """得分率: points passed over the points of the items that applied (N/A left out)."""
        if not self.applicable_points:
            return None
        return (self.passed_points or Decimal(0)) / self.applicable_points


def answer_photo_path(instance: Answer, filename: str) -> str:
    return f"evaluation/{instance.inspection_id}/{instance.client_key or 'x'}.img"


class Answer(models.Model):
    """One evaluator's answer to one item at one visit, as sent from the phone. Kept, never
    overwritten: the latest per item counts (two evaluators answering at once lose nothing);
    the phone's key makes a resend a no-op."""

    class Result(models.TextChoices):
        PASS = "pass", "合格"
        FAIL = "fail", "不合格"
        NA = "na", "不适用"

    inspection = models.ForeignKey(
        Inspection, verbose_name="测评记录", on_delete=models.CASCADE, related_name="answers"
    )
    item = models.ForeignKey(CheckItem, verbose_name="测评条目", on_delete=models.PROTECT)
    result = models.CharField("结果", max_length=4, choices=Result.choices)
    note = models.CharField("说明", max_length=500, blank=True)
    photo = models.FileField("照片", upload_to=answer_photo_path, blank=True)
    photo_type = models.CharField("照片类型", max_length=40, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    lng = models.FloatField("经度", null=True, blank=True)
    answered_at = models.DateTimeField("作答时间")  # on the phone
    received_at = models.DateTimeField("接收时间", auto_now_add=True)
    evaluator = models.ForeignKey(
        "auth.User", verbose_name="测评员", on_delete=models.PROTECT, related_name="+"
    )
    client_key = models.CharField("客户端编号", max_length=64, unique=True)

    class Meta:
        verbose_name = "测评答案"
        verbose_name_plural = "测评答案"
        indexes = [
            models.Index(fields=["inspection", "item", "answered_at"], name="ev_answer_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} {self.get_result_display()}"


class Severity(models.TextChoices):
    MINOR = "minor", "一般"
    MAJOR = "major", "较重"
    SEVERE = "severe", "严重"


class Problem(models.Model):
    """问题清单 entry: the rectification loop's own row of a case (one-to-one with cases.Case),
    opened from a failed item of a submitted visit."""

    case = models.OneToOneField(
        "cases.Case",
        verbose_name="案卷",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="problem",
    )
    inspection = models.ForeignKey(
        Inspection, verbose_name="测评记录", on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(Site, verbose_name="点位", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(CheckItem, verbose_name="测评条目", on_delete=models.PROTECT)
    severity = models.CharField(
        "严重程度", max_length=8, choices=Severity.choices, default=Severity.MINOR
    )
    self_check = models.BooleanField("自查发现", default=False)
    rebound = models.BooleanField("反弹", default=False)
    review_fails = models.PositiveSmallIntegerField("复查不通过次数", default=0)
    closed_on_time = models.BooleanField("按期整改", null=True, blank=True)

    class Meta:
        verbose_name = "问题"
        verbose_name_plural = "问题清单"
        indexes = [
            models.Index(fields=["site", "item"], name="ev_problem_site_item"),
        ]

    def __str__(self) -> str:
        return f"{self.site.name} {self.item.code}"


# the API schema names these enums (config/settings.py SPECTACULAR_SETTINGS ENUM_NAME_OVERRIDES)
EDITION_STATUSES = Edition.Status.choices
INSPECTION_STATUSES = Inspection.Status.choices


# ---------------------------------------------------------------- surveys (问卷调查)


class Survey(models.Model):
    """问卷: its population (who may be counted), its questions, and a public link."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        OPEN = "open", "收集中"
        CLOSED = "closed", "已结束"

    title = models.CharField("问卷标题", max_length=100)
    intro = models.TextField("说明", blank=True)
    token = models.CharField("链接码", max_length=32, unique=True)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.DRAFT)
    min_age = models.PositiveSmallIntegerField("最低年龄", default=18)
    max_age = models.PositiveSmallIntegerField("最高年龄", default=65)
    min_months = models.PositiveSmallIntegerField("最短居住月数", default=6)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "问卷"
        verbose_name_plural = "问卷调查"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def population(self) -> str:
        return f"{self.min_age}–{self.max_age} 周岁、在本市居住满 {self.min_months} 个月的居民"


class Indicator(models.TextChoices):
    NONE = "", "—"
    AWARENESS = "awareness", "知晓率"
    SUPPORT = "support", "支持率"
    SATISFACTION = "satisfaction", "满意率"


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "单选"
        MULTI = "multi", "多选"
        SCALE = "scale", "量表（1–5）"
        TEXT = "text", "填空"

    survey = models.ForeignKey(
        Survey, verbose_name="问卷", on_delete=models.CASCADE, related_name="questions"
    )
    order = models.PositiveSmallIntegerField("序号", default=0)
    kind = models.CharField("题型", max_length=8, choices=Kind.choices, default=Kind.SINGLE)
    text = models.CharField("题目", max_length=300)
    options = models.JSONField("选项", default=list, blank=True, help_text="单选、多选的选项")
    required = models.BooleanField("必答", default=True)
    indicator = models.CharField(
        "计入指标", max_length=12, choices=Indicator.choices, blank=True, default=""
    )
    positive = models.JSONField(
        "计为肯定的选项",
        default=list,
        blank=True,
        help_text="单选：计为“知晓/支持/满意”的选项序号（从 0 起）；量表：4、5 分计为肯定",
    )

    class Meta:
        verbose_name = "问卷题目"
        verbose_name_plural = "问卷题目"
        ordering = ["survey", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class SurveyResponse(models.Model):
    """One person's answers. Holds no identity: who has answered is kept apart (Ballot), so
    no page, export or API can link an answer to a person."""

    id = models.UUIDField(primary_key=True)
    survey = models.ForeignKey(
        Survey, verbose_name="问卷", on_delete=models.CASCADE, related_name="responses"
    )
    street = models.ForeignKey(
        "org.Region", verbose_name="所在街道", on_delete=models.PROTECT, related_name="+"
    )
    age = models.PositiveSmallIntegerField("年龄")
    months_resident = models.PositiveSmallIntegerField("居住月数")
    answers = models.JSONField("答案", default=dict)
    submitted_on = models.DateField("提交日期")

    class Meta:
        verbose_name = "问卷答卷"
        verbose_name_plural = "问卷答卷"
        indexes = [models.Index(fields=["survey", "street"], name="ev_response_street")]

    def __str__(self) -> str:
        return f"{self.survey_id} {self.street_id}"


class Ballot(models.Model):
    """That a person has answered a survey (one answer per person): a keyed hash of the survey
    and the person, no link to the answer, no time."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    voter = models.CharField(max_length=64)

    class Meta:
        verbose_name = "答卷登记"
        verbose_name_plural = "答卷登记"
        constraints = [
            models.UniqueConstraint(fields=["survey", "voter"], name="ev_one_ballot_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}"


SURVEY_STATUSES = Survey.Status.choices

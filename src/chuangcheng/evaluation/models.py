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

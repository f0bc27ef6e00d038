"""The organisation: regions (市/区/街道/社区/网格), units (承办单位) and people's roles."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from chuangcheng.org.roles import role_label


class Region(models.Model):
    """A node of the region tree (行政区划) with its administrative code."""

    class Level(models.IntegerChoices):
        CITY = 1, "市"
        DISTRICT = 2, "区/县"
        STREET = 3, "街道/镇"
        COMMUNITY = 4, "社区/村"
        GRID = 5, "网格"

    code = models.CharField("行政区划代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=60)
    level = models.PositiveSmallIntegerField("层级", choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("路径", max_length=255, db_index=True, editable=False)
    lat = models.FloatField("中心纬度", null=True, blank=True)
    lng = models.FloatField("中心经度", null=True, blank=True)

    class Meta:
        verbose_name = "区域"
        verbose_name_plural = "区域"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def ancestor_at(self, level: int) -> Region | None:
        node: Region | None = self
        while node is not None and node.level > level:
            node = node.parent
        return node if node is not None and node.level == level else None


class Unit(models.Model):
    """A responsible unit (承办单位): centre, street office, community, department or utility."""

    class Kind(models.TextChoices):
        CENTRE = "centre", "指挥中心"
        STREET = "street", "街道办事处"
        COMMUNITY = "community", "社区居委会"
        DEPARTMENT = "department", "职能部门"
        UTILITY = "utility", "公用企业"
        # a group of people under another unit (a volunteer team, a task force): it takes the
        # cases its own loop hands it, never a case another loop dispatches to units
        TEAM = "team", "工作队伍"

    code = models.CharField("单位编码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=80)
    short_name = models.CharField("简称", max_length=30, blank=True)
    aliases = models.CharField(
        "别名",
        max_length=200,
        blank=True,
        help_text="群众和工作人员的其他叫法，用空格或逗号分隔，如：城管 城管委 综合执法",
    )
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    region = models.ForeignKey(Region, verbose_name="所属区域", on_delete=models.PROTECT)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "承办单位"
        verbose_name_plural = "承办单位"
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's role in a unit (人员角色). A person may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="人员",
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(
        "角色", max_length=20, help_text="由各业务流程声明（如 12345 的派单员、数字城管的监督员）"
    )

    class Meta:
        verbose_name = "人员角色"
        verbose_name_plural = "人员角色"
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {role_label(self.role)} · {self.unit or '-'}"

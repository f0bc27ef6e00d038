"""Trained routing models, versioned and stored in the database (so every web process and
worker on every machine loads the same one)."""

from __future__ import annotations

from django.db import models


class RouterModel(models.Model):
    """One trained routing model (智能派单模型): predicts a category or a lead unit from text."""

    class Target(models.TextChoices):
        CATEGORY = "category", "事项分类"
        UNIT = "unit", "主办单位"

    target = models.CharField("预测目标", max_length=12, choices=Target.choices)
    version = models.PositiveIntegerField("版本")
    trained_at = models.DateTimeField("训练时间")
    n_train = models.PositiveIntegerField("训练样本数")
    labels = models.JSONField("类别", default=list)
    metrics = models.JSONField("评估指标", default=dict)
    blob = models.BinaryField("模型")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "派单模型"
        verbose_name_plural = "派单模型"
        ordering = ["target", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["target", "version"], name="routermodel_version_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.get_target_display()} v{self.version}"

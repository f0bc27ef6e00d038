"""Core tables with no domain: the working-day calendar overrides and daily number sequences."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_otp.plugins.otp_totp.models import TOTPDevice


class CalendarOverride(models.Model):
    """A local exception to the official calendar (本地调整): a day off or an extra working day."""

    day = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日")
    note = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        verbose_name = "工作日调整"
        verbose_name_plural = "工作日调整"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'工作日' if self.is_workday else '休息日'}"


class DailySequence(models.Model):
    """The last number handed out on one day for one series (e.g. hotline orders)."""

    series = models.CharField(max_length=20)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "day"], name="dailyseq_series_day_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.day} {self.last}"


class Setting(models.Model):
    """A named setting editable in the admin (weights, factors, limits), stored as JSON."""

    key = models.CharField("键", max_length=64, unique=True)
    value = models.JSONField("值")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "参数设置"
        verbose_name_plural = "参数设置"

    def __str__(self) -> str:
        return self.key


class WorkerHeartbeat(models.Model):
    """A task worker saying it is alive, and which task it is running (core/worker.py). A task
    left RUNNING that no fresh heartbeat names is reclaimed and run again."""

    worker_id = models.CharField("进程标识", max_length=64, primary_key=True)
    host = models.CharField("主机", max_length=100, blank=True)
    pid = models.PositiveIntegerField("进程号", default=0)
    task_id = models.UUIDField("当前任务", null=True, blank=True)
    started_at = models.DateTimeField("启动时间")
    seen_at = models.DateTimeField("最近心跳", db_index=True)

    class Meta:
        verbose_name = "后台任务进程"
        verbose_name_plural = "后台任务进程"

    def __str__(self) -> str:
        return f"{self.host}:{self.pid} ({self.worker_id})"


class PhoneAuthenticator(TOTPDevice):
    """A person's 手机验证器 (django-otp's TOTP device), shown in the admin under Chinese names:
    the library names its model and fields in English only."""

    class Meta:
        proxy = True
        verbose_name = "手机验证器"
        verbose_name_plural = "手机验证器"


def report_path(instance: ReportFile, filename: str) -> str:
    return f"reports/{instance.requested_at:%Y/%m}/{instance.pk}-{instance.params_key[:8]}.bin"


class ReportFile(models.Model):
    """One generated document (a loop's 通报, 台账…) in the archive: asked for by a person,
    built by the task worker with its progress recorded, then kept for download
    (core/reports.py). Whoever may ask for the same kind under the same scope sees it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "生成失败"

    kind = models.CharField("报表类型", max_length=60)
    title = models.CharField("标题", max_length=200)
    params = models.JSONField("参数", default=dict)
    params_key = models.CharField("参数摘要", max_length=64)
    scope_key = models.CharField("数据范围", max_length=200)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    stage = models.CharField("当前步骤", max_length=100, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField("申请时间")
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("生成次数", default=0)
    file = models.FileField("文件", upload_to=report_path, blank=True)
    filename = models.CharField("文件名", max_length=200, blank=True)
    content_type = models.CharField("文件类型", max_length=100, blank=True)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    error = models.CharField("失败原因", max_length=500, blank=True)

    class Meta:
        verbose_name = "报表"
        verbose_name_plural = "报表归档"
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["kind", "scope_key", "-requested_at"], name="report_archive"),
        ]
        constraints = [
            # one build at a time of the same document: a second click joins the first
            models.UniqueConstraint(
                fields=["kind", "scope_key", "params_key"],
                condition=models.Q(status__in=["queued", "running"]),
                name="report_one_build",
            )
        ]

    def __str__(self) -> str:
        return self.title

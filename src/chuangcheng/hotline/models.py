"""The 12345 loop's own fields of an order (工单), one-to-one with the engine's `cases.Case`.

Written by the engine with the case (`case_open(detail=…)`, `case_transition`: the row is loaded
with the locked case and saved with the fields the step changed; ADR 0017). `HOTLINE.recorded`
names those whose every change the order's events record."""

from __future__ import annotations

from django.db import models


class HotlineOrder(models.Model):
    """12345 工单的业务字段: appeal type and urgency, the loop's copy of its three clocks
    (签收/响应/办结), the handling result and callback (回访), supervision (督办) and counters."""

    case = models.OneToOneField(
        "cases.Case",
        verbose_name="工单",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="hotline",
    )
    appeal_type = models.CharField("诉求类型", max_length=20, blank=True)
    urgency = models.CharField("紧急程度", max_length=20, default="normal")
    # the loop's copy of its clocks (CaseClock rows are the truth; `workflow.copy_clocks`)
    sign_due = models.DateTimeField("签收时限", null=True, blank=True)
    sign_at = models.DateTimeField("签收时间", null=True, blank=True)
    respond_due = models.DateTimeField("响应时限", null=True, blank=True)
    respond_at = models.DateTimeField("响应时间", null=True, blank=True)
    finish_due = models.DateTimeField("办结时限", null=True, blank=True)
    finish_at = models.DateTimeField("办结时间", null=True, blank=True)
    # outcome
    result = models.TextField("办理结果", blank=True)
    callback_at = models.DateTimeField("回访时间", null=True, blank=True)
    contacted = models.BooleanField("已联系", null=True)
    resolution = models.CharField("解决情况", max_length=20, blank=True)
    satisfaction = models.CharField("满意度", max_length=20, blank=True)
    citizen_rating = models.PositiveSmallIntegerField("群众评价", null=True, blank=True)
    # flags
    supervision_level = models.CharField("督办级别", max_length=20, blank=True)
    supervision_due = models.DateTimeField("督办期限", null=True, blank=True)
    reporter_count = models.PositiveIntegerField("反映人数", default=1)
    reopen_count = models.PositiveSmallIntegerField("重办次数", default=0)
    return_count = models.PositiveSmallIntegerField("退单次数", default=0)
    extension_workdays = models.PositiveSmallIntegerField("已延期工作日", default=0)
    excluded_from_scoring = models.BooleanField("不计入考核", default=False)
    # The keys the monthly ranking groups and filters by, copied from the case by the engine's
    # `on_save` hook in every step (hotline.workflow.copy_rank_keys): the month's closed orders
    # are then ONE index-only scan of `hotlineorder_rank_month` (ADR 0017, addendum)
    rank_closed_at = models.DateTimeField(
        "计入排名的办结时间", null=True, blank=True, help_text="工单的办结时间；已并单为空"
    )
    rank_unit = models.BigIntegerField("主办单位（排名用）", null=True, blank=True)
    rank_street = models.BigIntegerField("街道（排名用）", null=True, blank=True)

    class Meta:
        verbose_name = "12345 工单"
        verbose_name_plural = "12345 工单"
        indexes = [
            # the monthly 三率 ranking (hotline_indicators): the orders closed in a month come
            # from the case's (kind, closed_at) index; their scoring fields from this one,
            # by primary key, with index-only lookups
            # the month's closed orders with their group keys and scoring fields
            models.Index(
                fields=["rank_closed_at"],
                name="hotlineorder_rank_month",
                condition=models.Q(rank_closed_at__isnull=False),
                include=[
                    "rank_unit",
                    "rank_street",
                    "finish_at",
                    "finish_due",
                    "respond_at",
                    "respond_due",
                    "contacted",
                    "excluded_from_scoring",
                    "resolution",
                    "satisfaction",
                ],
            ),
            models.Index(
                fields=["case"],
                name="hotlineorder_scoring",
                include=[
                    "finish_at",
                    "finish_due",
                    "respond_at",
                    "respond_due",
                    "contacted",
                    "excluded_from_scoring",
                    "resolution",
                    "satisfaction",
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"12345 {self.case_id}"

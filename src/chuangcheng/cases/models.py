"""THE case engine's tables: one Case for every loop, its append-only events, assignments,
attachments, supervision records, and the catalogues (分类目录, 派单目录, 办理时限)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from chuangcheng.org.models import Region, Unit


class Category(models.Model):
    """A class of problem (事项分类, GB/T 39666-style 6-digit code: 2 digits per level)."""

    code = models.CharField("分类编码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=60)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField("适用业务", max_length=20, help_text="流程的 kind，如 12345 的 hotline")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "事项分类"
        verbose_name_plural = "事项分类"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RoutingRule(models.Model):
    """One line of the 派单目录: this category in this region goes to this unit."""

    category = models.ForeignKey(Category, verbose_name="分类", on_delete=models.CASCADE)
    region = models.ForeignKey(
        Region,
        verbose_name="区域",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text="留空表示全市适用；越具体的区域越优先",
    )
    unit = models.ForeignKey(Unit, verbose_name="承办单位", on_delete=models.CASCADE)
    priority = models.PositiveSmallIntegerField("优先级", default=100)

    class Meta:
        verbose_name = "派单目录"
        verbose_name_plural = "派单目录"
        ordering = ["category__code", "priority"]

    def __str__(self) -> str:
        return f"{self.category} → {self.unit}"


class TimeLimit(models.Model):
    """办理时限: deadlines for one kind of case, by appeal type and urgency (blank = any)."""

    UNITS = [("hours", "小时"), ("workhours", "工作时"), ("workdays", "工作日"), ("days", "自然日")]

    kind = models.CharField("业务", max_length=20, help_text="流程的 kind，如 12345 的 hotline")
    appeal_type = models.CharField("诉求类型", max_length=20, blank=True)
    urgency = models.CharField("紧急程度", max_length=20, blank=True)
    clock = models.CharField(
        "时钟", max_length=20, help_text="sign 签收 / respond 响应 / finish 办结"
    )
    amount = models.PositiveIntegerField("时长")
    unit = models.CharField("单位", max_length=10, choices=UNITS)

    class Meta:
        verbose_name = "办理时限"
        verbose_name_plural = "办理时限"
        ordering = ["kind", "clock", "urgency", "appeal_type"]

    def __str__(self) -> str:
        return f"{self.kind}/{self.clock}/{self.urgency or '*'}/{self.appeal_type or '*'}"


class Case(models.Model):
    """One reported matter in any loop (工单/案卷): the workflow named by `kind` drives it."""

    number = models.CharField("编号", max_length=20, unique=True)
    kind = models.CharField("业务", max_length=20, db_index=True)
    status = models.CharField("状态", max_length=24)
    source = models.CharField("来源", max_length=30, blank=True)
    channel = models.CharField("渠道", max_length=20, blank=True)
    title = models.CharField("标题", max_length=200)
    content = models.TextField("内容")
    category = models.ForeignKey(
        Category, verbose_name="分类", null=True, blank=True, on_delete=models.PROTECT
    )
    address = models.CharField("地址", max_length=255, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    lng = models.FloatField("经度", null=True, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name="所在区域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    street = models.ForeignKey(
        Region,
        verbose_name="所属街道",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region_path = models.CharField("区域路径", max_length=255, blank=True, editable=False)
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name="主办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    external_source = models.CharField("外部来源", max_length=40, blank=True)
    external_id = models.CharField("外部编号", max_length=80, blank=True)
    citizen_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="居民账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="受理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("受理时间", db_index=True)
    updated_at = models.DateTimeField("更新时间")
    # when it was dispatched and closed, and the nearest running deadline (its clocks: CaseClock)
    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    next_due = models.DateTimeField(
        "最近时限",
        null=True,
        blank=True,
        editable=False,
        help_text="正在计时的各时钟中最早的时限（无正在计时的时钟时为空），由引擎维护",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name="并入工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
    )
    match_text = models.CharField(
        "比对文本",
        max_length=160,
        blank=True,
        editable=False,
        help_text="标题与内容开头的规范化文本，用于并单查重（PostgreSQL 三元组索引）",
    )
    last_hash = models.CharField("最新记录哈希", max_length=64, blank=True, editable=False)
    event_count = models.PositiveIntegerField("办理记录数", default=0, editable=False)

    class Meta:
        verbose_name = "工单"
        verbose_name_plural = "工单"
        constraints = [
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_id=""),
                name="case_external_uniq",
            )
        ]
        indexes = [
            # The monthly figures of a loop (e.g. the 12345 三率 ranking) read the cases of a
            # month with index-only scans instead of visiting ~80k wide rows (bench/README.md);
            # the loop's own fields come from its own table, by primary key.
            models.Index(
                fields=["kind", "closed_at"],
                name="case_month_closed",
                include=["id", "status", "lead_unit", "street"],
            ),
            models.Index(
                fields=["kind", "created_at"],
                name="case_month_created",
                include=["id", "lead_unit", "street"],
            ),
            # a unit's open cases of one loop (the 12345 handler_queue), nearest running
            # deadline first, 50 at a time; kind first, so that one loop's queue does not walk
            # past the unit's open cases of the others (城管局 leads both loops)
            models.Index(
                fields=["kind", "lead_unit", "next_due", "id"],
                name="case_unit_next_due",
                condition=Q(closed_at__isnull=True),
            ),
            # overdue / due-soon lists over every loop: only cases with a running clock
            models.Index(
                fields=["next_due", "id"],
                name="case_next_due",
                condition=Q(next_due__isnull=False),
            ),
            # overdue / due-soon lists (overdue_q, due_soon_q: next_due), newest first: a list
            # scoped to a unit reads the newest cases with a running clock until it has a page
            models.Index(
                fields=["-created_at", "-id"],
                name="case_running_recent",
                condition=Q(next_due__isnull=False),
            ),
            # an index whose condition names a loop's states lives in that loop's migrations
            # (e.g. hotline/migrations/0002: the 12345 orders open now, by month)
            models.Index(fields=["region_path"], name="case_region_path"),
            models.Index(fields=["-created_at", "-id"], name="case_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class CaseClock(models.Model):
    """One clock (时钟) of one case, any name its workflow declares: when it started, its due
    (时限), and whether it is stopped (met), paused (缓办, 挂账, 申诉) or extended (延期). It runs
    while it has a due and is neither stopped nor paused. Written only by the engine
    (case_open, case_transition) in the case's transaction; `Case.next_due` is the earliest due
    of the running ones."""

    case = models.ForeignKey(
        Case, verbose_name="工单", on_delete=models.CASCADE, related_name="clocks"
    )
    name = models.CharField("时钟", max_length=20)
    started_at = models.DateTimeField("起算时间", null=True, blank=True)
    due_at = models.DateTimeField("时限", null=True, blank=True)
    stopped_at = models.DateTimeField("停止时间", null=True, blank=True)
    paused_at = models.DateTimeField("暂停时间", null=True, blank=True)
    limit_amount = models.PositiveIntegerField("时长", null=True, blank=True)
    limit_unit = models.CharField("单位", max_length=10, choices=TimeLimit.UNITS, blank=True)
    extended = models.FloatField("已延长", default=0, help_text="以时钟自身的单位计")

    class Meta:
        verbose_name = "时钟"
        verbose_name_plural = "时钟"
        constraints = [
            models.UniqueConstraint(fields=["case", "name"], name="caseclock_one_per_name")
        ]
        indexes = [
            # "overdue" (due < now) and "due soon" (now <= due < now + N) over the running
            # clocks of every loop: a range scan of this small index (only running clocks)
            models.Index(
                fields=["due_at", "case"],
                name="caseclock_running_due",
                condition=Q(stopped_at__isnull=True, paused_at__isnull=True, due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.name} {self.due_at}"

    @property
    def running(self) -> bool:
        return self.due_at is not None and self.stopped_at is None and self.paused_at is None


class ClockStop(models.Model):
    """A clock stopped by a step (时钟停止记录), written by the engine in the step's transaction:
    which step (its event's `seq`, action and actor), the due the clock had at that moment and
    whether it was met (按时: stopped at or before its due; a clock stopped without a due, never
    started, counts as met, as `CaseClocks.stop` says). A clock restarted and stopped again has
    one row per stop, where its `CaseClock` row keeps only the last. Counts of "done on time"
    per month, per person or per clock are then counts over an index (no window over the
    steps, no working-day arithmetic). The case's kind is copied so that a loop counts its own
    stops without joining the cases. Rows of steps before this record existed were filled by
    `cases` migration 0024 (`cases.clock_stops.backfill`)."""

    case = models.ForeignKey(
        Case, verbose_name="工单", on_delete=models.CASCADE, related_name="clock_stops"
    )
    kind = models.CharField("业务", max_length=20)
    seq = models.PositiveIntegerField("记录序号", help_text="停止时钟的那一步的办理记录序号")
    name = models.CharField("时钟", max_length=20)
    action = models.CharField("动作", max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField("起算时间", null=True, blank=True)
    due_at = models.DateTimeField("时限", null=True, blank=True)
    stopped_at = models.DateTimeField("停止时间")
    met = models.BooleanField("按时")

    class Meta:
        verbose_name = "时钟停止记录"
        verbose_name_plural = "时钟停止记录"
        constraints = [
            models.UniqueConstraint(fields=["case", "seq", "name"], name="clockstop_one_per_step")
        ]
        indexes = [
            # a loop's stops of one clock in a period, with who stopped it and whether in time:
            # an index-only scan for "按时 per person per month" (PostgreSQL; elsewhere the
            # index without its INCLUDE columns)
            models.Index(
                fields=["kind", "name", "stopped_at"],
                include=["action", "actor", "met", "case"],
                name="clockstop_kind_name_stopped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.name} {'按时' if self.met else '超时'}"


class CaseRequest(models.Model):
    """A request awaiting a decision (待审申请: 退单, 延期, 回退, 缓办, 作废, 申诉…): opened by one
    step, decided once by another. Several may be pending on one case (one of each kind); none
    overwrites another, and those still pending when the case ends lapse (失效). The kinds are
    declared by each workflow; the engine only keeps the record."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已同意"
        REJECTED = "rejected", "已驳回"
        LAPSED = "lapsed", "已失效"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField("申请类型", max_length=20)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default="pending")
    data = models.JSONField("申请内容", default=dict, blank=True)
    from_status = models.CharField("申请时状态", max_length=24, blank=True)
    opened_seq = models.PositiveIntegerField("申请记录序号")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField("申请时间")
    decided_seq = models.PositiveIntegerField("审批记录序号", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)

    class Meta:
        verbose_name = "待审申请"
        verbose_name_plural = "待审申请"
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=Q(status="pending"),
                name="caserequest_one_pending_per_kind",
            )
        ]
        indexes = [
            # the queues of requests waiting for a decision, oldest first
            models.Index(
                fields=["kind", "opened_at"],
                name="caserequest_pending",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["case", "status"], name="caserequest_case"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.status}"


class CaseContact(models.Model):
    """The caller's personal data (诉求人信息), kept apart from the case and shown masked."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="contact")
    name = models.CharField("姓名", max_length=40, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True, db_index=True)
    confidential = models.BooleanField("保密", default=False)

    class Meta:
        verbose_name = "诉求人"
        verbose_name_plural = "诉求人"

    def __str__(self) -> str:
        return f"诉求人 #{self.case_id}"


class Assignment(models.Model):
    """Who is made responsible for a case: a unit (a department, a street office, a team) or a
    person, as the lead (主办) or a co-handler (协办)."""

    class Role(models.TextChoices):
        LEAD = "lead", "主办"
        CO = "co", "协办"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(
        Unit,
        verbose_name="单位/队伍",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField("角色", max_length=8, choices=Role.choices)
    active = models.BooleanField("有效", default=True)
    assigned_at = models.DateTimeField("派单时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "派单记录"
        verbose_name_plural = "派单记录"
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(user__isnull=False),
                name="assignment_unit_or_user",
            )
        ]
        indexes = [
            models.Index(
                fields=["user", "case"], name="assignment_user_active", condition=Q(active=True)
            ),
            models.Index(fields=["unit", "active"], name="assignment_unit_active"),
            # co-handling units in the visibility subquery (cases_visible_to)
            models.Index(
                fields=["unit", "case"],
                name="assignment_co_active",
                condition=Q(active=True, role="co"),
            ),
        ]

    def __str__(self) -> str:
        who = f"单位 {self.unit_id}" if self.unit_id else f"人员 {self.user_id}"
        return f"{self.case_id} → {who} ({self.get_role_display()})"  # 主办/协办


class CaseEvent(models.Model):
    """One step in a case's history. Append-only (a PostgreSQL trigger refuses UPDATE/DELETE);
    each carries the hash of the previous one, so tampering shows."""

    case = models.ForeignKey(
        Case, verbose_name="工单", on_delete=models.PROTECT, related_name="events"
    )
    seq = models.PositiveIntegerField("序号")
    action = models.CharField("动作", max_length=30)
    from_status = models.CharField("原状态", max_length=24, blank=True)
    to_status = models.CharField("新状态", max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name="操作单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField("说明", blank=True)
    data = models.JSONField("数据", default=dict, blank=True)
    changes = models.JSONField(
        "工单字段变更",
        default=dict,
        blank=True,
        help_text="本步骤改变的工单字段（cases/history.py），用于校验工单表与办理记录一致",
    )
    created_at = models.DateTimeField("时间")
    prev_hash = models.CharField("上一条哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["case_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="caseevent_case_seq_uniq")
        ]
        # a loop that counts one kind of event adds its own partial index in its own
        # migrations (e.g. hotline/migrations/0001: the 12345 退回 per month)

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"

    def hash_payload(self) -> dict[str, object]:
        return {
            "case": self.case_id,
            "seq": self.seq,
            "action": self.action,
            "from": self.from_status,
            "to": self.to_status,
            "actor": self.actor_id,
            "unit": self.unit_id,
            "note": self.note,
            "data": self.data,
            "changes": self.changes,
            "at": self.created_at.isoformat(),
        }


def attachment_path(instance: Attachment, filename: str) -> str:
    ext = {
        "image/jpeg": "jpg",
        "image/png": "png",
        "image/gif": "gif",
        "image/webp": "webp",
        "application/pdf": "pdf",
    }.get(instance.content_type, "bin")
    return f"cases/{instance.case_id}/{instance.token}.{ext}"


class Attachment(models.Model):
    """A photo or PDF on a case (before/after photos, documents)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField("文件名", max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    label = models.CharField("类别", max_length=20, blank=True, help_text="before/after/other")
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"

    def __str__(self) -> str:
        return self.name


class ContactReveal(models.Model):
    """Audit row: someone looked at a caller's full phone number (查看号码留痕). Append-only
    like the case events (a trigger refuses UPDATE and DELETE)."""

    case = models.ForeignKey(Case, verbose_name="工单", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="查看人", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("事由", max_length=200, blank=True)
    at = models.DateTimeField("查看时间")

    class Meta:
        verbose_name = "号码查看记录"
        verbose_name_plural = "号码查看记录"

    def __str__(self) -> str:
        return f"{self.user_id} 查看 {self.case_id}"


class Notification(models.Model):
    """An in-app message to a person about a case (派单提醒, 退单待审, 督办…), written by the
    task worker after the step that caused it has committed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.CharField("内容", max_length=200)
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "消息提醒"
        verbose_name_plural = "消息提醒"
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_recent"),
        ]
        constraints = [
            # a re-run of the task (a worker died mid-way) tells nobody twice
            models.UniqueConstraint(fields=["user", "event"], name="notification_user_event")
        ]

    def __str__(self) -> str:
        return self.text


class RepeatKey(models.Model):
    """A MinHash band key of an OPEN case's text (core/minhash.py), for finding repeated
    appeals (并单) by equality lookups. Written when a case opens, removed when it closes."""

    key = models.BigIntegerField()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        verbose_name = "查重键"
        verbose_name_plural = "查重键"
        indexes = [
            models.Index(fields=["key", "case"], name="repeatkey_key_case"),
            models.Index(fields=["case"], name="repeatkey_case"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.key}"


class CaseLink(models.Model):
    """A link between two cases, of the same loop or of two (转办, 上报, 下派: `cases.handover`).
    Append-only: written once, in the transaction of the step that made it, never changed; the
    outcome travels back as a step of the origin case, not as an edit of the link."""

    class Kind(models.TextChoices):
        HANDOVER = "handover", "转办"

    from_case = models.ForeignKey(
        Case, verbose_name="来源工单", on_delete=models.PROTECT, related_name="links_out"
    )
    to_case = models.ForeignKey(
        Case, verbose_name="接收工单", on_delete=models.PROTECT, related_name="links_in"
    )
    kind = models.CharField("关联类型", max_length=20, choices=Kind.choices)
    receiver = models.CharField("接收方", max_length=40, blank=True)
    created_at = models.DateTimeField("时间")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "工单关联"
        verbose_name_plural = "工单关联"
        constraints = [
            # a case is received once: the receiving case has one origin
            models.UniqueConstraint(
                fields=["to_case"], condition=Q(kind="handover"), name="caselink_one_origin"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_case_id} → {self.to_case_id} ({self.kind})"

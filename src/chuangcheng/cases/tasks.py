"""Side effects of case steps, run by the task worker after the step committed."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from chuangcheng.cases.models import Case, CaseEvent, Notification
from chuangcheng.cases.workflow import workflow_for
from chuangcheng.core.periodic import on_worker_start, schedule_once
from chuangcheng.org.models import Membership

# action → (who is told, what they read)
MESSAGES: dict[str, tuple[str, str]] = {
    "dispatch": ("lead_unit", "新工单 {number}「{title}」已派至贵单位，请及时签收"),
    "reject_feedback": ("lead_unit", "工单 {number} 的办理反馈被退回，请重新办理"),
    "reject_return": ("lead_unit", "工单 {number} 的退单申请被驳回，请继续办理"),
    "approve_extension": ("lead_unit", "工单 {number} 的延期申请已同意"),
    "reject_extension": ("lead_unit", "工单 {number} 的延期申请被驳回"),
    "reopen": ("lead_unit", "工单 {number} 回访不满意，已重办，请重新办理"),
    "supervise": ("lead_unit", "工单 {number} 已被督办，请按要求办理并回复"),
    "request_return": ("dispatcher", "工单 {number} 有退单申请待审批"),
    "request_extension": ("dispatcher", "工单 {number} 有延期申请待审批"),
    "feedback": ("dispatcher", "工单 {number} 已反馈办理结果，待审核"),
}


def recipients(case: Case, audience: str) -> list[int]:
    if audience == "lead_unit":
        if case.lead_unit_id is None:
            return []
        qs = Membership.objects.filter(unit_id=case.lead_unit_id, role="handler")
    else:
        qs = Membership.objects.filter(role=audience)
    return list(qs.values_list("user_id", flat=True).distinct())


@task()
def notify_event(event_id: int) -> int:
    """Write the in-app messages for one event. Returns how many were written."""
    event = CaseEvent.objects.select_related("case").filter(pk=event_id).first()
    if event is None or event.action not in MESSAGES:
        return 0
    audience, template = MESSAGES[event.action]
    case = event.case
    text = template.format(
        number=case.number,
        title=case.title[:30],
        state=workflow_for(case.kind).state_label(case.status),
    )
    now = timezone.now()
    users = recipients(case, audience)
    Notification.objects.bulk_create(
        [Notification(user_id=u, case=case, text=text[:200], created_at=now) for u in users]
    )
    return len(users)


@task()
def anchor_history() -> dict[str, object]:
    """Append an anchor of every case history's head outside the database (cases/anchors.py),
    then queue the next run."""
    from chuangcheng.cases.anchors import anchor_now

    anchor = anchor_now()
    schedule_anchoring(delay=dt.timedelta(seconds=settings.CC_HISTORY_ANCHOR_EVERY))
    return {k: anchor[k] for k in ("upto", "cases", "events")}


@on_worker_start
def schedule_anchoring(*, delay: dt.timedelta = dt.timedelta(0)) -> bool:
    """Queue the next anchoring unless one is pending (the worker calls this when it starts)."""
    return schedule_once(anchor_history, run_after=timezone.now() + delay)

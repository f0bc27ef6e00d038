"""Plain Chinese formatting shared by templates, views and tests (no Django templates here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from chuangcheng.cases.workflow import ENGINE_EVENT_LABELS, workflow_for
from chuangcheng.hotline import constants

SOON = dt.timedelta(hours=24)  # 即将超期: less than a day left

VOCABULARIES: dict[str, dict[str, str]] = {
    "appeal_type": constants.APPEAL_TYPE_LABELS,
    "channel": constants.CHANNEL_LABELS,
    "urgency": constants.URGENCY_LABELS,
    "resolution": constants.RESOLUTION_LABELS,
    "satisfaction": constants.SATISFACTION_LABELS,
    "supervision": constants.SUPERVISION_LABELS,
}


FIELD_NAMES = {"appeal_type": "诉求类型", "urgency": "紧急程度", "category": "分类"}


def cn_datetime(when: dt.datetime) -> str:
    local = timezone.localtime(when) if timezone.is_aware(when) else when
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def cn_month(month: str) -> str:
    """'2026-10' → '2026年10月'."""
    year, mon = month.split("-")
    return f"{int(year)}年{int(mon)}月"


def cn_number(value: Any) -> str:
    if value is None or value == "":
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if number.is_integer():
        return f"{int(number):,}"
    return f"{number:,.2f}"


def percent(value: Any) -> str:
    """0.8529 → '85.29%'; None → '—'."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.2f}%"


def duration_text(delta: dt.timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时"
    return f"{mins}分钟"


def countdown_text(due: dt.datetime, now: dt.datetime) -> tuple[str, str]:
    """('剩余 2天3小时', 'ok'|'soon') or ('已超期 5小时', 'overdue')."""
    left = due - now
    if left.total_seconds() < 0:
        return f"已超期 {duration_text(left)}", "overdue"
    return f"剩余 {duration_text(left)}", "soon" if left < SOON else "ok"


def state_label(kind: str, status: str) -> str:
    try:
        return workflow_for(kind).state_label(status)
    except LookupError:
        return status


def action_label(kind: str, action: str) -> str:
    if action == "open":
        return "受理"
    try:
        workflow = workflow_for(kind)
    except LookupError:
        return action
    step = workflow.action(action)
    if step is not None:
        return step.label
    return workflow.event_labels.get(action) or ENGINE_EVENT_LABELS.get(action, action)


def vocabulary_label(vocabulary: str, value: Any) -> str:
    if value in (None, ""):
        return ""
    return VOCABULARIES.get(vocabulary, {}).get(str(value), str(value))


def _parse_when(value: Any) -> dt.datetime | None:
    """An ISO date or datetime from event data (督办 dues were dates before they were times)."""
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.get_current_timezone())
    return parsed


def event_details(event: dict[str, Any]) -> list[str]:
    """Short Chinese lines describing an event's data (dispatch targets, callback results...)."""
    data = event.get("data") or {}
    out: list[str] = []
    if data.get("lead_unit_name"):
        out.append(f"主办：{data['lead_unit_name']}")
    if data.get("co_unit_names"):
        out.append("协办：" + "、".join(data["co_unit_names"]))
    if data.get("days"):
        out.append(f"延期 {data['days']} 个工作日")
    if "contacted" in data:
        if data.get("contacted"):
            out.append(
                f"解决情况：{vocabulary_label('resolution', data.get('resolution'))}；"
                f"满意度：{vocabulary_label('satisfaction', data.get('satisfaction'))}"
            )
        else:
            out.append("未联系上诉求人")
    if data.get("level"):
        out.append(f"级别：{vocabulary_label('supervision', data['level'])}")
    if data.get("due"):
        due = _parse_when(data["due"])
        out.append(f"反馈期限：{cn_datetime(due) if due else data['due']}")
    if data.get("late"):
        out.append("逾期回复")
    if data.get("no_callback_reason_label"):
        out.append(f"未回访原因：{data['no_callback_reason_label']}")
    if data.get("merged_from"):
        out.append(f"来自 {data['merged_from']}，反映人数增至 {data.get('reporter_count', '—')} 人")
    if data.get("rating"):
        out.append(f"评分：{'★' * int(data['rating'])}")
    if data.get("into"):
        out.append(f"并入工单 {data['into']}")
    changes = data.get("changes") or {}
    for field, (_old, new) in changes.items():
        name = FIELD_NAMES.get(field, field)
        out.append(f"{name}改为 {vocabulary_label(field, new) or new}")
    return out

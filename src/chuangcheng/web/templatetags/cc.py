"""Chinese formatting for pages: dates, numbers, rates, countdowns, status badges."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html

from chuangcheng.web import formatting

register = template.Library()


def _as_datetime(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and value:
        return parse_datetime(value)
    return None


@register.filter
def cn_dt(value: Any) -> str:
    """2026年11月23日 14:05 (Asia/Shanghai)."""
    when = _as_datetime(value)
    return formatting.cn_datetime(when) if when else ""


@register.filter
def cn_date(value: Any) -> str:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f"{value.year}年{value.month}月{value.day}日"
    when = _as_datetime(value)
    if when is None:
        return ""
    local = timezone.localtime(when)
    return f"{local.year}年{local.month}月{local.day}日"


@register.filter
def cn_num(value: Any) -> str:
    return formatting.cn_number(value)


@register.filter
def pct(value: Any) -> str:
    return formatting.percent(value)


@register.filter
def score(value: Any) -> str:
    return "—" if value is None else f"{float(value):.2f}"


@register.filter
def iso(value: Any) -> str:
    when = _as_datetime(value)
    return timezone.localtime(when).isoformat() if when else ""


@register.simple_tag
def countdown(due: Any, done: Any = None) -> str:
    """A live countdown to a deadline; app.js keeps it ticking. Met deadlines show when."""
    due_dt = _as_datetime(due)
    if due_dt is None:
        return format_html('<span class="muted">—</span>')
    done_dt = _as_datetime(done)
    if done_dt is not None:
        late = done_dt > due_dt
        return format_html(
            '<span class="met {}">{}于 {}</span>',
            "late" if late else "",
            "超时完成" if late else "已完成",
            formatting.cn_datetime(done_dt),
        )
    text, level = formatting.countdown_text(due_dt, timezone.now())
    return format_html(
        '<span class="countdown {}" data-due="{}" title="时限 {}">{}</span>',
        level,
        timezone.localtime(due_dt).isoformat(),
        formatting.cn_datetime(due_dt),
        text,
    )


@register.simple_tag
def status_badge(status: str, kind: str = "hotline") -> str:
    return format_html(
        '<span class="badge st-{}">{}</span>', status, formatting.state_label(kind, status)
    )


@register.filter
def label(value: Any, vocabulary: str) -> str:
    return formatting.vocabulary_label(vocabulary, value)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def masked_phone(value: Any) -> str:
    """138****1234: a caller's number as pages show it."""
    from chuangcheng.core.privacy import mask_phone

    return mask_phone(str(value or ""))

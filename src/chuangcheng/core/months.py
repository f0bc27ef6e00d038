"""A month asked for in a query string ("2026-10"), as every loop's monthly figures read it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from chuangcheng.core.errors import ValidationFailed

MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


def month_bounds(
    raw: str | None, today: dt.date, *, empty: Literal["this", "last"], noun: str
) -> tuple[dt.date, dt.date]:
    """'2026-10' → (1 October, 1 November); empty → this month or the last full one; anything
    else, or a month after this one, a 400 with a Chinese message naming `noun` (统计, 指标…)."""
    raw = (raw or "").strip()
    if not raw:
        day = today if empty == "this" else today.replace(day=1) - dt.timedelta(days=1)
        year, mon = day.year, day.month
    else:
        m = MONTH_RE.match(raw)
        if m is None or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 2000:
            raise ValidationFailed(
                "月份格式应为 YYYY-MM，例如 2026-10。", fields={"month": ["格式不对"]}
            )
        year, mon = int(m.group(1)), int(m.group(2))
    first = dt.date(year, mon, 1)
    if first > today:
        raise ValidationFailed(f"不能查看未来月份的{noun}。", fields={"month": ["晚于本月"]})
    return first, dt.date(year + (mon == 12), mon % 12 + 1, 1)

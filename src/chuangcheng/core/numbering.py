"""Human-readable case numbers: date + daily sequence, e.g. 20261123000123.

The counter row is bumped with one atomic upsert (INSERT … ON CONFLICT … RETURNING) in its own
short transaction, so concurrent intakes never get the same number and never wait on each other
for longer than that one statement. Numbers may have gaps (an intake that fails after taking a
number leaves one); they are never repeated.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from chuangcheng.core.models import DailySequence

_SQL = (
    f"INSERT INTO {DailySequence._meta.db_table} (series, day, last) VALUES (%s, %s, 1) "
    "ON CONFLICT (series, day) DO UPDATE SET last = "
    f"{DailySequence._meta.db_table}.last + 1 RETURNING last"
)


def next_number(series: str, when: dt.datetime | None = None, width: int = 6) -> str:
    day = timezone.localdate(when) if when else timezone.localdate()
    with transaction.atomic(durable=not connection.in_atomic_block), connection.cursor() as cur:
        cur.execute(_SQL, [series, day])
        (value,) = cur.fetchone()
    return f"{day:%Y%m%d}{value:0{width}d}"

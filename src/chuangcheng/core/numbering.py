"""Human-readable case numbers: date + daily sequence, e.g. 20261123000123.

The counter row is bumped with one atomic upsert (INSERT … ON CONFLICT … RETURNING). Outside a
transaction that statement commits on its own (autocommit: one round trip, no BEGIN/COMMIT),
so concurrent intakes never get the same number and never wait on each other for longer than
that one statement. Inside a transaction it simply joins it (the row stays locked until that
transaction ends). Numbers may have gaps (an intake that fails after taking a number leaves
one); they are never repeated.

`allocate_numbers` takes a block of N consecutive numbers with the same single statement
(`last = last + N`) and can draw N values of a table's id sequence in that same statement, so
a caller can know the ids of rows it is about to insert (the case engine needs the case id for
the first event's hash) without another round trip.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from chuangcheng.core.models import DailySequence

_TABLE = DailySequence._meta.db_table
_UPSERT = (
    f"INSERT INTO {_TABLE} (series, day, last) VALUES (%s, %s, %s) "
    f"ON CONFLICT (series, day) DO UPDATE SET last = {_TABLE}.last + EXCLUDED.last "
    "RETURNING last"
)
_SQL = _UPSERT
# the counter and N ids of a table, in one statement: (last, id) × N
_SQL_WITH_IDS = (
    f"WITH c AS ({_UPSERT}) "
    "SELECT c.last, nextval(pg_get_serial_sequence(%s, 'id')) FROM c, generate_series(1, %s)"
)


def _format(day: dt.date, value: int, width: int) -> str:
    return f"{day:%Y%m%d}{value:0{width}d}"


def next_number(series: str, when: dt.datetime | None = None, width: int = 6) -> str:
    day = timezone.localdate(when) if when else timezone.localdate()
    with connection.cursor() as cur:
        cur.execute(_SQL, [series, day, 1])
        (value,) = cur.fetchone()
    return _format(day, value, width)


def allocate_numbers(
    series: str, count: int, when: dt.datetime | None = None, width: int = 6
) -> list[str]:
    """`count` consecutive numbers of one day, with ONE upsert (`last = last + count`)."""
    if count <= 0:
        return []
    day = timezone.localdate(when) if when else timezone.localdate()
    with connection.cursor() as cur:
        cur.execute(_SQL, [series, day, count])
        (last,) = cur.fetchone()
    return [_format(day, n, width) for n in range(last - count + 1, last + 1)]


def allocate_numbers_with_ids(
    series: str,
    count: int,
    table: str,
    when: dt.datetime | None = None,
    width: int = 6,
) -> list[tuple[str, int]]:
    """As `allocate_numbers`, each number paired with a fresh value of `table`'s id sequence,
    drawn in the same statement (ids ascending with the numbers)."""
    if count <= 0:
        return []
    day = timezone.localdate(when) if when else timezone.localdate()
    with connection.cursor() as cur:
        cur.execute(_SQL_WITH_IDS, [series, day, count, table, count])
        rows = cur.fetchall()
    last = rows[0][0]
    ids = sorted(int(r[1]) for r in rows)
    return [(_format(day, last - count + 1 + i, width), ids[i]) for i in range(count)]

"""The time a step happens at, for input checks that compare with "today".

A step normally happens now. The engine runs a step's form and rules `as_of` the step's own time
(`case_transition(now=...)`, a bulk replay of history), so a check such as "the due date may not
be before today" means the day the step was taken, not the day it is replayed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone


class Asked:
    """Whether anything asked the time inside an `as_of` block (a replay caches the checks
    of a form that did not, whatever the day)."""

    def __init__(self, at: dt.datetime | None) -> None:
        self.at, self.asked = at, False


_AT: ContextVar[Asked | None] = ContextVar("chuangcheng_as_of", default=None)


@contextmanager
def as_of(at: dt.datetime | None) -> Iterator[Asked]:
    cell = Asked(at)
    token = _AT.set(cell)
    try:
        yield cell
    finally:
        _AT.reset(token)


def now() -> dt.datetime:
    cell = _AT.get()
    if cell is None or cell.at is None:
        return timezone.now()
    cell.asked = True
    return cell.at


def localdate() -> dt.date:
    return timezone.localdate(now())

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

_AT: ContextVar[dt.datetime | None] = ContextVar("chuangcheng_as_of", default=None)


@contextmanager
def as_of(at: dt.datetime | None) -> Iterator[None]:
    token = _AT.set(at)
    try:
        yield
    finally:
        _AT.reset(token)


def now() -> dt.datetime:
    return _AT.get() or timezone.now()


def localdate() -> dt.date:
    return timezone.localdate(now())

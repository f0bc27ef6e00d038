"""The plain data the demo history works on: the city as the generator sees it, and what one
order is about (`Spec`). The steps themselves are played through the real workflow
(`chuangcheng.demo.play`): nothing here knows a state, a clock or an action's effect.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from chuangcheng.org.access import Actor

TZ = ZoneInfo("Asia/Shanghai")


# ---------------------------------------------------------------- the city, as plain data
@dataclass(frozen=True)
class Person:
    id: int
    username: str


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str
    name: str
    short: str
    kind: str


@dataclass(frozen=True)
class Place:
    """A community (社区) orders happen in."""

    region_id: int
    code: str
    path: str
    name: str
    street_id: int
    street_code: str
    street_name: str
    district: str
    lat: float
    lng: float


@dataclass
class CityData:
    centre: UnitInfo
    units: dict[str, UnitInfo]
    categories: dict[str, int]  # leaf category code → id
    routes: dict[str, list[tuple[str, int, str]]]  # code → [(region path or "", priority, unit)]
    places: list[Place]
    time_limits: list[tuple[str, str, str, int, str]]  # clock, appeal type, urgency, amount, unit
    clock_defaults: dict[str, tuple[int, str]]
    operators: list[Person]
    dispatchers: list[Person]
    callbacks: list[Person]
    supervisors: list[Person]
    handlers: dict[str, list[Person]]  # unit code → handlers
    citizen: Person | None = None
    return_limit_workdays: int = 2
    max_extension_workdays: int = 10
    actors: dict[int, Actor] = field(default_factory=dict)  # person id → who they act as


@dataclass(slots=True)
class Spec:
    """What an order is about, decided before its steps are played."""

    created_at: dt.datetime
    appeal_type: str
    code: str  # category code
    place: Place
    title: str = ""
    content: str = ""
    address: str = ""
    urgency: str = "normal"
    channel: str = "phone"
    contact: tuple[str, str, bool] = ("", "", False)
    answer: str = ""  # 咨询 answered at intake
    intake_category: bool = True
    review_type: str = ""  # the dispatcher corrects the appeal type at review
    main: Spec | None = None  # a repeat of this order (并单)
    repeats: list[Spec] = field(default_factory=list)
    scenario: str = ""
    lead: str = ""  # unit code (scenarios force it)
    citizen: bool = False
    key: int = -1
    number: str = ""
    merge_at: dt.datetime | None = None
    merged: bool = False
    values: dict[str, str] = field(default_factory=dict)  # placeholder values of the texts
    template: tuple[str, str] = ("", "")
    outcome_of_main: tuple[dt.datetime | None, str, str] = (None, "", "")


# ---------------------------------------------------------------- small helpers
class _Cut(Exception):
    """The next step would happen after now: the order stops in its current state."""


def pick(rng: random.Random, mix: list[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in mix], [w for _, w in mix])[0]


def local(t: dt.datetime) -> dt.datetime:
    return t.astimezone(TZ)


def office(
    rng: random.Random, t: dt.datetime, start: float = 8.0, end: float = 21.0
) -> dt.datetime:
    """Move a time that falls outside office hours to the next morning."""
    lt = local(t)
    hour = lt.hour + lt.minute / 60
    if start <= hour < end:
        return t
    day = lt.date() + dt.timedelta(days=1 if hour >= end else 0)
    morning = dt.datetime.combine(day, dt.time(0), tzinfo=TZ) + dt.timedelta(hours=start)
    return (morning + dt.timedelta(minutes=rng.uniform(5, 90))).astimezone(dt.UTC)


def mins(rng: random.Random, lo: float, hi: float) -> dt.timedelta:
    return dt.timedelta(seconds=rng.uniform(lo * 60, hi * 60))


def hours(rng: random.Random, lo: float, hi: float) -> dt.timedelta:
    return dt.timedelta(seconds=rng.uniform(lo * 3600, hi * 3600))

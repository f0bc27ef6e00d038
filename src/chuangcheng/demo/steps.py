"""The steps of one 12345 order, played as plain data: `Sim` mirrors every action of
`chuangcheng.hotline.workflow` (sources, targets, clocks started and stopped, guards, the fields
each action sets, its event note and data) so that a generated order is exactly what
`case_transition` would have left behind. Also the plain data the generator works on.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chuangcheng.core.calendar import (
    add_duration,
    add_working_days,
    count_between,
    working_days_between,
)
from chuangcheng.demo import texts as T
from chuangcheng.hotline.workflow import HOTLINE

if TYPE_CHECKING:
    from chuangcheng.demo.history import History

TZ = ZoneInfo("Asia/Shanghai")
FINAL = frozenset({"closed", "merged"})
SUPERVISABLE = frozenset(
    {"received", "reviewed", "dispatched", "handling", "return_requested", "fed_back"}
)


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


# ---------------------------------------------------------------- what comes out
@dataclass(slots=True)
class Event:
    action: str
    from_status: str
    to_status: str
    actor_id: int | None
    actor_name: str
    unit_id: int | None
    note: str
    data: dict[str, Any]
    at: dt.datetime


@dataclass(slots=True)
class Assign:
    unit_id: int
    role: str  # lead / co
    assigned_at: dt.datetime
    active: bool = True
    ended_at: dt.datetime | None = None


@dataclass(slots=True)
class Req:
    """A request awaiting a decision (cases.models.CaseRequest), as plain data."""

    kind: str
    data: dict[str, Any]
    from_status: str
    opened_seq: int
    opened_by: int | None
    opened_unit: int | None
    opened_at: dt.datetime
    status: str = "pending"
    decided_seq: int | None = None
    decided_by: int | None = None
    decided_at: dt.datetime | None = None


@dataclass(slots=True)
class GeneratedCase:
    key: int  # position in the stream (oldest first)
    fields: dict[str, Any]  # Case columns
    contact: tuple[str, str, bool]  # name, phone, confidential
    assignments: list[Assign]
    events: list[Event]
    merged_into_key: int | None = None
    requests: list[Req] = field(default_factory=list)
    clocks: list[dict[str, Any]] = field(default_factory=list)  # CaseClock rows
    next_due: dt.datetime | None = None


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


# ---------------------------------------------------------------- one order's steps
class Sim:
    """Plays workflow actions on one order, mirroring chuangcheng.hotline.workflow exactly."""

    def __init__(self, gen: History, spec: Spec, fields: dict[str, Any]) -> None:
        self.g, self.spec, self.f = gen, spec, fields
        self.events: list[Event] = []
        self.assignments: list[Assign] = []
        self.requests: list[Req] = []
        self.last: dt.datetime | None = None
        self.lead: UnitInfo | None = None
        self.handler: Person | None = None
        self.clocks: dict[str, dict[str, Any]] = {}  # CaseClock rows, as the engine keeps them

    # -- plumbing
    def _time(self, at: dt.datetime) -> dt.datetime:
        at = at.astimezone(dt.UTC)  # events hash their time as stored: in UTC
        if self.last is not None and at <= self.last:
            at = self.last + dt.timedelta(seconds=self.g.rng.uniform(20, 300))
        if at >= self.g.now:
            raise _Cut
        return at

    def _centre(self, people: list[Person]) -> tuple[Person, int]:
        return self.g.rng.choice(people), self.g.city.centre.id

    def _lead_actor(self) -> tuple[Person, int]:
        assert self.lead is not None and self.handler is not None
        return self.handler, self.lead.id

    def _record(
        self,
        action: str,
        at: dt.datetime,
        who: tuple[Person, int | None],
        *,
        to: str | None = None,
        note: str = "",
        data: dict[str, Any] | None = None,
        stops: tuple[str, ...] = (),
        starts: tuple[str, ...] = (),
        request_data: dict[str, Any] | None = None,
    ) -> dt.datetime:
        f = self.f
        for name in stops:
            self._stop(name, at)
        for name in starts:
            amount, limit_unit = self.limit(name)
            clock = self._clock(name)
            clock.update(started_at=at, stopped_at=None, paused_at=None, extended=0.0)
            clock.update(limit_amount=amount, limit_unit=limit_unit)
            clock["due_at"] = add_duration(at, amount, limit_unit)
        frm = f["status"]
        f["status"] = to or frm
        if f["status"] in FINAL and frm not in FINAL:  # the engine stops every clock
            for clock in self.clocks.values():
                if clock["due_at"] is not None and clock["stopped_at"] is None:
                    clock["stopped_at"] = at
        for name, clock in self.clocks.items():  # the hotline's copy (workflow.copy_clocks)
            f[f"{name}_due"], f[f"{name}_at"] = clock["due_at"], clock["stopped_at"]
        if f["status"] in FINAL and f["closed_at"] is None:
            f["closed_at"] = at
        f["updated_at"] = at
        person, unit = who
        self.events.append(
            Event(action, frm, f["status"], person.id, person.username, unit, note, data or {}, at)
        )
        self._requests(action, frm, person.id, unit, at, request_data)
        self.last = at
        return at

    def _requests(
        self,
        name: str,
        frm: str,
        person: int,
        unit: int | None,
        at: dt.datetime,
        data: dict[str, Any] | None,
    ) -> None:
        """Open, decide and lapse requests as the workflow declares for this action (the
        declaration is read, not copied: cases.services._record_requests does the same)."""
        action = HOTLINE.action(name)
        assert action is not None
        seq, final = len(self.events), self.f["status"] in FINAL
        for req in self.requests:
            if req.status != "pending":
                continue
            if req.kind == action.decides:
                req.status, req.decided_seq, req.decided_by = action.decision, seq, person
                req.decided_at = at
            elif final or req.kind in action.lapses:
                req.status, req.decided_seq, req.decided_at = "lapsed", seq, at
        if action.opens is not None and not final:
            self.requests.append(Req(action.opens, data or {}, frm, seq, person, unit, at))

    def pending(self, kind: str) -> Req | None:
        return next((r for r in self.requests if r.kind == kind and r.status == "pending"), None)

    def _clock(self, name: str) -> dict[str, Any]:
        return self.clocks.setdefault(
            name,
            {
                "name": name,
                "started_at": None,
                "due_at": None,
                "stopped_at": None,
                "paused_at": None,
                "limit_amount": None,
                "limit_unit": "",
                "extended": 0.0,
            },
        )

    def _stop(self, name: str, at: dt.datetime) -> None:
        row = self._clock(name)
        if row["stopped_at"] is None:
            row["stopped_at"] = at

    def next_due(self) -> dt.datetime | None:
        """Case.next_due as the engine keeps it: the earliest due of the running clocks."""
        if self.f["status"] in FINAL:
            return None
        dues = [
            r["due_at"]
            for r in self.clocks.values()
            if r["due_at"] is not None and r["stopped_at"] is None and r["paused_at"] is None
        ]
        return min(dues) if dues else None

    def deadline(self, clock: str, start: dt.datetime) -> dt.datetime:
        amount, unit = self.limit(clock)
        return add_duration(start, amount, unit)

    def limit(self, clock: str) -> tuple[int, str]:
        """clocks.limit_for on the snapshot of the 办理时限 table."""
        best: tuple[int, tuple[int, str]] | None = None
        for c, appeal_type, urgency, amount, unit in self.g.city.time_limits:
            if c != clock or (appeal_type and appeal_type != self.f["appeal_type"]):
                continue
            if urgency and urgency != self.f["urgency"]:
                continue
            score = (2 if urgency else 0) + (1 if appeal_type else 0)
            if best is None or score > best[0]:
                best = (score, (amount, unit))
        return best[1] if best else self.g.city.clock_defaults[clock]

    def _status(self, *allowed: str) -> None:
        if self.f["status"] not in allowed:  # a bug in the generator, never in the data
            raise AssertionError(f"{self.spec.number}: {self.f['status']} not in {allowed}")

    # -- the actions
    def open(self, at: dt.datetime, creator: Person) -> dt.datetime:
        at = at.astimezone(dt.UTC)
        self.f["status"] = "received"
        self.events.append(
            Event("open", "", "received", creator.id, creator.username, None, "", {}, at)
        )
        self.last = at
        return at

    def answer_directly(self, at: dt.datetime, answer: str) -> dt.datetime:
        at = self._time(at)
        self._status("received")
        self.f["result"] = answer
        self._stop("finish", at)
        self._stop("respond", at)
        return self._record(
            "answer_directly", at, self._centre(self.g.city.operators), to="closed", note=answer
        )

    def review(self, at: dt.datetime) -> dt.datetime:
        at = self._time(at)
        self._status("received")
        changes: dict[str, Any] = {}
        if self.spec.review_type and self.spec.review_type != self.f["appeal_type"]:
            changes["appeal_type"] = [self.f["appeal_type"], self.spec.review_type]
            self.f["appeal_type"] = self.spec.review_type
        if not self.spec.intake_category:
            changes["category"] = [None, self.spec.code]
            self.f["category_id"] = self.g.city.categories[self.spec.code]
        return self._record(
            "review",
            at,
            self._centre(self.g.city.dispatchers),
            to="reviewed",
            note=self.g.rng.choice(T.REVIEW_NOTES),
            data={"changes": changes},
        )

    def dispatch(self, at: dt.datetime, lead: UnitInfo, co: list[UnitInfo]) -> dt.datetime:
        at = self._time(at)
        self._status("reviewed")
        for a in self.assignments:
            if a.active:
                a.active, a.ended_at = False, at
        self.assignments.append(Assign(lead.id, "lead", at))
        self.assignments += [Assign(u.id, "co", at) for u in co]
        self.f["lead_unit_id"], self.f["dispatched_at"] = lead.id, at
        self.lead, self.handler = lead, self.g.rng.choice(self.g.city.handlers[lead.code])
        data = {
            "lead_unit": lead.id,
            "lead_unit_name": lead.name,
            "co_units": [u.id for u in co],
            "co_unit_names": [u.name for u in co],
        }
        return self._record(
            "dispatch",
            at,
            self._centre(self.g.city.dispatchers),
            to="dispatched",
            note=f"派至{lead.name}",
            data=data,
            starts=("sign", "respond", "finish"),
        )

    def accept(self, at: dt.datetime) -> dt.datetime:
        at = self._time(at)
        self._status("dispatched")
        return self._record("accept", at, self._lead_actor(), to="handling", stops=("sign",))

    def contact(self, at: dt.datetime) -> dt.datetime:
        at = self._time(at)
        self._status("handling")
        return self._record(
            "contact",
            at,
            self._lead_actor(),
            stops=("respond",),
            note=self.g.rng.choice(T.CONTACT_NOTES),
        )

    def request_return(self, at: dt.datetime, reason: str) -> dt.datetime:
        at = self._time(at)
        self._status("dispatched", "handling")
        if working_days_between(self.f["dispatched_at"], at) > self.g.city.return_limit_workdays:
            raise AssertionError("return requested too late")
        return self._record(
            "request_return", at, self._lead_actor(), to="return_requested", note=reason
        )

    def approve_return(self, at: dt.datetime, note: str) -> dt.datetime:
        at = self._time(at)
        self._status("return_requested")
        for a in self.assignments:
            if a.active:
                a.active, a.ended_at = False, at
        data = {"returned_by": self.f["lead_unit_id"]}
        self.f["lead_unit_id"] = None
        self.f["return_count"] += 1
        for name in ("sign", "respond", "finish"):
            self._clock(name)["due_at"] = None
        return self._record(
            "approve_return",
            at,
            self._centre(self.g.city.dispatchers),
            to="reviewed",
            note=note,
            data=data,
        )

    def reject_return(self, at: dt.datetime, reason: str) -> dt.datetime:
        at = self._time(at)
        self._status("return_requested")
        req = self.pending("return")
        target = (req.from_status if req else "") or "handling"
        return self._record(
            "reject_return", at, self._centre(self.g.city.dispatchers), to=target, note=reason
        )

    def request_extension(self, at: dt.datetime, days: int, reason: str) -> dt.datetime:
        at = self._time(at)
        self._status("handling")
        assert self.pending("extension") is None
        assert self.f["extension_workdays"] + days <= self.g.city.max_extension_workdays
        return self._record(
            "request_extension",
            at,
            self._lead_actor(),
            note=reason,
            data={"days": days},
            request_data={"days": days, "reason": reason},
        )

    def approve_extension(self, at: dt.datetime) -> dt.datetime:
        at = self._time(at)
        self._status("handling")
        req = self.pending("extension")
        assert req is not None
        days = int(req.data["days"])
        finish = self._clock("finish")
        old = due = finish["due_at"]
        if old is not None:  # in working days, recorded in the clock's own unit
            due = finish["due_at"] = add_working_days(old, days)
            own = finish["limit_unit"]
            finish["extended"] += days if own == "workdays" else count_between(old, due, own)
        self.f["extension_workdays"] += days
        data = {"days": days, "finish_due": due.isoformat() if due else None}
        return self._record(
            "approve_extension", at, self._centre(self.g.city.dispatchers), data=data
        )

    def reject_extension(self, at: dt.datetime) -> dt.datetime:
        at = self._time(at)
        self._status("handling")
        return self._record(
            "reject_extension",
            at,
            self._centre(self.g.city.dispatchers),
            note="延期理由不充分，请按原时限办结。",
        )

    def feedback(self, at: dt.datetime) -> dt.datetime:
        at = self._time(at)
        self._status("handling")
        assert self.f["respond_at"] is not None
        result = self.g.result_for(self.spec)
        self.f["result"] = result
        return self._record(
            "feedback", at, self._lead_actor(), to="fed_back", note=result, stops=("finish",)
        )

    def approve_feedback(self, at: dt.datetime) -> dt.datetime:
        at = self._time(at)
        self._status("fed_back")
        return self._record(
            "approve_feedback", at, self._centre(self.g.city.dispatchers), to="callback"
        )

    def reject_feedback(self, at: dt.datetime) -> dt.datetime:
        at = self._time(at)
        self._status("fed_back")
        self._clock("finish")["stopped_at"] = None
        return self._record(
            "reject_feedback",
            at,
            self._centre(self.g.city.dispatchers),
            to="handling",
            note=self.g.rng.choice(T.FEEDBACK_REJECTIONS),
        )

    def callback(
        self, at: dt.datetime, contacted: bool, resolution: str = "", satisfaction: str = ""
    ) -> dt.datetime:
        at = self._time(at)
        self._status("callback", "merged")
        f = self.f
        f["callback_at"], f["contacted"] = at, contacted
        data = {
            "contacted": contacted,
            "resolution": resolution if contacted else "",
            "satisfaction": satisfaction if contacted else "",
        }
        who = self._centre(self.g.city.callbacks)
        if not contacted:
            return self._record("callback", at, who, note="未联系上诉求人", data=data)
        f["resolution"], f["satisfaction"] = resolution, satisfaction
        good = resolution == "resolved" and satisfaction in ("satisfied", "basic", "none")
        target = "merged" if f["status"] == "merged" else ("closed" if good else "unsatisfied")
        note = self.g.rng.choice(T.CALLBACK_COMMENTS["good" if good else "bad"])
        return self._record("callback", at, who, to=target, note=note, data=data)

    def reopen(self, at: dt.datetime) -> dt.datetime:
        at = self._time(at)
        self._status("unsatisfied")
        f = self.f
        f["reopen_count"] += 1
        f["callback_at"] = None
        f["contacted"], f["resolution"], f["satisfaction"] = None, "", ""
        people = self.g.city.callbacks if self.g.rng.random() < 0.5 else self.g.city.dispatchers
        return self._record(
            "reopen",
            at,
            self._centre(people),
            to="handling",
            note=self.g.rng.choice(T.REOPEN_REASONS),
            starts=("finish",),
        )

    def close(self, at: dt.datetime, note: str) -> dt.datetime:
        at = self._time(at)
        self._status("unsatisfied", "callback")
        self._stop("finish", at)
        # closing a 待回访 order whose caller was never reached records why (hotline do_close)
        data = (
            {"no_callback_reason": "unreachable", "no_callback_reason_label": "无法联系"}
            if self.f["status"] == "callback" and not self.f["contacted"]
            else None
        )
        return self._record(
            "close", at, self._centre(self.g.city.dispatchers), to="closed", note=note, data=data
        )

    def supervise(self, at: dt.datetime, level: str) -> dt.datetime:
        at = self._time(at)
        self._status(*SUPERVISABLE)
        due = (local(at) + dt.timedelta(days=3)).date()
        self.f["supervision_level"] = level
        # as hotline.workflow.do_supervise: the date at 18:00 in the city's time zone
        self.f["supervision_due"] = dt.datetime.combine(due, dt.time(18, 0), tzinfo=TZ)
        return self._record(
            "supervise",
            at,
            self._centre(self.g.city.supervisors),
            note=self.g.rng.choice(T.SUPERVISION_NOTES),
            data={"level": level, "due": self.f["supervision_due"].isoformat()},
        )

    def reply_supervision(self, at: dt.datetime) -> dt.datetime:
        at = self._time(at)
        self._status(*SUPERVISABLE)
        assert self.f["supervision_level"]
        return self._record(
            "reply_supervision",
            at,
            self._lead_actor(),
            note=self.g.rng.choice(T.SUPERVISION_REPLIES),
        )

    def merge(self, at: dt.datetime, into: str) -> dt.datetime:
        at = self._time(at)
        self._status("received", "reviewed")
        note = self.g.rng.choice(T.MERGE_NOTES) or f"并入 {into}"
        return self._record(
            "merge",
            at,
            self._centre(self.g.city.dispatchers),
            to="merged",
            note=note,
            data={"into": into},
        )

    def rate(self, at: dt.datetime, person: Person, rating: int) -> dt.datetime:
        at = self._time(at)
        self._status("closed")
        self.f["citizen_rating"] = rating
        return self._record("rate", at, (person, None), data={"rating": rating})

"""One demo order played through the real 12345 workflow (`cases.replay`).

`Order` says WHO does WHAT, WHEN and with which words (the generator in `demo.history` decides
that); every step is `Replay.act(case, action, actor, at, data)` on `hotline.workflow`, so the
sources and targets, the clocks, the guards, the fields each action sets and its event's note
and data all come from the workflow itself: nothing here copies them. What the order looks like
after a step is read from the case (`order.f["finish_due"]`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from chuangcheng.cases.models import Case, CaseEvent
from chuangcheng.cases.replay import Replay
from chuangcheng.demo import texts as T
from chuangcheng.demo.steps import Person, Spec, UnitInfo, _Cut, local
from chuangcheng.hotline.models import HotlineOrder
from chuangcheng.hotline.workflow import HOTLINE

if TYPE_CHECKING:
    from chuangcheng.demo.history import History


# the order's own fields (its row: `case.hotline`), read under their names like the case's
_OWN = tuple(f.attname for f in HotlineOrder._meta.concrete_fields if not f.primary_key)
_NAMES = (*(f.attname for f in Case._meta.concrete_fields), *_OWN)


class Fields(Mapping[str, Any]):
    """The order's columns by name (what the generator reads to decide the next step): the
    case's and its own row's, of whatever case `holder.case` is when read."""

    def __init__(self, holder: Any) -> None:
        self.holder = holder

    def __getitem__(self, name: str) -> Any:
        case = self.holder.case
        try:
            return getattr(case.hotline if name in _OWN else case, name)
        except AttributeError:
            raise KeyError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(_NAMES)

    def __len__(self) -> int:
        return len(_NAMES)


class Order:
    """One order's steps, each through the workflow."""

    def __init__(self, gen: History, spec: Spec, replay: Replay) -> None:
        self.g, self.spec, self.replay = gen, spec, replay
        self.case: Case | None = None
        self.last: dt.datetime | None = None
        self.lead: UnitInfo | None = None
        self.handler: Person | None = None

    @property
    def f(self) -> Fields:
        return Fields(self)

    @property
    def events(self) -> list[CaseEvent]:
        assert self.case is not None
        return self.replay.store.events_of.get(self.case.pk, [])

    # -- plumbing
    def _time(self, at: dt.datetime) -> dt.datetime:
        at = at.astimezone(dt.UTC)  # events hash their time as stored: in UTC
        if self.last is not None and at <= self.last:
            at = self.last + dt.timedelta(seconds=self.g.rng.uniform(20, 300))
        if at >= self.g.now:
            raise _Cut
        return at

    def _act(
        self, action: str, at: dt.datetime, who: Person, data: dict[str, Any] | None = None
    ) -> dt.datetime:
        at = self._time(at)
        assert self.case is not None
        self.g.before_step(self, at)  # repeats merged into this order before this step
        self.replay.act(self.case, action, self.g.city.actors[who.id], at, data)
        self.last = at
        return at

    def _centre(self, people: list[Person]) -> Person:
        return self.g.rng.choice(people)

    def _handler(self) -> Person:
        assert self.handler is not None
        return self.handler

    # -- the actions
    def open(self, at: dt.datetime, creator: Person) -> dt.datetime:
        at = at.astimezone(dt.UTC)
        s = self.spec
        name, phone, confidential = s.contact
        self.case = self.replay.open(
            kind=HOTLINE.kind,
            case_id=self.g.base + s.key,
            number=HOTLINE.number_prefix + s.number,
            actor=self.g.city.actors[creator.id],
            at=at,
            fields=self.g.fields_for(s),
            detail={"appeal_type": s.appeal_type, "urgency": s.urgency},
            contact={"name": name, "phone": phone, "confidential": confidential},
        )
        self.last = at
        return at

    def answer_directly(self, at: dt.datetime, answer: str) -> dt.datetime:
        return self._act(
            "answer_directly", at, self._centre(self.g.city.operators), {"note": answer}
        )

    def review(self, at: dt.datetime) -> dt.datetime:
        data: dict[str, Any] = {"note": self.g.rng.choice(T.REVIEW_NOTES)}
        if self.spec.review_type:
            data["appeal_type"] = self.spec.review_type
        if not self.spec.intake_category:
            data["category"] = self.spec.code
        return self._act("review", at, self._centre(self.g.city.dispatchers), data)

    def dispatch(self, at: dt.datetime, lead: UnitInfo, co: list[UnitInfo]) -> dt.datetime:
        who = self._centre(self.g.city.dispatchers)
        handler = self.g.rng.choice(self.g.city.handlers[lead.code])
        at = self._act("dispatch", at, who, {"lead_unit": lead.id, "co_units": [u.id for u in co]})
        self.lead, self.handler = lead, handler
        return at

    def accept(self, at: dt.datetime) -> dt.datetime:
        return self._act("accept", at, self._handler())

    def contact(self, at: dt.datetime) -> dt.datetime:
        return self._act(
            "contact", at, self._handler(), {"note": self.g.rng.choice(T.CONTACT_NOTES)}
        )

    def request_return(self, at: dt.datetime, reason: str) -> dt.datetime:
        return self._act("request_return", at, self._handler(), {"reason": reason})

    def approve_return(self, at: dt.datetime, note: str) -> dt.datetime:
        return self._act(
            "approve_return", at, self._centre(self.g.city.dispatchers), {"note": note}
        )

    def reject_return(self, at: dt.datetime, reason: str) -> dt.datetime:
        return self._act(
            "reject_return", at, self._centre(self.g.city.dispatchers), {"reason": reason}
        )

    def request_extension(self, at: dt.datetime, days: int, reason: str) -> dt.datetime:
        return self._act("request_extension", at, self._handler(), {"days": days, "reason": reason})

    def approve_extension(self, at: dt.datetime) -> dt.datetime:
        return self._act("approve_extension", at, self._centre(self.g.city.dispatchers))

    def reject_extension(self, at: dt.datetime) -> dt.datetime:
        return self._act(
            "reject_extension",
            at,
            self._centre(self.g.city.dispatchers),
            {"reason": "延期理由不充分，请按原时限办结。"},
        )

    def feedback(self, at: dt.datetime) -> dt.datetime:
        at = self._time(at)  # the words are drawn only for a step that happens
        return self._act("feedback", at, self._handler(), {"result": self.g.result_for(self.spec)})

    def approve_feedback(self, at: dt.datetime) -> dt.datetime:
        return self._act("approve_feedback", at, self._centre(self.g.city.dispatchers))

    def reject_feedback(self, at: dt.datetime) -> dt.datetime:
        return self._act(
            "reject_feedback",
            at,
            self._centre(self.g.city.dispatchers),
            {"reason": self.g.rng.choice(T.FEEDBACK_REJECTIONS)},
        )

    def callback(
        self, at: dt.datetime, contacted: bool, resolution: str = "", satisfaction: str = ""
    ) -> dt.datetime:
        who = self._centre(self.g.city.callbacks)
        data: dict[str, Any] = {"contacted": contacted}
        if contacted:
            # the agent's words follow what the caller said (the workflow decides the state)
            good = resolution == "resolved" and satisfaction in ("satisfied", "basic", "none")
            data |= {
                "resolution": resolution,
                "satisfaction": satisfaction,
                "comment": self.g.rng.choice(T.CALLBACK_COMMENTS["good" if good else "bad"]),
            }
        return self._act("callback", at, who, data)

    def reopen(self, at: dt.datetime) -> dt.datetime:
        people = self.g.city.callbacks if self.g.rng.random() < 0.5 else self.g.city.dispatchers
        return self._act(
            "reopen", at, self._centre(people), {"reason": self.g.rng.choice(T.REOPEN_REASONS)}
        )

    def close(self, at: dt.datetime, note: str) -> dt.datetime:
        # a caller never reached: the reason the workflow asks for (it ignores it otherwise)
        data = {"note": note, "no_callback_reason": "unreachable"}
        return self._act("close", at, self._centre(self.g.city.dispatchers), data)

    def supervise(self, at: dt.datetime, level: str) -> dt.datetime:
        at = self._time(at)
        data = {
            "level": level,
            "note": self.g.rng.choice(T.SUPERVISION_NOTES),
            "due": (local(at) + dt.timedelta(days=3)).date(),
        }
        return self._act("supervise", at, self._centre(self.g.city.supervisors), data)

    def reply_supervision(self, at: dt.datetime) -> dt.datetime:
        return self._act(
            "reply_supervision",
            at,
            self._handler(),
            {"reason": self.g.rng.choice(T.SUPERVISION_REPLIES)},
        )

    def merge(self, at: dt.datetime, into: str) -> dt.datetime:
        data = {"into": into, "note": self.g.rng.choice(T.MERGE_NOTES)}
        return self._act("merge", at, self._centre(self.g.city.dispatchers), data)

    def rate(self, at: dt.datetime, person: Person, rating: int) -> dt.datetime:
        return self._act("rate", at, person, {"rating": rating})

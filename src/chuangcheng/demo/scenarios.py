"""Orders the demo users find waiting for them, whatever the random history left behind.

Each demo handler's unit gets open orders in every handler state (some overdue, one with an
extension waiting for approval, one return waiting for the dispatcher); the dispatcher gets
orders to review and dispatch, the callback agent orders to call back, and the citizen three
orders of their own (one closed and not yet rated). A water outage in one compound brings
nine calls in three days, so the command centre's 热点 page has a rising issue to show and the
dispatcher finds likely repeats. They are played through the workflow like the rest of the
history, with fixed ages so that each stops in its intended state.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from chuangcheng.demo import texts as T
from chuangcheng.demo.play import Order
from chuangcheng.demo.steps import Spec, hours, mins

if TYPE_CHECKING:
    from chuangcheng.demo.history import History

# state → (min, max) age in hours at `now`
AGES: dict[str, tuple[float, float]] = {
    "received": (0.3, 1.5),
    "reviewed": (2, 5),
    "dispatched": (0.8, 3.5),
    "handling_new": (4, 8),
    "handling": (20, 50),
    "extension_pending": (50, 80),
    "overdue": (290, 380),
    "overdue_supervised": (300, 380),
    "return_requested": (4, 7),
    "fed_back": (30, 60),
    "callback": (70, 100),
    "unsatisfied": (90, 120),
    "closed_unrated": (190, 230),
}
HANDLER_STATES = [
    ("dispatched", 2),
    ("handling_new", 1),
    ("handling", 2),
    ("extension_pending", 1),
    ("overdue", 1),
    ("overdue_supervised", 1),
    ("return_requested", 1),
    ("fed_back", 1),
]
# the demo handlers' units and what the 派单目录 sends them
HANDLER_UNITS = {
    "S-150103004": ("010101", "090103", "090104"),
    "D-CG": ("060103", "020103", "090102", "010103", "090101"),
}
CENTRE_STATES = [("received", 3), ("reviewed", 2), ("callback", 3), ("unsatisfied", 1)]
CENTRE_CODES = ("010101", "080102", "030101", "060101", "010105", "050101", "090102")
CITIZEN_STATES = [("closed_unrated", "010105"), ("handling", "030101"), ("received", "020103")]
CITIZEN_CONTACT = ("周杰", "13947101234", False)
# 未诉先办: calls about one outage, hours before now (the newest still wait for review)
RISING_CODE = "080102"
RISING_AGES = (62, 50, 47, 30, 26, 21, 9, 2.5, 0.6)


def _created(gen: History, state: str) -> dt.datetime:
    lo, hi = AGES[state]
    return gen.now - hours(gen.rng, lo, hi)


def scenario_specs(gen: History) -> list[Spec]:
    r, out = gen.rng, []
    for unit_code, codes in HANDLER_UNITS.items():
        if unit_code not in gen.city.units:
            continue
        street = unit_code[2:] if unit_code.startswith("S-") else ""
        places = [p for p in gen.city.places if not street or p.street_code == street]
        for state, count in HANDLER_STATES:
            for _ in range(count):
                s = gen._spec(_created(gen, state), "help", r.choice(codes), r.choice(places))
                s.scenario, s.lead, s.urgency, s.intake_category = state, unit_code, "normal", True
                out.append(s)
    for state, count in CENTRE_STATES:
        for _ in range(count):
            s = gen._spec(
                _created(gen, state), "help", r.choice(CENTRE_CODES), r.choice(gen.city.places)
            )
            s.scenario, s.urgency, s.intake_category = state, "normal", True
            out.append(s)
    out += _rising_specs(gen)
    if gen.city.citizen is not None:
        places = [p for p in gen.city.places if p.street_code == "150103004"] or gen.city.places
        for state, code in CITIZEN_STATES:
            s = gen._spec(_created(gen, state), "help", code, r.choice(places))
            s.scenario, s.citizen, s.urgency, s.intake_category = state, True, "normal", True
            s.channel, s.contact = r.choice(("app", "wechat")), CITIZEN_CONTACT
            out.append(s)
    return out


def _rising_specs(gen: History) -> list[Spec]:
    r = gen.rng
    if RISING_CODE not in T.PROBLEMS or RISING_CODE not in gen.city.categories:
        return []
    place = r.choice(
        [p for p in gen.city.places if p.street_code != "150103004"] or gen.city.places
    )
    # every caller reports the same outage (小区停水没有通知) in the same compound
    outage = Spec(created_at=gen.now, appeal_type="help", code=RISING_CODE, place=place)
    outage.values = gen.values(place)
    problems = T.PROBLEMS[RISING_CODE]
    outage.template = next((p for p in problems if "停水" in p[0]), problems[0])
    out: list[Spec] = []
    for age in RISING_AGES:
        s = gen._spec(gen.now - hours(r, age, age + 0.4), "help", RISING_CODE, place, like=outage)
        if not out:  # the first caller cannot say that others called before
            s.content = s.content.replace(T.REPEAT_PREFIX, "")
        s.scenario = "received" if age < 1 else ("reviewed" if age < 6 else "handling")
        s.urgency, s.intake_category = "normal", True
        out.append(s)
    return out


def play_scenario(gen: History, sim: Order, s: Spec) -> None:
    r, st, f = gen.rng, s.scenario, sim.f
    t = sim.open(s.created_at, gen.creator(s))
    if st == "received":
        return
    t = sim.review(t + mins(r, 5, 15))
    if st == "reviewed":
        return
    lead = gen.city.units[s.lead] if s.lead else gen.route(s.code, s.place)
    t = sim.dispatch(t + mins(r, 3, 10), lead, [])
    if st == "dispatched":
        return
    if st == "return_requested":
        other = gen.wrong_unit(lead, s.place)
        sim.request_return(t + mins(r, 20, 90), r.choice(T.RETURN_REASONS).format(unit=other.short))
        return
    t = sim.accept(t + mins(r, 10, 40))
    if st == "handling_new":
        return
    t = sim.contact(t + mins(r, 20, 120))
    if st == "handling":
        return
    if st == "extension_pending":
        sim.request_extension(
            t + hours(r, 10, 30), r.choice((3, 5, 7)), r.choice(T.EXTENSION_REASONS)
        )
        return
    if st.startswith("overdue"):
        if st == "overdue_supervised":
            t = sim.supervise(f["finish_due"] + hours(r, 20, 30), "key")
            sim.reply_supervision(t + hours(r, 2, 6))
        return
    t = sim.feedback(t + hours(r, 6, 20))
    if st == "fed_back":
        return
    t = sim.approve_feedback(t + hours(r, 1, 4))
    if st == "callback":
        return
    if st == "unsatisfied":
        sim.callback(t + hours(r, 2, 8), True, "unresolved", "unsatisfied")
        return
    sim.callback(t + hours(r, 2, 8), True, "resolved", "satisfied")  # closed, not yet rated

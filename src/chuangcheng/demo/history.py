"""A year of 12345 history for the demo city, played through the 12345 workflow itself.

This module decides WHAT happens to each order and WHEN (realistic timing, outcomes, returns,
extensions, 督办, repeats merged into the order they repeat); every step is played on the real
workflow by a bulk replay (`cases.replay`, via `demo.play.Order`), in memory. `generate` yields
one `Played` order per order, oldest first; `chuangcheng.demo.loader` flushes the replay to the
database in batches.

The same seed gives the same history (for the same `now` and city). The mixes follow the seed
figures in DOMAIN.md: 求助 ≈ 85 %, 投诉 ≈ 9 %, 建议 ≈ 4 %, then 咨询, 举报, 表扬; 解决率 ≈ 86 %,
满意率 ≈ 88 %, 响应率 ≈ 99.9 %; a few percent returned, extended, overdue, supervised or merged;
heating complaints in winter, noise and cooking fumes in summer; some units clearly better.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from chuangcheng.cases.models import Case, CaseEvent
from chuangcheng.cases.replay import Replay
from chuangcheng.core.calendar import working_days_between
from chuangcheng.demo import texts as T
from chuangcheng.demo.play import Fields, Order
from chuangcheng.demo.steps import (
    TZ,
    CityData,
    Person,
    Place,
    Spec,
    UnitInfo,
    _Cut,
    hours,
    local,
    mins,
    office,
    pick,
)

# ---------------------------------------------------------------- mixes
APPEAL_MIX = [
    ("help", 0.838),
    ("complaint", 0.088),
    ("suggestion", 0.038),
    ("consult", 0.026),
    ("report", 0.006),
    ("praise", 0.004),
]
CHANNEL_MIX = [
    ("phone", 0.72),
    ("wechat", 0.12),
    ("web", 0.06),
    ("app", 0.05),
    ("mailbox", 0.02),
    ("upper", 0.015),
    ("sms", 0.01),
    ("letter", 0.005),
    ("media", 0.005),
]
CATEGORY_WEIGHTS = {
    "010101": 14,
    "010102": 3,
    "010103": 3,
    "010104": 3,
    "010105": 4,
    "020101": 5,
    "020102": 2.5,
    "020103": 4,
    "020104": 1.5,
    "030101": 5,
    "030102": 2,
    "030103": 2,
    "030104": 1,
    "040101": 2,
    "040102": 1,
    "040103": 1,
    "050101": 4,
    "050102": 3,
    "050103": 1,
    "060101": 5,
    "060102": 2,
    "060103": 3,
    "060104": 0.7,
    "070101": 2,
    "070102": 1,
    "070103": 0.8,
    "080101": 8,
    "080102": 5,
    "080103": 2,
    "090101": 2,
    "090102": 3,
    "090103": 2,
    "090104": 3,
}
REPORT_CODES = ("010103", "060102", "020104", "050101", "090103", "060103")
MONTH_VOLUME = {
    1: 1.15,
    2: 0.9,
    3: 1.0,
    4: 0.9,
    5: 0.95,
    6: 1.0,
    7: 1.1,
    8: 1.05,
    9: 0.95,
    10: 1.0,
    11: 1.2,
    12: 1.2,
}
HOURS = [
    0.3,
    0.15,
    0.1,
    0.08,
    0.08,
    0.15,
    0.4,
    1.0,
    2.2,
    3.0,
    3.0,
    2.6,
    1.8,
    1.8,
    2.5,
    2.7,
    2.6,
    2.3,
    1.8,
    1.9,
    1.8,
    1.4,
    0.9,
    0.5,
]


def season(code: str, day: dt.date) -> float:
    """Heating in the heating season (Oct 15 – Apr 15, peak Nov–Mar); noise and fumes in summer."""
    m = day.month
    if code == "080101":
        if m in (11, 12, 1, 2):
            return 3.4
        if m == 3:
            return 2.0
        if (m == 10 and day.day >= 10) or (m == 4 and day.day <= 15):
            return 1.4
        return 0.06
    if code in ("020101", "020102"):
        return {6: 2.6, 7: 3.0, 8: 2.7, 5: 1.6, 9: 1.5}.get(m, 0.45)
    if code in ("030104", "060103", "020103"):
        return 1.5 if m in (5, 6, 7, 8, 9) else 0.7
    if code == "080102":
        return 1.4 if m in (6, 7, 8) else 1.0
    if code == "080103":
        return 1.4 if m in (11, 12, 1, 2) else 0.9
    if code == "040101":
        return 2.5 if m in (6, 7, 8) else 0.7
    return 1.0


# how hard each category is to resolve, and how good each unit and street is
CATEGORY_RESOLVE = {
    "050101": 0.76,
    "010103": 0.76,
    "010104": 0.76,
    "010102": 0.79,
    "020101": 0.83,
    "020102": 0.83,
    "010101": 0.86,
    "080101": 0.87,
    "040101": 0.80,
    "090104": 0.83,
    "060101": 0.87,
    "090102": 0.96,
    "090101": 0.95,
    "020103": 0.94,
    "080102": 0.94,
    "030103": 0.94,
    "030101": 0.89,
}
UNIT_QUALITY = {  # explicit differences so that the rankings mean something
    "S-150105001": 0.06,
    "S-150102003": 0.04,
    "S-150103004": 0.01,
    "S-150104002": -0.09,
    "S-150103001": -0.05,
    "D-JG": 0.05,
    "U-GS": 0.04,
    "D-SJ": 0.02,
    "D-CG": -0.02,
    "U-GR": -0.04,
    "D-RS": -0.04,
    "D-ZJ": -0.05,
}
STREET_QUALITY = {"150105001": 0.03, "150103004": 0.01, "150104002": -0.04, "150103001": -0.02}


FINAL = frozenset({"closed", "merged"})  # (for the generator's own figures)


class Played:
    """One generated order: its case (as the workflow left it) and its events."""

    def __init__(self, order: Order) -> None:
        assert order.case is not None
        self.key, self.case = order.spec.key, order.case
        self.events: list[CaseEvent] = order.events

    @property
    def fields(self) -> Fields:
        return Fields(self)


# ---------------------------------------------------------------- the generator
class History:
    def __init__(
        self,
        city: CityData,
        *,
        now: dt.datetime,
        seed: int,
        start_seq: dict[dt.date, int] | None = None,
        replay: Replay | None = None,
        base: int | None = None,
    ) -> None:
        self.city, self.now, self.rng = city, now.astimezone(dt.UTC), random.Random(seed)
        self.start_seq = start_seq or {}
        self.replay = replay or Replay()
        if base is None:  # case ids follow the table's (they are in each event's hash)
            from django.db.models import Max

            base = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        self.base = base
        self.orders: dict[int, Order] = {}
        self.units_by_id = {u.id: u for u in city.units.values()}
        qrng = random.Random(seed + 1)
        self.quality = {
            code: UNIT_QUALITY.get(code, round(qrng.uniform(-0.05, 0.04), 3)) for code in city.units
        }
        self.xq = {p.code: [self._xq_name(qrng) for _ in range(3)] for p in city.places}
        self.phones: list[tuple[str, str]] = []

    # -- words and people
    @staticmethod
    def _xq_name(rng: random.Random) -> str:
        return rng.choice(T.XQ_HEAD) + rng.choice(T.XQ_TAIL)

    def person_name(self) -> str:
        r = self.rng
        if r.random() < 0.03:
            return r.choice(T.MONGOLIAN_NAMES)
        surname = T.SURNAMES[min(int(r.expovariate(1 / 14)), len(T.SURNAMES) - 1)]
        chars = T.GIVEN_MALE if r.random() < 0.52 else T.GIVEN_FEMALE
        if r.random() < 0.22:  # callers often give only their surname
            return surname + ("先生" if chars is T.GIVEN_MALE else "女士")
        return surname + "".join(r.sample(chars, 1 if r.random() < 0.3 else 2))

    def phone(self) -> str:
        r = self.rng
        if r.random() < 0.05:
            return f"0471-{r.randint(2, 6)}{r.randint(0, 999999):06d}"
        return r.choice(T.MOBILE_PREFIXES) + f"{r.randint(0, 99999999):08d}"

    def caller(self) -> tuple[str, str, bool]:
        r = self.rng
        if self.phones and r.random() < 0.14:  # someone who called before
            name, phone = r.choice(self.phones[-3000:])
        else:
            name, phone = self.person_name(), self.phone()
            self.phones.append((name, phone))
        if r.random() < 0.025:
            return "", phone, True  # anonymous
        return name, phone, r.random() < 0.05

    def values(self, place: Place, unit: str = "") -> dict[str, str]:
        """One set of placeholder values per order (title, content and address agree)."""
        r = self.rng
        roads = T.STREET_ROADS.get(place.street_code, ("中山路", "新华大街"))
        road = r.choice(roads)
        return {
            "xq": r.choice(self.xq[place.code]),
            "road": road,
            "road2": r.choice([x for x in roads if x != road] or ["新华大街"]),
            "n": str(r.randint(1, 28)),
            "shop": r.choice(T.SHOP_HEAD) + r.choice(T.SHOP_TAIL),
            "company": "内蒙古" + r.choice(T.COMPANY_HEAD) + r.choice(T.COMPANY_TAIL),
            "school": r.choice(T.SCHOOLS),
            "hospital": r.choice(T.HOSPITALS),
            "bus": r.choice(T.BUS_LINES),
            "days": str(r.randint(2, 6)),
            "money": str(r.choice([1800, 2600, 3500, 4200, 6800, 8500, 12000, 23000])),
            "unit": unit,
            "addr": f"{road}{r.randint(1, 300)}号",
            "unit_no": str(r.randint(1, 6)),
        }

    @staticmethod
    def address(place: Place, text: str, v: dict[str, str]) -> str:
        if "{road2}" in text:
            return f"{place.district}{v['road']}与{v['road2']}交叉口"
        if "{xq}" in text:
            return (
                f"{place.district}{place.street_name}{place.name}{v['xq']}"
                f"{v['n']}号楼{v['unit_no']}单元"
            )
        return f"{place.district}{v['addr'] if '{addr}' in text else v['road']}"

    def result_for(self, spec: Spec) -> str:
        options = T.RESULTS.get(spec.code)
        if options and self.rng.random() < 0.6:
            return self.rng.choice(options)
        return self.rng.choice(T.GENERIC_RESULTS)

    # -- routing (派单目录: the most specific region wins, then priority)
    def route(self, code: str, place: Place) -> UnitInfo:
        rules = [r for r in self.city.routes.get(code, []) if place.path.startswith(r[0])]
        if not rules:
            return self.city.units[f"S-{place.street_code}"]
        best = min(rules, key=lambda r: (-len(r[0]), r[1]))
        return self.city.units[best[2]]

    def wrong_unit(self, right: UnitInfo, place: Place) -> UnitInfo:
        office = self.city.units[f"S-{place.street_code}"]
        if right.kind == "street":
            options = [self.city.units[c] for c in ("D-CG", "D-ZJ", "D-SJ") if c in self.city.units]
        else:
            options = [office] + [
                self.city.units[c] for c in ("D-CG", "D-ZJ") if c in self.city.units
            ]
        options = [u for u in options if u.id != right.id]
        return self.rng.choice(options)

    def co_units(self, lead: UnitInfo, place: Place) -> list[UnitInfo]:
        if self.rng.random() > 0.07:
            return []
        candidate = self.city.units.get(
            f"Q-{place.code}" if lead.kind == "street" else f"S-{place.street_code}"
        )
        return [candidate] if candidate is not None and candidate.id != lead.id else []

    # -- specs
    def specs(self, orders: int) -> list[Spec]:
        from chuangcheng.demo.scenarios import scenario_specs

        scenario = scenario_specs(self) if orders >= 60 else []
        count = max(orders - len(scenario), 0)
        repeats = int(count * 0.025)
        mains = self._random_specs(count - repeats)
        out = mains + self._repeats(mains, repeats) + scenario
        out.sort(key=lambda s: s.created_at)
        seq: dict[dt.date, int] = {}
        for key, s in enumerate(out):
            day = local(s.created_at).date()
            seq[day] = seq.get(day, self.start_seq.get(day, 0)) + 1
            s.key, s.number = key, f"{day:%Y%m%d}{seq[day]:06d}"
        self.day_counts = seq
        return out

    def _random_specs(self, count: int) -> list[Spec]:
        r, now_local = self.rng, local(self.now)
        today = now_local.date()
        # from the first day of the same month last year: the dashboard's 12-month trend of the
        # last complete month then has no half-empty first month
        first = today.replace(year=today.year - 1, day=1)
        days = [first + dt.timedelta(days=i) for i in range((today - first).days + 1)]
        elapsed = sum(HOURS[: now_local.hour]) + HOURS[now_local.hour] * now_local.minute / 60
        weights = []
        for d in days:
            w = MONTH_VOLUME[d.month] * (0.78 if d.weekday() >= 5 else 1.0) * r.uniform(0.85, 1.15)
            weights.append(w * (elapsed / sum(HOURS) if d == today else 1.0))
        chosen = r.choices(days, weights, k=count)
        known = self.city.categories
        codes = [c for c in CATEGORY_WEIGHTS if c in known]
        by_type = {
            "suggestion": [c for c in T.SUGGESTIONS if c in known],
            "consult": [c for c in T.CONSULTS if c in known],
            "report": [c for c in REPORT_CODES if c in known],
        }
        month_weights = {
            m: [CATEGORY_WEIGHTS[c] * season(c, dt.date(2026, m, 20)) for c in codes]
            for m in range(1, 13)
        }
        out = []
        for day in chosen:
            created = self._time_of_day(day)
            appeal_type = pick(r, APPEAL_MIX)
            if appeal_type in by_type and not by_type[appeal_type]:
                appeal_type = "help"
            if appeal_type in by_type:
                code = r.choice(by_type[appeal_type])
            elif day.month in (10, 4):
                code = r.choices(codes, [CATEGORY_WEIGHTS[c] * season(c, day) for c in codes])[0]
            else:
                code = r.choices(codes, month_weights[day.month])[0]
            out.append(self._spec(created, appeal_type, code, r.choice(self.city.places)))
        return out

    def _time_of_day(self, day: dt.date) -> dt.datetime:
        r = self.rng
        for _ in range(20):
            hour = r.choices(range(24), HOURS)[0]
            t = dt.datetime.combine(day, dt.time(hour), tzinfo=TZ) + mins(r, 0, 59.9)
            if t < self.now - dt.timedelta(minutes=3):
                return t.astimezone(dt.UTC)
        return self.now - mins(r, 3, 120)

    def _spec(
        self,
        created: dt.datetime,
        appeal_type: str,
        code: str,
        place: Place,
        *,
        like: Spec | None = None,
    ) -> Spec:
        r = self.rng
        s = Spec(
            created_at=created,
            appeal_type=appeal_type,
            code=code,
            place=place,
            channel=pick(r, CHANNEL_MIX),
            contact=self.caller(),
        )
        unit = self.route(code, place).short if appeal_type == "praise" else ""
        v = like.values if like is not None else self.values(place, unit)
        s.values = v
        if appeal_type == "consult":
            title, text, answer = r.choice(T.CONSULTS[code])
            s.answer = answer.format(**v) if r.random() < 0.8 else ""
        elif appeal_type == "suggestion":
            title, text = r.choice(T.SUGGESTIONS[code])
        elif appeal_type == "praise":
            title, text = r.choice(T.PRAISES)
        else:
            title, body = like.template if like is not None else r.choice(T.PROBLEMS[code])
            s.template = (title, body)
            opening = r.choice(T.OPENINGS.get(appeal_type, T.OPENINGS["help"]))
            request = r.choice(T.REQUESTS.get(appeal_type, T.REQUESTS["help"]))
            if like is not None:
                request = r.choice((T.REPEAT_PREFIX, "")) + request
            text = opening + body + "，" + request
        s.title, s.content = title.format(**v), text.format(**v)
        s.address = self.address(place, title + text, v)
        s.urgency = self._urgency(code, s.title)
        s.intake_category = r.random() > 0.12
        if appeal_type == "help" and r.random() < 0.015:
            s.review_type = "complaint"
        return s

    def _urgency(self, code: str, title: str) -> str:
        r = self.rng.random()
        if "燃气泄漏" in title or "爆裂" in title:
            return "emergency" if r < 0.7 else "urgent"
        if code == "080101" or "井盖缺失" in title or "停水" in title or "信号灯故障" in title:
            return "urgent" if r < 0.3 else "normal"
        return "urgent" if r < 0.015 else "normal"

    def _repeats(self, mains: list[Spec], count: int) -> list[Spec]:
        r, out = self.rng, []
        eligible = [
            s for s in mains if s.appeal_type in ("help", "complaint") and s.urgency == "normal"
        ]
        for _ in range(count if eligible else 0):
            main = r.choice(eligible)
            created = main.created_at + hours(r, 1, 72)
            if created >= self.now - dt.timedelta(minutes=10):
                created = main.created_at + (self.now - main.created_at) * r.uniform(0.2, 0.8)
            s = self._spec(created, main.appeal_type, main.code, main.place, like=main)
            s.address, s.urgency, s.main = main.address, "normal", main
            main.repeats.append(s)
            out.append(s)
        return out

    # -- playing the steps
    def fields_for(self, s: Spec) -> dict[str, Any]:
        """The case's columns an operator fills in at intake (the order's appeal type and
        urgency go into its own row: `Order.open`); the workflow does the rest."""
        creator = self.city.citizen if s.citizen and self.city.citizen else None
        lat = s.place.lat + self.rng.gauss(0, 0.0011)
        lng = s.place.lng + self.rng.gauss(0, 0.0014)
        return {
            "source": "citizen" if creator else "hotline",
            "channel": s.channel,
            "title": s.title[:200],
            "content": s.content,
            "category_id": self.city.categories[s.code] if s.intake_category else None,
            "address": s.address[:255],
            "lat": round(lat, 6),
            "lng": round(lng, 6),
            "region_id": s.place.region_id,
            "street_id": s.place.street_id,
            "region_path": s.place.path,
            "citizen_user_id": creator.id if creator else None,
        }

    def creator(self, s: Spec) -> Person:
        if s.citizen and self.city.citizen:
            return self.city.citizen
        return self.rng.choice(self.city.operators)

    def generate(self, orders: int) -> Iterator[Played]:
        from chuangcheng.demo.scenarios import play_scenario

        for s in self.specs(orders):
            order = self.orders.get(s.key)
            if order is None:  # (a repeat merged while its main order was played is done)
                order = self.orders[s.key] = Order(self, s, self.replay)
                self._merge_times(s)
                try:
                    if s.scenario:
                        play_scenario(self, order, s)
                    else:
                        self.play(order, s)
                except _Cut:
                    pass
                if s.repeats:
                    self._settle_repeats(order)
            yield Played(self.orders.pop(s.key))

    def _merge_times(self, main: Spec) -> None:
        for rep in main.repeats:
            rep.merge_at = office(self.rng, rep.created_at + mins(self.rng, 10, 90), 7.5, 22)
        main.repeats.sort(key=lambda rep: rep.merge_at or rep.created_at)

    def before_step(self, order: Order, at: dt.datetime) -> None:
        """Before a step of an order that others repeat: the repeats the dispatcher merges
        into it by then are merged (the order is still open)."""
        for rep in order.spec.repeats:
            if not rep.merged and rep.merge_at is not None and rep.merge_at <= at:
                self._merge_repeat(order, rep)

    def _merge_repeat(self, main: Order, rep: Spec) -> None:
        assert rep.merge_at is not None and rep.main is not None
        rep.merged = True
        r, order = self.rng, Order(self, rep, self.replay)
        self.orders[rep.key] = order
        try:
            order.open(rep.created_at, self.creator(rep))
            if r.random() < 0.25:
                order.review(rep.created_at + (rep.merge_at - rep.created_at) * 0.5)
            order.merge(rep.merge_at, main.f["number"])
        except _Cut:
            pass

    def _settle_repeats(self, main: Order) -> None:
        """After the main order's steps: repeats due before now are merged if it is still
        open; then the merged callers are called back once it is done."""
        for rep in main.spec.repeats:
            if rep.merged or rep.merge_at is None or rep.merge_at >= self.now:
                continue
            if main.f["status"] not in FINAL:
                self._merge_repeat(main, rep)
        closed, resolution = main.f["closed_at"], main.f["resolution"]
        for rep in main.spec.repeats:
            order = self.orders.get(rep.key)
            if order is None or order.f["status"] != "merged" or closed is None or not resolution:
                continue
            r, satisfaction = self.rng, main.f["satisfaction"]
            at = office(r, closed + hours(r, 0.2, 30), 8.5, 20.5)
            if r.random() < 0.9:
                if r.random() < 0.1:
                    resolution, satisfaction = "resolved", "basic"
                with contextlib.suppress(_Cut):
                    order.callback(at, True, resolution, satisfaction)

    def play(self, sim: Order, s: Spec) -> None:
        r = self.rng
        t = sim.open(s.created_at, self.creator(s))
        if s.answer:
            sim.answer_directly(t + mins(r, 2, 9), s.answer)
            return
        t = sim.review(t + self._review_delay(t))
        lead = self.route(s.code, s.place)
        if r.random() < 0.03:  # sent to the wrong unit first, returned (退单) and sent again
            t = self._misroute(sim, s, t, lead)
        t = sim.dispatch(t + mins(r, 3, 40), lead, self.co_units(lead, s.place))
        self._handle(sim, s, t, lead)

    def _review_delay(self, t: dt.datetime) -> dt.timedelta:
        r = self.rng
        if local(t).hour < 7 and r.random() < 0.7:
            return office(r, t, 7.5, 23) - t
        return mins(r, 4, 75)

    def _misroute(self, sim: Order, s: Spec, t: dt.datetime, right: UnitInfo) -> dt.datetime:
        r = self.rng
        wrong = self.wrong_unit(right, s.place)
        t = sim.dispatch(t + mins(r, 3, 40), wrong, [])
        if r.random() < 0.5:
            t = sim.accept(t + mins(r, 5, 100))
        t = office(r, t + hours(r, 0.3, 8))
        if working_days_between(sim.f["dispatched_at"], t) > self.city.return_limit_workdays:
            t = sim.last + mins(r, 5, 30) if sim.last else t
        t = sim.request_return(t, r.choice(T.RETURN_REASONS).format(unit=right.short))
        t = sim.approve_return(office(r, t + hours(r, 0.3, 5)), f"同意退单，改派{right.short}。")
        return t

    def _outcome(self, s: Spec, lead: UnitInfo, second: bool = False) -> tuple[str, str]:
        r = self.rng
        if s.appeal_type == "praise":
            return "resolved", "satisfied"
        p = (
            CATEGORY_RESOLVE.get(s.code, 0.91)
            - 0.03
            + self.quality.get(lead.code, 0)
            + STREET_QUALITY.get(s.place.street_code, 0)
        )
        if s.appeal_type == "complaint":
            p -= 0.05
        if lead.code == "U-GR" and local(s.created_at).month in (12, 1):
            p -= 0.04
        if second:
            p = 0.55 + p / 4
        resolution = (
            "resolved"
            if r.random() < min(max(p, 0.3), 0.99)
            else ("partly" if r.random() < 0.45 else "unresolved")
        )
        q = r.random() - (p - 0.86) * 0.5
        if resolution == "resolved":
            sat = (
                "satisfied"
                if q < 0.865
                else "basic"
                if q < 0.962
                else "none"
                if q < 0.968
                else "unsatisfied"
            )
        elif resolution == "partly":
            sat = "satisfied" if q < 0.15 else "basic" if q < 0.6 else "unsatisfied"
        else:
            sat = "satisfied" if q < 0.06 else "basic" if q < 0.3 else "unsatisfied"
        return resolution, sat

    def _handle(self, sim: Order, s: Spec, t: dt.datetime, lead: UnitInfo) -> None:
        r, f = self.rng, sim.f
        q = self.quality.get(lead.code, 0)
        if r.random() < 0.012 and f["urgency"] == "normal":  # a return the dispatcher turns down
            t = sim.request_return(
                t + mins(r, 10, 300), r.choice(T.RETURN_REASONS).format(unit="其他单位")
            )
            t = sim.reject_return(t + hours(r, 0.5, 4), r.choice(T.RETURN_REJECTIONS))
        if f["status"] == "dispatched":
            limit = f["sign_due"] - f["dispatched_at"]
            late = r.random() < (0.03 - q / 3) * (1.0 if f["urgency"] == "normal" else 0.15)
            wait = limit + hours(r, 0.1, 6) if late else limit * r.uniform(0.03, 0.9)
            t = sim.accept(max(t, f["dispatched_at"] + wait))
        # First contact (响应) by the 响应时限. Units differ here as in everything else: a good
        # unit is late about once in 2,000 orders, a weak one once in 40 to 60; the short
        # limits of urgent orders (1-4 hours) are missed more often. A flat 0.1% for every
        # unit made 响应率 100% for nearly every unit every month: a column that ranked nobody.
        respond_due = f["respond_due"]
        late_contact = min(max(0.003 - q * 0.25, 0.0005), 0.04)
        if f["urgency"] != "normal":
            late_contact *= 2
        if r.random() < late_contact or respond_due <= t:
            t = sim.contact(max(t, respond_due) + hours(r, 0.5, 20))
        else:
            t = sim.contact(t + (respond_due - t) * min(r.expovariate(1 / 0.12), 0.97))
        if s.appeal_type == "help" and r.random() < 0.003:  # drawing public attention
            sim.supervise(t + hours(r, 1, 8), "key")
            t = sim.reply_supervision(t + hours(r, 9, 20))
        self._finish(sim, s, t, lead)

    def _finish(self, sim: Order, s: Spec, t: dt.datetime, lead: UnitInfo, rounds: int = 0) -> None:
        r, f = self.rng, sim.f
        q = self.quality.get(lead.code, 0)
        hard = s.code in ("010103", "050101", "010102", "010104", "020101")
        if rounds == 0 and r.random() < (0.14 if hard else 0.045) and f["urgency"] == "normal":
            span = f["finish_due"] - t
            t = sim.request_extension(
                t + span * r.uniform(0.3, 0.8),
                r.choice((3, 5, 5, 7, 10)),
                r.choice(T.EXTENSION_REASONS),
            )
            if r.random() < 0.85:
                t = sim.approve_extension(office(r, t + hours(r, 0.5, 6)))
            else:
                t = sim.reject_extension(office(r, t + hours(r, 0.5, 6)))
        due = f["finish_due"]
        late = r.random() < max(0.035, 0.08 - q * 0.8)
        if late:
            extra = hours(r, 2, 24) * (r.expovariate(1.0) * 3 + 0.2)
            if r.random() < 0.3:
                extra = dt.timedelta(days=r.uniform(12, 100))  # 挂账: long pending
            done = due + extra
        else:
            done = t + (due - t) * min(r.betavariate(2.6, 2), 0.97)
        done = max(done, t + mins(r, 15, 40))
        if late and done - due > dt.timedelta(days=1) and r.random() < 0.4:
            sup = due + (done - due) * r.uniform(0.15, 0.5)
            t = sim.supervise(
                office(r, sup), r.choices(["general", "key", "listed"], [70, 25, 5])[0]
            )
            reply = t + hours(r, 2, 20)
            if reply < done - dt.timedelta(minutes=10):
                t = sim.reply_supervision(reply)
        t = sim.feedback(done)
        if r.random() < 0.045:
            t = sim.reject_feedback(office(r, t + hours(r, 0.5, 8)))
            t = sim.feedback(t + hours(r, 3, 40))
        t = sim.approve_feedback(office(r, t + hours(r, 0.3, 10), 8, 22))
        self._callback(sim, s, t, lead, rounds)

    def _callback(self, sim: Order, s: Spec, t: dt.datetime, lead: UnitInfo, rounds: int) -> None:
        r = self.rng
        for attempt, p in enumerate((0.93, 0.8, 0.6)):
            wait = hours(r, 2, 40) if attempt == 0 else hours(r, 16, 30)
            t = office(r, t + wait, 8.5, 20.5)
            if r.random() < p:
                break
            t = sim.callback(t, False)
        else:
            sim.close(office(r, t + hours(r, 1, 4)), T.UNREACHABLE_CLOSE)
            return
        resolution, satisfaction = self._outcome(s, lead, second=rounds > 0)
        t = sim.callback(t, True, resolution, satisfaction)
        if sim.f["status"] == "closed":
            if s.citizen and self.city.citizen and r.random() < 0.6:
                sim.rate(t + hours(r, 1, 30), self.city.citizen, r.choice((4, 5, 5)))
            return
        t = office(r, t + hours(r, 0.5, 20))
        if rounds == 0 and r.random() < 0.3:
            t = sim.reopen(t)
            t = sim.contact(t + hours(r, 0.5, 6)) if sim.f["respond_at"] is None else t
            self._finish(sim, s, t, lead, rounds + 1)
        else:
            sim.close(t, r.choice(T.CLOSE_NOTES))


def generate_history(
    city: CityData,
    *,
    orders: int,
    now: dt.datetime,
    seed: int = 12345,
    start_seq: dict[dt.date, int] | None = None,
) -> Iterator[Played]:
    """Yield `orders` generated orders, oldest first (deterministic for a seed)."""
    return History(city, now=now, seed=seed, start_seq=start_seq).generate(orders)


def summary(cases: list[Played]) -> dict[str, Any]:
    """Rough figures of a generated history (for calibration and the command's report)."""
    valid = [c.fields for c in cases if c.fields["status"] == "closed" and c.fields["contacted"]]
    n = max(len(valid), 1)
    return {
        "orders": len(cases),
        "open": sum(c.fields["status"] not in FINAL for c in cases),
        "merged": sum(c.fields["status"] == "merged" for c in cases),
        "events": sum(len(c.events) for c in cases),
        "resolution_rate": sum(f["resolution"] == "resolved" for f in valid) / n,
        "satisfaction_rate": sum(
            (f["satisfaction"] == "satisfied") + 0.9 * (f["satisfaction"] == "basic") for f in valid
        )
        / n,
        "response_rate": sum(
            f["respond_due"] is None or f["respond_at"] <= f["respond_due"] for f in valid
        )
        / n,
        "types": {
            t: sum(c.fields["appeal_type"] == t for c in cases) / max(len(cases), 1)
            for t, _ in APPEAL_MIX
        },
    }

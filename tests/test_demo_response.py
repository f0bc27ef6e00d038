"""响应率 in the demo history: units differ in how often they miss the 响应时限, as they do in
everything else, so the column ranks someone. (With a flat 0.1% chance of a late first contact
for every unit, 响应率 was 100% for every unit in most months: 24 of 24 in 2026-09.)"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils import timezone

from chuangcheng.demo.city import build_demo_city
from chuangcheng.demo.history import UNIT_QUALITY, History, summary
from chuangcheng.demo.loader import city_data, ensure_staff


def test_weak_units_miss_the_response_limit_more_often(db: Any) -> None:
    build_demo_city()
    ensure_staff()
    city = city_data()
    cases = list(History(city, now=timezone.now(), seed=11).generate(8000))
    valid = [c.fields for c in cases if c.fields["status"] == "closed" and c.fields["contacted"]]
    late: dict[int, list[bool]] = defaultdict(list)
    for f in valid:
        if f["lead_unit_id"] is not None and f["respond_due"] is not None:
            late[f["lead_unit_id"]].append(f["respond_at"] > f["respond_due"])
    by_code = {u.id: code for code, u in city.units.items()}

    def late_share(codes: list[str]) -> float:
        rows = [x for uid, xs in late.items() if by_code[uid] in codes for x in xs]
        assert len(rows) > 300
        return sum(rows) / len(rows)

    weak = [c for c, q in UNIT_QUALITY.items() if q <= -0.04]
    good = [c for c, q in UNIT_QUALITY.items() if q >= 0.04]
    # weak units miss it for 1.2-2.3% of their orders, good ones for 0-0.25% (seeds 11-13 over
    # several "todays"); with the flat 0.1% of before, both were about 0.1%
    assert late_share(weak) >= 0.008
    assert late_share(good) <= 0.005
    assert late_share(weak) > 3 * late_share(good)
    # and the city as a whole stays where the seed reports put it (赛罕区 99.94%), a little lower
    assert 0.985 <= summary(cases)["response_rate"] <= 0.998

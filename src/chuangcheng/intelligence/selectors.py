"""Reads that learn from text: likely repeats of an order (并单) and routing suggestions.

Repeats are found through `RepeatKey`: MinHash band keys of every open order's text, scoped
to its street (core/minhash.py). A lookup is a handful of B-tree equality searches, so it stays
fast with a million open orders, on PostgreSQL and on the SQLite demo alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from chuangcheng.cases.models import Case
from chuangcheng.cases.selectors import cases_visible_to
from chuangcheng.intelligence.duplicates import explain_match, similarity
from chuangcheng.org.access import Actor
from chuangcheng.org.selectors import distance_m, resolve_region

OPEN_EXCLUDED = ("closed", "merged")


@dataclass
class Repeat:
    case: Case
    score: float
    reasons: list[str] = field(default_factory=list)

    @property
    def reporter_count(self) -> int:
        """How many people reported it (a 12345 order's 反映人数; 1 for a case without)."""
        try:
            return int(self.case.hotline.reporter_count)
        except ObjectDoesNotExist:
            return 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.case.pk,
            "number": self.case.number,
            "title": self.case.title,
            "status": self.case.status,
            "score": round(self.score, 3),
            "reporter_count": self.reporter_count,
            "reasons": self.reasons,
        }


@dataclass(frozen=True)
class Probe:
    """What a new or existing order looks like to the repeat finder."""

    kind: str
    match_text: str
    street_id: int | None
    region_id: int | None = None
    lat: float | None = None
    lng: float | None = None
    at: dt.datetime | None = None
    exclude_id: int | None = None

    @classmethod
    def of(cls, case: Case) -> Probe:
        return cls(
            case.kind,
            case.match_text,
            case.street_id,
            case.region_id,
            case.lat,
            case.lng,
            case.created_at,
            case.pk,
        )


_PER_KEY = 200  # newest cases read per key: bounds a lookup however common a key is

_CANDIDATES_PG = """
SELECT rk.case_id FROM unnest(%s::bigint[]) AS k(key)
CROSS JOIN LATERAL (
    SELECT case_id FROM cases_repeatkey WHERE key = k.key ORDER BY case_id DESC LIMIT %s
) AS rk
WHERE rk.case_id <> %s
GROUP BY rk.case_id ORDER BY count(*) DESC, rk.case_id DESC LIMIT %s
"""


def _candidates(p: Probe, limit: int) -> list[int]:
    """Open cases sharing MinHash band keys with the probe, most shared keys first. On
    PostgreSQL each key reads at most its `_PER_KEY` newest cases from the (key, case) index,
    so a key that many texts share (a common phrase) cannot make the lookup slow."""
    from django.db import connection
    from django.db.models import Count

    from chuangcheng.cases.models import RepeatKey
    from chuangcheng.cases.services import repeat_scope
    from chuangcheng.core.minhash import band_keys

    keys = band_keys(p.match_text, repeat_scope(p.kind, p.street_id))
    if not keys:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(_CANDIDATES_PG, [keys, _PER_KEY, p.exclude_id or 0, limit])
            return [row[0] for row in cur.fetchall()]
    rows = (
        RepeatKey.objects.filter(key__in=keys)
        .exclude(case_id=p.exclude_id or 0)
        .values("case_id")
        .annotate(shared=Count("id"))
        .order_by("-shared", "-case_id")[:limit]
    )
    return [r["case_id"] for r in rows]


def find_repeats(
    probe: Probe,
    actor: Actor,
    *,
    days: int = 30,
    min_similarity: float = 0.25,
    candidates: int = 30,
    limit: int = 5,
) -> list[Repeat]:
    """Open orders about the same issue: similar text, same street, within `days`.
    MinHash band keys find candidates by B-tree equality lookups; they are re-ranked by the
    character-bigram similarity that the dispatcher is shown."""
    if len(probe.match_text) < 4:
        return []
    since = (probe.at or timezone.now()) - dt.timedelta(days=days)
    found = _candidates(probe, candidates)
    if not found:
        return []
    visible = (
        cases_visible_to(actor)
        .filter(pk__in=found, created_at__gte=since)
        .exclude(status__in=OPEN_EXCLUDED)
        .select_related("hotline")
        .only(*REPEAT_FIELDS)
    )
    scored = [(similarity(probe.match_text, c.match_text), c) for c in visible]
    best = sorted((sc for sc in scored if sc[0] >= min_similarity), key=lambda sc: -sc[0])
    return [Repeat(other, score, _reasons(probe, other)) for score, other in best[:limit]]


REPEAT_FIELDS = (
    "id",
    "number",
    "title",
    "status",
    "hotline__reporter_count",
    "match_text",
    "region_id",
    "lat",
    "lng",
    "created_at",
)


def _reasons(probe: Probe, other: Case) -> list[str]:
    """Why two orders look like the same issue, in words a dispatcher reads at a glance."""
    same_community = bool(probe.region_id and probe.region_id == other.region_id)
    distance = None
    if None not in (probe.lat, probe.lng, other.lat, other.lng):
        distance = distance_m(probe.lat, probe.lng, other.lat, other.lng)  # type: ignore[arg-type]
    reasons = explain_match(
        probe.match_text,
        other.match_text,
        same_community=same_community,
        distance_m=distance,
        time_a=probe.at or timezone.now(),
        time_b=other.created_at,
    )
    if not same_community and probe.street_id:
        reasons.insert(1, "同一街道")
    return reasons


def likely_repeats(case: Case, actor: Actor, **kwargs: Any) -> list[Repeat]:
    return find_repeats(Probe.of(case), actor, **kwargs)


def rising_issues(
    actor: Actor,
    *,
    now: dt.datetime | None = None,
    window_days: int = 7,
    weeks: int = 8,
) -> list[dict[str, Any]]:
    """未诉先办: (street, category) pairs whose orders in the last `window_days` calendar days
    (today included) rise above their normal level: the same number of days in each of the
    `weeks` windows before."""
    from django.db.models import Count
    from django.db.models.functions import TruncDate

    from chuangcheng.intelligence.hotspots import rising_clusters

    now = now or timezone.now()
    first_day = timezone.localdate(now) - dt.timedelta(days=window_days - 1)
    base_first = first_day - dt.timedelta(days=window_days * weeks)
    since = dt.datetime.combine(base_first, dt.time.min, tzinfo=timezone.get_current_timezone())
    qs = cases_visible_to(actor).filter(kind="hotline", created_at__gte=since, created_at__lte=now)
    current: dict[tuple[Any, Any], int] = {}
    baseline: dict[tuple[Any, Any], list[int]] = {}
    rows = (
        qs.exclude(street__isnull=True)
        .exclude(category__isnull=True)
        .annotate(day=TruncDate("created_at"))
        .values("street_id", "category_id", "day")
        .annotate(n=Count("id"))
    )
    for r in rows:
        key = (r["street_id"], r["category_id"])
        if r["day"] >= first_day:
            current[key] = current.get(key, 0) + r["n"]
        else:
            week = (first_day - r["day"]).days - 1
            buckets = baseline.setdefault(key, [0] * weeks)
            buckets[min(week // window_days, weeks - 1)] += r["n"]
    for key in current:
        baseline.setdefault(key, [0] * weeks)
    found = rising_clusters(current, baseline)
    from chuangcheng.cases.models import Category
    from chuangcheng.org.models import Region

    streets = dict(Region.objects.filter(pk__in={k[0] for k in current}).values_list("pk", "name"))
    cats = dict(Category.objects.filter(pk__in={k[1] for k in current}).values_list("pk", "name"))
    for item in found:
        street_id, category_id = item["region"], item["category"]
        item.update(
            {
                "street_id": street_id,
                "street": streets.get(street_id, ""),
                "category_id": category_id,
                "category": cats.get(category_id, ""),
                "since": first_day,
            }
        )
    return found


def intake_repeats(
    actor: Actor,
    *,
    title: str,
    content: str,
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
) -> list[Repeat]:
    """Likely repeats of an appeal being typed in (before it is an order)."""
    from chuangcheng.cases.services import match_text_for
    from chuangcheng.org.models import Region

    region = resolve_region(lat, lng, address)
    street = region.ancestor_at(Region.Level.STREET) if region else None
    probe = Probe(
        "hotline",
        match_text_for(title, content),
        street.pk if street else None,
        region.pk if region else None,
        lat,
        lng,
    )
    return find_repeats(probe, actor)

"""Reads that learn from text: likely repeats of an order (并单) and routing suggestions.

Repeats on PostgreSQL use the trigram GIN index `case_open_match_trgm` over open orders
(kind, street, match_text): the `%` operator finds candidates inside the index, so one lookup
stays fast with a million open orders. SQLite (the demo) compares the street's recent open
orders in Python instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.case.pk,
            "number": self.case.number,
            "title": self.case.title,
            "status": self.case.status,
            "score": round(self.score, 3),
            "reporter_count": self.case.reporter_count,
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


def _candidates_pg(
    p: Probe, since: dt.datetime, threshold: float, limit: int
) -> list[tuple[int, float]]:
    street_sql = "street_id = %s" if p.street_id else "street_id IS NULL"
    params: list[Any] = [p.match_text, p.kind]
    if p.street_id:
        params.append(p.street_id)
    params += [p.match_text, p.exclude_id or 0, since, limit]
    sql = (
        "SELECT id, similarity(match_text, %s) AS sim FROM cases_case "
        f"WHERE kind = %s AND {street_sql} AND match_text %% %s "
        "AND status NOT IN ('closed', 'merged') AND id <> %s AND created_at >= %s "
        "ORDER BY sim DESC LIMIT %s"
    )
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(threshold)])
        cur.execute(sql, params)
        return [(int(i), float(s)) for i, s in cur.fetchall()]


def _candidates_py(
    p: Probe, since: dt.datetime, threshold: float, limit: int
) -> list[tuple[int, float]]:
    qs = (
        Case.objects.filter(kind=p.kind, street_id=p.street_id, created_at__gte=since)
        .exclude(status__in=OPEN_EXCLUDED)
        .exclude(pk=p.exclude_id or 0)
        .order_by("-created_at")
        .values_list("pk", "match_text")[:2000]
    )
    scored = [(pk, similarity(p.match_text, text)) for pk, text in qs]
    scored = [(pk, s) for pk, s in scored if s >= threshold]
    return sorted(scored, key=lambda x: -x[1])[:limit]


def find_repeats(
    probe: Probe, actor: Actor, *, days: int = 30, threshold: float = 0.2, min_similarity: float = 0.25, limit: int = 5,
) -> list[Repeat]:
    """Open orders about the same issue: similar text, same street, within `days`.
    The index finds candidates by trigram similarity; they are re-ranked by the character
    bigram similarity that the dispatcher is shown."""
    if len(probe.match_text) < 4:
        return []
    since = (probe.at or timezone.now()) - dt.timedelta(days=days)
    finder = _candidates_pg if connection.vendor == "postgresql" else _candidates_py
    found = finder(probe, since, threshold, limit * 2)
    if not found:
        return []
    visible = cases_visible_to(actor).filter(pk__in=[pk for pk, _ in found])
    out = []
    for other in visible:
        distance = None
        if None not in (probe.lat, probe.lng, other.lat, other.lng):
            distance = distance_m(probe.lat, probe.lng, other.lat, other.lng)  # type: ignore[arg-type]
        reasons = explain_match(
            probe.match_text, other.match_text,
            same_community=bool(probe.region_id and probe.region_id == other.region_id),
            distance_m=distance, time_a=probe.at or timezone.now(), time_b=other.created_at,
        )
        if not (probe.region_id and probe.region_id == other.region_id) and probe.street_id:
            reasons.insert(1, "同一街道")
        score = similarity(probe.match_text, other.match_text)
        if score >= min_similarity:
            out.append(Repeat(other, score, reasons))
    out.sort(key=lambda r: -r.score)
    return out[:limit]


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
        qs.exclude(street_id=None)
        .exclude(category_id=None)
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

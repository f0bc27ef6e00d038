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
from chuangcheng.intelligence.duplicates import similarity
from chuangcheng.org.access import Actor
from chuangcheng.org.selectors import distance_m

OPEN_EXCLUDED = ("closed", "merged")


@dataclass
class Repeat:
    case: Case
    score: float
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.case.pk, "number": self.case.number, "title": self.case.title,
                "status": self.case.status, "score": round(self.score, 3),
                "reporter_count": self.case.reporter_count, "reasons": self.reasons}


def _candidates_pg(case: Case, window_start: dt.datetime, threshold: float, limit: int) -> list[tuple[int, float]]:
    street_sql = "street_id = %s" if case.street_id else "street_id IS NULL"
    params: list[Any] = [case.match_text, case.kind]
    if case.street_id:
        params.append(case.street_id)
    params += [case.match_text, case.pk, window_start, limit]
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


def _candidates_py(case: Case, window_start: dt.datetime, threshold: float, limit: int) -> list[tuple[int, float]]:
    qs = (Case.objects.filter(kind=case.kind, street_id=case.street_id, created_at__gte=window_start)
          .exclude(status__in=OPEN_EXCLUDED).exclude(pk=case.pk)
          .order_by("-created_at").values_list("pk", "match_text")[:2000])
    scored = [(pk, similarity(case.match_text, text)) for pk, text in qs]
    scored = [(pk, s) for pk, s in scored if s >= threshold]
    return sorted(scored, key=lambda x: -x[1])[:limit]


def likely_repeats(
    case: Case, actor: Actor, *, days: int = 30, threshold: float = 0.3, limit: int = 5,
) -> list[Repeat]:
    """Open orders about the same issue: similar text, same street, within `days`."""
    if not case.match_text:
        return []
    window_start = (case.created_at or timezone.now()) - dt.timedelta(days=days)
    finder = _candidates_pg if connection.vendor == "postgresql" else _candidates_py
    found = finder(case, window_start, threshold, limit * 2)
    if not found:
        return []
    scores = dict(found)
    visible = {c.pk: c for c in cases_visible_to(actor).filter(pk__in=scores).select_related("region")}
    out = []
    for pk, score in found:
        other = visible.get(pk)
        if other is None:
            continue
        out.append(Repeat(other, score, explain(case, other, score)))
    return out[:limit]


def explain(case: Case, other: Case, score: float) -> list[str]:
    """Why two orders look like the same issue, in words a dispatcher reads at a glance."""
    reasons = [f"内容相似度 {score:.0%}"]
    if case.region_id and case.region_id == other.region_id:
        reasons.append(f"同一{'网格' if case.region and case.region.level == 5 else '社区'}")
    elif case.street_id and case.street_id == other.street_id:
        reasons.append("同一街道")
    if None not in (case.lat, case.lng, other.lat, other.lng):
        d = distance_m(case.lat, case.lng, other.lat, other.lng)  # type: ignore[arg-type]
        reasons.append(f"相距 {d:.0f} 米" if d < 1000 else f"相距 {d / 1000:.1f} 公里")
    gap = abs((case.created_at - other.created_at).total_seconds()) / 86400
    reasons.append("当天" if gap < 1 else f"{gap:.0f} 天内")
    return reasons

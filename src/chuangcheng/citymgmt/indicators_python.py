"""城管考核 computed in Python: the first version of citymgmt.indicators, which reads the month's
cases into Python. Used where the database is not PostgreSQL (the SQLite demo: a few thousand
cases), and the reference the SQL version is tested against, figure by figure
(tests/test_citymgmt_indicators_sql.py). Definitions, weights and grades: citymgmt.indicators."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from chuangcheng.cases.models import Case, CaseClock, CaseEvent
from chuangcheng.citymgmt.indicators import (
    _pct,
    _ranked,
    _rate,
    dept_filed_points,
    month_bounds,
    region_filed_points,
)
from chuangcheng.citymgmt.models import CityCase, Source
from chuangcheng.citymgmt.settings_keys import (
    DEPT_WEIGHTS,
    INSPECTOR_WEIGHTS,
    REGION_WEIGHTS,
)
from chuangcheng.core.calendar import add_duration
from chuangcheng.core.settings_store import get_setting
from chuangcheng.org.access import Actor


def _handle_clocks(case_ids: list[int]) -> dict[int, CaseClock]:
    return {c.case_id: c for c in CaseClock.objects.filter(case_id__in=case_ids, name="handle")}


def _met(clock: CaseClock | None) -> bool:
    return bool(
        clock is not None
        and clock.stopped_at is not None
        and clock.due_at is not None
        and clock.stopped_at <= clock.due_at
    )


def departments(base: QuerySet[Case], start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    rows = list(
        base.filter(
            dispatched_at__gte=start, dispatched_at__lt=end, lead_unit__isnull=False
        ).values_list(
            "id",
            "status",
            "lead_unit_id",
            "lead_unit__name",
            "citycase__rework_count",
            "citycase__suspend_count",
        )
    )
    clocks = _handle_clocks([r[0] for r in rows])
    returns = Counter(
        e["data"].get("returned_by")
        for e in CaseEvent.objects.filter(
            case__in=base, action="approve_return", created_at__gte=start, created_at__lt=end
        ).values("data")
    )
    weights = get_setting(DEPT_WEIGHTS)
    by_unit: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    names: dict[int, str] = {}
    for r in rows:
        by_unit[r[2]].append(r)
        names[r[2]] = r[3]
    out = []
    for unit_id, items in by_unit.items():
        n = len(items)
        suspended = sum(1 for r in items if r[5])
        closed = [r for r in items if r[1] == "closed"]
        handled_on_time = sum(1 for r in items if _met(clocks.get(r[0])))
        closed_on_time = sum(1 for r in closed if _met(clocks.get(r[0])))
        reworked = sum(1 for r in items if r[4])
        returned = returns.get(unit_id, 0)
        spans = [
            (c.stopped_at - c.started_at).total_seconds() / 3600
            for r in items
            if (c := clocks.get(r[0])) is not None and c.stopped_at and c.started_at
        ]
        row: dict[str, Any] = {
            "unit_id": unit_id,
            "name": names[unit_id],
            "due": n,  # 应处置
            "handled_on_time_rate": _rate(handled_on_time, n),
            "closed": len(closed),
            "closed_rate": _rate(len(closed), n - suspended),
            "closed_on_time_rate": _rate(closed_on_time, n - suspended),
            "suspended": suspended,
            "rework_rate": _rate(reworked, n),
            "returned": returned,
            "return_rate": _rate(returned, n + returned),
            "mean_hours": round(sum(spans) / len(spans), 1) if spans else None,
        }
        row["score"] = round(
            dept_filed_points(n) * weights["filed"]
            + _pct(row["closed_rate"]) * weights["closed"]
            + _pct(row["handled_on_time_rate"]) * weights["ontime"]
            + (100 - _pct(row["rework_rate"], 0.0)) * weights["rework"],
            1,
        )
        out.append(row)
    return _ranked(out)


LEVELS = {
    "street": ("grid__street_id", "grid__street__name"),
    "community": ("grid__community_id", "grid__community__name"),
    "grid": ("grid_id", "grid__code"),
}


def regions(
    base: QuerySet[Case], start: dt.datetime, end: dt.datetime, level: str = "community"
) -> list[dict[str, Any]]:
    key, label = LEVELS[level]
    filed_ids = CaseEvent.objects.filter(
        case__in=base, action="file_case", created_at__gte=start, created_at__lt=end
    ).values("case_id")
    own = list(
        CityCase.objects.filter(case_id__in=filed_ids).values_list(
            "case_id", key, label, "case__status", "subclass__name", "source", "suspend_count"
        )
    )
    clocks = _handle_clocks([r[0] for r in own])
    weights = get_setting(REGION_WEIGHTS)
    groups: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
    names: dict[Any, str] = {}
    for r in own:
        groups[r[1]].append(r)
        names[r[1]] = r[2]
    out = []
    for gid, items in groups.items():
        n = len(items)
        suspended = sum(1 for r in items if r[6])
        closed = [r for r in items if r[3] == "closed"]
        on_time = sum(1 for r in closed if _met(clocks.get(r[0])))
        public = sum(1 for r in items if r[5] != Source.INSPECTOR)
        row: dict[str, Any] = {
            "id": gid,
            "name": names[gid],
            "filed": n,
            "closed_rate": _rate(len(closed), n - suspended),
            "closed_on_time_rate": _rate(on_time, n - suspended),
            "public_rate": _rate(public, n),
            "top_subclasses": [s for s, _c in Counter(r[4] for r in items).most_common(3)],
        }
        row["score"] = round(
            (100 - _pct(row["public_rate"], 0.0)) * weights["supervision"]
            + region_filed_points(n) * weights["filed"]
            + _pct(row["closed_rate"]) * weights["closed"]
            + _pct(row["closed_on_time_rate"]) * weights["ontime"],
            1,
        )
        out.append(row)
    return _ranked(out)


def _timely(
    events: list[Any], task: str, done: set[str], limits: dict[Any, Any]
) -> dict[int, list[bool]]:
    """Per actor: for each `done` step, whether it came within the clock's limit of the step
    that gave the task (`task`), on the same case."""
    given: dict[int, dt.datetime] = {}
    out: dict[int, list[bool]] = defaultdict(list)
    for e in events:  # ordered by case, seq
        if e["action"] == task:
            given[e["case_id"]] = e["created_at"]
        elif e["action"] in done and e["actor_id"] is not None:
            start = given.get(e["case_id"])
            limit = limits.get(e["case_id"])
            if start is None or limit is None:
                out[e["actor_id"]].append(True)
            else:
                out[e["actor_id"]].append(
                    e["created_at"] <= add_duration(start, limit[0], limit[1])
                )
    return out


def inspectors(base: QuerySet[Case], start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    reports = list(
        base.filter(
            created_at__gte=start, created_at__lt=end, citycase__source=Source.INSPECTOR
        ).values_list(
            "id",
            "created_by_id",
            "created_by__first_name",
            "created_by__username",
            "citycase__self_handled",
        )
    )
    filed = set(
        CaseEvent.objects.filter(
            case_id__in=[r[0] for r in reports], action="file_case"
        ).values_list("case_id", flat=True)
    )
    steps = list(
        CaseEvent.objects.filter(
            case__in=base,
            action__in=["send_verify", "verify", "feedback", "check_pass", "check_fail"],
            created_at__lt=end,
            created_at__gte=start - dt.timedelta(days=7),
        )
        .order_by("case_id", "seq")
        .values("case_id", "action", "actor_id", "created_at")
    )
    steps = [
        e for e in steps if e["action"] in ("send_verify", "feedback") or e["created_at"] >= start
    ]
    limits: dict[str, dict[Any, Any]] = {"verify": {}, "check": {}}
    for clock in CaseClock.objects.filter(
        case_id__in={e["case_id"] for e in steps}, name__in=["verify", "check"]
    ).values("case_id", "name", "limit_amount", "limit_unit"):
        if clock["limit_unit"]:
            limits[clock["name"]][clock["case_id"]] = (clock["limit_amount"], clock["limit_unit"])
    verify = _timely(steps, "send_verify", {"verify"}, limits["verify"])
    check = _timely(steps, "feedback", {"check_pass", "check_fail"}, limits["check"])
    weights = get_setting(INSPECTOR_WEIGHTS)
    people: dict[int, dict[str, Any]] = {}
    for case_id, uid, first, username, self_handled in reports:
        p = people.setdefault(
            uid, {"user_id": uid, "name": first or username, "reported": 0, "valid": 0}
        )
        p["reported"] += 1
        p["valid"] += 1 if (case_id in filed or self_handled) else 0
    others = (set(verify) | set(check)) - set(people)
    for u in get_user_model().objects.filter(pk__in=others).values("pk", "first_name", "username"):
        people[u["pk"]] = {
            "user_id": u["pk"],
            "name": u["first_name"] or u["username"],
            "reported": 0,
            "valid": 0,
        }
    out = []
    for uid, p in people.items():
        v, c = verify.get(uid, []), check.get(uid, [])
        row: dict[str, Any] = {
            **p,
            "valid_rate": _rate(p["valid"], p["reported"]),
            "verified": len(v),
            "verify_on_time_rate": _rate(sum(v), len(v)),
            "checked": len(c),
            "check_on_time_rate": _rate(sum(c), len(c)),
        }
        row["score"] = round(
            _pct(row["valid_rate"]) * weights["valid"]
            + 100 * weights["missed"]
            + _pct(row["verify_on_time_rate"]) * weights["verify"]
            + _pct(row["check_on_time_rate"]) * weights["check"],
            1,
        )
        out.append(row)
    return _ranked(out)


def citymgmt_indicators_python(
    actor: Actor, month: str, *, level: str = "community"
) -> dict[str, Any]:
    """citymgmt.indicators.citymgmt_indicators, computed in Python."""
    from chuangcheng.citymgmt.selectors import city_cases

    if level not in LEVELS:
        raise ValueError("区域层级只能是 street（街道）、community（社区）或 grid（单元网格）")
    start, end = month_bounds(month)
    base = city_cases(actor)
    return {
        "month": month,
        "departments": departments(base, start, end),
        "regions": regions(base, start, end, level),
        "inspectors": inspectors(base, start, end),
        "level": level,
    }

"""Recurring plans (the city's rhythm: 周督查, 旬推进, 月排比, 季测评).

A series (`PlanSeries`) says what each round samples (the way a plan does: all of some types
or streets, or a random sample per type; or a 回头看 of the sites struck off in the days before
the round) and when the rounds fall: weekly on a weekday, every 旬 (the 1st, 11th and 21st), monthly
on a day, or quarterly (on a day of the quarter's first month), from a start to an end date.

Each round is an ordinary Plan of its own, sampled afresh on its day by the task worker
(`evaluation.tasks.create_rounds`, every hour) or at once when the series starts on a round
day. A round is made at most once: the plan's unique (series, date) decides between two
workers, and a worker that restarts finds it made. Only the latest round due is made: a worker
that was down for weeks does not pile up the rounds it missed (each round is about its own
week). 创城办 stops a series: no round after that."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from chuangcheng.core.errors import Conflict, NotFound, ValidationFailed
from chuangcheng.evaluation import services
from chuangcheng.evaluation.models import Plan, PlanKind, PlanSeries
from chuangcheng.org.access import Actor, actor_for

Repeat = PlanSeries.Repeat
WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
MAX_SPAN = dt.timedelta(days=3 * 366)


def _on(year: int, month: int, day: int) -> dt.date:
    """That day of the month, or the month's last day when it has fewer days."""
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _months_back(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) - n
    return index // 12, index % 12 + 1


def _latest_on_or_before(series: PlanSeries, day: dt.date) -> dt.date:
    if series.repeat == Repeat.WEEKLY:
        return day - dt.timedelta(days=(day.weekday() - (series.weekday or 0)) % 7)
    if series.repeat == Repeat.DEKAD:
        return day.replace(day=21 if day.day >= 21 else 11 if day.day >= 11 else 1)
    step = 1 if series.repeat == Repeat.MONTHLY else 3
    year, month = day.year, day.month
    if step == 3:
        month = 3 * ((month - 1) // 3) + 1
    candidate = _on(year, month, series.day or 1)
    if candidate > day:
        year, month = _months_back(year, month, step)
        candidate = _on(year, month, series.day or 1)
    return candidate


def round_on(series: PlanSeries, today: dt.date) -> dt.date | None:
    """The latest round day of the series up to today (None: none yet, or it ended)."""
    day = _latest_on_or_before(series, min(today, series.ends_on))
    return day if day >= series.starts_on else None


def next_round_on(series: PlanSeries, after: dt.date) -> dt.date | None:
    """The first round day after `after` (None: the series ends, or stopped, before it)."""
    if series.stopped_at is not None:
        return None
    day = max(after + dt.timedelta(days=1), series.starts_on)
    for _ in range(100):  # a quarter is the longest gap
        if day > series.ends_on:
            return None
        if _latest_on_or_before(series, day) == day:
            return day
        day += dt.timedelta(days=1)
    return None


def describe(series: PlanSeries) -> str:
    if series.repeat == Repeat.WEEKLY:
        return f"每周{WEEKDAYS[series.weekday or 0][1]}"
    if series.repeat == Repeat.DEKAD:
        return "每旬（1日、11日、21日）"
    if series.repeat == Repeat.MONTHLY:
        return f"每月 {series.day} 日"
    return f"每季首月 {series.day} 日"


# ---------------------------------------------------------------- reads


def visible_series(actor: Actor) -> QuerySet[PlanSeries]:
    """A series is seen by whoever made it and by whoever sees a visit of one of its rounds
    (scoped like the plans: a street's leader, the 创城办 of the region)."""
    qs = PlanSeries.objects.all()
    if actor.is_superuser:
        return qs
    visits = services.visible_inspections(actor)
    return qs.filter(
        Q(created_by_id=actor.user_id) | Q(rounds__inspections__in=visits.values("pk"))
    ).distinct()


# ---------------------------------------------------------------- changes


def _int_in(value: Any, low: int, high: int, message: str, field: str) -> int:
    if value is None or not low <= int(value) <= high:
        raise ValidationFailed(message, fields={field: [f"{low}–{high}"]})
    return int(value)


def series_create(
    *,
    actor: Actor,
    name: str,
    repeat: str,
    starts_on: dt.date,
    ends_on: dt.date,
    evaluator_id: int,
    announced: bool,
    kind: str = PlanKind.INSPECTION,
    weekday: int | None = None,
    day: int | None = None,
    site_type_ids: Iterable[int] = (),
    street_ids: Iterable[int] = (),
    sample_per_type: int | None = None,
    revisit_days: int = 30,
    revisit_all_items: bool = False,
    today: dt.date | None = None,
) -> PlanSeries:
    """Start a series; the round due today (if today is a round day) is made at once."""
    services.require_planner(actor)
    types, streets = list(site_type_ids), list(street_ids)
    services.check_plan_input(
        name=name,
        evaluator_id=evaluator_id,
        site_type_ids=types,
        street_ids=streets,
        sample_per_type=sample_per_type,
    )
    if repeat not in Repeat.values:
        raise ValidationFailed(
            "重复方式只能是每周、每旬、每月或每季。", fields={"repeat": ["无效"]}
        )
    if kind not in PlanKind.values:
        raise ValidationFailed("计划类型只能是测评或回头看。", fields={"kind": ["无效"]})
    if ends_on < starts_on:
        raise ValidationFailed("截止日期不能早于开始日期。", fields={"ends_on": ["早于开始日期"]})
    if ends_on - starts_on > MAX_SPAN:
        raise ValidationFailed("周期计划最长三年。", fields={"ends_on": ["超过三年"]})
    today = today or timezone.localdate()
    if ends_on < today:
        raise ValidationFailed("截止日期已过。", fields={"ends_on": ["已过"]})
    if repeat == Repeat.WEEKLY:
        weekday = _int_in(weekday, 0, 6, "请选择每周的哪一天。", "weekday")
        day = None
    elif repeat in (Repeat.MONTHLY, Repeat.QUARTERLY):
        day = _int_in(day, 1, 31, "每月的日期应在 1 到 31 之间。", "day")
        weekday = None
    else:
        weekday = day = None
    if kind == PlanKind.REVISIT:
        revisit_days = _int_in(revisit_days, 1, 366, "回头看的范围应在 1 到 366 天之间。", "days")
    with transaction.atomic():
        series = PlanSeries.objects.create(
            name=name.strip()[:100],
            kind=kind,
            repeat=repeat,
            weekday=weekday,
            day=day,
            starts_on=starts_on,
            ends_on=ends_on,
            evaluator_id=evaluator_id,
            announced=announced,
            sample_per_type=sample_per_type,
            revisit_days=revisit_days,
            revisit_all_items=revisit_all_items and kind == PlanKind.REVISIT,
            created_by_id=actor.user_id or 0,
        )
        series.site_types.set(types)
        series.streets.set(streets)
    if round_on(series, today) == today:
        round_create(series.pk, today)
    from chuangcheng.evaluation.tasks import schedule_rounds

    schedule_rounds()
    return series


def series_stop(*, actor: Actor, series_id: int, now: dt.datetime | None = None) -> PlanSeries:
    services.require_planner(actor)
    if not visible_series(actor).filter(pk=series_id).exists():
        raise NotFound("没有这个周期计划，或您无权查看。")
    with transaction.atomic():
        series = PlanSeries.objects.select_for_update().get(pk=series_id)
        if series.stopped_at is not None:
            raise Conflict("这个周期计划已停止。")
        series.stopped_at = now or timezone.now()
        series.stopped_by_id = actor.user_id
        series.save(update_fields=["stopped_at", "stopped_by"])
    return series


def round_create(series_id: int, day: dt.date) -> Plan | None:
    """Make the series' round of `day`, sampling its sites afresh. None when it exists already
    (also when another worker made it at the same moment) or the series stopped."""
    if Plan.objects.filter(series_id=series_id, planned_on=day).exists():
        return None
    try:
        with transaction.atomic():
            # the lock orders a round against a stop of the series
            series = (
                PlanSeries.objects.select_for_update()
                .select_related("created_by")
                .filter(pk=series_id, stopped_at__isnull=True)
                .first()
            )
            if series is None:
                return None
            revisit_from = revisit_to = None
            if series.kind == PlanKind.REVISIT:
                revisit_to = day - dt.timedelta(days=1)
                revisit_from = day - dt.timedelta(days=series.revisit_days)
            return services.build_plan(
                actor=actor_for(series.created_by),
                name=f"{series.name}·{day.month}月{day.day}日",
                planned_on=day,
                evaluator_id=series.evaluator_id,
                announced=series.announced,
                site_type_ids=list(series.site_types.values_list("pk", flat=True)),
                street_ids=list(series.streets.values_list("pk", flat=True)),
                sample_per_type=series.sample_per_type,
                kind=series.kind,
                revisit_from=revisit_from,
                revisit_to=revisit_to,
                revisit_all_items=series.revisit_all_items,
                series=series,
            )
    except IntegrityError:  # another worker made this round first
        return None


def rounds_due(today: dt.date | None = None) -> dict[str, int]:
    """Make the round due today of every running series (what the periodic task does)."""
    today = today or timezone.localdate()
    made = 0
    running = PlanSeries.objects.filter(
        stopped_at__isnull=True, starts_on__lte=today, ends_on__gte=today - dt.timedelta(days=1)
    )
    for series in running:
        day = round_on(series, today)
        if day is not None and round_create(series.pk, day) is not None:
            made += 1
    return {"series": len(running), "rounds": made}

"""测评 on the phone (today's visits, the checklist of one visit, answers, submission), 自查,
测评计划 (创城办), the 问题清单, and an answer's photo (scoped like its visit)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from chuangcheng.cases.clocks import light
from chuangcheng.cases.selectors import cases_visible_to
from chuangcheng.core.errors import DomainError, NotFound, ValidationFailed
from chuangcheng.core.settings_store import get_setting
from chuangcheng.evaluation import plans as plan_series
from chuangcheng.evaluation import services
from chuangcheng.evaluation.indicators import period_bounds
from chuangcheng.evaluation.models import (
    Answer,
    Inspection,
    Plan,
    PlanKind,
    PlanSeries,
    Site,
    SiteType,
)
from chuangcheng.evaluation.roles import EVALUATOR, LEADER, OFFICE, UNIT
from chuangcheng.evaluation.sites import visible_sites
from chuangcheng.evaluation.workflow import KIND as RECTIFY
from chuangcheng.evaluation.workflow import RECTIFY as RECTIFY_WORKFLOW
from chuangcheng.org.models import Region
from chuangcheng.web.access import page

# the problems behind a figure of 测评得分: (query parameter, lookup, its name)
DRILL_GROUPS = (
    ("site_unit", "problem__site__unit_id", "点位责任单位"),
    ("street", "problem__site__street_id", "街道"),
    ("district", "problem__site__street__parent_id", "区"),
    ("site_type", "problem__site__site_type_id", "点位类型"),
)
DRILL_FLAGS = {
    "closed": (Q(status="closed"), "已销号"),
    "on_time": (Q(status="closed", problem__closed_on_time=True), "按期销号"),
    "rebound": (Q(problem__rebound=True), "反弹"),
    "review_failed": (Q(problem__review_fails__gt=0), "复查曾不通过"),
}
DRILL_KEYS = ("period", "flag", *(g[0] for g in DRILL_GROUPS))


def _int(value: Any, what: str = "参数") -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{what}应为数字。") from None


@page(EVALUATOR, UNIT, mobile=True)
def today(request: HttpRequest) -> HttpResponse:
    """测评员: the visits planned for them up to today that are not submitted, and today's done;
    a unit: its self-checks."""
    actor = request.actor  # type: ignore[attr-defined]
    date = timezone.localdate()
    mine = (
        services.visible_inspections(actor)
        .filter(evaluator_id=actor.user_id)
        .select_related("site__site_type", "site__street")
    )
    open_ = mine.exclude(status=Inspection.Status.SUBMITTED).filter(planned_on__lte=date)
    done = mine.filter(status=Inspection.Status.SUBMITTED, submitted_at__date=date)
    return render(
        request,
        "evaluation/today.html",
        {
            "open": open_.order_by("planned_on", "site__code")[:200],
            "done": done.order_by("-submitted_at")[:50],
            "date": date,
        },
    )


@page(EVALUATOR, UNIT, OFFICE, LEADER, mobile=True)
def inspection_page(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    inspection = services.inspection_for(actor, pk)
    items = services.checklist(inspection)
    answers = services.latest_answers(inspection)
    rows = [{"item": i, "answer": answers.get(i.pk), "key": uuid.uuid4().hex} for i in items]
    return render(
        request,
        "evaluation/inspection.html",
        {
            "inspection": inspection,
            "rows": rows,
            "answered": sum(1 for r in rows if r["answer"] is not None),
            "editable": inspection.status != Inspection.Status.SUBMITTED
            and services._may_answer(actor, inspection),
            "results": Answer.Result.choices,
        },
    )


@require_POST
@page(EVALUATOR, UNIT, mobile=True)
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """One answer (a form post, or the phone's queued resend: JSON back when it asks)."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        saved, created = services.answer_record(
            actor=request.actor,  # type: ignore[attr-defined]
            inspection_id=pk,
            item_id=request.POST.get("item"),
            result=request.POST.get("result", ""),
            client_key=request.POST.get("client_key", ""),
            note=request.POST.get("note", ""),
            photo=request.FILES.get("photo"),
            lat=request.POST.get("lat"),
            lng=request.POST.get("lng"),
            answered_at=request.POST.get("answered_at"),
        )
    except DomainError as exc:
        if wants_json:
            return JsonResponse(
                {"detail": exc.message, "fields": exc.fields}, status=exc.status_code
            )
        raise
    if wants_json:
        return JsonResponse(
            {"id": saved.pk, "created": created, "result": saved.result},
            status=201 if created else 200,
        )
    messages.success(request, f"已记录：{saved.item.code} {saved.get_result_display()}")
    return redirect(f"{reverse('evaluation:inspection', args=[pk])}#item-{saved.item_id}")


@require_POST
@page(EVALUATOR, UNIT, mobile=True)
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    done = services.inspection_submit(actor=request.actor, inspection_id=pk)  # type: ignore[attr-defined]
    rate = done.score_rate
    messages.success(
        request,
        f"已提交：得分率 {'—' if rate is None else f'{100 * rate:.1f}%'}，"
        f"发现问题 {done.problems} 个，已列入问题清单。",
    )
    return redirect("evaluation:inspection", pk=pk)


@require_POST
@page(UNIT, mobile=True)
def self_check(request: HttpRequest, site_id: int) -> HttpResponse:
    inspection = services.self_check_create(actor=request.actor, site_id=site_id)  # type: ignore[attr-defined]
    return redirect("evaluation:inspection", pk=inspection.pk)


@page(EVALUATOR, UNIT, OFFICE, LEADER)
def answer_photo(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    hit = Answer.objects.filter(pk=pk, inspection__in=services.visible_inspections(actor)).first()
    if hit is None or not hit.photo:
        raise NotFound("没有这张照片，或您无权查看。")
    with hit.photo.open("rb") as f:
        data = f.read()
    kinds = {
        b"\xff\xd8": "image/jpeg",
        b"\x89P": "image/png",
        b"GI": "image/gif",
        b"RI": "image/webp",
    }
    response = HttpResponse(data, content_type=kinds.get(data[:2], "application/octet-stream"))
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- plans (创城办)


def _date(value: str | None, what: str, required: bool = True) -> dt.date | None:
    if not value:
        if required:
            raise ValidationFailed(f"请填写{what}。")
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{what}格式不对（应为 年-月-日）。") from None


def _plan_post(request: HttpRequest, actor: Any) -> str:
    post = request.POST
    planned_on = _date(post.get("planned_on"), "测评日期")
    assert planned_on is not None
    common: dict[str, Any] = {
        "actor": actor,
        "name": post.get("name", ""),
        "evaluator_id": _int(post.get("evaluator"), "测评员") or 0,
        "announced": post.get("announced") == "1",
        "site_type_ids": [t for v in post.getlist("type") if (t := _int(v, "点位类型"))],
        "street_ids": [s for v in post.getlist("street") if (s := _int(v, "街道"))],
        "sample_per_type": _int(post.get("sample"), "每类抽取数量"),
        "kind": post.get("kind") or PlanKind.INSPECTION,
    }
    revisit_all = post.get("revisit_items") == "all"
    repeat = post.get("repeat", "")
    if repeat:
        ends_on = _date(post.get("ends_on"), "截止日期")
        assert ends_on is not None
        series = plan_series.series_create(
            repeat=repeat,
            starts_on=planned_on,
            ends_on=ends_on,
            weekday=_int(post.get("weekday"), "星期"),
            day=_int(post.get("day"), "日期"),
            revisit_days=_int(post.get("revisit_days"), "回头看天数") or 30,
            revisit_all_items=revisit_all,
            **common,
        )
        return (
            f"已制定周期计划“{series.name}”：{plan_series.describe(series)}，"
            f"{series.starts_on:%Y-%m-%d} 至 {series.ends_on:%Y-%m-%d}，每轮重新抽取点位。"
        )
    plan = services.plan_create(
        planned_on=planned_on,
        revisit_from=_date(post.get("revisit_from"), "销号起始日期", required=False),
        revisit_to=_date(post.get("revisit_to"), "销号截止日期", required=False),
        revisit_all_items=revisit_all,
        **common,
    )
    return f"已制定计划“{plan.name}”：{plan.selection}。"


@page(OFFICE, LEADER)
def plans(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    if request.method == "POST":
        services.require_planner(actor)
        messages.success(request, _plan_post(request, actor))
        return redirect("evaluation:plans")
    visible = services.visible_inspections(actor)
    today = timezone.localdate()
    rows = []
    for plan in (
        Plan.objects.filter(inspections__in=visible)
        .distinct()
        .select_related("evaluator", "series")[:100]
    ):
        insp = plan.inspections.all()
        rows.append(
            {
                "plan": plan,
                "total": insp.count(),
                "submitted": insp.filter(status=Inspection.Status.SUBMITTED).count(),
            }
        )
    series_rows = []
    for series in plan_series.visible_series(actor).select_related("evaluator")[:50]:
        rounds = list(series.rounds.order_by("-planned_on")[:12])
        counts: dict[int, Any] = {
            r["plan_id"]: r
            for r in Inspection.objects.filter(plan__in=rounds, pk__in=visible.values("pk"))
            .values("plan_id")
            .annotate(
                total=Count("pk"),
                submitted=Count("pk", filter=Q(status=Inspection.Status.SUBMITTED)),
            )
        }
        series_rows.append(
            {
                "series": series,
                "rhythm": plan_series.describe(series),
                "next": plan_series.next_round_on(series, today),
                "rounds": [
                    {
                        "plan": r,
                        "total": counts.get(r.pk, {}).get("total", 0),
                        "submitted": counts.get(r.pk, {}).get("submitted", 0),
                    }
                    for r in rounds
                ],
            }
        )
    evaluators = (
        get_user_model().objects.filter(memberships__role=EVALUATOR).distinct().order_by("username")
    )
    return render(
        request,
        "evaluation/plans.html",
        {
            "rows": rows,
            "series_rows": series_rows,
            "evaluators": evaluators,
            "site_types": SiteType.objects.filter(sites__in=visible_sites(actor)).distinct(),
            "streets": Region.objects.filter(level=Region.Level.STREET).order_by("code"),
            "can_plan": OFFICE in actor.roles or actor.is_superuser,
            "today": today,
            "revisit_from": today - dt.timedelta(days=29),
            "revisit_to": today,
            "repeats": PlanSeries.Repeat.choices,
            "weekdays": list(enumerate(plan_series.WEEKDAYS)),
        },
    )


@require_POST
@page(OFFICE, LEADER)
def series_stop(request: HttpRequest, pk: int) -> HttpResponse:
    series = plan_series.series_stop(actor=request.actor, series_id=pk)  # type: ignore[attr-defined]
    messages.success(request, f"已停止周期计划“{series.name}”，此后不再生成新的一轮。")
    return redirect("evaluation:plans")


# ---------------------------------------------------------------- 问题清单


@page(OFFICE, EVALUATOR, UNIT, LEADER)
def problems(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    status = request.GET.get("status", "open")
    qs = cases_visible_to(actor).filter(kind=RECTIFY)
    if status == "open":
        qs = qs.filter(status__in=["assigning", "rectifying", "reviewing"])
    elif status in RECTIFY_WORKFLOW.states:
        qs = qs.filter(status=status)
    elif status != "all":
        raise ValidationFailed("状态参数不对。")
    unit_id = _int(request.GET.get("unit"), "单位")
    if unit_id is not None:
        qs = qs.filter(lead_unit_id=unit_id)
    # drill-down from 测评得分: the figures of a period, by the ranking's groups
    shown: list[str] = []
    period = request.GET.get("period", "")
    if period:
        start, end, label = period_bounds(period)
        qs = qs.filter(created_at__gte=start, created_at__lt=end, problem__self_check=False)
        shown.append(f"{label}测评发现")
    for param, lookup, what in DRILL_GROUPS:
        value = _int(request.GET.get(param), what)
        if value is not None:
            qs = qs.filter(**{lookup: value})
    flag = request.GET.get("flag", "")
    if flag:
        if flag not in DRILL_FLAGS:
            raise ValidationFailed("筛选参数不对。")
        qs = qs.filter(DRILL_FLAGS[flag][0])
        shown.append(DRILL_FLAGS[flag][1])
    qs = qs.select_related("problem__site", "problem__item", "lead_unit").prefetch_related("clocks")
    now = timezone.now()
    warn = float(get_setting("cases.warn_fraction"))
    rows = []
    for case in qs.order_by("next_due", "-created_at")[:300]:
        clock = next((c for c in case.clocks.all() if c.name == "rectify"), None)
        rows.append(
            {
                "case": case,
                "state": RECTIFY_WORKFLOW.state_label(case.status),
                "clock": clock,
                "light": light(clock, now, warn) if clock is not None and clock.due_at else "",
            }
        )
    return render(
        request,
        "evaluation/problems.html",
        {
            "rows": rows,
            "status": status,
            "unit_id": unit_id,
            "states": RECTIFY_WORKFLOW.states,
            "shown": shown,
            "drill": {k: request.GET[k] for k in DRILL_KEYS if request.GET.get(k)},
        },
    )


def sites_for_self_check(actor: Any) -> Any:
    units = actor.units_with_children(UNIT)
    return Site.objects.filter(Q(unit_id__in=units) | Q(paired_units__in=units)).distinct()

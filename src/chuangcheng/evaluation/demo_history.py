"""A year of 创城测评 for the demo, walked through the loop itself (plan_create, answer_record,
inspection_submit, and case_transition for each rectification step, each with an explicit
time): a monthly sample of sites per type, a first mock evaluation near 70 % improving through
the year, units that differ, problems 交办 and 整改, some 复查 failed and done again, a few
extensions, and the newest still open."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from chuangcheng.cases.services import case_transition
from chuangcheng.core.errors import DomainError
from chuangcheng.evaluation import plans, services
from chuangcheng.evaluation.models import Inspection, PlanSeries, Problem, Severity, Site
from chuangcheng.evaluation.roles import UNIT
from chuangcheng.org.access import Actor, actor_for
from chuangcheng.org.models import Membership, Unit

SEVERITIES = [(Severity.MINOR, 0.7), (Severity.MAJOR, 0.25), (Severity.SEVERE, 0.05)]


def _photo(rng: random.Random, *, clean: bool = False) -> SimpleUploadedFile:
    """A small phone-like photo of a wall: covered with 小广告 and litter (a failure, 整改前) or
    clean (整改后), so the pages and the 督查通报 show something that reads as a photo."""
    from PIL import ImageDraw

    wall = (rng.randint(170, 210), rng.randint(165, 200), rng.randint(150, 190))
    img = Image.new("RGB", (480, 360), wall)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 270, 480, 360), fill=(110, 110, 105))  # pavement
    draw.line((0, 270, 480, 270), fill=(80, 80, 80), width=3)
    if not clean:
        for _ in range(rng.randint(6, 14)):
            x, y = rng.randint(10, 430), rng.randint(20, 220)
            colour = (rng.randint(150, 255), rng.randint(0, 200), rng.randint(0, 120))
            draw.rectangle((x, y, x + rng.randint(25, 60), y + rng.randint(30, 70)), fill=colour)
        for _ in range(rng.randint(2, 5)):
            x = rng.randint(20, 440)
            draw.ellipse((x, 290, x + 22, 305), fill=(230, 230, 225))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80)
    return SimpleUploadedFile("photo.jpg", buf.getvalue(), content_type="image/jpeg")


def _unit_people(password: str) -> dict[int, Actor]:
    """A 责任单位 login for every unit that answers for a site (ev_sw and ev_zsxl exist)."""
    users = get_user_model().objects
    hashed = make_password(password)
    out: dict[int, Actor] = {}
    unit_ids = set(Site.objects.values_list("unit_id", flat=True))
    for unit in Unit.objects.filter(pk__in=unit_ids):
        member = Membership.objects.filter(role=UNIT, unit=unit).select_related("user").first()
        if member is None:
            username = "ev_u_" + unit.code.lower().replace("-", "_")
            user = users.filter(username=username).first() or users.create(
                username=username,
                password=hashed,
                first_name=f"{unit.short_name or unit.name}创城专员",
            )
            Membership.objects.create(user=user, role=UNIT, unit=unit)
        else:
            user = member.user
        out[unit.pk] = actor_for(user)
    return out


def build_evaluation_history(
    *,
    now: dt.datetime,
    password: str,
    months: int = 12,
    per_type: int = 2,
    seed: int = 31,
    progress: Callable[[int], Any] | None = None,
) -> dict[str, int]:
    """Once: a database with a visit is left alone."""
    if Inspection.objects.exists() or not Site.objects.exists():
        return {"visits": 0, "problems": 0}
    rng = random.Random(seed)
    users = get_user_model().objects
    office = actor_for(users.get(username="ev_ccb"))
    evaluator_user = users.get(username="ev_cpy")
    evaluator = actor_for(evaluator_user)
    units = _unit_people(password)
    quality = {uid: rng.uniform(-0.07, 0.07) for uid in units}
    visits = problems = 0
    local = dt.timezone(dt.timedelta(hours=8))

    def walk(inspection: Inspection, day: dt.date, base: float) -> int:
        """Answer, submit and rectify one visit (a visit not due yet stays open)."""
        nonlocal visits
        t = dt.datetime.combine(day, dt.time(9, 0), local) + dt.timedelta(
            days=rng.randint(0, 4), minutes=rng.randint(0, 480)
        )
        if t >= now:
            return 0
        chance = base + quality.get(inspection.site.unit_id, 0.0)
        for item in services.checklist(inspection):
            t += dt.timedelta(minutes=rng.randint(2, 9))
            roll = rng.random()
            result = "na" if roll > 0.97 else "pass" if rng.random() < chance else "fail"
            services.answer_record(
                actor=evaluator,
                inspection_id=inspection.pk,
                item_id=item.pk,
                result=result,
                client_key=f"demo-{inspection.pk}-{item.pk}",
                note="现场发现问题：" + (item.failure_examples or item.rule)[:40]
                if result == "fail"
                else "",
                photo=_photo(rng) if result == "fail" else None,
                lat=inspection.site.lat,
                lng=inspection.site.lng,
                answered_at=t,
                now=t,
            )
        t += dt.timedelta(minutes=5)
        services.inspection_submit(actor=evaluator, inspection_id=inspection.pk, now=t)
        visits += 1
        found = 0
        for problem in Problem.objects.filter(inspection=inspection).select_related("site"):
            found += 1
            _rectify(problem, t, now, rng, office, evaluator, units)
        if progress is not None:
            progress(1)
        return found

    for m in range(months, 0, -1):
        day = (now - dt.timedelta(days=30 * m - 3)).astimezone(local).date()
        progress_share = (months - m) / max(months - 1, 1)  # 0 → 1 through the year
        base = 0.70 + 0.18 * progress_share
        plan = services.plan_create(
            actor=office,
            name=f"{day.year}年{day.month}月模拟测评",
            planned_on=day,
            evaluator_id=evaluator_user.pk,
            announced=m % 2 == 0,
            sample_per_type=per_type,
            seed=seed + m,
        )
        for inspection in plan.inspections.select_related("site"):
            problems += walk(inspection, day, base)
    # the weekly 督查 series (暗访, one site of a few kinds a week, sampled afresh each Monday):
    # its past rounds walked like the monthly ones, the newest still open
    series = _weekly_series(office, evaluator_user.pk, now.astimezone(local).date())
    for round_ in series.rounds.order_by("planned_on"):
        for inspection in round_.inspections.select_related("site"):
            problems += walk(inspection, round_.planned_on, 0.86)
    # today's round for the evaluator's phone: a few sites not visited yet
    from chuangcheng.evaluation.models import SiteType

    types = SiteType.objects.filter(name__in=["小区", "背街小巷", "宾馆酒店", "集贸市场"])
    services.plan_create(
        actor=office,
        name="今日暗访",
        planned_on=now.astimezone(local).date(),
        evaluator_id=evaluator_user.pk,
        announced=False,
        site_type_ids=list(types.values_list("pk", flat=True)),
        street_ids=list(
            Site.objects.filter(street__code="150103004").values_list("street_id", flat=True)[:1]
        ),
        sample_per_type=1,
        seed=seed,
    )
    build_survey_demo(now, rng)
    return {"visits": visits, "problems": problems}


def build_survey_demo(now: dt.datetime, rng: random.Random, answers: int = 420) -> None:
    """One open survey (the builder's example) with a few hundred counted answers, street rates
    that differ, and no identity (ballots are random keys)."""
    import uuid

    from chuangcheng.evaluation.models import Ballot, Survey, SurveyResponse
    from chuangcheng.evaluation.surveys import survey_create
    from chuangcheng.evaluation.views.surveys import EXAMPLE
    from chuangcheng.org.models import Region

    survey = survey_create(
        title="2026年创建全国文明城市市民满意度调查",
        intro="本问卷匿名填写，结果仅用于统计，不会与您的身份关联。",
        min_age=18,
        max_age=65,
        min_months=6,
        questions=EXAMPLE,
    )
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.OPEN)
    q = list(survey.questions.all())
    streets = list(Region.objects.filter(level=Region.Level.STREET))
    mood = {s.pk: rng.uniform(-0.08, 0.06) for s in streets}
    rows, ballots = [], []
    for _ in range(answers):
        street = rng.choice(streets)
        m = mood[street.pk]
        know = rng.random() < 0.90 + m / 2
        rows.append(
            SurveyResponse(
                id=uuid.uuid4(),
                survey=survey,
                street=street,
                age=rng.randint(18, 65),
                months_resident=rng.randint(6, 480),
                answers={
                    str(q[0].pk): 0 if know else 1,
                    str(q[1].pk): 0 if rng.random() < 0.95 + m / 3 else rng.choice([1, 2]),
                    str(q[2].pk): rng.choices([5, 4, 3, 2, 1], [38 + 100 * m, 40, 14, 5, 3])[0],
                    str(q[3].pk): sorted(rng.sample([0, 1, 2], rng.randint(1, 2))),
                    str(q[4].pk): None,
                },
                submitted_on=(now - dt.timedelta(days=rng.randint(0, 20))).date(),
            )
        )
        ballots.append(Ballot(survey=survey, voter=uuid.uuid4().hex))
    SurveyResponse.objects.bulk_create(rows)
    Ballot.objects.bulk_create(ballots)


def _weekly_series(office: Actor, evaluator_id: int, today: dt.date) -> PlanSeries:
    """每周督查: every Monday from four weeks back to three months on, its past rounds made."""
    from chuangcheng.evaluation.models import SiteType

    start = today - dt.timedelta(days=today.weekday() + 28)
    series = plans.series_create(
        actor=office,
        name="每周督查（暗访）",
        repeat=PlanSeries.Repeat.WEEKLY,
        weekday=0,
        starts_on=start,
        ends_on=today + dt.timedelta(days=90),
        evaluator_id=evaluator_id,
        announced=False,
        site_type_ids=list(
            SiteType.objects.filter(name__in=["背街小巷", "集贸市场", "公共广场"]).values_list(
                "pk", flat=True
            )
        ),
        sample_per_type=1,
        today=today,
    )
    day = plans.round_on(series, today)
    while day is not None and day >= start:
        plans.round_create(series.pk, day)
        day = plans.round_on(series, day - dt.timedelta(days=1))
    return series


def _rectify(
    problem: Problem,
    found: dt.datetime,
    now: dt.datetime,
    rng: random.Random,
    office: Actor,
    evaluator: Actor,
    units: dict[int, Actor],
) -> None:
    case_id = problem.case_id
    unit_id = problem.site.unit_id
    unit = units[unit_id]
    severity = rng.choices([s for s, _w in SEVERITIES], [w for _s, w in SEVERITIES])[0]
    t = found + dt.timedelta(hours=rng.uniform(2, 30))

    def go(action: str, who: Actor, at: dt.datetime, **data: Any) -> bool:
        if at >= now:
            return False
        files = data.pop("files", ())
        try:
            case_transition(
                case_id=case_id, action=action, actor=who, data=data, attachments=files, now=at
            )
        except DomainError:
            return False
        return True

    if not go("assign", office, t, unit=unit_id, severity=severity):
        return
    limit_days = {Severity.MINOR: 7, Severity.MAJOR: 4, Severity.SEVERE: 1}[severity]
    if rng.random() < 0.05:
        t += dt.timedelta(days=rng.uniform(0.5, 2))
        if not go("request_extension", unit, t, days=3, reason="需采购制作，申请延期"):
            return
        t += dt.timedelta(hours=rng.uniform(1, 20))
        if not go("approve_extension", office, t):
            return
    for attempt in range(3):
        t += dt.timedelta(days=rng.uniform(0.3, limit_days * (1.4 if attempt == 0 else 0.6)))
        if not go(
            "report",
            unit,
            t,
            note="已按要求整改完毕",
            files=[(_photo(rng), "before"), (_photo(rng, clean=True), "after")],
        ):
            return
        t += dt.timedelta(hours=rng.uniform(4, 48))
        if attempt < 2 and rng.random() < 0.12:
            if not go("review_fail", evaluator, t, reason="复查发现仍未整改到位"):
                return
            continue
        go("review_pass", evaluator, t, note="复查合格，予以销号")
        return


def build_evaluation_reports() -> int:
    """The 报表 archive's first documents, as the 创城办 asks for them on a Monday: last week's
    督查通报 and this month's 整改台账, built at once (the task worker would skip them)."""
    from chuangcheng.core.reports import report_request, run_build
    from chuangcheng.evaluation.reports import last_week, this_month

    office = actor_for(get_user_model().objects.get(username="ev_ccb"))
    made = 0
    for key, params in (
        ("evaluation.bulletin", {"week": last_week()}),
        ("evaluation.ledger", {"month": this_month(), "which": "found"}),
    ):
        report, queued = report_request(office, key, params)
        if queued and run_build(report.pk) == "done":
            made += 1
    return made

"""问卷调查: one answer per person, who is counted (the survey's population), and the rates.

知晓率, 支持率 and 满意率 per street: of the counted answers to a question that feeds the
indicator, the share that is positive (the chosen options of a single choice; 4 or 5 on a
scale), with the sample size and a 95 % confidence interval (Wilson score interval, which
stays inside 0–100 % for small samples and rates near the ends)."""

from __future__ import annotations

import hashlib
import hmac
import math
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from chuangcheng.core.errors import Conflict, NotFound, ValidationFailed
from chuangcheng.core.sheets import new_sheet, workbook_bytes
from chuangcheng.evaluation.models import Ballot, Indicator, Question, Survey, SurveyResponse
from chuangcheng.org.models import Region

Z95 = 1.959964


def _voter(survey: Survey, user_id: int) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"survey:{survey.pk}:{user_id}".encode(), hashlib.sha256).hexdigest()


def open_survey(token: str) -> Survey:
    survey = Survey.objects.filter(token=token).prefetch_related("questions").first()
    if survey is None or survey.status == Survey.Status.DRAFT:
        raise NotFound("没有这份问卷。")
    return survey


def has_answered(survey: Survey, user_id: int) -> bool:
    return Ballot.objects.filter(survey=survey, voter=_voter(survey, user_id)).exists()


def _number(raw: Any, label: str, low: int, high: int) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(f"请填写{label}（整数）。", fields={label: ["必填"]}) from None
    if not low <= value <= high:
        raise ValidationFailed(f"{label}应在 {low}–{high} 之间。", fields={label: ["超出范围"]})
    return value


def _answer(q: Question, raw: list[str]) -> Any:
    values = [v.strip() for v in raw if v and v.strip()]
    if not values:
        if q.required:
            raise ValidationFailed(f"请回答：{q.text}", fields={f"q{q.pk}": ["必答"]})
        return None
    if q.kind == Question.Kind.TEXT:
        return values[0][:500]
    if q.kind == Question.Kind.SCALE:
        return _number(values[0], q.text, 1, 5)
    try:
        picked = sorted({int(v) for v in values})
    except ValueError:
        raise ValidationFailed(f"“{q.text}”的选项无效。") from None
    if any(not 0 <= i < len(q.options) for i in picked):
        raise ValidationFailed(f"“{q.text}”的选项无效。")
    if q.kind == Question.Kind.SINGLE:
        if len(picked) != 1:
            raise ValidationFailed(f"“{q.text}”只能选一项。")
        return picked[0]
    return picked


def survey_answer(
    *, survey: Survey, user_id: int, street_id: Any, age: Any, months: Any, data: Any
) -> bool:
    """Keep one person's answers. Returns whether they count (inside the population); a
    second answer of the same person is refused (409)."""
    if survey.status != Survey.Status.OPEN:
        raise Conflict("问卷已结束，不再收集答卷。")
    street = Region.objects.filter(pk=_number(street_id, "所在街道", 1, 2**31), level=Region.Level.STREET).first()  # fmt: skip
    if street is None:
        raise ValidationFailed("请选择所在街道。", fields={"street": ["必选"]})
    age_n = _number(age, "年龄", 1, 120)
    months_n = _number(months, "居住月数", 0, 1200)
    answers = {str(q.pk): _answer(q, data.getlist(f"q{q.pk}")) for q in survey.questions.all()}
    counted = survey.min_age <= age_n <= survey.max_age and months_n >= survey.min_months
    try:
        with transaction.atomic():
            Ballot.objects.create(survey=survey, voter=_voter(survey, user_id))
            if counted:
                SurveyResponse.objects.create(
                    id=uuid.uuid4(),
                    survey=survey,
                    street=street,
                    age=age_n,
                    months_resident=months_n,
                    answers=answers,
                    submitted_on=timezone.localdate(),
                )
    except IntegrityError:
        raise Conflict("您已经填写过这份问卷，每人只能填写一次。") from None
    return counted


def wilson(positive: int, n: int) -> tuple[float, float] | None:
    if n == 0:
        return None
    p = positive / n
    denom = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _positive(q: Question, value: Any) -> bool | None:
    if value is None:
        return None
    if q.kind == Question.Kind.SCALE:
        return int(value) >= 4
    if q.kind == Question.Kind.SINGLE:
        return int(value) in set(q.positive)
    if q.kind == Question.Kind.MULTI:
        return bool(set(value) & set(q.positive))
    return None


def survey_rates(survey: Survey) -> dict[str, Any]:
    """Per street and for all: each indicator's rate, sample size and 95 % interval."""
    questions = [q for q in survey.questions.all() if q.indicator]
    streets = {r.pk: r.name for r in Region.objects.filter(level=Region.Level.STREET)}
    tally: dict[tuple[Any, str], list[int]] = {}
    total = 0
    per_street: dict[int, int] = {}
    for street_id, answers in survey.responses.values_list("street_id", "answers"):
        total += 1
        per_street[street_id] = per_street.get(street_id, 0) + 1
        for q in questions:
            verdict = _positive(q, answers.get(str(q.pk)))
            if verdict is None:
                continue
            for key in ((street_id, q.indicator), (None, q.indicator)):
                slot = tally.setdefault(key, [0, 0])
                slot[0] += verdict
                slot[1] += 1

    def cell(street_id: int | None, indicator: str) -> dict[str, Any] | None:
        hit = tally.get((street_id, indicator))
        if not hit:
            return None
        positive, n = hit
        return {"rate": positive / n, "n": n, "ci": wilson(positive, n)}

    indicators = [i for i in (Indicator.AWARENESS, Indicator.SUPPORT, Indicator.SATISFACTION)
                  if any(q.indicator == i for q in questions)]  # fmt: skip
    rows = [
        {
            "street": streets.get(sid, "—"),
            "responses": n,
            "cells": [cell(sid, i) for i in indicators],
        }
        for sid, n in sorted(per_street.items(), key=lambda kv: streets.get(kv[0], ""))
    ]
    return {
        "indicators": [(i.value, i.label) for i in indicators],
        "rows": rows,
        "all": {"responses": total, "cells": [cell(None, i) for i in indicators]},
    }


def survey_export(survey: Survey) -> bytes:
    """Every counted answer (no identity: street, age, months, answers), one row each."""
    questions = list(survey.questions.all())
    wb, ws = new_sheet(
        "答卷", ["序号", "所在街道", "年龄", "居住月数", "提交日期", *[q.text for q in questions]]
    )
    # random ids: the order says nothing about who answered when within a day
    rows = survey.responses.select_related("street").order_by("submitted_on", "street__code", "id")
    for n, r in enumerate(rows, start=1):
        values = []
        for q in questions:
            v = r.answers.get(str(q.pk))
            if v is None:
                values.append("")
            elif q.kind == Question.Kind.SINGLE:
                values.append(q.options[v] if 0 <= v < len(q.options) else "")
            elif q.kind == Question.Kind.MULTI:
                values.append("、".join(q.options[i] for i in v if 0 <= i < len(q.options)))
            else:
                values.append(v)
        ws.append([n, r.street.name, r.age, r.months_resident, r.submitted_on.isoformat(), *values])
    return workbook_bytes(wb)


KINDS = {label.split("（")[0]: value for value, label in Question.Kind.choices}
INDICATORS = {"知晓": "awareness", "支持": "support", "满意": "satisfaction"}


def parse_questions(text: str) -> list[dict[str, Any]]:
    """The builder's lines, one question each: 题型 | 题目 | 选项/选项/… | 指标 | 计为肯定的选项/…
    (题型: 单选、多选、量表、填空; 指标: 知晓、支持、满意 or empty). A broken line is named."""
    out: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")] + [""] * 5
        kind_label, title, options_raw, indicator_raw, positive_raw = parts[:5]
        kind = KINDS.get(kind_label)
        if kind is None:
            raise ValidationFailed(
                f"第 {number} 行：题型“{kind_label}”应为单选、多选、量表或填空。"
            )
        if not title or len(title) > 300:
            raise ValidationFailed(f"第 {number} 行：题目不能为空，最多 300 字。")
        options = [o.strip() for o in options_raw.split("/") if o.strip()]
        if kind in (Question.Kind.SINGLE, Question.Kind.MULTI) and len(options) < 2:
            raise ValidationFailed(f"第 {number} 行：选择题至少要有两个选项（用 / 分隔）。")
        indicator = ""
        if indicator_raw:
            indicator = INDICATORS.get(indicator_raw.removesuffix("率"), "")
            if not indicator:
                raise ValidationFailed(
                    f"第 {number} 行：指标“{indicator_raw}”应为知晓、支持或满意。"
                )
            if kind == Question.Kind.TEXT:
                raise ValidationFailed(f"第 {number} 行：填空题不能计入指标。")
        positive = []
        for p in (x.strip() for x in positive_raw.split("/") if x.strip()):
            if p not in options:
                raise ValidationFailed(f"第 {number} 行：“{p}”不是本题的选项。")
            positive.append(options.index(p))
        if indicator and kind != Question.Kind.SCALE and not positive:
            raise ValidationFailed(f"第 {number} 行：计入指标的选择题要写明哪些选项计为肯定。")
        out.append(
            {
                "kind": kind,
                "text": title,
                "options": options,
                "indicator": indicator,
                "positive": positive,
                "order": len(out),
            }
        )
    if not out:
        raise ValidationFailed("问卷至少要有一道题。")
    return out


def survey_create(
    *, title: str, intro: str, min_age: Any, max_age: Any, min_months: Any, questions: str
) -> Survey:
    title = title.strip()
    if not title or len(title) > 100:
        raise ValidationFailed("请填写问卷标题（最多 100 字）。")
    low, high = _number(min_age, "最低年龄", 1, 120), _number(max_age, "最高年龄", 1, 120)
    if low > high:
        raise ValidationFailed("最低年龄不能大于最高年龄。")
    parsed = parse_questions(questions)
    with transaction.atomic():
        survey = Survey.objects.create(
            title=title,
            intro=intro.strip()[:2000],
            token=uuid.uuid4().hex[:12],
            min_age=low,
            max_age=high,
            min_months=_number(min_months, "最短居住月数", 0, 600),
        )
        Question.objects.bulk_create(Question(survey=survey, **q) for q in parsed)
    return survey


def survey_set_status(survey: Survey, status: str) -> None:
    if status not in (Survey.Status.OPEN, Survey.Status.CLOSED):
        raise ValidationFailed("状态只能是收集中或已结束。")
    Survey.objects.filter(pk=survey.pk).update(status=status)

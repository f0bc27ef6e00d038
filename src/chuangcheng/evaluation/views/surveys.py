"""问卷调查: 创城办 builds a questionnaire and spreads its link and QR code; a resident answers
on a phone (signed in: one answer per person); the rates per street with the sample size and a
95 % interval; the answers as Excel (no identity)."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from chuangcheng.core.errors import DomainError, NotFound, PermissionDenied
from chuangcheng.evaluation import surveys
from chuangcheng.evaluation.models import Survey
from chuangcheng.evaluation.roles import LEADER, OFFICE
from chuangcheng.evaluation.views.registry import _xlsx
from chuangcheng.org.models import Region
from chuangcheng.web.access import error_page, page

EXAMPLE = """单选 | 您是否知道我市正在创建全国文明城市？ | 知道/不知道 | 知晓 | 知道
单选 | 您是否支持我市创建全国文明城市？ | 支持/无所谓/不支持 | 支持 | 支持
量表 | 您对所在社区的环境卫生是否满意？（1 很不满意—5 很满意） | | 满意
多选 | 您参加过哪些创城活动？ | 志愿服务/环境整治/文明交通劝导/都没有
填空 | 您对创城工作还有什么建议？"""


def _survey(pk: int) -> Survey:
    survey = Survey.objects.filter(pk=pk).first()
    if survey is None:
        raise NotFound("没有这份问卷。")
    return survey


@page(OFFICE, LEADER)
def survey_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    can_edit = OFFICE in actor.roles or actor.is_superuser
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("只有创城办可以制作问卷。")
        post = request.POST
        survey = surveys.survey_create(
            title=post.get("title", ""),
            intro=post.get("intro", ""),
            min_age=post.get("min_age", "18"),
            max_age=post.get("max_age", "65"),
            min_months=post.get("min_months", "6"),
            questions=post.get("questions", ""),
        )
        messages.success(request, f"已创建问卷“{survey.title}”（草稿），检查后开始收集。")
        return redirect("evaluation:survey", pk=survey.pk)
    rows = Survey.objects.annotate(n=Count("responses"))
    return render(
        request,
        "evaluation/surveys.html",
        {"rows": rows, "can_edit": can_edit, "example": EXAMPLE},
    )


@page(OFFICE, LEADER)
def survey_page(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(pk)
    actor = request.actor  # type: ignore[attr-defined]
    link = request.build_absolute_uri(reverse("evaluation:survey_public", args=[survey.token]))
    qr = segno.make(link, error="m").svg_inline(scale=4, dark="#1f2933", light="#ffffff")
    return render(
        request,
        "evaluation/survey.html",
        {
            "survey": survey,
            "questions": survey.questions.all(),
            "rates": surveys.survey_rates(survey),
            "link": link,
            "qr": mark_safe(qr),
            "can_edit": OFFICE in actor.roles or actor.is_superuser,
        },
    )


@require_POST
@page(OFFICE)
def survey_status(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(pk)
    surveys.survey_set_status(survey, request.POST.get("status", ""))
    return redirect("evaluation:survey", pk=pk)


@page(OFFICE, LEADER)
def survey_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(pk)
    return _xlsx(surveys.survey_export(survey), f"问卷答卷-{survey.pk}.xlsx")


@login_required
def survey_public(request: HttpRequest, token: str) -> HttpResponse:
    """The resident's phone page: the population, the questions, one answer per person."""
    try:
        survey = surveys.open_survey(token)
    except DomainError as exc:
        return error_page(request, exc.status_code, exc.message, mobile=True)
    user_id = int(request.user.pk or 0)
    context = {
        "survey": survey,
        "questions": survey.questions.all(),
        "streets": Region.objects.filter(level=Region.Level.STREET).order_by("code"),
        "answered": surveys.has_answered(survey, user_id),
        "closed": survey.status != Survey.Status.OPEN,
    }
    if request.method == "POST" and not context["answered"] and not context["closed"]:
        try:
            counted = surveys.survey_answer(
                survey=survey,
                user_id=user_id,
                street_id=request.POST.get("street"),
                age=request.POST.get("age"),
                months=request.POST.get("months"),
                data=request.POST,
            )
        except DomainError as exc:
            context["error"] = exc
            context["posted"] = request.POST
            return render(request, "evaluation/survey_public.html", context, status=exc.status_code)
        return render(
            request, "evaluation/survey_thanks.html", {"survey": survey, "counted": counted}
        )
    return render(request, "evaluation/survey_public.html", context)

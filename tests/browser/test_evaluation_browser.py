"""创城测评 through real pages in headless Chromium: the evaluator walks a hotel's checklist on a
phone-sized page (one answer kept on the phone while offline and sent when the network
returns), submits; the failure goes 交办 → 整改 → a failed 复查 → 整改 again → 销号."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from chuangcheng.cases.models import Case
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.evaluation import services
from chuangcheng.evaluation.models import Answer, Inspection, Problem, Site
from chuangcheng.evaluation.seed import build_evaluation_demo
from chuangcheng.org.models import Unit
from tests.browser.test_hotline_browser import do_action, photo, status
from tests.conftest import actor, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_uploaded(page: Any, item_id: int) -> None:
    for _ in range(100):
        text = page.locator(f"#item-{item_id} [data-current]").inner_text()
        if "已上传" in text or "未保存" in text:
            assert "已上传" in text, text
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"answer to item {item_id} never uploaded")


def test_an_inspection_on_the_phone_and_its_problem_to_struck_off(
    city: Any, as_user: Any, live_server: Any, tmp_path: Path
) -> None:
    build_evaluation_demo(DEMO_PASSWORD)
    hotel = Site.objects.filter(site_type__name="宾馆酒店", street__code="150103004").first()
    assert hotel is not None
    plan = services.plan_create(
        actor=actor("ev_ccb"),
        name="浏览器测试",
        planned_on=timezone.localdate(),
        evaluator_id=user("ev_cpy").pk,
        announced=True,
        site_type_ids=[hotel.site_type_id],
        street_ids=[hotel.street_id],
    )
    inspection = plan.inspections.get(site=hotel)

    # 1 the evaluator on a phone: today's sites, the hotel's checklist
    page = as_user("ev_cpy", mobile=True)
    assert page.url.endswith("/evaluation/today/")
    page.click(f"a[href='/evaluation/inspections/{inspection.pk}/']")
    page.wait_for_selector("[data-checklist]")
    items = services.checklist(inspection)
    assert [i.code for i in items] == ["1.1.3", "4.1.1", "4.2.1"]
    first, second, third = items

    def answer(item_id: int, result: str, note: str = "", file: str = "") -> None:
        card = page.locator(f"#item-{item_id}")
        card.locator(f"input[name=result][value={result}]").check()
        if note:
            card.locator("input[name=note]").fill(note)
        if file:
            card.locator("input[name=photo]").set_input_files(file)
        card.locator("button[type=submit]").click()

    answer(first.pk, "fail", "大堂公益广告被遮挡", photo(tmp_path, "ad.jpg", "red"))
    wait_uploaded(page, first.pk)
    # 2 no network: the answer waits on the phone, then goes when the network is back
    page.context.set_offline(True)
    answer(second.pk, "pass")
    for _ in range(50):
        if "暂存" in page.locator("[data-queue-status]").inner_text():
            break
        page.wait_for_timeout(100)
    assert "暂存在手机上" in page.locator("[data-queue-status]").inner_text()
    assert Answer.objects.filter(item=second).count() == 0
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_uploaded(page, second.pk)
    answer(third.pk, "pass")
    wait_uploaded(page, third.pk)
    assert Answer.objects.filter(inspection=inspection).count() == 3
    page.reload()
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=result]")
    assert "得分率" in page.inner_text("[data-testid=result]")
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.SUBMITTED and inspection.problems == 1
    case = Problem.objects.get(inspection=inspection).case
    number = case.number

    # 3 交办 by the 创城办 to 商务局, 较重
    office = as_user("ev_ccb")
    office.goto(f"{live_server.url}/evaluation/problems/")
    office.click(f"a:has-text('{number}')")
    office.wait_for_selector("[data-testid=case-number]")
    do_action(
        office,
        "assign",
        selects={"unit": str(Unit.objects.get(code="D-SW").pk)},
        checks=["input[name=severity][value=major]"],
        fill={"note": "请三个工作日内整改"},
    )
    assert status(case) == "rectifying"

    # 4 整改 by 商务局, from its 问题清单 with the light
    unit = as_user("ev_sw")
    assert unit.url.endswith("/evaluation/problems/")
    row = unit.locator(f"tr[data-case='{number}']")
    assert row.locator(".light").count() == 1
    unit.click(f"a:has-text('{number}')")
    unit.wait_for_selector("[data-testid=case-number]")
    do_action(
        unit,
        "report",
        fill={"note": "已移除遮挡物"},
        files={"after": photo(tmp_path, "fixed.jpg", "white")},
    )
    assert status(case) == "reviewing"

    # 5 a failed 复查 by the evaluator, 6 整改 again, 7 销号
    checker = as_user("ev_cpy", mobile=True)
    checker.goto(f"{live_server.url}/hotline/cases/{case.pk}/")
    do_action(checker, "review_fail", fill={"reason": "公益广告仍不完整"})
    assert status(case) == "rectifying"
    assert Problem.objects.get(case=case).review_fails == 1
    unit.reload()
    do_action(unit, "report", fill={"note": "已重新张贴"})
    checker.reload()
    do_action(checker, "review_pass", fill={"note": "合格"})
    assert status(case) == "closed"
    assert Case.objects.get(pk=case.pk).closed_at is not None

    # 8 the week's 督查通报: asked for on the 报表 page, its progress shown while the worker
    # builds it, then downloaded; the Word file holds the problem struck off this week
    from chuangcheng.core.models import ReportFile
    from chuangcheng.core.reports import run_build

    office.goto(f"{live_server.url}/reports/")
    form = office.locator("[data-kind='evaluation.bulletin'] form")
    year, week, _ = timezone.localdate().isocalendar()
    form.locator("input[name=week]").fill(f"{year}-W{week:02d}")
    form.locator("button[type=submit]").click()
    office.wait_for_selector("tr[data-status=queued] progress")
    report = ReportFile.objects.get(kind="evaluation.bulletin")
    assert run_build(report.pk) == "done"  # what the task worker does
    link = office.locator(f"#doc-{report.pk} [data-testid=report-download]")
    link.wait_for()
    with office.expect_download() as info:
        link.click()
    saved = tmp_path / "bulletin.docx"
    info.value.save_as(saved)
    from docx import Document

    text = "\n".join(p.text for p in Document(str(saved)).paragraphs)
    assert number in text and "销号 1 个" in text


def test_the_sites_map_and_a_weekly_series_on_the_plans_page(
    city: Any, as_user: Any, live_server: Any
) -> None:
    from chuangcheng.evaluation.models import PlanSeries, SiteType

    build_evaluation_demo(DEMO_PASSWORD)
    hotel = Site.objects.filter(site_type__name="宾馆酒店", street__code="150103004").first()
    assert hotel is not None
    plan = services.plan_create(
        actor=actor("ev_ccb"),
        name="地图测试",
        planned_on=timezone.localdate(),
        evaluator_id=user("ev_cpy").pk,
        announced=True,
        site_type_ids=[hotel.site_type_id],
        street_ids=[hotel.street_id],
    )
    visit = plan.inspections.get(site=hotel)
    for item in services.checklist(visit):
        services.answer_record(
            actor=actor("ev_cpy"),
            inspection_id=visit.pk,
            item_id=item.pk,
            result="pass",
            client_key=f"map-{item.pk}",
        )
    services.inspection_submit(actor=actor("ev_cpy"), inspection_id=visit.pk)

    # 商务局 sees its own sites on the map: the hotel green, the rest grey
    page = as_user("ev_sw")
    page.goto(f"{live_server.url}/evaluation/sites/?type={hotel.site_type_id}")
    page.wait_for_selector("#sites-map[data-markers]")
    expected = Site.objects.filter(site_type=hotel.site_type, unit__code="D-SW").count()
    assert page.get_attribute("#sites-map", "data-markers") == str(expected)
    fills = page.eval_on_selector_all(
        "#sites-map path.leaflet-interactive", "els => els.map(e => e.getAttribute('fill'))"
    )
    assert sorted(fills) == sorted(["#2e7d32"] + ["#9e9e9e"] * (expected - 1))

    # 创城办 starts a weekly series from the form and stops it
    page = as_user("ev_ccb")
    page.goto(f"{live_server.url}/evaluation/plans/")
    page.fill("[data-testid=plan-form] input[name=name]", "每周督查")
    market = SiteType.objects.get(name="集贸市场")
    page.select_option("[data-testid=plan-form] select[name=type]", [str(market.pk)])
    page.select_option("select[name=repeat]", "weekly")
    page.select_option("select[name=weekday]", str(timezone.localdate().weekday()))
    page.fill("input[name=ends_on]", (timezone.localdate() + dt.timedelta(days=30)).isoformat())
    page.click("[data-testid=plan-form] button[type=submit]")
    page.wait_for_selector("[data-testid=series] [data-testid=stop-series]")
    series = PlanSeries.objects.get()
    assert series.rounds.get().inspections.count() == 12  # today's round: every 集贸市场
    page.on("dialog", lambda d: d.accept())
    page.click("[data-testid=stop-series]")
    page.wait_for_selector("text=已停止")
    series.refresh_from_db()
    assert series.stopped_at is not None


def test_a_resident_answers_a_survey_on_the_phone_once(
    city: Any, as_user: Any, live_server: Any
) -> None:
    """问卷调查: a resident opens the survey's link on a phone, signs in, gives street, age and
    months lived here, answers, and cannot answer twice; the 创城办's rates count it."""
    from chuangcheng.evaluation import surveys
    from chuangcheng.evaluation.models import Survey, SurveyResponse
    from chuangcheng.evaluation.views.surveys import EXAMPLE
    from chuangcheng.org.models import Region

    build_evaluation_demo(DEMO_PASSWORD)
    survey = surveys.survey_create(
        title="创城知晓率调查", intro="", min_age=18, max_age=65, min_months=6, questions=EXAMPLE
    )
    surveys.survey_set_status(survey, Survey.Status.OPEN)
    street = Region.objects.get(code="150103004")
    page = as_user("citizen", mobile=True, next_url=f"/s/{survey.token}/")
    page.wait_for_selector("[data-testid=survey-answer]")
    page.select_option("#sv-street", str(street.pk))
    page.fill("#sv-age", "42")
    page.fill("#sv-months", "36")
    questions = list(survey.questions.all())
    for q in questions:
        box = page.locator(f"[data-question='{q.pk}']")
        if q.kind in ("single", "multi"):
            box.locator("input").first.check()
        elif q.kind == "scale":
            box.locator("input[value='5']").check()
        else:
            box.locator("textarea").fill("希望多设垃圾分类投放点")
    page.click("[data-testid=survey-answer] button[type=submit]")
    page.wait_for_selector("[data-testid=thanks]")
    assert "不计入统计" not in page.inner_text("[data-testid=thanks]")
    assert SurveyResponse.objects.filter(survey=survey, street=street).count() == 1
    page.goto(f"{live_server.url}/s/{survey.token}/")
    page.wait_for_selector("[data-testid=answered]")  # once per person
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    rates = surveys.survey_rates(survey)
    assert rates["all"]["responses"] == 1
    assert [r["street"] for r in rates["rows"]] == ["中山西路街道"]

"""创城测评 end to end on the engine: a plan, the evaluator's answers from the phone (a photo on
each failure, a resend never doubles), submission (得分率, each failure on the 问题清单 as a
rectification case), and the rectification loop: 交办 → 整改 → 复查 (failed, counted) → 整改 →
销号, extensions, 非本单位, 反弹, self-checks; who sees and may do what."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from chuangcheng.cases.models import Case, CaseClock
from chuangcheng.cases.services import case_transition
from chuangcheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.evaluation import services
from chuangcheng.evaluation.models import Answer, Inspection, Problem, Site
from chuangcheng.evaluation.seed import build_evaluation_demo
from chuangcheng.org.models import Unit
from tests.conftest import actor


def png() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 120, 30)).save(buf, format="PNG")
    return SimpleUploadedFile("p.png", buf.getvalue(), content_type="image/png")


@pytest.fixture
def ev(city: Any) -> dict[str, Any]:
    build_evaluation_demo(DEMO_PASSWORD)
    # a hotel of 中山西路街道: 商务局 answers for it
    hotel = Site.objects.filter(site_type__name="宾馆酒店", street__code="150103004").first()
    assert hotel is not None and hotel.unit.code == "D-SW"
    return {"hotel": hotel}


def login(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def plan_for(site: Site, *, announced: bool) -> Inspection:
    plan = services.plan_create(
        actor=actor("ev_ccb"),
        name="测试计划",
        planned_on=timezone.localdate(),
        evaluator_id=get_user_model().objects.get(username="ev_cpy").pk,
        announced=announced,
        site_type_ids=[site.site_type_id],
        street_ids=[site.street_id],
    )
    return plan.inspections.get(site=site)


def answer_all(inspection: Inspection, fails: set[str], nas: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    for item in services.checklist(inspection):
        result = "fail" if item.code in fails else "na" if item.code in nas else "pass"
        services.answer_record(
            actor=actor("ev_cpy"),
            inspection_id=inspection.pk,
            item_id=item.pk,
            result=result,
            client_key=f"k-{inspection.pk}-{item.pk}",
            note="门口公益广告被小广告覆盖" if result == "fail" else "",
            photo=png() if result == "fail" else None,
            lat=40.81,
            lng=111.63,
        )


def test_a_visit_is_scored_and_each_failure_becomes_a_problem(ev: dict[str, Any]) -> None:
    inspection = plan_for(ev["hotel"], announced=True)
    codes = [i.code for i in services.checklist(inspection)]
    # a hotel's checklist in the demo standard: the ads, the windows' services, smoking
    assert codes == ["1.1.3", "4.1.1", "4.2.1"]
    with pytest.raises(ValidationFailed, match="还有 3 个条目未作答"):
        services.inspection_submit(actor=actor("ev_cpy"), inspection_id=inspection.pk)
    answer_all(inspection, fails={"1.1.3"}, nas={"4.1.1"})
    done = services.inspection_submit(actor=actor("ev_cpy"), inspection_id=inspection.pk)
    # 1.1.3 (2 points) failed, 4.1.1 (2) not applicable, 4.2.1 (2) passed: 2 of 4 points
    assert (done.passed_points, done.applicable_points) == (Decimal("2.00"), Decimal("4.00"))
    assert done.score_rate == Decimal("0.5") and done.problems == 1
    problem = Problem.objects.get(inspection=inspection)
    case = problem.case
    assert case.kind == "rectify" and case.status == "assigning" and case.number.startswith("ZG")
    assert problem.item.code == "1.1.3" and not problem.rebound and not problem.self_check
    assert case.attachments.count() == 1  # the evaluator's photo goes with the problem
    listed = login("ev_ccb").get("/evaluation/problems/")  # 待交办: no unit yet
    assert listed.status_code == 200 and case.number in listed.content.decode()
    with pytest.raises(Conflict):
        services.inspection_submit(actor=actor("ev_cpy"), inspection_id=inspection.pk)
    with pytest.raises(Conflict, match="已提交"):
        services.answer_record(
            actor=actor("ev_cpy"),
            inspection_id=inspection.pk,
            item_id=problem.item_id,
            result="pass",
            client_key="late",
        )


def test_answers_from_the_phone_bad_input_and_resends(ev: dict[str, Any]) -> None:
    inspection = plan_for(ev["hotel"], announced=True)
    item = services.checklist(inspection)[0]
    client = login("ev_cpy")
    url = f"/evaluation/inspections/{inspection.pk}/answers/"
    json = {"HTTP_ACCEPT": "application/json"}
    resp = client.post(url, {"item": item.pk, "result": "fail", "client_key": "a1"}, **json)
    assert resp.status_code == 400 and resp.json()["detail"] == "不合格的条目必须拍照。"
    fake = SimpleUploadedFile("x.jpg", b"this is no photo", content_type="image/jpeg")
    resp = client.post(
        url, {"item": item.pk, "result": "fail", "client_key": "a1", "photo": fake}, **json
    )
    assert resp.status_code == 400 and "图片" in resp.json()["detail"]
    resp = client.post(url, {"item": 999999, "result": "pass", "client_key": "a1"}, **json)
    assert resp.status_code == 400 and "不在本点位的测评清单" in resp.json()["detail"]
    resp = client.post(url, {"item": item.pk, "result": "maybe", "client_key": "a1"}, **json)
    assert resp.status_code == 400
    assert not Answer.objects.exists()
    body = {"item": item.pk, "result": "fail", "client_key": "a1", "note": "广告褪色"}
    first = client.post(url, {**body, "photo": png()}, **json)
    again = client.post(url, {**body, "photo": png()}, **json)  # the phone's resend
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Answer.objects.count() == 1
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.ONGOING
    # the photo is served to who may see the visit, not to others
    photo_url = f"/evaluation/answers/{first.json()['id']}/photo"
    assert client.get(photo_url)["Content-Type"] == "image/png"
    assert login("ev_zsxl").get(photo_url).status_code == 404
    # the page shows the answer
    page = client.get(f"/evaluation/inspections/{inspection.pk}/").content.decode()
    assert "广告褪色" in page and "已作答 <span data-answered>1</span> / 3" in page


@pytest.mark.parametrize("who", ["ev_sw", "ev_zsxl", "ev_ld", "dispatcher", "citizen"])
def test_only_the_visits_evaluator_answers_and_submits(ev: dict[str, Any], who: str) -> None:
    inspection = plan_for(ev["hotel"], announced=True)
    item = services.checklist(inspection)[0]
    client = login(who)
    resp = client.post(
        f"/evaluation/inspections/{inspection.pk}/answers/",
        {"item": item.pk, "result": "pass", "client_key": "x1"},
        HTTP_ACCEPT="application/json",
    )
    assert resp.status_code in (403, 404)
    assert client.post(f"/evaluation/inspections/{inspection.pk}/submit/").status_code in (403, 404)
    assert not Answer.objects.exists()
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.PLANNED


def test_an_unannounced_visit_is_invisible_to_the_unit(ev: dict[str, Any]) -> None:
    secret = plan_for(ev["hotel"], announced=False)
    assert login("ev_sw").get(f"/evaluation/inspections/{secret.pk}/").status_code == 404
    with pytest.raises(NotFound):
        services.inspection_for(actor("ev_sw"), secret.pk)
    assert login("ev_cpy").get(f"/evaluation/inspections/{secret.pk}/").status_code == 200
    assert login("ev_ccb").get(f"/evaluation/inspections/{secret.pk}/").status_code == 200
    public = plan_for(ev["hotel"], announced=True)
    assert login("ev_sw").get(f"/evaluation/inspections/{public.pk}/").status_code == 200
    # the evaluator's list shows both; the unit's plans page is not theirs
    today = login("ev_cpy").get("/evaluation/today/").content.decode()
    assert today.count(ev["hotel"].name) >= 2 and "暗访" in today
    assert login("ev_sw").get("/evaluation/plans/").status_code == 403


def _problem(ev: dict[str, Any]) -> Case:
    inspection = plan_for(ev["hotel"], announced=True)
    answer_all(inspection, fails={"1.1.3"})
    services.inspection_submit(actor=actor("ev_cpy"), inspection_id=inspection.pk)
    return Problem.objects.get(inspection=inspection).case


def test_rectification_through_a_failed_review_to_struck_off(ev: dict[str, Any]) -> None:
    case = _problem(ev)
    sw = Unit.objects.get(code="D-SW")
    now = timezone.now()
    go = case_transition
    go(case_id=case.pk, action="assign", actor=actor("ev_ccb"), data={"unit": sw.pk, "severity": "major"}, now=now)  # fmt: skip
    clock = CaseClock.objects.get(case=case, name="rectify")
    assert (clock.limit_amount, clock.limit_unit) == (3, "workdays")  # 较重: 3 working days
    # the street office neither sees it nor may act on it; 商务局 does
    with pytest.raises(NotFound):
        go(case_id=case.pk, action="report", actor=actor("ev_zsxl"), data={"note": "x"})
    go(case_id=case.pk, action="report", actor=actor("ev_sw"), data={"note": "已更换公益广告"}, attachments=[(png(), "整改后")])  # fmt: skip
    # the unit that did the work may not review it
    with pytest.raises(PermissionDenied):
        go(case_id=case.pk, action="review_pass", actor=actor("ev_sw"), data={})
    go(case_id=case.pk, action="review_fail", actor=actor("ev_cpy"), data={"reason": "仍有小广告"})
    case.refresh_from_db()
    assert case.status == "rectifying" and case.problem.review_fails == 1
    go(case_id=case.pk, action="report", actor=actor("ev_sw"), data={"note": "已全部清理"})
    go(case_id=case.pk, action="review_pass", actor=actor("ev_cpy"), data={})
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_at is not None
    assert case.problem.closed_on_time is True
    # 反弹: the same item fails again at the same site soon after
    again = _problem(ev)
    assert again.problem.rebound is True


def test_extension_and_not_ours_are_decided_by_the_office(ev: dict[str, Any]) -> None:
    case = _problem(ev)
    sw = Unit.objects.get(code="D-SW")
    go = case_transition
    go(case_id=case.pk, action="assign", actor=actor("ev_ccb"), data={"unit": sw.pk, "severity": "minor"})  # fmt: skip
    due = CaseClock.objects.get(case=case, name="rectify").due_at
    go(case_id=case.pk, action="request_extension", actor=actor("ev_sw"), data={"days": 2, "reason": "广告牌定制中"})  # fmt: skip
    with pytest.raises(Conflict):  # one extension request at a time
        go(case_id=case.pk, action="request_extension", actor=actor("ev_sw"), data={"days": 1, "reason": "x"})  # fmt: skip
    with pytest.raises(PermissionDenied):
        go(case_id=case.pk, action="approve_extension", actor=actor("ev_sw"), data={})
    go(case_id=case.pk, action="approve_extension", actor=actor("ev_ccb"), data={})
    new_due = CaseClock.objects.get(case=case, name="rectify").due_at
    assert new_due is not None and due is not None and new_due > due + dt.timedelta(days=1)
    go(case_id=case.pk, action="request_dispute", actor=actor("ev_sw"), data={"reason": "该宾馆已划归区商务局"})  # fmt: skip
    go(case_id=case.pk, action="approve_dispute", actor=actor("ev_ccb"), data={})
    case.refresh_from_db()
    assert case.status == "assigning" and case.lead_unit_id is None
    with pytest.raises(NotFound):  # released: 商务局 no longer sees it
        go(case_id=case.pk, action="report", actor=actor("ev_sw"), data={"note": "x"})


def test_problem_list_scoped_with_lights(ev: dict[str, Any]) -> None:
    case = _problem(ev)
    sw = Unit.objects.get(code="D-SW")
    case_transition(case_id=case.pk, action="assign", actor=actor("ev_ccb"), data={"unit": sw.pk, "severity": "severe"})  # fmt: skip
    page = login("ev_sw").get("/evaluation/problems/").content.decode()
    assert case.number in page and "light-green" in page and "严重" in page
    # the unit's 整改反馈 dialog names its photos as this loop does
    detail = login("ev_sw").get(f"/hotline/cases/{case.pk}/").content.decode()
    assert "整改前照片" in detail and "整改后照片" in detail and "处置后照片" not in detail
    assert case.number not in login("ev_zsxl").get("/evaluation/problems/").content.decode()
    for who in ("dispatcher", "citizen", "handler_cg"):
        assert login(who).get("/evaluation/problems/").status_code == 403
    # the generic case page and API: 12345 people see no rectification case
    assert login("dispatcher").get(f"/hotline/cases/{case.pk}/").status_code == 404
    assert login("ev_sw").get(f"/hotline/cases/{case.pk}/").status_code == 200
    assert login("ev_ccb").get("/evaluation/problems/?status=bogus").status_code == 400


def test_a_unit_checks_its_own_sites_and_the_findings_count_apart(ev: dict[str, Any]) -> None:
    other = Site.objects.filter(street__code="150102001").exclude(unit__code="D-SW").first()
    assert other is not None
    client = login("ev_sw")
    assert client.post(f"/evaluation/sites/{other.pk}/self-check/").status_code == 404
    resp = client.post(f"/evaluation/sites/{ev['hotel'].pk}/self-check/")
    assert resp.status_code == 302
    check = Inspection.objects.get(kind=Inspection.Kind.SELF_CHECK)
    assert check.unit.code == "D-SW"
    for item in services.checklist(check):
        services.answer_record(
            actor=actor("ev_sw"),
            inspection_id=check.pk,
            item_id=item.pk,
            result="fail" if item.code == "4.2.1" else "pass",
            client_key=f"s-{item.pk}",
            photo=png() if item.code == "4.2.1" else None,
        )
    services.inspection_submit(actor=actor("ev_sw"), inspection_id=check.pk)
    problem = Problem.objects.get(inspection=check)
    assert problem.self_check and problem.case.source == "自查"
    # the 创城办 sees the self-check; the street office does not
    assert login("ev_ccb").get(f"/evaluation/inspections/{check.pk}/").status_code == 200
    assert login("ev_zsxl").get(f"/evaluation/inspections/{check.pk}/").status_code == 404


def test_a_plan_samples_per_type(ev: dict[str, Any]) -> None:
    from chuangcheng.evaluation.models import SiteType

    types = list(
        SiteType.objects.filter(name__in=["小区", "背街小巷"]).values_list("pk", flat=True)
    )
    client = login("ev_ccb")
    resp = client.post(
        "/evaluation/plans/",
        {
            "name": "12月暗访",
            "planned_on": "2026-12-02",
            "evaluator": get_user_model().objects.get(username="ev_cpy").pk,
            "type": types,
            "sample": "5",
        },
    )
    assert resp.status_code == 302
    inspections = Inspection.objects.filter(plan__name="12月暗访")
    assert inspections.count() == 10 and not inspections.filter(announced=True).exists()
    assert {i.site.site_type.name for i in inspections} == {"小区", "背街小巷"}
    bad = client.post("/evaluation/plans/", {"name": "x", "planned_on": "明天", "evaluator": 1})
    assert bad.status_code == 400
    assert login("ev_cpy").post("/evaluation/plans/", {"name": "x"}).status_code == 403
    assert login("ev_ld").post("/evaluation/plans/", {"name": "x"}).status_code == 403
    assert Inspection.objects.count() == 10
    assert login("ev_ld").post("/evaluation/plans/", {"name": "x"}).status_code == 403
    assert Inspection.objects.count() == 10


def test_the_demo_year_runs_through_the_loop_and_its_figures_mean_something(
    ev: dict[str, Any],
) -> None:
    from django.core.management import call_command

    from chuangcheng.evaluation import indicators
    from chuangcheng.evaluation.demo_history import build_evaluation_history

    now = timezone.now()
    stats = build_evaluation_history(now=now, password=DEMO_PASSWORD, months=4, per_type=1)
    assert stats["visits"] >= 40 and stats["problems"] > 0
    assert build_evaluation_history(now=now, password=DEMO_PASSWORD)["visits"] == 0  # once
    cases = Case.objects.filter(kind="rectify")
    assert cases.filter(status="closed").exists()
    assert set(cases.values_list("status", flat=True)) <= {
        "assigning",
        "rectifying",
        "reviewing",
        "closed",
    }
    call_command("verify_history", stdout=io.StringIO())  # every chain verifies
    leader = actor("ev_ld")
    months = [t for t in indicators.trend(leader, months=4) if t["visits"]]
    assert months and all(0.4 < (t["rate"] or 0) <= 1 for t in months)
    month = months[0]["period"]
    ranking = indicators.ranking(leader, month, "unit")
    assert ranking and [r["rank"] for r in ranking] == list(range(1, len(ranking) + 1))
    rates = [r["rate"] for r in ranking if r["rate"] is not None]
    assert rates == sorted(rates, reverse=True)
    # the page as the leader; the street office's people do not open it
    page = login("ev_ld").get(f"/evaluation/scores/?month={month}").content.decode()
    assert "红榜" in page and "问题整改" in page and ranking[0]["name"] in page
    assert login("ev_zsxl").get("/evaluation/scores/").status_code == 403
    assert login("ev_ld").get("/evaluation/scores/?month=2026-13").status_code == 400
    assert login("ev_ld").get("/evaluation/scores/?quarter=2026-Q4&level=street").status_code == 200
    from chuangcheng.evaluation.models import Survey
    from chuangcheng.evaluation.surveys import survey_rates

    rates = survey_rates(Survey.objects.get())
    assert rates["all"]["responses"] == 420 and len(rates["rows"]) == 12
    assert all(0.5 < c["rate"] <= 1 for c in rates["all"]["cells"])


def test_every_figure_of_the_scores_page_opens_its_problems(ev: dict[str, Any]) -> None:
    """测评得分 → the problems behind a figure: the month's, of that unit, street, district or
    site type; struck off, on time, rebound; scoped as the problem list always is."""
    hotel = ev["hotel"]
    other = (
        Site.objects.filter(street__code="150102001")
        .exclude(unit=hotel.unit)
        .exclude(site_type=hotel.site_type)
        .first()
    )
    assert other is not None
    cases = {}
    for site in (hotel, other):
        inspection = plan_for(site, announced=True)
        answer_all(inspection, fails={services.checklist(inspection)[0].code})
        services.inspection_submit(actor=actor("ev_cpy"), inspection_id=inspection.pk)
        cases[site.pk] = Problem.objects.get(inspection=inspection).case
    mine, theirs = cases[hotel.pk].number, cases[other.pk].number
    month = f"{timezone.localdate():%Y-%m}"
    client = login("ev_ld")
    for level, param, value in (
        ("unit", "site_unit", hotel.unit_id),
        ("street", "street", hotel.street_id),
        ("district", "district", hotel.street.parent_id),
        ("site_type", "site_type", hotel.site_type_id),
    ):
        page = client.get(f"/evaluation/scores/?month={month}&level={level}").content.decode()
        link = f"/evaluation/problems/?status=all&amp;period={month}&amp;{param}={value}"
        assert link in page, level
        listed = client.get(link.replace("&amp;", "&")).content.decode()
        assert mine in listed and theirs not in listed, level
    # the rectification table: a unit's struck-off problems
    sw = Unit.objects.get(code="D-SW")
    case = cases[hotel.pk]
    case_transition(
        case_id=case.pk,
        action="assign",
        actor=actor("ev_ccb"),
        data={"unit": sw.pk, "severity": "minor"},
    )
    case_transition(case_id=case.pk, action="report", actor=actor("ev_sw"), data={"note": "已整改"}, attachments=[(png(), "after")])  # fmt: skip
    case_transition(case_id=case.pk, action="review_pass", actor=actor("ev_cpy"), data={})
    page = client.get(f"/evaluation/scores/?month={month}").content.decode()
    closed = f"/evaluation/problems/?status=all&amp;period={month}&amp;unit={sw.pk}&amp;flag=closed"
    assert closed in page
    listed = client.get(closed.replace("&amp;", "&")).content.decode()
    assert mine in listed and "已销号" in listed
    rebound = client.get(f"/evaluation/problems/?status=all&period={month}&flag=rebound")
    assert mine not in rebound.content.decode()
    # scoped: 商务局 following the other unit's link sees nothing of it
    other_link = f"/evaluation/problems/?status=all&period={month}&site_unit={other.unit_id}"
    assert theirs not in login("ev_sw").get(other_link).content.decode()
    assert client.get("/evaluation/problems/?flag=bogus").status_code == 400
    assert client.get("/evaluation/problems/?period=2026-13").status_code == 400
    assert client.get("/evaluation/problems/?street=abc").status_code == 400

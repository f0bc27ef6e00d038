"""问卷调查: built by 创城办 (a broken line named), spread by link and QR code, one answer per
person (also when sent twice at once), who is counted, the rates with their 95 % intervals, an
export with no identity, and who may see what."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from openpyxl import load_workbook

from chuangcheng.evaluation import surveys
from chuangcheng.evaluation.models import Ballot, Survey, SurveyResponse
from chuangcheng.evaluation.views.surveys import EXAMPLE
from chuangcheng.org.models import Region
from tests.test_evaluation_loop import ev, login  # noqa: F401  (fixture)


def make_survey(status: str = "open") -> Survey:
    survey = surveys.survey_create(
        title="创城知晓率调查", intro="", min_age=18, max_age=65, min_months=6, questions=EXAMPLE
    )
    Survey.objects.filter(pk=survey.pk).update(status=status)
    survey.refresh_from_db()
    return survey


def resident(n: int) -> Client:
    user, _ = get_user_model().objects.get_or_create(username=f"res{n}")
    client = Client()
    client.force_login(user)
    return client


def answer(client: Client, survey: Survey, street: Region, age: int = 40, **extra: Any) -> Any:
    q = list(survey.questions.all())
    body = {
        "street": street.pk,
        "age": age,
        "months": 24,
        f"q{q[0].pk}": "0",  # 知道
        f"q{q[1].pk}": "0",  # 支持
        f"q{q[2].pk}": "4",  # 满意 (4 of 5)
        f"q{q[3].pk}": ["0", "2"],
        f"q{q[4].pk}": "多设垃圾桶",
        **extra,
    }
    return client.post(f"/s/{survey.token}/", body)


def test_the_office_builds_a_survey_and_a_broken_line_is_named(ev: dict[str, Any]) -> None:  # noqa: F811
    office = login("ev_ccb")
    resp = office.post(
        "/evaluation/surveys/",
        {"title": "x", "min_age": 18, "max_age": 65, "min_months": 6,
         "questions": "单选 | 知道吗 | 知道/不知道 | 知晓 | 知道\n判断 | 对吗 | 对/错"},
    )  # fmt: skip
    assert (
        resp.status_code == 400
        and "第 2 行：题型“判断”应为单选、多选、量表或填空" in resp.content.decode()
    )
    assert not Survey.objects.exists()
    resp = office.post(
        "/evaluation/surveys/",
        {"title": "创城调查", "min_age": 18, "max_age": 65, "min_months": 6, "questions": EXAMPLE},
    )
    survey = Survey.objects.get()
    assert resp.status_code == 302 and survey.status == "draft"
    assert [q.kind for q in survey.questions.all()] == [
        "single",
        "single",
        "scale",
        "multi",
        "text",
    ]
    assert survey.questions.all()[1].positive == [0]
    # a draft is not reachable by its link
    assert resident(1).get(f"/s/{survey.token}/").status_code == 404
    office.post(f"/evaluation/surveys/{survey.pk}/status/", {"status": "open"})
    page = office.get(f"/evaluation/surveys/{survey.pk}/").content.decode()
    assert f"/s/{survey.token}/" in page and "<svg" in page  # the link and its QR code


@pytest.mark.parametrize("who", ["ev_cpy", "ev_sw", "ev_zsxl", "dispatcher", "citizen"])
def test_only_the_office_and_leaders_see_results(ev: dict[str, Any], who: str) -> None:  # noqa: F811
    survey = make_survey()
    client = login(who)
    for url in ("/evaluation/surveys/", f"/evaluation/surveys/{survey.pk}/", f"/evaluation/surveys/{survey.pk}.xlsx"):  # fmt: skip
        assert client.get(url).status_code == 403, (who, url)
    assert client.post(f"/evaluation/surveys/{survey.pk}/status/", {"status": "closed"}).status_code == 403  # fmt: skip
    assert Survey.objects.get(pk=survey.pk).status == "open"
    assert login("ev_ld").get(f"/evaluation/surveys/{survey.pk}/").status_code == 200
    assert login("ev_ld").post(f"/evaluation/surveys/{survey.pk}/status/", {"status": "closed"}).status_code == 403  # fmt: skip


def test_one_answer_per_person_and_who_is_counted(ev: dict[str, Any]) -> None:  # noqa: F811
    survey = make_survey()
    street = Region.objects.get(code="150103004")
    assert Client().get(f"/s/{survey.token}/").status_code == 302  # sign in first
    first = resident(1)
    assert "谢谢" in answer(first, survey, street).content.decode()
    again = answer(first, survey, street)
    assert "已经填写过" in again.content.decode()
    assert SurveyResponse.objects.count() == 1 and Ballot.objects.count() == 1
    young = answer(resident(2), survey, street, age=16)  # outside 18–65: received, not counted
    assert "不计入统计" in young.content.decode()
    assert SurveyResponse.objects.count() == 1 and Ballot.objects.count() == 2
    bad = answer(resident(3), survey, street, age="abc")
    assert bad.status_code == 400 and "请填写年龄" in bad.content.decode()
    q = list(survey.questions.all())
    bad = answer(resident(3), survey, street, **{f"q{q[0].pk}": "9"})
    assert bad.status_code == 400 and "选项无效" in bad.content.decode()
    assert SurveyResponse.objects.count() == 1
    # no identity in the answer: nothing links a response to a user
    fields = {f.name for f in SurveyResponse._meta.get_fields()}
    assert not fields & {"user", "voter", "created_by", "citizen_user"}


@pytest.mark.django_db(transaction=True)
def test_an_answer_sent_twice_at_once_counts_once(ev: dict[str, Any]) -> None:  # noqa: F811
    survey = make_survey()
    street = Region.objects.get(code="150103004")
    user = get_user_model().objects.create(username="twice")
    barrier = threading.Barrier(5)
    out: list[Any] = []

    def go() -> None:
        client = Client()
        client.force_login(user)
        barrier.wait()
        out.append(answer(client, survey, street).status_code)
        connection.close()

    threads = [threading.Thread(target=go) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert SurveyResponse.objects.count() == 1 and Ballot.objects.count() == 1
    assert sorted(out).count(200) >= 1


def test_rates_per_street_with_intervals_and_the_export(ev: dict[str, Any]) -> None:  # noqa: F811
    survey = make_survey()
    a = Region.objects.get(code="150103004")
    b = Region.objects.get(code="150105001")
    q = list(survey.questions.all())
    for n in range(10):  # street a: 8 of 10 know, all support, 6 of 10 satisfied (4–5)
        answer(resident(100 + n), survey, a, **{
            f"q{q[0].pk}": "0" if n < 8 else "1",
            f"q{q[2].pk}": "5" if n < 6 else "2",
        })  # fmt: skip
    for n in range(4):  # street b: 1 of 4 knows
        answer(resident(200 + n), survey, b, **{f"q{q[0].pk}": "0" if n == 0 else "1"})
    rates = surveys.survey_rates(survey)
    assert [code for code, _ in rates["indicators"]] == ["awareness", "support", "satisfaction"]
    rows = {r["street"]: r for r in rates["rows"]}
    know_a, support_a, satisfied_a = rows["中山西路街道"]["cells"]
    assert (know_a["rate"], know_a["n"]) == (0.8, 10)
    assert support_a["rate"] == 1.0 and satisfied_a["rate"] == 0.6
    low, high = know_a["ci"]
    assert low == pytest.approx(0.4902, abs=1e-3) and high == pytest.approx(0.9433, abs=1e-3)
    assert rows["人民路街道"]["cells"][0]["rate"] == 0.25
    everyone = rates["all"]
    assert everyone["responses"] == 14 and everyone["cells"][0]["rate"] == pytest.approx(9 / 14)
    page = login("ev_ld").get(f"/evaluation/surveys/{survey.pk}/").content.decode()
    assert "80.00%" in page and "n=10" in page
    ws = load_workbook(io.BytesIO(login("ev_ccb").get(f"/evaluation/surveys/{survey.pk}.xlsx").content)).active  # fmt: skip
    assert ws is not None
    rows_x = list(ws.iter_rows(values_only=True))
    assert rows_x[0][:5] == ("序号", "所在街道", "年龄", "居住月数", "提交日期")
    assert len(rows_x) == 15
    assert sum(1 for r in rows_x[1:] if r[5] == "知道") == 9
    assert all(r[8] == "志愿服务、文明交通劝导" for r in rows_x[1:])
    assert not any("res" in str(v) for row in rows_x for v in row)

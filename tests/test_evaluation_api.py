"""创城测评 through /api/v1/: who may read sites, the standard and visits (scoped like the
pages), the phone's answers and submission, and problems as cases of the engine."""

from __future__ import annotations

from typing import Any

import pytest

from chuangcheng.evaluation import services
from chuangcheng.evaluation.models import Answer, Site
from chuangcheng.org.models import Unit
from tests.test_evaluation_loop import ev, plan_for, png  # noqa: F401  (fixture)

READS = [
    "/api/v1/evaluation/sites",
    "/api/v1/evaluation/standard",
    "/api/v1/evaluation/inspections",
]


@pytest.mark.parametrize("who", ["citizen", "dispatcher", "handler_cg", "leader"])
def test_other_loops_and_the_public_are_refused(ev: dict[str, Any], api: Any, who: str) -> None:  # noqa: F811
    client = api(who)
    for url in READS:
        resp = client.get(url)
        assert resp.status_code == 403, (who, url)
        assert resp.json()["detail"] == "您的角色无权使用创城测评。"


def test_anonymous_gets_401(ev: dict[str, Any], api: Any) -> None:  # noqa: F811
    for url in READS:
        assert api(None).get(url).status_code == 401


def test_sites_are_scoped_per_person(ev: dict[str, Any], api: Any) -> None:  # noqa: F811
    assert api("ev_ccb").get("/api/v1/evaluation/sites").json()["count"] == 372
    mine = api("ev_sw").get("/api/v1/evaluation/sites?page_size=200").json()
    assert mine["count"] == 60  # 12 streets × (2 hotels + 2 supermarkets + 1 commercial street)
    assert {r["site_type"] for r in mine["results"]} == {"宾馆酒店", "商场超市", "商业大街"}
    assert api("ev_sw").get("/api/v1/evaluation/sites?type=x").status_code == 400


def test_the_standard_by_edition(ev: dict[str, Any], api: Any) -> None:  # noqa: F811
    body = api("ev_sw").get("/api/v1/evaluation/standard").json()
    assert body["code"] == "2026" and len(body["items"]) == 21
    assert body["items"][0]["methods"] == ["field"] and body["items"][0]["min_count"] == 5
    assert api("ev_sw").get("/api/v1/evaluation/standard?edition=1999").status_code == 404


def test_the_phone_answers_and_submits_and_the_unit_rectifies(ev: dict[str, Any], api: Any) -> None:  # noqa: F811
    inspection = plan_for(ev["hotel"], announced=False)
    # an unannounced visit: not in the unit's list, in the evaluator's
    assert api("ev_sw").get("/api/v1/evaluation/inspections").json()["count"] == 0
    assert api("ev_cpy").get("/api/v1/evaluation/inspections").json()["count"] == 2  # both hotels
    phone = api("ev_cpy")
    url = f"/api/v1/evaluation/inspections/{inspection.pk}/answers"
    for item in services.checklist(inspection):
        body: dict[str, Any] = {"item": item.pk, "result": "pass", "client_key": f"p{item.pk}"}
        if item.code == "4.2.1":
            body.update(result="fail", photo=png(), note="大堂有人吸烟")
        resp = phone.post(url, body, format="multipart")
        assert resp.status_code == 201, resp.content
    again = phone.post(url, {"item": item.pk, "result": "fail", "client_key": f"p{item.pk}", "photo": png()}, format="multipart")  # fmt: skip
    assert again.status_code == 200 and again.json()["created"] is False
    assert Answer.objects.count() == 3
    bad = phone.post(url, {"item": item.pk, "result": "fail", "client_key": "zz"}, format="json")
    assert bad.status_code == 400 and bad.json()["detail"] == "不合格的条目必须拍照。"
    assert (
        api("ev_sw").post(f"/api/v1/evaluation/inspections/{inspection.pk}/submit").status_code
        == 404
    )
    done = phone.post(f"/api/v1/evaluation/inspections/{inspection.pk}/submit")
    assert done.status_code == 200
    assert done.json()["problems"] == 1 and done.json()["score_rate"] == pytest.approx(4 / 6)
    # the problem is a case of the engine: the 创城办 交办s it, the unit sees and acts on it
    office = api("ev_ccb")
    cases = office.get("/api/v1/cases?kind=rectify").json()["results"]
    assert len(cases) == 1
    case_id = cases[0]["id"]
    assert api("dispatcher").get(f"/api/v1/cases/{case_id}").status_code == 404
    sw = Unit.objects.get(code="D-SW")
    resp = office.post(f"/api/v1/cases/{case_id}/actions/assign", {"unit": sw.pk, "severity": "minor"}, format="json")  # fmt: skip
    assert resp.status_code == 200, resp.content
    unit = api("ev_sw")
    assert [c["id"] for c in unit.get("/api/v1/cases?kind=rectify").json()["results"]] == [case_id]
    assert api("ev_zsxl").get("/api/v1/cases?kind=rectify").json()["results"] == []
    resp = unit.post(f"/api/v1/cases/{case_id}/actions/report", {"note": "已张贴禁烟标识并劝导"}, format="json")  # fmt: skip
    assert resp.status_code == 200 and resp.json()["status"] == "reviewing"
    assert Site.objects.filter(pk=ev["hotel"].pk).exists()

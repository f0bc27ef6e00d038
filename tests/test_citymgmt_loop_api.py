"""The 数字城管 loop over the API: POST /api/v1/citymgmt/reports (the phone), its cases through
the generic /api/v1/cases endpoints (`kind` filter, the loop's own fields under `loop`), and the
permission matrix: anonymous, a citizen, a 12345 role (wrong loop), another street's inspector,
another department, the centre. A refused request changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from chuangcheng.cases.models import Case, CaseEvent
from chuangcheng.citymgmt.models import CityCase
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.org.models import Unit
from tests.conftest import user
from tests.test_citymgmt_loop import GARBAGE, loop, png, report  # noqa: F401  (fixture)


@pytest.fixture
def logins(loop: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    for name in ("cm_insp", "cm_insp_x", "cm_op", "cm_sh", "cm_dp", "cm_hw", "cm_yl"):
        u = user(name)
        u.set_password(DEMO_PASSWORD)
        u.save()
    return loop


def form(loop: dict[str, Any], key: str = "api-key-00001") -> dict[str, Any]:  # noqa: F811
    grid = loop["grid"]
    return {
        "subclass": GARBAGE,
        "lat": str(grid.center_lat),
        "lng": str(grid.center_lng),
        "client_key": key,
        "description": "垃圾成堆",
        "near": png("near.png"),
        "far": png("far.png"),
    }


# who, expected status of the report — written out here
REPORT_MATRIX = [
    (None, 401),
    ("citizen", 403),
    ("dispatcher", 403),  # a 12345 dispatcher: wrong loop
    ("cm_op", 403),  # a 受理员 registers public reports, he does not file an inspector's
    ("cm_insp", 201),
]


@pytest.mark.parametrize(("who", "expected"), REPORT_MATRIX)
def test_who_may_report(logins: dict[str, Any], api: Any, who: str | None, expected: int) -> None:
    resp = api(who).post("/api/v1/citymgmt/reports", form(logins), format="multipart")
    assert resp.status_code == expected, resp.content
    assert Case.objects.filter(kind="citymgmt").count() == (1 if expected == 201 else 0)


def test_a_resend_over_the_api_returns_the_first_case(logins: dict[str, Any], api: Any) -> None:
    client = api("cm_insp")
    first = client.post("/api/v1/citymgmt/reports", form(logins), format="multipart")
    again = client.post("/api/v1/citymgmt/reports", form(logins), format="multipart")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert again.json()["created"] is False
    body = first.json()
    assert body["number"].startswith("CG") and body["loop"]["subclass"] == GARBAGE
    assert Case.objects.filter(kind="citymgmt").count() == 1


def test_bad_report_over_the_api_is_a_chinese_400(logins: dict[str, Any], api: Any) -> None:
    data = form(logins)
    data["lat"], data["lng"] = "1.0", "1.0"
    resp = api("cm_insp").post("/api/v1/citymgmt/reports", data, format="multipart")
    assert resp.status_code == 400
    assert "不在任何单元网格内" in resp.json()["detail"]
    assert not Case.objects.filter(kind="citymgmt").exists()


# who, how many city cases the list shows, detail status — written out here
LIST_MATRIX = [
    ("dispatcher", 0, 404),  # 12345: wrong loop
    ("cm_insp_x", 0, 404),  # another street's inspector
    ("cm_yl", 0, 404),  # a department it was not dispatched to
    ("cm_insp", 1, 200),  # who reported it
    ("cm_sh", 1, 200),  # the centre
]


@pytest.mark.parametrize(("who", "count", "detail"), LIST_MATRIX)
def test_the_generic_case_endpoints_show_the_loop(
    logins: dict[str, Any], api: Any, who: str, count: int, detail: int
) -> None:
    case, _ = report(logins)
    client = api(who)
    resp = client.get("/api/v1/cases?kind=citymgmt")
    assert resp.status_code == 200, resp.content
    assert len(resp.json()["results"]) == count
    resp = client.get(f"/api/v1/cases/{case.pk}")
    assert resp.status_code == detail
    if detail == 200:
        loop_fields = resp.json()["loop"]
        assert (loop_fields["subclass"], loop_fields["source"]) == (GARBAGE, "inspector")


def test_list_refuses_an_unknown_kind_or_state(logins: dict[str, Any], api: Any) -> None:
    client = api("cm_sh")
    assert client.get("/api/v1/cases?kind=nothing").status_code == 400
    resp = client.get("/api/v1/cases?kind=citymgmt&status=received")  # a 12345 state
    assert resp.status_code == 400 and "未知的状态" in resp.json()["detail"]
    assert client.get("/api/v1/cases?kind=citymgmt&status=filing").status_code == 200
    assert api(None).get("/api/v1/cases?kind=citymgmt").status_code == 401


def test_actions_over_the_api_and_a_refusal_changes_nothing(
    logins: dict[str, Any], api: Any
) -> None:
    case, _ = report(logins)
    hw = Unit.objects.get(code="D-HW").pk
    assert api("cm_sh").post(f"/api/v1/cases/{case.pk}/actions/file_case").status_code == 200
    # the inspector may not 派遣
    resp = api("cm_insp").post(
        f"/api/v1/cases/{case.pk}/actions/dispatch", {"unit": hw}, format="json"
    )
    assert resp.status_code == 403
    events = CaseEvent.objects.filter(case=case).count()
    assert Case.objects.get(pk=case.pk).status == "dispatching"
    resp = api("cm_dp").post(
        f"/api/v1/cases/{case.pk}/actions/dispatch", {"unit": 999999}, format="json"
    )
    assert resp.status_code == 400 and "处置部门不存在" in resp.json()["detail"]
    assert CaseEvent.objects.filter(case=case).count() == events
    resp = api("cm_dp").post(
        f"/api/v1/cases/{case.pk}/actions/dispatch", {"unit": hw}, format="json"
    )
    assert resp.status_code == 200
    assert resp.json()["status"] == "handling" and resp.json()["loop"]["rework_count"] == 0
    resp = api("cm_hw").post(
        f"/api/v1/cases/{case.pk}/actions/feedback",
        {"before": png("b.png"), "after": png("a.png")},
        format="multipart",
    )
    assert resp.status_code == 200 and resp.json()["status"] == "checking"
    assert CityCase.objects.get(case=case).rework_count == 0


def test_schema_lists_the_coded_values(logins: dict[str, Any], api: Any) -> None:
    schema = api("cm_sh").get("/api/schema/?format=json").json()
    out = schema["components"]["schemas"]
    text = str(out)
    for value in ("normal", "overdue", "error", "special", "not_exists", "inspector", "citymgmt"):
        assert value in text, value
    assert "/api/v1/citymgmt/reports" in schema["paths"]


@pytest.mark.parametrize(
    ("who", "source", "expected"),
    [
        (None, "public", 401),
        ("cm_insp", "public", 403),  # an inspector reports through /reports
        ("dispatcher", "public", 403),  # 12345: wrong loop
        ("cm_op", "inspector", 400),  # an inspector's report is not registered by the desk
        ("cm_op", "public", 201),
    ],
)
def test_intake_of_public_reports(
    logins: dict[str, Any], api: Any, who: str | None, source: str, expected: int
) -> None:
    data = form(logins)
    data["source"] = source
    resp = api(who).post("/api/v1/citymgmt/intake", data, format="multipart")
    assert resp.status_code == expected, resp.content
    made = Case.objects.filter(kind="citymgmt")
    if expected == 201:
        body = resp.json()
        assert body["status"] == "filing" and body["loop"]["source"] == "public"
        assert made.count() == 1
    else:
        assert not made.exists()


def test_the_list_finds_a_case_by_its_number_or_words_of_its_title(
    logins: dict[str, Any], api: Any
) -> None:
    first, _ = report(logins, key="search-key-0001")
    second, _ = report(logins, key="search-key-0002")
    Case.objects.filter(pk=second.pk).update(title="Road Sign 暴露垃圾")
    client = api("cm_sh")

    def found(q: str, who: Any = client) -> list[int]:
        resp = who.get("/api/v1/cases", {"kind": "citymgmt", "q": q})
        assert resp.status_code == 200, resp.content
        return [r["id"] for r in resp.json()["results"]]

    assert found(first.number) == [first.pk]  # the number, exactly
    assert found(f"  {second.number} ") == [second.pk]  # spaces around a pasted number
    assert found(first.number[:-1] + "9") == []  # another number: nothing
    assert found("road sign") == [second.pk]  # words of the title, in any case
    assert sorted(found("暴露垃圾")) == sorted([first.pk, second.pk])
    # a person who may not see the case does not find it by its number either
    assert found(first.number, api("cm_insp_x")) == []

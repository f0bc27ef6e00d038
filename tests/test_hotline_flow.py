"""The 12345 loop end to end through the API: every step, as the people who do them."""

from __future__ import annotations

from typing import Any

from chuangcheng.cases.models import Case, CaseEvent
from chuangcheng.cases.selectors import verify_chain
from tests.conftest import INTAKE


def act(client: Any, case_id: int, action: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/v1/cases/{case_id}/actions/{action}", data or {}, format="json")


def test_seven_steps(city: Any, api: Any) -> None:
    operator, dispatcher = api("operator"), api("dispatcher")
    handler, callback = api("handler_zsxl"), api("callback")
    resp = operator.post("/api/v1/cases", INTAKE, format="json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    case_id, number = body["id"], body["number"]
    assert len(number) == 14 and number.isdigit()
    assert body["status"] == "received"

    detail = dispatcher.get(f"/api/v1/cases/{case_id}").json()
    assert detail["citizen"]["phone"] == "138****1234"
    assert detail["street"] == "中山西路街道"
    assert {a["name"] for a in detail["allowed_actions"]} >= {"review", "merge"}

    assert act(dispatcher, case_id, "review", {"category": "060103"}).status_code == 200
    zsxl = city.units["S-150103004"]
    resp = act(
        dispatcher, case_id, "dispatch", {"lead_unit": zsxl.pk, "co_units": [city.units["D-CG"].pk]}
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["deadlines"]["finish_due"] is not None

    assert act(handler, case_id, "accept").status_code == 200
    assert act(handler, case_id, "contact", {"note": "已电话联系王先生"}).status_code == 200
    resp = act(handler, case_id, "feedback", {"result": "已联合城管清理摊贩，设置禁停标识。"})
    assert resp.status_code == 200, resp.content
    assert act(dispatcher, case_id, "approve_feedback").status_code == 200
    resp = act(
        callback,
        case_id,
        "callback",
        {"contacted": "true", "resolution": "resolved", "satisfaction": "satisfied"},
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "closed"

    case = Case.objects.get(pk=case_id)
    assert (
        case.closed_at is not None
        and case.hotline.sign_at
        and case.hotline.respond_at
        and case.hotline.finish_at
    )
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == [
        "open",
        "review",
        "dispatch",
        "accept",
        "contact",
        "feedback",
        "approve_feedback",
        "callback",
    ]
    assert verify_chain(case)


def test_wrong_state_is_409_and_changes_nothing(city: Any, api: Any) -> None:
    operator, handler = api("operator"), api("dispatcher")
    case_id = operator.post("/api/v1/cases", INTAKE, format="json").json()["id"]
    resp = act(handler, case_id, "approve_feedback")
    assert resp.status_code == 409
    assert "当前状态" in resp.json()["detail"]
    assert CaseEvent.objects.filter(case_id=case_id).count() == 1

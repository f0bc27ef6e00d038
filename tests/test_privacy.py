"""The caller's personal data: masked everywhere, revealed only to roles that must call them
back and only with an audit row; 保密 callers stay anonymous to the handling unit; tracking an
order without login needs its number and the phone given."""

from __future__ import annotations

import pytest

from chuangcheng.cases.models import Case, ContactReveal
from chuangcheng.core.privacy import mask_name, mask_phone
from chuangcheng.demo.city import DemoCity
from chuangcheng.hotline.selectors import track_case
from tests.conftest import INTAKE, actor
from tests.test_engine import _fast_password_hashing, client_for, drive, new_case

__all__ = ["_fast_password_hashing"]

PHONE = INTAKE["citizen_phone"]  # 13812341234
NAME = INTAKE["citizen_name"]  # 王先生
ROLES = [
    "operator",
    "dispatcher",
    "handler_zsxl",
    "callback",
    "supervisor",
    "leader",
    "citizen",
    "admin",
]


def test_masking_rules() -> None:
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("138-1234-1234") == "138****1234"
    assert mask_phone("0471-6612345") == "047****2345"
    assert mask_phone("6612345") == "6****45"
    assert mask_phone("") == ""
    assert mask_name("王先生") == "王**"
    assert mask_name("王") == "王*"


@pytest.fixture
def order(city: DemoCity) -> Case:
    """An order by the citizen, dispatched to 中山西路街道: every role below can see it."""
    return drive(city, new_case(by="citizen"), "handling")


@pytest.mark.parametrize("who", ROLES)
def test_phone_is_masked_for_every_role(order: Case, who: str) -> None:
    client = client_for(who)
    outputs = [
        client.get(f"/api/v1/cases/{order.pk}"),
        client.get("/api/v1/cases"),
        client.get(f"/api/v1/cases?q={order.number}"),
        client.get(f"/api/v1/callers?phone={PHONE}"),
    ]
    detail = outputs[0].json()
    assert detail["citizen"]["phone"] == "138****1234"
    assert detail["citizen"]["name"] == "王**"
    for resp in outputs:
        if resp.status_code == 403:  # caller history is not for leaders and citizens
            assert who in ("leader", "citizen")
            continue
        assert resp.status_code == 200
        text = resp.content.decode()
        assert PHONE not in text and NAME not in text, (who, resp.request["PATH_INFO"])
    assert ContactReveal.objects.count() == 0


@pytest.mark.parametrize("who", ["operator", "dispatcher", "callback", "handler_zsxl"])
def test_full_phone_only_via_contact_and_each_view_is_logged(order: Case, who: str) -> None:
    client = client_for(who)
    for n, reason in enumerate(["回访核实", "二次联系"], start=1):
        resp = client.post(f"/api/v1/cases/{order.pk}/contact", {"reason": reason}, format="json")
        assert resp.status_code == 200
        assert resp.json() == {"name": NAME, "phone": PHONE, "confidential": False}
        assert ContactReveal.objects.filter(case=order).count() == n
    rows = list(ContactReveal.objects.filter(case=order).order_by("at", "pk"))
    assert [r.reason for r in rows] == ["回访核实", "二次联系"]
    assert {r.user_id for r in rows} == {actor(who).user_id}
    assert all(r.at is not None for r in rows)


@pytest.mark.parametrize("who", ["supervisor", "leader", "citizen"])
def test_others_never_get_the_full_phone(order: Case, who: str) -> None:
    resp = client_for(who).post(f"/api/v1/cases/{order.pk}/contact", {}, format="json")
    assert resp.status_code == 403 and "无权" in resp.json()["detail"]
    assert PHONE not in resp.content.decode()
    assert ContactReveal.objects.count() == 0


@pytest.fixture
def secret(city: DemoCity) -> Case:
    return drive(city, new_case(confidential=True), "handling")


def test_confidential_caller_is_baomi_to_handlers(secret: Case) -> None:
    handler = client_for("handler_zsxl").get(f"/api/v1/cases/{secret.pk}").json()
    assert handler["citizen"] == {"name": "保密", "phone": "138****1234", "confidential": True}
    centre = client_for("dispatcher").get(f"/api/v1/cases/{secret.pk}").json()
    assert centre["citizen"]["name"] == "王**" and centre["citizen"]["confidential"] is True


def test_confidential_caller_stays_baomi_when_a_handler_reveals_the_phone(secret: Case) -> None:
    resp = client_for("handler_zsxl").post(f"/api/v1/cases/{secret.pk}/contact", {}, format="json")
    assert resp.status_code == 200
    assert resp.json() == {"name": "保密", "phone": PHONE, "confidential": True}
    assert NAME not in resp.content.decode()
    assert ContactReveal.objects.filter(case=secret).count() == 1
    # the centre, which the caller trusted with their identity, still sees it
    resp = client_for("callback").post(f"/api/v1/cases/{secret.pk}/contact", {}, format="json")
    assert resp.json()["name"] == NAME
    # and nothing was overwritten
    assert Case.objects.get(pk=secret.pk).contact.name == NAME


def test_anonymous_caller(city: DemoCity) -> None:
    case = new_case(anonymous=True, citizen_name="", citizen_phone="")
    detail = client_for("dispatcher").get(f"/api/v1/cases/{case.pk}").json()
    assert detail["citizen"] == {"name": "匿名", "phone": "", "confidential": True}


def test_track_needs_the_right_number_and_phone(city: DemoCity) -> None:
    case = new_case()
    other = new_case(citizen_phone="13900001111")
    assert track_case(case.number, PHONE) == case
    assert track_case(case.number, "138 1234-1234") == case  # as people type it
    assert track_case(case.number, "13900001111") is None  # someone else's phone
    assert track_case(other.number, PHONE) is None
    assert track_case(case.number, "") is None
    assert track_case("", PHONE) is None
    assert track_case(case.number[:-1], PHONE) is None


def test_track_page(city: DemoCity) -> None:
    from django.test import Client

    case = new_case()
    page = Client()
    ok = page.get("/m/track/", {"number": case.number, "phone": PHONE})
    assert ok.status_code == 200
    assert case.number in ok.content.decode()
    assert NAME not in ok.content.decode()
    wrong = page.get("/m/track/", {"number": case.number, "phone": "13900001111"})
    assert wrong.status_code == 404
    assert case.title not in wrong.content.decode()

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
    if who == "citizen":  # their own view, as on the phone: no contact block at all
        assert "citizen" not in detail
    else:
        assert detail["citizen"]["phone"] == "138****1234"
        assert detail["citizen"]["name"] == "王**"
    for resp in outputs:
        if resp.status_code == 403:  # caller history is for the 受理 and 派单 desks only
            assert who not in ("operator", "dispatcher", "admin")
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
    ok = page.post("/m/track/", {"number": case.number, "phone": PHONE})
    assert ok.status_code == 200
    assert case.number in ok.content.decode()
    assert NAME not in ok.content.decode()
    wrong = page.post("/m/track/", {"number": case.number, "phone": "13900001111"})
    assert wrong.status_code == 404
    assert case.title not in wrong.content.decode()


# ---------------------------------------------------------------- a citizen's API (item 4)
def _closed_with_internal_notes(city: DemoCity) -> Case:
    from chuangcheng.cases.services import case_transition

    case = new_case(by="citizen")
    d, h, cb = actor("dispatcher"), actor("handler_zsxl"), actor("callback")
    case_transition(case_id=case.pk, action="review", actor=d, data={"note": "内部复核意见"})
    case_transition(
        case_id=case.pk,
        action="dispatch",
        actor=d,
        data={"lead_unit": city.units["S-150103004"].pk, "note": "内部派单意见"},
    )
    case_transition(case_id=case.pk, action="accept", actor=h)
    case_transition(case_id=case.pk, action="contact", actor=h, data={"note": "内部备注：电话沟通"})
    case_transition(case_id=case.pk, action="feedback", actor=h, data={"result": "已更换楼道灯。"})
    case_transition(case_id=case.pk, action="approve_feedback", actor=d)
    case_transition(
        case_id=case.pk,
        action="callback",
        actor=cb,
        data={
            "contacted": "true",
            "resolution": "resolved",
            "satisfaction": "satisfied",
            "comment": "内部回访记录",
        },
    )
    return Case.objects.get(pk=case.pk)


def test_citizen_api_shows_what_the_phone_pages_show(city: DemoCity) -> None:
    from django.test import Client

    case = _closed_with_internal_notes(city)
    resp = client_for("citizen").get(f"/api/v1/cases/{case.pk}")
    assert resp.status_code == 200
    body = resp.content.decode()
    for hidden in (
        "handler_zsxl",
        "dispatcher",
        "callback",
        "内部复核意见",
        "内部派单意见",
        "内部备注",
        "内部回访记录",
        "受理员 王芳",
    ):
        assert hidden not in body, hidden
    data = resp.json()
    assert "events" not in data and "assignments" not in data and "citizen" not in data
    assert data["result"] == "已更换楼道灯。"
    texts = [s["text"] for s in data["progress"]]
    assert texts == [
        "诉求已受理",
        "诉求已复核",
        "已派至中山西路街道办事处办理",
        "承办单位已签收",
        "承办单位已与您联系",
        "承办单位已反馈办理结果",
        "办理结果已审核，等待回访",
        "已回访，工单已办结",
    ]
    # the same steps as the phone page shows
    page = Client()
    assert page.login(username="citizen", password="cc-demo-2026")
    html = page.get(f"/m/cases/{case.pk}/").content.decode()
    assert all(t in html for t in texts)
    assert [a["name"] for a in data["allowed_actions"]] == ["rate"]
    # rating through the API answers with the same citizen view
    rated = client_for("citizen").post(
        f"/api/v1/cases/{case.pk}/actions/rate", {"rating": 5, "comment": "很满意"}, format="json"
    )
    assert rated.status_code == 200
    assert rated.json()["rating_comment"] == "很满意" and "events" not in rated.json()
    # and the list: no units' ids, categories or supervision marks
    listed = client_for("citizen").get("/api/v1/cases").json()["results"]
    assert [r["id"] for r in listed] == [case.pk]
    assert set(listed[0]) == {
        "id",
        "number",
        "kind",
        "status",
        "status_label",
        "title",
        "appeal_type",
        "created_at",
    }


def test_staff_still_get_the_full_view(city: DemoCity) -> None:
    case = _closed_with_internal_notes(city)
    data = client_for("dispatcher").get(f"/api/v1/cases/{case.pk}").json()
    assert "内部备注：电话沟通" in [e["note"] for e in data["events"]]


# ---------------------------------------------------------------- public tracking (item 6)
def _track(client: object, number: str, phone: str, addr: str = "10.1.1.1") -> object:
    return client.post(  # type: ignore[attr-defined]
        "/m/track/", {"number": number, "phone": phone}, REMOTE_ADDR=addr
    )


def test_tracking_is_posted_never_a_url(city: DemoCity) -> None:
    from django.test import Client

    case = new_case()
    page = Client()
    # the old link with the phone in its query finds nothing and does not echo the phone
    old = page.get("/m/track/", {"number": case.number, "phone": PHONE})
    assert old.status_code == 200
    assert case.title not in old.content.decode() and PHONE not in old.content.decode()
    form = page.get("/m/track/").content.decode()
    assert 'method="post"' in form and 'name="phone"' in form
    ok = _track(page, case.number, PHONE)
    html = ok.content.decode()  # type: ignore[attr-defined]
    assert ok.status_code == 200 and case.title in html  # type: ignore[attr-defined]
    assert PHONE not in html and NAME not in html
    assert "?phone=" not in html and "&phone=" not in html


def test_no_such_order_and_wrong_phone_answer_alike(city: DemoCity) -> None:
    import re

    from django.test import Client

    case = new_case()
    other = new_case(citizen_phone="13900001111")
    wrong_phone = _track(Client(), case.number, "13900001111")
    no_order = _track(Client(), "20990101999999", "13900001111", addr="10.1.1.2")
    assert wrong_phone.status_code == no_order.status_code == 404  # type: ignore[attr-defined]

    def text(resp: object) -> str:
        html = resp.content.decode()  # type: ignore[attr-defined]
        html = re.sub(r"[A-Za-z0-9]{64}", "", html)  # the CSRF tokens of each render
        return re.sub(r'name="number" value="[^"]*"', "", html)

    assert text(wrong_phone) == text(no_order)
    assert case.title not in text(wrong_phone) and other.title not in text(no_order)


def test_sixty_guesses_do_not_reveal_an_order(city: DemoCity) -> None:
    """The attack of the issue: sequential order numbers tried with a known phone."""
    from django.test import Client

    for _ in range(30):
        new_case(citizen_phone="13900003333")
    victim = new_case(title="我家楼下的私事", citizen_phone="13700001111")
    first = int(victim.number) - 30
    attacker = Client()
    answers = [
        _track(attacker, str(first + i), "13700001111").status_code  # type: ignore[attr-defined]
        for i in range(60)
    ]
    assert 200 not in answers
    assert answers.count(429) >= 50
    # the victim still finds their order from their own address
    mine = _track(Client(), victim.number, "13700001111", addr="10.9.9.9")
    assert mine.status_code == 200 and victim.title in mine.content.decode()  # type: ignore[attr-defined]


def test_one_order_number_is_guarded_from_many_addresses(city: DemoCity) -> None:
    from django.test import Client

    case = new_case()
    for i in range(5):
        wrong = _track(Client(), case.number, f"1390000{i:04d}", addr=f"10.2.0.{i}")
        assert wrong.status_code == 404  # type: ignore[attr-defined]
    # the sixth address with the right phone is refused too: the number is locked a while
    late = _track(Client(), case.number, PHONE, addr="10.2.0.99")
    assert late.status_code == 429  # type: ignore[attr-defined]
    assert case.title not in late.content.decode()  # type: ignore[attr-defined]
    assert "过多" in late.content.decode()  # type: ignore[attr-defined]


def test_tracking_counts_are_shared_by_every_process(city: DemoCity) -> None:
    """The counters live in the database (the "shared" cache), not in one process's memory."""
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client

    case = new_case()
    _track(Client(), case.number, "13900001111")
    table = caches["shared"]._table  # type: ignore[attr-defined]
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {table}")
        assert cur.fetchone()[0] >= 2  # per address and per order number

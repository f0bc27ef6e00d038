"""Who may open which 新时代文明实践 page and endpoint: every kind of user, with the expected
status written out (never derived from the code's declarations). A team sees its orders, a 站
its community's, a resident their own; a refused request changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from chuangcheng.cases.models import Case, CaseEvent
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.org.models import Membership, Unit
from chuangcheng.volunteer.models import ServiceOrder, Station, Team
from chuangcheng.volunteer.roles import LEADER, STATION
from chuangcheng.volunteer.seed import build_volunteer_demo

# resident own, resident other (a citizen without an order), 站 own / other, team leader own /
# other team, volunteer, 所, 12345 dispatcher, grid worker, anonymous
PEOPLE = [
    "vol_jm",
    "citizen",
    "vol_zhan",
    "zhan2",
    "vol_dz",
    "dz2",
    "vol_zyz",
    "vol_suo",
    "dispatcher",
    "gridworker",
    None,
]


@pytest.fixture
def world(city: Any) -> dict[str, Any]:
    build_volunteer_demo(DEMO_PASSWORD)
    users = get_user_model().objects
    Membership.objects.create(
        user=users.create(username="zhan2"),
        role=STATION,
        unit=Station.objects.get(name="海亮社区新时代文明实践站").unit,
    )
    Membership.objects.create(
        user=users.create(username="dz2"),
        role=LEADER,
        unit=Team.objects.get(name="中山西路社区邻里守望队").unit,
    )
    Membership.objects.create(
        user=users.create(username="gridworker"),
        role="gd_worker",
        unit=Unit.objects.get(name="仕奇社区居委会"),
    )
    home = Station.objects.get(name="中山西路社区新时代文明实践站")
    by_state = {c.status: c for c in Case.objects.filter(kind="vorder").order_by("pk")}
    return {"home": home, **by_state}


def client(username: str | None) -> Client:
    c = Client()
    if username:
        c.force_login(get_user_model().objects.get(username=username))
    return c


def api(username: str | None) -> APIClient:
    c = APIClient()
    if username:
        c.force_authenticate(get_user_model().objects.get(username=username))
    return c


def check(expected: dict[str | None, int], call: Any) -> None:
    assert set(expected) == set(PEOPLE)
    got = {who: call(who).status_code for who in PEOPLE}
    assert got == expected


def test_the_stations_public_page_is_open_to_everyone(world: Any) -> None:
    url = f"/v/{world['home'].code}/"
    check({p: 200 for p in PEOPLE}, lambda who: client(who).get(url))
    assert client(None).get("/v/nosuchstation/").status_code == 404


def test_ordering_pages(world: Any) -> None:
    code = world["home"].code
    expected = {p: 403 for p in PEOPLE} | {"vol_jm": 200, "citizen": 200, None: 302}
    check(expected, lambda who: client(who).get(f"/v/{code}/order/"))
    check(expected, lambda who: client(who).get("/v/orders/"))


def test_a_residents_order_page_is_theirs_alone(world: Any) -> None:
    url = f"/v/orders/{world['serving'].pk}/"
    expected = {p: 403 for p in PEOPLE} | {"vol_jm": 200, "citizen": 404, None: 302}
    check(expected, lambda who: client(who).get(url))


def test_rating_someone_elses_order_is_refused_and_changes_nothing(world: Any) -> None:
    case = world["rating"]
    events = CaseEvent.objects.filter(case=case).count()
    url = f"/v/orders/{case.pk}/rate/"
    others = [p for p in PEOPLE if p != "vol_jm"]
    expected = {p: 403 for p in others} | {"citizen": 404, None: 302}
    got = {who: client(who).post(url, {"rating": "1"}).status_code for who in others}
    assert got == expected
    case.refresh_from_db()
    assert case.status == "rating" and ServiceOrder.objects.get(pk=case.pk).stars is None
    assert CaseEvent.objects.filter(case=case).count() == events


def test_staff_queues_and_the_volunteers_page(world: Any) -> None:
    queue = {p: 403 for p in PEOPLE} | {
        "vol_zhan": 200,
        "zhan2": 200,
        "vol_suo": 200,
        None: 302,
    }
    check(queue, lambda who: client(who).get("/volunteer/orders/"))
    team = {p: 403 for p in PEOPLE} | {"vol_dz": 200, "dz2": 200, None: 302}
    check(team, lambda who: client(who).get("/volunteer/team/"))
    me = {p: 403 for p in PEOPLE} | {"vol_dz": 200, "dz2": 200, "vol_zyz": 200, None: 302}
    check(me, lambda who: client(who).get("/volunteer/me/"))
    # what the queues list: the 站 its community's, the other 站 none of them, a team its own
    number = world["review"].number
    assert number in client("vol_zhan").get("/volunteer/orders/").content.decode()
    assert number in client("vol_suo").get("/volunteer/orders/").content.decode()
    assert number not in client("zhan2").get("/volunteer/orders/").content.decode()
    serving = world["serving"].number
    assert serving in client("vol_dz").get("/volunteer/team/").content.decode()
    assert serving not in client("dz2").get("/volunteer/team/").content.decode()


def test_the_generic_order_page(world: Any) -> None:
    serving = f"/hotline/cases/{world['serving'].pk}/"
    check(
        {
            "vol_jm": 403,
            "citizen": 403,
            "vol_zhan": 200,
            "zhan2": 404,
            "vol_dz": 200,
            "dz2": 404,
            "vol_zyz": 200,
            "vol_suo": 200,
            "dispatcher": 404,
            "gridworker": 404,
            None: 302,
        },
        lambda who: client(who).get(serving),
    )
    review = f"/hotline/cases/{world['review'].pk}/"
    check(
        {
            "vol_jm": 403,
            "citizen": 403,
            "vol_zhan": 200,
            "zhan2": 404,
            "vol_dz": 404,
            "dz2": 404,
            "vol_zyz": 404,
            "vol_suo": 200,
            "dispatcher": 404,
            "gridworker": 404,
            None: 302,
        },
        lambda who: client(who).get(review),
    )


def test_the_orders_endpoint_lists_each_persons_scope(world: Any) -> None:
    check(
        {
            "vol_jm": 200,
            "citizen": 200,
            "vol_zhan": 200,
            "zhan2": 200,
            "vol_dz": 200,
            "dz2": 200,
            "vol_zyz": 200,
            "vol_suo": 200,
            "dispatcher": 403,
            "gridworker": 403,
            None: 401,
        },
        lambda who: api(who).get("/api/v1/volunteer/orders"),
    )
    counts = {
        who: len(api(who).get("/api/v1/volunteer/orders").json())
        for who in ("vol_jm", "citizen", "vol_zhan", "zhan2", "vol_dz", "dz2", "vol_zyz")
    }
    # 8 demo orders; the team has the dispatched, serving, rating and closed ones; the
    # volunteer the three they were assigned to
    assert counts == {
        "vol_jm": 8,
        "citizen": 0,
        "vol_zhan": 8,
        "zhan2": 0,
        "vol_dz": 4,
        "dz2": 0,
        "vol_zyz": 3,
    }
    bad = api("vol_zhan").get("/api/v1/volunteer/orders?status=nonsense")
    assert bad.status_code == 400 and "没有这个订单状态" in bad.json()["detail"]


def test_only_residents_order_through_the_api_and_a_resend_never_doubles(world: Any) -> None:
    home = world["home"]
    body = {
        "station": home.code,
        "item": home.menu.first().pk,
        "content": "需要上门服务",
        "phone": "13904719999",
        "client_key": "api-1",
    }
    before = Case.objects.filter(kind="vorder").count()
    refused = {
        who: api(who).post("/api/v1/volunteer/orders", body, format="json").status_code
        for who in PEOPLE
        if who not in ("vol_jm", "citizen")
    }
    assert refused == {
        "vol_zhan": 403,
        "zhan2": 403,
        "vol_dz": 403,
        "dz2": 403,
        "vol_zyz": 403,
        "vol_suo": 403,
        "dispatcher": 403,
        "gridworker": 403,
        None: 401,
    }
    assert Case.objects.filter(kind="vorder").count() == before
    first = api("vol_jm").post("/api/v1/volunteer/orders", body, format="json")
    again = api("vol_jm").post("/api/v1/volunteer/orders", body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and first.json()["status"] == "review"
    assert Case.objects.filter(kind="vorder").count() == before + 1
    bad = api("citizen").post("/api/v1/volunteer/orders", {**body, "phone": "x"}, format="json")
    assert bad.status_code == 400 and "请填写正确的联系电话" in bad.json()["detail"]
    no_key = api("citizen").post(
        "/api/v1/volunteer/orders", {**body, "client_key": ""}, format="json"
    )
    assert no_key.status_code == 400 and "缺少客户端编号" in no_key.json()["detail"]


def test_the_case_endpoint_and_its_action_endpoint(world: Any) -> None:
    serving = world["serving"]
    check(
        {
            "vol_jm": 200,
            "citizen": 404,
            "vol_zhan": 200,
            "zhan2": 404,
            "vol_dz": 200,
            "dz2": 404,
            "vol_zyz": 200,
            "vol_suo": 200,
            "dispatcher": 404,
            "gridworker": 404,
            None: 401,
        },
        lambda who: api(who).get(f"/api/v1/cases/{serving.pk}"),
    )
    review = world["review"]
    url = f"/api/v1/cases/{review.pk}/actions/accept"
    refused = {
        who: api(who).post(url, {"note": "x"}, format="json").status_code
        for who in PEOPLE
        if who not in ("vol_zhan", "vol_suo")
    }
    assert refused == {
        "vol_jm": 403,
        "citizen": 404,
        "zhan2": 404,
        "vol_dz": 404,
        "dz2": 404,
        "vol_zyz": 404,
        "dispatcher": 404,
        "gridworker": 404,
        None: 401,
    }
    review.refresh_from_db()
    assert review.status == "review" and CaseEvent.objects.filter(case=review).count() == 1
    ok = api("vol_suo").post(url, {"note": "所审核"}, format="json")
    assert ok.status_code == 200
    review.refresh_from_db()
    assert review.status == "pending"
    take = api("vol_dz").post(
        f"/api/v1/cases/{world['dispatched'].pk}/actions/refuse", {"reason": ""}, format="json"
    )
    assert take.status_code == 400 and "请填写理由" in take.json()["detail"]


def test_the_registration_page(world: Any) -> None:
    expected = {p: 200 for p in PEOPLE} | {"vol_dz": 302, "vol_zyz": 302, None: 302}
    check(expected, lambda who: client(who).get("/volunteer/register/"))

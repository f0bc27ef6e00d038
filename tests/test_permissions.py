"""The permission matrix of the API: every endpoint × anonymous, wrong role, other unit, own
unit, supervisor and citizen. A refused request changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from chuangcheng.api.models import ApiToken
from chuangcheng.cases.models import Case, CaseEvent, ContactReveal
from chuangcheng.cases.services import case_transition
from chuangcheng.cases.workflow import workflow_for
from chuangcheng.demo.city import DEMO_PASSWORD, DemoCity
from tests.conftest import INTAKE, actor
from tests.test_engine import _fast_password_hashing, client_for, drive, new_case

__all__ = ["_fast_password_hashing"]

HOTLINE = workflow_for("hotline")
CENTRE = ["operator", "dispatcher", "callback", "supervisor", "leader", "admin"]
EVERYONE = [*CENTRE, "handler_zsxl", "handler_cg", "handler_other", "citizen"]


def state_of_db() -> dict[str, Any]:
    """Everything a refused request must leave alone."""
    return {
        "cases": list(Case.objects.order_by("pk").values()),
        "events": CaseEvent.objects.count(),
        "reveals": ContactReveal.objects.count(),
    }


def dispatch_to(city: DemoCity, case: Case, lead: str, co: tuple[str, ...] = ()) -> Case:
    case = drive(city, case, "reviewed")
    return case_transition(
        case_id=case.pk,
        action="dispatch",
        actor=actor("dispatcher"),
        data={"lead_unit": city.units[lead].pk, "co_units": [city.units[c].pk for c in co]},
    )


@pytest.fixture
def world(city: DemoCity, make_handler: Any) -> dict[str, Case]:
    make_handler("D-SJ", "handler_other")
    return {
        "zsxl": dispatch_to(city, new_case(), "S-150103004"),  # 中山西路街道 only
        "cg": dispatch_to(city, new_case(), "D-CG"),
        "co": dispatch_to(city, new_case(), "S-150103004", ("D-CG",)),  # 城管局 协办
        "community": dispatch_to(city, new_case(), "Q-150103004001"),  # 海亮社区居委会
        "citizen": new_case(by="citizen"),
        "received": new_case(),
    }


def visible(who: str, w: dict[str, Case]) -> set[int]:
    if who in CENTRE:
        return {c.pk for c in w.values()}
    return {
        c.pk
        for c in {
            "handler_zsxl": [w["zsxl"], w["co"], w["community"]],
            "handler_cg": [w["cg"], w["co"]],
            "handler_other": [],
            "citizen": [w["citizen"]],
        }[who]
    }


# ---------------------------------------------------------------- auth/token
def test_token_endpoint(city: DemoCity) -> None:
    from django.core.cache import cache

    cache.clear()  # the login throttle counts per address
    client = client_for(None)
    resp = client.post(
        "/api/v1/auth/token", {"username": "operator", "password": DEMO_PASSWORD}, format="json"
    )
    assert resp.status_code == 200 and len(resp.json()["token"]) > 30
    resp = client.post(
        "/api/v1/auth/token", {"username": "operator", "password": "wrong"}, format="json"
    )
    assert resp.status_code == 401 and "密码错误" in resp.json()["detail"]
    resp = client.post("/api/v1/auth/token", {"username": "operator"}, format="json")
    assert resp.status_code == 400 and "用户名和密码" in resp.json()["detail"]
    assert resp.json()["errors"] == {"password": ["必填"]}
    get_user_model().objects.filter(username="leader").update(is_active=False)
    resp = client.post(
        "/api/v1/auth/token", {"username": "leader", "password": DEMO_PASSWORD}, format="json"
    )
    assert resp.status_code == 401
    assert ApiToken.objects.count() == 1
    cache.clear()


def test_bad_or_expired_token_is_401(city: DemoCity) -> None:
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION="Bearer nonsense")
    resp = client.get("/api/v1/cases")
    assert resp.status_code == 401 and "令牌无效" in resp.json()["detail"]
    client = client_for("operator")
    ApiToken.objects.update(expires_at="2000-01-01T00:00:00Z")
    assert client.get("/api/v1/cases").status_code == 401
    client = client_for("operator")
    get_user_model().objects.filter(username="operator").update(is_active=False)
    assert client.get("/api/v1/cases").status_code == 401


# ---------------------------------------------------------------- anonymous: 401 everywhere
def test_anonymous_gets_401_everywhere_and_changes_nothing(world: dict[str, Case]) -> None:
    anon = client_for(None)
    cid = world["co"].pk
    before = state_of_db()
    requests = [
        ("get", "/api/v1/cases"),
        ("post", "/api/v1/cases"),
        ("get", f"/api/v1/cases/{cid}"),
        ("post", f"/api/v1/cases/{cid}/contact"),
        ("get", "/api/v1/callers?phone=13812341234"),
        ("get", "/api/v1/units"),
        ("get", "/api/v1/regions"),
        ("get", "/api/v1/indicators/hotline?month=2026-10"),
        ("get", "/api/schema/"),
        ("get", "/api/docs/"),
        *[("post", f"/api/v1/cases/{cid}/actions/{a.name}") for a in HOTLINE.actions],
    ]
    for method, url in requests:
        data = INTAKE if url == "/api/v1/cases" and method == "post" else {}
        resp = (
            getattr(anon, method)(url, data, format="json") if method == "post" else anon.get(url)
        )
        assert resp.status_code == 401, (method, url, resp.status_code)
        if url != "/api/docs/":  # the Swagger page answers in HTML, the schema in YAML
            assert "登录" in resp.content.decode(), url
    assert state_of_db() == before


# ---------------------------------------------------------------- lists and details: data scope
@pytest.mark.parametrize("who", EVERYONE)
def test_list_and_detail_are_scoped(world: dict[str, Case], who: str) -> None:
    client = client_for(who)
    mine = visible(who, world)
    resp = client.get("/api/v1/cases?page_size=200")
    assert resp.status_code == 200
    assert {r["id"] for r in resp.json()["results"]} == mine
    for case in world.values():
        resp = client.get(f"/api/v1/cases/{case.pk}")
        assert resp.status_code == (200 if case.pk in mine else 404), (who, case.number)
        if resp.status_code == 404:
            assert resp.json()["detail"] == "工单不存在或无权查看。"
    assert client.get("/api/v1/cases/999999999").status_code == 404


def test_street_office_sees_its_communities_orders(world: dict[str, Case]) -> None:
    assert world["community"].lead_unit.code == "Q-150103004001"
    assert (
        client_for("handler_zsxl").get(f"/api/v1/cases/{world['community'].pk}").status_code == 200
    )
    assert client_for("handler_cg").get(f"/api/v1/cases/{world['community'].pk}").status_code == 404


def test_community_handler_sees_only_its_own(world: dict[str, Case], make_handler: Any) -> None:
    name = make_handler("Q-150103004001", "handler_hailiang")
    resp = client_for(name).get("/api/v1/cases")
    assert {r["id"] for r in resp.json()["results"]} == {world["community"].pk}
    assert client_for(name).get(f"/api/v1/cases/{world['zsxl'].pk}").status_code == 404


# ---------------------------------------------------------------- intake
@pytest.mark.parametrize(
    "who,status",
    [
        ("operator", 201),
        ("citizen", 201),
        ("admin", 201),
        ("dispatcher", 403),
        ("handler_zsxl", 403),
        ("callback", 403),
        ("supervisor", 403),
        ("leader", 403),
    ],
)
def test_who_may_take_in_an_order(world: dict[str, Case], who: str, status: int) -> None:
    before = state_of_db()
    resp = client_for(who).post("/api/v1/cases", INTAKE, format="json")
    assert resp.status_code == status, resp.content
    if status == 403:
        assert "受理员或居民" in resp.json()["detail"]
        assert state_of_db() == before
    else:
        case = Case.objects.get(pk=resp.json()["id"])
        assert case.citizen_user_id == (actor("citizen").user_id if who == "citizen" else None)


# ---------------------------------------------------------------- actions
def act(who: str | None, case: Case, action: str, data: dict[str, Any] | None = None) -> Any:
    return client_for(who).post(
        f"/api/v1/cases/{case.pk}/actions/{action}", data or {}, format="json"
    )


def test_accept_matrix(world: dict[str, Case]) -> None:
    before = state_of_db()
    # other unit: not visible at all
    assert act("handler_cg", world["zsxl"], "accept").status_code == 404
    assert act("handler_other", world["co"], "accept").status_code == 404
    # co-unit (协办) sees the order but may not accept it
    assert client_for("handler_cg").get(f"/api/v1/cases/{world['co'].pk}").status_code == 200
    resp = act("handler_cg", world["co"], "accept")
    assert resp.status_code == 403 and "主办单位" in resp.json()["detail"]
    # wrong roles
    for who in ("operator", "dispatcher", "callback", "supervisor", "leader"):
        resp = act(who, world["zsxl"], "accept")
        assert resp.status_code == 403 and "角色" in resp.json()["detail"], who
    # citizen: not their order
    assert act("citizen", world["zsxl"], "accept").status_code == 404
    assert state_of_db() == before
    # own unit; a street office also accepts for its community
    assert act("handler_zsxl", world["zsxl"], "accept").status_code == 200
    assert act("handler_cg", world["cg"], "accept").status_code == 200
    # a street office sees its community's order but acts only for its own unit
    assert act("handler_zsxl", world["community"], "accept").status_code == 403


def test_citizen_rates_only_own_closed_order(city: DemoCity, world: dict[str, Case]) -> None:
    mine = drive(city, new_case(by="citizen"), "closed")
    other = drive(city, new_case(), "closed")
    before = state_of_db()
    assert act("citizen", other, "rate", {"rating": 5}).status_code == 404
    assert act("operator", mine, "rate", {"rating": 5}).status_code == 403
    assert act("citizen", world["citizen"], "rate", {"rating": 5}).status_code == 409
    assert state_of_db() == before
    resp = act("citizen", mine, "rate", {"rating": 4})
    assert resp.status_code == 200 and resp.json()["citizen_rating"] == 4
    assert act("citizen", mine, "rate", {"rating": 5}).status_code == 409  # once only


def test_supervisor_supervises_any_open_order(world: dict[str, Case]) -> None:
    resp = act("supervisor", world["co"], "supervise", {"level": "key", "note": "限期办结"})
    assert resp.status_code == 200 and resp.json()["supervision_level"] == "key"
    before = state_of_db()
    for who in ("dispatcher", "handler_zsxl", "leader"):
        assert act(who, world["co"], "supervise", {"level": "key", "note": "x"}).status_code == 403
    assert (
        act("handler_other", world["co"], "reply_supervision", {"reason": "已办"}).status_code
        == 404
    )
    assert (
        act("handler_cg", world["co"], "reply_supervision", {"reason": "已办"}).status_code == 403
    )
    assert state_of_db() == before
    assert (
        act("handler_zsxl", world["co"], "reply_supervision", {"reason": "正在办理"}).status_code
        == 200
    )


@pytest.mark.parametrize("action", [a.name for a in HOTLINE.actions])
def test_every_action_refuses_other_units_and_roles(world: dict[str, Case], action: str) -> None:
    before = state_of_db()
    step = HOTLINE.action(action)
    assert step is not None
    # a handler of another unit never learns the order exists
    assert act("handler_other", world["zsxl"], action).status_code == 404
    # a citizen on someone else's order
    assert act("citizen", world["zsxl"], action).status_code == 404
    # a role that may never do it: 403 whatever the state
    for who, role in (
        ("operator", "operator"),
        ("leader", "leader"),
        ("supervisor", "supervisor"),
        ("callback", "callback"),
        ("dispatcher", "dispatcher"),
    ):
        if role not in step.roles:
            assert act(who, world["zsxl"], action).status_code == 403, who
    assert state_of_db() == before


# ---------------------------------------------------------------- contact
@pytest.mark.parametrize(
    "who,status",
    [
        ("operator", 200),
        ("dispatcher", 200),
        ("callback", 200),
        ("handler_zsxl", 200),
        ("handler_cg", 200),  # co-unit: sees the order and may need to call
        ("supervisor", 403),
        ("leader", 403),
        ("citizen", 403),
        ("handler_other", 404),
    ],
)
def test_contact_reveal_matrix(world: dict[str, Case], who: str, status: int) -> None:
    before = state_of_db()
    resp = client_for(who).post(
        f"/api/v1/cases/{world['co'].pk}/contact", {"reason": "回访"}, format="json"
    )
    assert resp.status_code == status, resp.content
    if status == 200:
        assert resp.json()["phone"] == "13812341234"
        row = ContactReveal.objects.get()
        assert row.case_id == world["co"].pk and row.user_id == actor(who).user_id
    else:
        assert "13812341234" not in resp.content.decode()
        assert state_of_db() == before


def test_contact_of_an_order_not_visible_is_404(world: dict[str, Case]) -> None:
    before = state_of_db()
    resp = client_for("handler_cg").post(
        f"/api/v1/cases/{world['zsxl'].pk}/contact", {}, format="json"
    )
    assert resp.status_code == 404
    assert state_of_db() == before


# ---------------------------------------------------------------- callers, units, regions
@pytest.mark.parametrize("who", EVERYONE)
def test_caller_history(world: dict[str, Case], who: str) -> None:
    resp = client_for(who).get("/api/v1/callers?phone=138-1234-1234")
    # the 受理 and 派单 desks look a caller up; nobody else (the page admits the same two)
    if who not in ("operator", "dispatcher", "admin"):
        assert resp.status_code == 403, resp.content
        assert "来电" in resp.json()["detail"] or "无权" in resp.json()["detail"]
        return
    assert resp.status_code == 200
    assert {r["id"] for r in resp.json()["results"]} == visible(who, world)
    assert "13812341234" not in resp.content.decode()


@pytest.mark.parametrize("who", EVERYONE)
def test_reference_data_for_everyone_logged_in(world: dict[str, Case], who: str) -> None:
    client = client_for(who)
    units = client.get("/api/v1/units?q=城管")
    assert units.status_code == 200
    assert [u["code"] for u in units.json()["results"]] == ["D-CG"]
    regions = client.get("/api/v1/regions")
    assert regions.status_code == 200 and len(regions.json()["results"]) > 20


# ---------------------------------------------------------------- indicators, schema
@pytest.mark.parametrize(
    "who,status",
    [
        ("dispatcher", 200),
        ("supervisor", 200),
        ("leader", 200),
        ("admin", 200),
        ("operator", 403),
        ("callback", 403),
        ("handler_zsxl", 403),
        ("citizen", 403),
    ],
)
def test_indicators_matrix(world: dict[str, Case], who: str, status: int) -> None:
    resp = client_for(who).get("/api/v1/indicators/hotline?month=2026-10")
    assert resp.status_code == status
    if status == 403:
        assert "考核指标" in resp.json()["detail"]


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_schema_and_docs_need_a_login(city: DemoCity, url: str) -> None:
    assert client_for(None).get(url).status_code == 401
    resp = client_for("citizen").get(url)
    assert resp.status_code == 200
    if url == "/api/schema/":
        assert b"/api/v1/cases" in resp.content and b"bearer" in resp.content.lower()


# ---------------------------------------------------------------- production settings
def _deploy_check(secret_key: str) -> Any:
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    # a clean production environment: none of this test process's CC_* or Django switches
    # (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CC_", "DJANGO_")) or k == "DJANGO_SETTINGS_MODULE"
    }
    env |= {"CC_ENV": "production", "CC_SECRET_KEY": secret_key, "CC_ALLOWED_HOSTS": "example.org"}
    env["CC_HISTORY_KEY"] = "k" * 48  # production refuses to start without the history key
    env["CC_FIELD_KEYS"] = "cHJvZHVjdGlvbi10ZXN0LWZpZWxkLWtleS0zMmJ5dGU="  # nor the field keys
    env["CC_FIELD_INDEX_KEY"] = "i" * 48
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_passes_in_production() -> None:
    """Settings are read once at start-up, so this runs manage.py in a fresh process."""
    import secrets

    result = _deploy_check(secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    # and the check still catches a weak key (60 × "k" has fewer than 5 distinct characters)
    weak = _deploy_check("k" * 60)
    assert weak.returncode != 0 and "security.W009" in weak.stdout + weak.stderr


# ---------------------------------------------------------------- no N+1 on list endpoints
@pytest.mark.parametrize("url", ["/api/v1/cases", "/api/v1/callers?phone=13812341234"])
def test_list_endpoints_query_count_does_not_grow(city: DemoCity, url: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("dispatcher")
    client.get(url)  # a token's first use records last_used_at (then at most once a minute)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        dispatch_to(city, new_case(), "D-CG")
    few = count()
    for _ in range(6):
        dispatch_to(city, new_case(), "S-150103004", ("D-CG",))
    assert count() == few


# ---------------------------------------------------------------- street-level staff (item 5)
# A leader, supervisor and dispatcher of 中山西路街道办事处 (their unit's jurisdiction is one
# street, not the city): every endpoint answers them as scoped as the matching page does.
STREET_STAFF = {
    "street_leader": "leader",
    "street_supervisor": "supervisor",
    "street_dispatcher": "dispatcher",
}


@pytest.fixture
def street(city: DemoCity) -> dict[str, Case]:
    from chuangcheng.org.models import Membership, Unit

    office = Unit.objects.get(code="S-150103004")
    for username, role in STREET_STAFF.items():
        u = get_user_model().objects.create_user(username=username, password=DEMO_PASSWORD)
        Membership.objects.create(user=u, role=role, unit=office)
    here = new_case()  # 海亮广场北门: 中山西路街道
    elsewhere = new_case(
        lat=40.858, lng=111.690, address="新城区海拉尔东路新春社区", citizen_phone="13900002222"
    )
    assert here.street is not None and here.street.name == "中山西路街道"
    assert elsewhere.street is not None and elsewhere.street.name != "中山西路街道"
    return {"here": here, "elsewhere": elsewhere}


def _page(username: str) -> Any:
    from django.test import Client

    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


@pytest.mark.parametrize("who", list(STREET_STAFF))
def test_street_staff_list_only_their_street(street: dict[str, Case], who: str) -> None:
    resp = client_for(who).get("/api/v1/cases")
    assert resp.status_code == 200
    assert [r["id"] for r in resp.json()["results"]] == [street["here"].pk]
    assert client_for(who).get(f"/api/v1/cases/{street['elsewhere'].pk}").status_code == 404
    assert client_for(who).get(f"/api/v1/cases/{street['here'].pk}").status_code == 200


@pytest.mark.parametrize("who", list(STREET_STAFF))
def test_street_staff_indicators_are_their_street_as_on_the_dashboard(
    street: dict[str, Case], who: str
) -> None:
    from django.utils import timezone

    month = timezone.localdate().strftime("%Y-%m")
    resp = client_for(who).get(f"/api/v1/indicators/hotline?month={month}&group_by=street")
    assert resp.status_code == 200, resp.content
    rows = resp.json()["results"]
    # one order in their street this month; the order in 海拉尔东路街道 is not theirs
    assert [(r["name"], r["received"]) for r in rows] == [("中山西路街道", 1)]
    page = _page(who).get(f"/hotline/dashboard/?month={month}&group_by=street")
    assert page.status_code == 200
    assert [(r.name, r.received) for r in page.context["rows"]] == [("中山西路街道", 1)]
    # the city's leader sees both streets
    city_rows = client_for("leader").get(
        f"/api/v1/indicators/hotline?month={month}&group_by=street"
    )
    assert sum(r["received"] for r in city_rows.json()["results"]) == 2


# who may call each endpoint, and its page; written out here, not read from the code
ROLE_MATRIX = {
    # endpoint: (API url, page url, the people admitted)
    "callers": (
        "/api/v1/callers?phone=13812341234",
        "/hotline/intake/history/?citizen_phone=13812341234",
        {"operator", "dispatcher", "street_dispatcher", "admin"},
    ),
    "repeats": (
        "/api/v1/repeats?title=占道经营&content=流动摊贩占道经营",
        "/hotline/intake/repeats/?title=占道经营&content=流动摊贩占道经营",
        {"operator", "dispatcher", "street_dispatcher", "admin"},
    ),
    "indicators": (
        "/api/v1/indicators/hotline?month=2026-10",
        "/hotline/dashboard/?month=2026-10",
        {
            "dispatcher",
            "supervisor",
            "leader",
            "street_leader",
            "street_supervisor",
            "street_dispatcher",
            "admin",
        },
    ),
}
MATRIX_PEOPLE = [
    "operator",
    "dispatcher",
    "callback",
    "supervisor",
    "leader",
    "handler_zsxl",
    "citizen",
    "admin",
    *STREET_STAFF,
]


@pytest.mark.parametrize("endpoint", list(ROLE_MATRIX))
@pytest.mark.parametrize("who", MATRIX_PEOPLE)
def test_api_and_page_admit_the_same_people(
    street: dict[str, Case], endpoint: str, who: str
) -> None:
    api_url, page_url, admitted = ROLE_MATRIX[endpoint]
    expected = 200 if who in admitted else 403
    before = state_of_db()
    api_resp = client_for(who).get(api_url)
    assert api_resp.status_code == expected, (who, api_url, api_resp.content)
    if expected == 403:
        assert "无权" in api_resp.json()["detail"] or "只有" in api_resp.json()["detail"]
    page_resp = _page(who).get(page_url)
    assert page_resp.status_code == expected, (who, page_url)
    assert state_of_db() == before


@pytest.mark.parametrize(
    "who,status",
    [
        ("dispatcher", 200),
        ("supervisor", 200),
        ("street_dispatcher", 200),
        ("street_supervisor", 200),
        ("admin", 200),
        ("operator", 403),
        ("callback", 403),
        ("leader", 403),
        ("street_leader", 403),
        ("handler_zsxl", 403),
    ],
)
def test_suggestions_need_the_roles_that_see_them_on_the_page(
    street: dict[str, Case], who: str, status: int
) -> None:
    """The order page shows 智能派单建议 to dispatchers and supervisors only."""
    case = street["here"]
    if who == "handler_zsxl":
        case = dispatch_to(case_city(), case, "S-150103004")
    resp = client_for(who).get(f"/api/v1/cases/{case.pk}/suggestions")
    assert resp.status_code == status, resp.content
    # and the street's people never see another street's order through it
    if who.startswith("street_"):
        other = client_for(who).get(f"/api/v1/cases/{street['elsewhere'].pk}/suggestions")
        assert other.status_code == (404 if status == 200 else 403)


def case_city() -> DemoCity:
    from chuangcheng.demo.city import build_demo_city

    return build_demo_city()  # idempotent: the city already built by the fixture

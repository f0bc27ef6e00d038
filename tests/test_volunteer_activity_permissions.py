"""Who may open which 文明实践活动 page and endpoint: every kind of user, the expected status
written out (never derived from the code's declarations). A 站 runs its own activities (所: its
street's; 中心: all), a team leader those their team organises, a volunteer signs up and checks
in only with an approved sign-up; a refused request changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.org.models import Membership, Unit
from chuangcheng.volunteer import activities as svc
from chuangcheng.volunteer.models import (
    Activity,
    ActivityCheckin,
    ActivitySignup,
    HourEntry,
    Station,
    Team,
    Volunteer,
)
from chuangcheng.volunteer.roles import CENTRE, LEADER, STATION, VOLUNTEER
from chuangcheng.volunteer.seed import build_volunteer_demo
from tests.conftest import actor

# resident with orders, another citizen, 站 own / other, 所, 中心, organising team's leader,
# another team's leader, the approved volunteer, a volunteer not signed up, a 12345 dispatcher,
# a street-level leader, anonymous
PEOPLE = [
    "vol_jm",
    "citizen",
    "vol_zhan",
    "zhan2",
    "vol_suo",
    "zx",
    "vol_dz",
    "dz2",
    "vol_zyz",
    "vol2",
    "dispatcher",
    "street_leader",
    None,
]


@pytest.fixture
def world(city: Any) -> dict[str, Any]:
    build_volunteer_demo(DEMO_PASSWORD)
    users = get_user_model().objects
    home = Station.objects.get(name="中山西路社区新时代文明实践站")
    Membership.objects.create(
        user=users.create(username="zhan2"),
        role=STATION,
        unit=Station.objects.get(name="海亮社区新时代文明实践站").unit,
    )
    Membership.objects.create(
        user=users.create(username="zx"),
        role=CENTRE,
        unit=Station.objects.filter(level="centre").order_by("pk").first().unit,  # type: ignore[union-attr]
    )
    Membership.objects.create(
        user=users.create(username="dz2"),
        role=LEADER,
        unit=Team.objects.get(name="中山西路社区邻里守望队").unit,
    )
    Membership.objects.create(
        user=users.create(username="street_leader"),
        role="leader",
        unit=Unit.objects.get(code="S-150103004"),
    )
    vol2 = users.create(username="vol2")
    v2 = Volunteer.objects.filter(user=None, station=home).order_by("pk").first()
    assert v2 is not None
    v2.user = vol2
    v2.save(update_fields=["user"])
    Membership.objects.create(user=vol2, role=VOLUNTEER, unit=home.unit)
    lat, lng = float(home.unit.region.lat or 40.8), float(home.unit.region.lng or 111.6)
    now = timezone.now()

    def make(title: str, start: dt.datetime, hours: int = 2) -> Activity:
        return Activity.objects.create(
            station=home,
            team=Team.objects.get(name="中山西路社区志愿服务队"),
            title=title,
            field="ecology",
            duties="清理楼道",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=hours),
            address="3号楼前",
            lat=lat,
            lng=lng,
            capacity=20,
            radius_m=500,
            margin_min=30,
            token=f"tok-{title}",
            created_at=now - dt.timedelta(days=3),
        )

    running = make("进行中", now - dt.timedelta(hours=1))
    coming = make("下周", now + dt.timedelta(days=7))
    zyz = Volunteer.objects.get(user__username="vol_zyz")
    ActivitySignup.objects.create(
        activity=running,
        volunteer=zyz,
        status="approved",
        created_at=now - dt.timedelta(days=2),
    )
    pending = ActivitySignup.objects.create(
        activity=running, volunteer=v2, status="pending", created_at=now - dt.timedelta(days=2)
    )
    return {
        "home": home,
        "running": running,
        "coming": coming,
        "pending": pending,
        "zyz": zyz,
        "v2": v2,
    }


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


def check(expected: dict[str | None, int], call: Any, people: list[str | None] = PEOPLE) -> None:
    assert set(expected) == set(people)
    got = {who: call(who).status_code for who in people}
    assert got == expected


def state() -> tuple[Any, ...]:
    return (
        Activity.objects.count(),
        list(ActivitySignup.objects.order_by("pk").values_list("pk", "status", "reason")),
        ActivityCheckin.objects.count(),
        HourEntry.objects.count(),
    )


def test_the_staff_pages(world: Any) -> None:
    staff = {p: 403 for p in PEOPLE} | {
        "vol_zhan": 200,
        "zhan2": 200,
        "vol_suo": 200,
        "zx": 200,
        "vol_dz": 200,
        "dz2": 200,
        None: 302,
    }
    check(staff, lambda who: client(who).get("/volunteer/activities/"))
    publish = {p: 403 for p in PEOPLE} | {
        "vol_zhan": 200,
        "zhan2": 200,
        "vol_suo": 200,
        "zx": 200,
        None: 302,
    }
    check(publish, lambda who: client(who).get("/volunteer/activities/new/"))
    url = f"/volunteer/activities/{world['running'].pk}/"
    one = {p: 403 for p in PEOPLE} | {
        "vol_zhan": 200,
        "zhan2": 404,
        "vol_suo": 200,
        "zx": 200,
        "vol_dz": 200,
        "dz2": 404,
        None: 302,
    }
    check(one, lambda who: client(who).get(url))
    check(one, lambda who: client(who).get(f"{url}qr.svg"))
    qr = client("vol_zhan").get(f"{url}qr.svg")
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    # what the list shows: the 站 and those above it, the organising team; not the other 站
    title = world["running"].title
    for who, sees in {"vol_zhan": True, "vol_suo": True, "zx": True, "vol_dz": True}.items():
        assert (title in client(who).get("/volunteer/activities/").content.decode()) is sees
    for who in ("zhan2", "dz2"):
        assert title not in client(who).get("/volunteer/activities/").content.decode()


def test_a_refused_publish_changes_nothing(world: Any) -> None:
    home = world["home"]
    form = {
        "station": str(home.pk),
        "title": "越权发布",
        "field": "ecology",
        "duties": "x",
        "starts_at": "2027-01-05T09:00",
        "ends_at": "2027-01-05T11:00",
        "address": "x",
        "lat": "40.8",
        "lng": "111.6",
        "capacity": "5",
    }
    before = state()
    others = [p for p in PEOPLE if p not in ("vol_zhan", "vol_suo", "zx")]
    expected = {p: 403 for p in others} | {"zhan2": 400, None: 302}
    check(expected, lambda who: client(who).post("/volunteer/activities/new/", form), others)
    assert state() == before
    assert client("vol_suo").post("/volunteer/activities/new/", form).status_code == 302
    assert Activity.objects.filter(title="越权发布", station=home).count() == 1


def test_deciding_confirming_and_voiding_are_the_stations_and_the_leaders(world: Any) -> None:
    act, pending = world["running"], world["pending"]
    base = f"/volunteer/activities/{act.pk}"
    refused = {p: 403 for p in PEOPLE} | {"zhan2": 404, "dz2": 404, None: 302}
    # the organising team's leader confirms hours but decides no sign-up
    deciders = ("vol_zhan", "vol_suo", "zx")
    confirmers = ("vol_zhan", "vol_suo", "zx", "vol_dz")
    before = state()
    others = [p for p in PEOPLE if p not in deciders]
    check(
        {p: refused[p] for p in others},
        lambda who: client(who).post(
            f"{base}/decide/", {"signup": pending.pk, "decision": "approve"}
        ),
        others,
    )
    others = [p for p in PEOPLE if p not in confirmers]
    check(
        {p: refused[p] for p in others},
        lambda who: client(who).post(
            f"{base}/confirm/", {"volunteer": world["zyz"].pk, "hours": "1"}
        ),
        others,
    )
    assert state() == before
    for who in confirmers:  # each may; the first one records, the next are told it is done
        r = client(who).post(f"{base}/confirm/", {"volunteer": world["zyz"].pk, "hours": "1"})
        assert r.status_code == (302 if who == "vol_zhan" else 400)
    entry = HourEntry.objects.get(ref=svc.ref_for(act.pk, world["zyz"].pk))
    assert entry.source == "leader"
    before = state()
    check(
        {p: refused[p] for p in others},
        lambda who: client(who).post(f"{base}/void/", {"entry": entry.pk, "reason": "核对"}),
        others,
    )
    assert state() == before
    assert (
        client("vol_dz").post(f"{base}/void/", {"entry": entry.pk, "reason": "核对"}).status_code
        == 302
    )
    assert HourEntry.objects.get(ref=f"void:{entry.pk}").hours == -entry.hours
    for who in deciders:
        r = client(who).post(f"{base}/decide/", {"signup": pending.pk, "decision": "approve"})
        assert r.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "approved"


def test_the_volunteers_phone_pages(world: Any) -> None:
    vols = {p: 403 for p in PEOPLE} | {"vol_dz": 200, "vol_zyz": 200, "vol2": 200, None: 302}
    check(vols, lambda who: client(who).get("/volunteer/m/activities/"))
    check(vols, lambda who: client(who).get(f"/volunteer/m/activities/{world['coming'].pk}/"))
    # an activity that is over: only those who signed up still open it
    Activity.objects.filter(pk=world["coming"].pk).update(
        starts_at=timezone.now() - dt.timedelta(days=3),
        ends_at=timezone.now() - dt.timedelta(days=3) + dt.timedelta(hours=2),
    )
    ActivitySignup.objects.create(
        activity=world["coming"],
        volunteer=world["zyz"],
        status="approved",
        created_at=timezone.now(),
    )
    over = vols | {"vol_dz": 404, "vol2": 404}
    check(over, lambda who: client(who).get(f"/volunteer/m/activities/{world['coming'].pk}/"))
    me = vols | {"dz2": 200}  # a leader without a volunteer row is offered registration
    check(me, lambda who: client(who).get("/volunteer/me/"))
    assert "进行中" in client("vol_zyz").get("/volunteer/me/").content.decode()
    assert "进行中" not in client("vol_dz").get("/volunteer/me/").content.decode()


def test_signing_up_is_a_volunteers_and_a_refusal_changes_nothing(world: Any) -> None:
    act = world["coming"]
    before = state()
    others = [p for p in PEOPLE if p not in ("vol_zyz", "vol2", "vol_dz")]
    expected = {p: 403 for p in others} | {None: 302}
    check(
        expected,
        lambda who: client(who).post(f"/volunteer/m/activities/{act.pk}/signup/"),
        others,
    )
    api_expected = {p: 403 for p in others} | {None: 401}
    check(
        api_expected,
        lambda who: api(who).post(f"/api/v1/volunteer/activities/{act.pk}/signups"),
        others,
    )
    assert state() == before
    assert client("vol2").post(f"/volunteer/m/activities/{act.pk}/signup/").status_code == 302
    assert api("vol_zyz").post(f"/api/v1/volunteer/activities/{act.pk}/signups").status_code == 201
    assert list(act.signups.values_list("status", flat=True)) == ["pending", "pending"]
    gone = api("vol2").post("/api/v1/volunteer/activities/999999/signups")
    assert gone.status_code == 404 and "活动不存在" in gone.json()["detail"]


def test_checking_in_needs_an_approved_sign_up_and_a_refusal_changes_nothing(world: Any) -> None:
    act = world["running"]
    url = f"/volunteer/m/checkin/{act.pk}/{act.token}/"
    opened = {p: 403 for p in PEOPLE} | {"vol_dz": 200, "vol_zyz": 200, "vol2": 200, None: 302}
    check(opened, lambda who: client(who).get(url))
    assert client("vol_zyz").get(url.replace(act.token, "nope")).status_code == 404
    body = {"kind": "in", "lat": str(act.lat), "lng": str(act.lng), "client_key": "k"}
    before = state()
    others = [p for p in PEOPLE if p != "vol_zyz"]
    check({p: 403 for p in others} | {None: 302}, lambda who: client(who).post(url, body), others)
    api_url = f"/api/v1/volunteer/activities/{act.pk}/checkins"
    api_body = {**body, "token": act.token, "lat": act.lat, "lng": act.lng}
    check(
        {p: 403 for p in others} | {None: 401},
        lambda who: api(who).post(api_url, api_body, format="json"),
        others,
    )
    assert state() == before
    assert client("vol_zyz").post(url, body).status_code == 302
    assert ActivityCheckin.objects.filter(activity=act, volunteer=world["zyz"]).count() == 1


def test_the_read_endpoints_are_scoped(world: Any) -> None:
    reads = {p: 200 for p in PEOPLE} | {
        "vol_jm": 403,
        "citizen": 403,
        "dispatcher": 403,
        "street_leader": 403,
        None: 401,
    }
    check(reads, lambda who: api(who).get("/api/v1/volunteer/activities"))
    check(reads, lambda who: api(who).get("/api/v1/volunteer/hours"))
    ids = {
        who: {a["id"] for a in api(who).get("/api/v1/volunteer/activities?page_size=100").json()}
        for who in ("vol_zhan", "zhan2", "vol_suo", "dz2", "vol2")
    }
    running, coming = world["running"].pk, world["coming"].pk
    assert {running, coming} <= ids["vol_zhan"] and {running, coming} <= ids["vol_suo"]
    assert not ids["zhan2"] & {running, coming} and not ids["dz2"] & {running, coming}
    assert {running, coming} <= ids["vol2"]  # open ones
    # hours: a volunteer their own, the other 站 none of the home 站's
    svc.confirm_attendance(
        actor=actor("vol_zhan"), activity=world["running"], volunteer_id=world["zyz"].pk, hours=1
    )
    ref = svc.ref_for(running, world["zyz"].pk)

    def refs(who: str) -> set[str]:
        return {h["ref"] for h in api(who).get("/api/v1/volunteer/hours?page_size=100").json()}

    assert ref in refs("vol_zyz") and ref in refs("vol_zhan") and ref in refs("zx")
    assert ref not in refs("vol2") and ref not in refs("zhan2") and ref not in refs("dz2")
    mine = api("vol2").get("/api/v1/volunteer/hours?page_size=100").json()
    assert {h["volunteer"] for h in mine} <= {world["v2"].number}
    bad = api("vol_zhan").get("/api/v1/volunteer/activities?page_size=1000")
    assert bad.status_code == 400 and "每页最多" in bad.json()["detail"]

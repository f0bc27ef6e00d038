"""文明实践活动: a 站 publishes an activity, volunteers sign up (never past its capacity, even
at once), the 站 approves; the approved check in and out by the activity's QR code within its
window and radius (refused otherwise, nothing recorded; a resend counts once, even from many
threads at once); check-out credits hours rounded down to half an hour and capped; a leader
confirms hours for someone who could not scan (never twice) and voids a credit by a correction
entry. Hours always equal the sum of the ledger."""

from __future__ import annotations

import datetime as dt
import random
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from chuangcheng.core.errors import NotFound, PermissionDenied, ValidationFailed
from chuangcheng.core.models import Setting
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.org.models import Membership
from chuangcheng.volunteer import activities as svc
from chuangcheng.volunteer.ledger import total_hours
from chuangcheng.volunteer.models import (
    Activity,
    ActivityCheckin,
    ActivitySignup,
    HourEntry,
    Station,
    Team,
    Volunteer,
)
from chuangcheng.volunteer.seed import build_volunteer_demo
from chuangcheng.volunteer.signals import activity_attended
from tests.conftest import actor

START = timezone.make_aware(dt.datetime(2026, 6, 6, 9, 0))


@pytest.fixture
def world(city: Any) -> dict[str, Any]:
    build_volunteer_demo(DEMO_PASSWORD)
    home = Station.objects.get(name="中山西路社区新时代文明实践站")
    return {
        "home": home,
        "team": Team.objects.get(name="中山西路社区志愿服务队"),
        "zyz": Volunteer.objects.get(user__username="vol_zyz"),
    }


def place_of(station: Station) -> tuple[float, float]:
    region = station.unit.region
    return float(region.lat or 40.8), float(region.lng or 111.6)


def publish(
    station: Station,
    *,
    who: str = "vol_zhan",
    start: dt.datetime = START,
    hours: float = 3,
    capacity: int = 30,
    team: Team | None = None,
    **extra: Any,
) -> Activity:
    lat, lng = place_of(station)
    data = {
        "station": str(station.pk),
        "title": "楼道清洁日",
        "field": "ecology",
        "duties": "清理楼道杂物、张贴垃圾分类提示",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=hours)).isoformat(),
        "address": "中山西路社区3号楼前",
        "lat": str(lat),
        "lng": str(lng),
        "capacity": str(capacity),
        "team": str(team.pk) if team else "",
        **extra,
    }
    return svc.activity_publish(actor=actor(who), data=data, now=start - dt.timedelta(days=5))


def approved(act: Activity, *volunteers: Volunteer) -> None:
    for v in volunteers:
        s, _ = svc.signup(volunteer=v, activity_id=act.pk, now=act.starts_at - dt.timedelta(days=1))
        svc.signup_decide(actor=actor("vol_zhan"), activity=act, signup_id=s.pk, approve=True)


def scan(
    act: Activity, v: Volunteer, kind: str, at: dt.datetime, *, dlat: float = 0.0, **kw: Any
) -> tuple[ActivityCheckin, bool]:
    return svc.check(
        volunteer=v,
        activity_id=act.pk,
        token=kw.pop("token", act.token),
        kind=kind,
        lat=act.lat + dlat,
        lng=act.lng,
        client_key=kw.pop("client_key", f"{v.pk}-{kind}"),
        now=at,
        **kw,
    )


def counts() -> tuple[int, int, int]:
    return (
        ActivityCheckin.objects.count(),
        HourEntry.objects.count(),
        ActivitySignup.objects.count(),
    )


# ---------------------------------------------------------------- publishing
def test_a_station_publishes_with_the_citys_default_radius_and_margin(world: Any) -> None:
    act = publish(world["home"])
    assert (act.radius_m, act.margin_min) == (500, 30)
    assert len(act.token) >= 30 and act.station == world["home"]
    Setting.objects.create(key="volunteer.activity_radius_m", value=800)
    assert publish(world["home"], title="第二场").radius_m == 800
    assert publish(world["home"], radius_m="200", margin_min="0").margin_min == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": ""}, "请填写活动名称"),
        ({"field": "nonsense"}, "请选择服务领域"),
        ({"ends_at": "2026-06-06T08:00"}, "结束时间应晚于开始时间"),
        ({"starts_at": "明天上午"}, "请填写开始时间"),
        ({"capacity": "0"}, "招募人数"),
        ({"lat": "north"}, "请填写活动地点纬度"),
        ({"lat": "91"}, "纬度超出范围"),
        ({"radius_m": "9"}, "签到范围应为 50 至 5000 米"),
        ({"radius_m": "五百"}, "签到范围应为 50 至 5000 米"),
        ({"margin_min": "²"}, "签到时间余量"),
        ({"capacity": "²"}, "招募人数"),
    ],
)
def test_bad_activities_are_refused_in_chinese_and_nothing_is_made(
    world: Any, change: dict[str, str], message: str
) -> None:
    before = Activity.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        publish(world["home"], **change)
    assert message in exc.value.message
    assert Activity.objects.count() == before


def test_staff_publish_only_for_their_own_station(world: Any) -> None:
    other = Station.objects.get(name="海亮社区新时代文明实践站")
    with pytest.raises(ValidationFailed) as exc:
        publish(other)  # vol_zhan is the 中山西路社区 站's
    assert "本人负责的文明实践站" in exc.value.message
    assert publish(other, who="vol_suo").station == other  # the street's 所 may
    foreign = Team.objects.get(name="海亮社区志愿服务队")
    before = Activity.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        publish(world["home"], team=foreign)
    assert "本站或本所的志愿服务队" in exc.value.message
    assert Activity.objects.count() == before


# ---------------------------------------------------------------- sign-ups
def test_capacity_is_never_exceeded_and_a_decline_frees_a_seat(world: Any) -> None:
    act = publish(world["home"], capacity=2)
    a, b, c = Volunteer.objects.filter(station=world["home"])[:3]
    before = START - dt.timedelta(days=1)
    s1, created = svc.signup(volunteer=a, activity_id=act.pk, now=before)
    again, created_again = svc.signup(volunteer=a, activity_id=act.pk, now=before)
    assert created and not created_again and again.pk == s1.pk
    svc.signup(volunteer=b, activity_id=act.pk, now=before)
    with pytest.raises(ValidationFailed) as exc:
        svc.signup(volunteer=c, activity_id=act.pk, now=before)
    assert "名额已满" in exc.value.message and act.signups.count() == 2
    with pytest.raises(ValidationFailed) as exc:
        svc.signup_decide(actor=actor("vol_zhan"), activity=act, signup_id=s1.pk, approve=False)
    assert "理由" in exc.value.message
    svc.signup_decide(
        actor=actor("vol_zhan"), activity=act, signup_id=s1.pk, approve=False, reason="人员已满"
    )
    s1.refresh_from_db()
    assert (s1.status, s1.reason) == ("declined", "人员已满")
    assert svc.signup(volunteer=c, activity_id=act.pk, now=before)[1]
    with pytest.raises(ValidationFailed) as exc:  # started: too late to sign up
        svc.signup(volunteer=c, activity_id=publish(world["home"]).pk, now=START)
    assert "已开始" in exc.value.message


def test_only_the_stations_staff_decide_sign_ups(world: Any) -> None:
    act = publish(world["home"], team=world["team"])
    s, _ = svc.signup(volunteer=world["zyz"], activity_id=act.pk, now=START - dt.timedelta(days=1))
    Membership.objects.create(
        user=get_user_model().objects.create(username="zhan2"),
        role="vol_station",
        unit=Station.objects.get(name="海亮社区新时代文明实践站").unit,
    )
    for who in ("vol_dz", "zhan2"):  # the organising team's leader decides no sign-up
        with pytest.raises(PermissionDenied):
            svc.signup_decide(actor=actor(who), activity=act, signup_id=s.pk, approve=True)
    s.refresh_from_db()
    assert s.status == "pending" and s.decided_by is None
    svc.signup_decide(actor=actor("vol_suo"), activity=act, signup_id=s.pk, approve=True)
    s.refresh_from_db()
    assert s.status == "approved"


@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_never_pass_the_capacity(city: Any) -> None:
    build_volunteer_demo(DEMO_PASSWORD)
    home = Station.objects.get(name="中山西路社区新时代文明实践站")
    act = publish(home, capacity=5, start=timezone.now() + dt.timedelta(days=2))
    people = list(Volunteer.objects.order_by("pk")[:12])
    barrier = threading.Barrier(len(people))
    outcome: list[str] = []

    def go(v: Volunteer) -> None:
        try:
            barrier.wait()
            svc.signup(volunteer=v, activity_id=act.pk)
            outcome.append("ok")
        except ValidationFailed as exc:
            outcome.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(v,)) for v in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcome.count("ok") == 5
    assert sorted(set(outcome) - {"ok"}) == ["名额已满（招募 5 人）。"]
    assert ActivitySignup.objects.filter(activity=act).count() == 5


# ---------------------------------------------------------------- check-in, check-out, hours
def test_check_in_and_out_credits_half_hours_rounded_down_once(world: Any) -> None:
    act = publish(world["home"], team=world["team"])
    zyz = world["zyz"]
    approved(act, zyz)
    heard: list[tuple[int, int, dt.date]] = []

    def listen(
        sender: Any, volunteer: Volunteer, activity: Activity, on: dt.date, **kw: Any
    ) -> None:
        heard.append((volunteer.pk, activity.pk, on))

    activity_attended.connect(listen)
    try:
        before = total_hours(zyz)
        t_in = START - dt.timedelta(minutes=20)  # inside the 30-minute margin
        row, created = scan(act, zyz, "in", t_in, dlat=0.003)  # about 330 m away
        assert created and row.distance_m == pytest.approx(334, abs=3)
        assert scan(act, zyz, "in", t_in + dt.timedelta(minutes=1))[1] is False
        out, created = scan(act, zyz, "out", t_in + dt.timedelta(minutes=109))
        assert created
        again, created_again = scan(act, zyz, "out", t_in + dt.timedelta(minutes=110))
        assert not created_again and again.pk == out.pk
    finally:
        activity_attended.disconnect(listen)
    entry = HourEntry.objects.get(ref=f"activity:{act.pk}:{zyz.pk}")
    # 1 h 49 min → 1.5 h
    assert (entry.hours, entry.source, entry.station, entry.team) == (
        Decimal("1.5"),
        "checkin",
        world["home"],
        world["team"],
    )
    assert entry.served_on == dt.date(2026, 6, 6) and "楼道清洁日" in entry.content
    assert heard == [(zyz.pk, act.pk, dt.date(2026, 6, 6))]
    assert total_hours(zyz) == before + Decimal("1.5")
    assert ActivityCheckin.objects.filter(activity=act, volunteer=zyz).count() == 2


@pytest.mark.parametrize(
    ("minutes", "cap", "hours"),
    [
        (29, None, None),
        (30, None, "0.5"),
        (119, None, "1.5"),
        (300, None, "2.0"),
        (300, 3.7, "3.5"),
    ],
)
def test_hours_round_down_and_are_capped_by_the_setting(
    world: Any, minutes: int, cap: float | None, hours: str | None
) -> None:
    if cap is not None:
        Setting.objects.create(key="volunteer.activity_hours_cap", value=cap)
    act = publish(world["home"], hours=6)
    zyz = world["zyz"]
    approved(act, zyz)
    scan(act, zyz, "in", START)
    scan(act, zyz, "out", START + dt.timedelta(minutes=minutes))
    entry = HourEntry.objects.filter(ref=f"activity:{act.pk}:{zyz.pk}").first()
    assert (str(entry.hours) if entry else None) == hours


@pytest.mark.parametrize(
    ("case", "error", "message"),
    [
        ("early", ValidationFailed, "不在签到时间内"),
        ("late", ValidationFailed, "不在签到时间内"),
        ("far", ValidationFailed, "超出签到范围（500 米）"),
        ("no_position", ValidationFailed, "没有获取到您的位置"),
        ("token", NotFound, "签到二维码无效"),
        ("not_approved", PermissionDenied, "没有通过审核的报名"),
        ("declined", PermissionDenied, "没有通过审核的报名"),
        ("out_first", ValidationFailed, "请先签到"),
        ("kind", ValidationFailed, "请选择签到或签退"),
    ],
)
def test_a_refused_check_in_says_why_in_chinese_and_records_nothing(
    world: Any, case: str, error: type[Exception], message: str
) -> None:
    act = publish(world["home"])
    zyz = world["zyz"]
    if case == "declined":
        s, _ = svc.signup(volunteer=zyz, activity_id=act.pk, now=START - dt.timedelta(days=1))
        svc.signup_decide(
            actor=actor("vol_zhan"), activity=act, signup_id=s.pk, approve=False, reason="满员"
        )
    elif case == "not_approved":
        svc.signup(volunteer=zyz, activity_id=act.pk, now=START - dt.timedelta(days=1))
    else:
        approved(act, zyz)
    before = counts()
    kw: dict[str, Any] = {}
    at, kind, dlat = START + dt.timedelta(hours=1), "in", 0.0
    if case == "early":
        at = START - dt.timedelta(minutes=31)
    elif case == "late":
        at = act.ends_at + dt.timedelta(minutes=31)
    elif case == "far":
        dlat = 0.006  # about 670 m
    elif case == "token":
        kw["token"] = act.token[:-1] + ("x" if act.token[-1] != "x" else "y")
    elif case == "out_first":
        kind = "out"
    elif case == "kind":
        kind = "both"
    with pytest.raises(error) as exc:
        if case == "no_position":
            svc.check(
                volunteer=zyz,
                activity_id=act.pk,
                token=act.token,
                kind="in",
                lat="",
                lng="",
                now=at,
            )
        else:
            scan(act, zyz, kind, at, dlat=dlat, **kw)
    assert message in exc.value.message  # type: ignore[attr-defined]
    assert counts() == before


def test_a_late_check_out_is_refused_and_the_leader_confirms_instead(world: Any) -> None:
    act = publish(world["home"], team=world["team"])
    zyz = world["zyz"]
    other = world["team"].members.exclude(pk=zyz.pk).first()
    approved(act, zyz, other)
    scan(act, zyz, "in", START)
    with pytest.raises(ValidationFailed):
        scan(act, zyz, "out", act.ends_at + dt.timedelta(hours=2))
    assert not HourEntry.objects.filter(ref__startswith=f"activity:{act.pk}:").exists()
    after = act.ends_at + dt.timedelta(hours=3)
    entry = svc.confirm_attendance(
        actor=actor("vol_dz"), activity=act, volunteer_id=zyz.pk, hours="2.9", now=after
    )
    assert (entry.hours, entry.source, entry.ref) == (
        Decimal("2.0"),  # 2.9 → 2.5 → capped at 2
        "leader",
        f"activity:{act.pk}:{zyz.pk}",
    )
    with pytest.raises(ValidationFailed) as exc:  # never twice
        svc.confirm_attendance(
            actor=actor("vol_zhan"), activity=act, volunteer_id=zyz.pk, hours="1", now=after
        )
    assert "不能重复确认" in exc.value.message
    stranger = Volunteer.objects.exclude(signups__activity=act).first()
    with pytest.raises(ValidationFailed):  # only an approved sign-up
        svc.confirm_attendance(
            actor=actor("vol_dz"), activity=act, volunteer_id=stranger.pk, hours="1", now=after
        )
    with pytest.raises(PermissionDenied):  # a leader of another team
        svc.confirm_attendance(
            actor=actor("vol_zyz"), activity=act, volunteer_id=other.pk, hours="1", now=after
        )
    assert HourEntry.objects.filter(ref__startswith=f"activity:{act.pk}:").count() == 1


def test_a_check_out_after_a_leaders_confirmation_adds_nothing(world: Any) -> None:
    act = publish(world["home"], team=world["team"])
    zyz = world["zyz"]
    approved(act, zyz)
    scan(act, zyz, "in", START)
    svc.confirm_attendance(
        actor=actor("vol_zhan"), activity=act, volunteer_id=zyz.pk, hours="1", now=START
    )
    scan(act, zyz, "out", START + dt.timedelta(hours=2))
    entries = HourEntry.objects.filter(ref=f"activity:{act.pk}:{zyz.pk}")
    assert [(e.hours, e.source) for e in entries] == [(Decimal("1.0"), "leader")]


def test_a_credit_is_voided_by_a_correction_entry_never_by_an_edit(world: Any) -> None:
    act = publish(world["home"], team=world["team"])
    zyz = world["zyz"]
    approved(act, zyz)
    scan(act, zyz, "in", START)
    scan(act, zyz, "out", START + dt.timedelta(hours=1))
    entry = HourEntry.objects.get(ref=f"activity:{act.pk}:{zyz.pk}")
    before = total_hours(zyz)
    with pytest.raises(ValidationFailed):
        svc.void_credit(actor=actor("vol_zhan"), activity=act, entry_id=entry.pk, reason="")
    with pytest.raises(PermissionDenied):
        svc.void_credit(actor=actor("vol_zyz"), activity=act, entry_id=entry.pk, reason="x")
    fix = svc.void_credit(
        actor=actor("vol_zhan"), activity=act, entry_id=entry.pk, reason="代签，本人未到场"
    )
    assert (fix.hours, fix.source, fix.ref) == (Decimal("-1.0"), "correction", f"void:{entry.pk}")
    assert "代签" in fix.content
    entry.refresh_from_db()
    assert entry.hours == Decimal("1.0")  # untouched
    assert total_hours(zyz) == before - Decimal("1.0")
    with pytest.raises(ValidationFailed) as exc:
        svc.void_credit(actor=actor("vol_zhan"), activity=act, entry_id=entry.pk, reason="再来")
    assert "已经更正过" in exc.value.message
    with pytest.raises(NotFound):  # an order's entry is not the activity's to void
        other = publish(world["home"], title="别的活动")
        svc.void_credit(actor=actor("vol_zhan"), activity=other, entry_id=entry.pk, reason="x")


def test_hours_always_equal_the_sum_of_the_ledger(world: Any) -> None:
    """A seeded random walk of scans, confirmations and voids: every volunteer's hours (what
    their page shows) equal the sum of their entries, and each activity credits a person at
    most once."""
    rng = random.Random(11)
    people = list(Volunteer.objects.filter(station=world["home"]))[:6]
    acts = [
        publish(world["home"], start=START + dt.timedelta(days=d), title=f"活动{d}", hours=4)
        for d in range(3)
    ]
    for a in acts:
        approved(a, *people)
    for _ in range(60):
        a, v = rng.choice(acts), rng.choice(people)
        move = rng.choice(["in", "out", "confirm", "void"])
        at = a.starts_at + dt.timedelta(minutes=rng.randrange(-40, 300))
        try:
            if move in ("in", "out"):
                scan(a, v, move, at)
            elif move == "confirm":
                svc.confirm_attendance(
                    actor=actor("vol_zhan"),
                    activity=a,
                    volunteer_id=v.pk,
                    hours=str(rng.choice([0.5, 1, 1.7, 3])),
                    now=a.ends_at,
                )
            else:
                e = HourEntry.objects.filter(ref=svc.ref_for(a.pk, v.pk)).first()
                if e is not None:
                    svc.void_credit(
                        actor=actor("vol_zhan"), activity=a, entry_id=e.pk, reason="核对"
                    )
        except (ValidationFailed, PermissionDenied):
            pass
    for v in people:
        entries = HourEntry.objects.filter(volunteer=v)
        assert total_hours(v) == sum((e.hours for e in entries), Decimal("0"))
        mine = {r["activity"].pk: r["hours"] for r in svc.my_activities(v)}
        for a in acts:
            credits = entries.filter(ref=svc.ref_for(a.pk, v.pk))
            assert credits.count() <= 1
            voids = entries.filter(ref__in=[f"void:{e.pk}" for e in credits])
            assert mine[a.pk] == sum((e.hours for e in [*credits, *voids]), Decimal("0"))
            assert Decimal("0") <= mine[a.pk] <= Decimal("2")


@pytest.mark.django_db(transaction=True)
def test_thirty_threads_checking_in_at_once_with_duplicates_record_each_once(city: Any) -> None:
    """20 volunteers scan at the same moment, 10 of them twice (a resent request): 20 check-ins,
    then all check out at once: 20 ledger entries."""
    build_volunteer_demo(DEMO_PASSWORD)
    home = Station.objects.get(name="中山西路社区新时代文明实践站")
    start = timezone.now() + dt.timedelta(days=1)
    act = publish(home, start=start, capacity=50)
    people = list(Volunteer.objects.order_by("pk")[:20])
    approved(act, *people)
    for kind, at in (("in", start), ("out", start + dt.timedelta(minutes=95))):
        created, errors = _all_at_once(act, people + people[:10], kind, at)
        assert errors == []
        assert created.count(True) == 20 and created.count(False) == 10
        assert ActivityCheckin.objects.filter(activity=act, kind=kind).count() == 20
    entries = HourEntry.objects.filter(ref__startswith=f"activity:{act.pk}:")
    assert entries.count() == 20 and {e.hours for e in entries} == {Decimal("1.5")}


def _all_at_once(
    act: Activity, senders: list[Volunteer], kind: str, at: dt.datetime
) -> tuple[list[bool], list[Exception]]:
    barrier = threading.Barrier(len(senders))
    created: list[bool] = []
    errors: list[Exception] = []

    def send(v: Volunteer) -> None:
        try:
            barrier.wait()
            created.append(scan(act, v, kind, at)[1])
        except Exception as exc:  # reported by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(v,)) for v in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return created, errors


# ---------------------------------------------------------------- pages and API, end to end
def login(username: str) -> Client:
    c = Client()
    c.force_login(get_user_model().objects.get(username=username))
    return c


def api(username: str) -> APIClient:
    c = APIClient()
    c.force_authenticate(get_user_model().objects.get(username=username))
    return c


def test_the_pages_walk_publish_sign_up_approve_check_in_and_out(world: Any) -> None:
    now = timezone.localtime()
    lat, lng = place_of(world["home"])
    zhan = login("vol_zhan")
    form = {
        "station": str(world["home"].pk),
        "title": "测试：敬老院陪伴",
        "field": "health",
        "duties": "陪老人聊天",
        "starts_at": f"{now + dt.timedelta(days=1):%Y-%m-%dT%H:%M}",
        "ends_at": f"{now + dt.timedelta(days=1, hours=2):%Y-%m-%dT%H:%M}",
        "address": "敬老院",
        "lat": str(lat),
        "lng": str(lng),
        "capacity": "10",
        "radius_m": "",
        "margin_min": "",
    }
    bad = zhan.post("/volunteer/activities/new/", {**form, "capacity": "x"})
    assert bad.status_code == 400 and "招募人数" in bad.content.decode()
    assert not Activity.objects.filter(title="测试：敬老院陪伴").exists()
    r = zhan.post("/volunteer/activities/new/", form)
    act = Activity.objects.get(title="测试：敬老院陪伴")
    assert r.status_code == 302 and r["Location"] == f"/volunteer/activities/{act.pk}/"
    page = zhan.get(r["Location"]).content.decode()
    assert "<svg" in page and f"/volunteer/m/checkin/{act.pk}/{act.token}/" in page
    zyz = login("vol_zyz")
    assert "测试：敬老院陪伴" in zyz.get("/volunteer/m/activities/").content.decode()
    assert zyz.post(f"/volunteer/m/activities/{act.pk}/signup/").status_code == 302
    s = ActivitySignup.objects.get(activity=act)
    assert s.status == "pending"
    refused = zhan.post(
        f"/volunteer/activities/{act.pk}/decide/", {"signup": s.pk, "decision": "decline"}
    )
    assert refused.status_code == 400 and "请填写未通过的理由" in refused.content.decode()
    zhan.post(f"/volunteer/activities/{act.pk}/decide/", {"signup": s.pk, "decision": "approve"})
    s.refresh_from_db()
    assert s.status == "approved"
    # the day of the activity: move it to now (the page takes the real clock)
    Activity.objects.filter(pk=act.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now()
    )
    url = f"/volunteer/m/checkin/{act.pk}/{act.token}/"
    assert zyz.get(url.replace(act.token, "wrong")).status_code == 404
    far = zyz.post(url, {"kind": "in", "lat": str(lat + 0.01), "lng": str(lng)})
    assert far.status_code == 400 and "超出签到范围" in far.content.decode()
    assert not ActivityCheckin.objects.filter(activity=act).exists()
    ActivityCheckin.objects.create(  # checked in two hours ago
        activity=act,
        volunteer=world["zyz"],
        kind="in",
        at=timezone.now() - dt.timedelta(hours=2),
        lat=lat,
        lng=lng,
        distance_m=0,
    )
    out = zyz.post(url, {"kind": "out", "lat": str(lat), "lng": str(lng), "client_key": "k"})
    assert out.status_code == 302
    assert "记录时长" in zyz.get(url).content.decode()
    me = zyz.get("/volunteer/me/").content.decode()
    assert "测试：敬老院陪伴" in me and "2.0 小时" in me


def test_the_api_walk_and_its_chinese_400s(world: Any) -> None:
    start = timezone.now() + dt.timedelta(days=1)
    act = publish(world["home"], start=start)
    listed = api("vol_zyz").get("/api/v1/volunteer/activities").json()
    assert act.pk in [a["id"] for a in listed]
    r = api("vol_zyz").post(f"/api/v1/volunteer/activities/{act.pk}/signups")
    again = api("vol_zyz").post(f"/api/v1/volunteer/activities/{act.pk}/signups")
    assert (r.status_code, again.status_code) == (201, 200)
    assert r.json()["status"] == "pending" and r.json()["id"] == again.json()["id"]
    svc.signup_decide(actor=actor("vol_zhan"), activity=act, signup_id=r.json()["id"], approve=True)
    Activity.objects.filter(pk=act.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1), ends_at=timezone.now()
    )
    body = {"token": act.token, "kind": "in", "lat": act.lat, "lng": act.lng, "client_key": "a"}
    url = f"/api/v1/volunteer/activities/{act.pk}/checkins"
    bad = api("vol_zyz").post(url, {**body, "lat": "北纬"}, format="json")
    assert bad.status_code == 400 and "位置" in bad.json()["detail"]
    no_key = api("vol_zyz").post(url, {**body, "client_key": ""}, format="json")
    assert no_key.status_code == 400 and "缺少客户端编号" in no_key.json()["detail"]
    wrong = api("vol_zyz").post(url, {**body, "token": "x"}, format="json")
    assert wrong.status_code == 404 and "二维码无效" in wrong.json()["detail"]
    assert not ActivityCheckin.objects.filter(activity=act).exists()
    first = api("vol_zyz").post(url, body, format="json")
    second = api("vol_zyz").post(url, body, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"] and first.json()["hours"] is None
    ActivityCheckin.objects.filter(pk=first.json()["id"]).update(
        at=timezone.now() - dt.timedelta(minutes=61)
    )
    out = api("vol_zyz").post(url, {**body, "kind": "out"}, format="json")
    assert out.status_code == 201 and out.json()["hours"] == "1.0"
    hours = api("vol_zyz").get("/api/v1/volunteer/hours").json()
    mine = [h for h in hours if h["ref"] == f"activity:{act.pk}:{world['zyz'].pk}"]
    assert [(h["hours"], h["source"]) for h in mine] == [("1.0", "checkin")]
    assert {h["volunteer"] for h in hours} == {world["zyz"].number}
    staff = api("vol_zhan").get("/api/v1/volunteer/hours?page_size=100").json()
    assert {h["station"] for h in staff} == {world["home"].name}
    bad_day = api("vol_zhan").get("/api/v1/volunteer/hours?since=昨天")
    assert bad_day.status_code == 400 and "日期格式" in bad_day.json()["detail"]

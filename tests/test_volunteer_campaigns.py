"""百日打卡: streak maths, checking in once a day (also two requests at once), the photo kept
without its EXIF, the points signal inside the transaction, removing an improper photo, the
leaderboard, and who may open which page and endpoint (every kind of user, a literal table)."""

from __future__ import annotations

import datetime as dt
import io
import threading
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from chuangcheng.core.errors import ValidationFailed
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.org.access import actor_for
from chuangcheng.org.models import Membership, Unit
from chuangcheng.volunteer import campaigns as svc
from chuangcheng.volunteer.models import (
    Campaign,
    CampaignCheckin,
    CampaignParticipant,
    Station,
)
from chuangcheng.volunteer.roles import CENTRE, INSTITUTE
from chuangcheng.volunteer.seed import build_volunteer_demo
from chuangcheng.volunteer.signals import campaign_day_checked

D = dt.date


# ---------------------------------------------------------------- streak maths (no database)
def days(*ds: str) -> list[dt.date]:
    return [D.fromisoformat(d) for d in ds]


def test_streaks_with_gaps() -> None:
    s = svc.streaks(
        days("2026-03-01", "2026-03-02", "2026-03-03", "2026-03-05", "2026-03-06"),
        today=D(2026, 3, 6),
    )
    assert (s.checked, s.current, s.longest) == (5, 2, 3)


def test_today_not_yet_checked_keeps_the_streak_of_yesterday() -> None:
    s = svc.streaks(days("2026-03-04", "2026-03-05"), today=D(2026, 3, 6))
    assert (s.checked, s.current, s.longest) == (2, 2, 2)


def test_a_missed_yesterday_breaks_the_current_streak() -> None:
    s = svc.streaks(days("2026-03-01", "2026-03-02", "2026-03-03"), today=D(2026, 3, 5))
    assert (s.checked, s.current, s.longest) == (3, 0, 3)


def test_after_the_last_day_the_run_ending_on_it_is_current() -> None:
    s = svc.streaks(
        days("2026-03-08", "2026-03-09", "2026-03-10"), today=D(2026, 4, 1), last=D(2026, 3, 10)
    )
    assert (s.current, s.longest) == (3, 3)
    s = svc.streaks(days("2026-03-08", "2026-03-09"), today=D(2026, 4, 1), last=D(2026, 3, 10))
    assert (s.current, s.longest) == (0, 2)


def test_nothing_checked_and_duplicates() -> None:
    assert svc.streaks([], today=D(2026, 3, 6)) == svc.Streaks(0, 0, 0)
    s = svc.streaks(days("2026-03-06", "2026-03-06"), today=D(2026, 3, 6))
    assert (s.checked, s.current, s.longest) == (1, 1, 1)


def test_the_daily_task_repeats() -> None:
    c = Campaign(start=D(2026, 3, 1), days=5, tasks=["垃圾分类投放", "文明出行", "光盘行动"])
    got = [svc.task_for(c, D(2026, 3, 1) + dt.timedelta(days=i)) for i in range(-1, 6)]
    assert got == ["", "垃圾分类投放", "文明出行", "光盘行动", "垃圾分类投放", "文明出行", ""]


# ---------------------------------------------------------------- the world
PEOPLE = [
    "vol_jm",  # resident
    "citizen",  # another resident
    "vol_zyz",  # volunteer
    "vol_dz",  # team leader
    "vol_zhan",  # 站 staff
    "vol_suo",  # 所 staff (runs the campaign)
    "suo2",  # 所 staff of another street
    "vol_centre",  # 中心 staff
    "dispatcher",  # 12345
    "street_leader",  # 12345 leader of 中山西路街道
    None,
]


def jpeg(exif: bool = True, size: tuple[int, int] = (2400, 1200)) -> io.BytesIO:
    img = Image.new("RGB", size, (120, 160, 90))
    buf = io.BytesIO()
    if exif:
        ex = Image.Exif()
        ex[0x010F] = "PhoneMaker"  # Make
        ex[0x0132] = "2026:03:06 08:00:00"  # DateTime
        img.save(buf, format="JPEG", exif=ex.tobytes())
    else:
        img.save(buf, format="JPEG")
    buf.seek(0)
    buf.name = "p.jpg"
    return buf


@pytest.fixture
def world(city: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.MEDIA_ROOT = str(tmp_path)
    build_volunteer_demo(DEMO_PASSWORD)
    users = get_user_model().objects
    suo = Station.objects.get(name="中山西路街道新时代文明实践所")
    other = Station.objects.get(level=Station.Level.INSTITUTE, name__startswith="人民路")
    centre = suo.parent
    assert centre is not None
    Membership.objects.create(user=users.create(username="suo2"), role=INSTITUTE, unit=other.unit)
    Membership.objects.create(
        user=users.create(username="vol_centre"), role=CENTRE, unit=centre.unit
    )
    Membership.objects.create(
        user=users.create(username="street_leader"),
        role="leader",
        unit=Unit.objects.get(code="S-150103004"),
    )
    today = timezone.localdate()
    c = Campaign.objects.create(
        station=suo,
        title="文明行为100天打卡",
        start=today - dt.timedelta(days=5),
        days=100,
        tasks=["垃圾分类投放", "文明出行", "光盘行动"],
        created_at=timezone.now(),
    )
    return {"campaign": c, "suo": suo, "other": other}


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


def do_checkin(username: str, c: Campaign, **kw: Any) -> svc.CheckinResult:
    u = get_user_model().objects.get(username=username)
    return svc.check_in(actor=actor_for(u), campaign=c, user=u, photo=jpeg(), **kw)


# ---------------------------------------------------------------- checking in
def test_a_check_in_keeps_a_scaled_photo_without_exif_and_sends_the_signal(world: Any) -> None:
    c = world["campaign"]
    seen: list[dict[str, Any]] = []

    def receiver(sender: Any, **kw: Any) -> None:
        seen.append({**kw, "atomic": connection.in_atomic_block})

    campaign_day_checked.connect(receiver)
    try:
        first = do_checkin("vol_zyz", c, note="今天垃圾分类")
    finally:
        campaign_day_checked.disconnect(receiver)
    row = first.checkin
    assert first.created and row.day == timezone.localdate() and row.note == "今天垃圾分类"
    with row.photo.open("rb") as fh, Image.open(fh) as img:
        assert img.format == "JPEG" and max(img.size) == svc.PHOTO_PX
        assert len(img.getexif()) == 0
    zyz = get_user_model().objects.get(username="vol_zyz")
    assert len(seen) == 1
    assert seen[0]["user"] == zyz and seen[0]["campaign"] == c
    assert seen[0]["volunteer"] is not None and seen[0]["volunteer"].user_id == zyz.pk
    assert seen[0]["day"] == timezone.localdate() and seen[0]["atomic"] is True
    # the volunteer's 站 is kept for the statistics; a resident has none
    assert row.station_id == seen[0]["volunteer"].station_id
    assert do_checkin("vol_jm", c).checkin.station_id is None


def test_the_same_day_twice_counts_once(world: Any) -> None:
    c = world["campaign"]
    calls: list[Any] = []

    def listen(sender: Any, **kw: Any) -> None:
        calls.append(kw)

    campaign_day_checked.connect(listen)
    try:
        a = do_checkin("vol_jm", c)
        b = do_checkin("vol_jm", c)
    finally:  # only this listener: the points rules stay connected for the tests after
        campaign_day_checked.disconnect(listen)
    assert (a.created, b.created) == (True, False) and a.checkin.pk == b.checkin.pk
    assert CampaignCheckin.objects.filter(campaign=c).count() == 1 and len(calls) == 1
    assert CampaignParticipant.objects.filter(campaign=c).count() == 1


def test_no_check_in_ahead_or_after_the_day_nor_outside_the_campaign(world: Any) -> None:
    c = world["campaign"]
    today = timezone.localdate()
    with pytest.raises(ValidationFailed, match="还不能提前打卡"):
        do_checkin("vol_jm", c, day=today + dt.timedelta(days=1))
    with pytest.raises(ValidationFailed, match="该日已过，不能补打卡"):
        do_checkin("vol_jm", c, day=today - dt.timedelta(days=1))
    c.start = today + dt.timedelta(days=2)
    c.save()
    with pytest.raises(ValidationFailed, match="尚未开始打卡"):
        do_checkin("vol_jm", c)
    c.start, c.days = today - dt.timedelta(days=10), 5
    c.save()
    with pytest.raises(ValidationFailed, match="该打卡活动已结束"):
        do_checkin("vol_jm", c)
    u = get_user_model().objects.get(username="vol_jm")
    c.start, c.days = today, 5
    c.save()
    with pytest.raises(ValidationFailed, match="请拍照或上传一张照片"):
        svc.check_in(actor=actor_for(u), campaign=c, user=u, photo=None)
    text = io.BytesIO(b"not an image at all")
    text.name = "x.jpg"
    with pytest.raises(ValidationFailed):
        svc.check_in(actor=actor_for(u), campaign=c, user=u, photo=text)
    assert CampaignCheckin.objects.count() == 0


def test_the_page_answers_a_bad_check_in_in_chinese(world: Any) -> None:
    c = world["campaign"]
    r = client("vol_jm").post(f"/v/campaigns/{c.pk}/checkin/", {"note": "x"})
    assert r.status_code == 400 and "请拍照或上传一张照片" in r.content.decode()
    ahead = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    r = client("vol_jm").post(f"/v/campaigns/{c.pk}/checkin/", {"photo": jpeg(), "day": ahead})
    assert r.status_code == 400 and "还不能提前打卡" in r.content.decode()
    r = api("vol_jm").post(
        f"/api/v1/volunteer/campaigns/{c.pk}/checkins", {"day": "2026-13-40", "photo": jpeg()}
    )
    assert r.status_code == 400 and "打卡日期格式" in r.json()["detail"]
    assert CampaignCheckin.objects.count() == 0


def test_removing_an_improper_photo_keeps_who_and_why(world: Any) -> None:
    c = world["campaign"]
    row = do_checkin("vol_jm", c).checkin
    name = row.photo.name
    storage = row.photo.storage
    assert storage.exists(name)
    r = client("vol_suo").post(
        f"/volunteer/campaigns/checkins/{row.pk}/remove-photo/", {"reason": ""}
    )
    assert r.status_code == 400 and "请填写撤下照片的理由" in r.content.decode()
    r = client("vol_suo").post(
        f"/volunteer/campaigns/checkins/{row.pk}/remove-photo/", {"reason": "照片与任务无关"}
    )
    assert r.status_code == 302
    row.refresh_from_db()
    assert not row.photo and not storage.exists(name)
    assert row.photo_removed_by.username == "vol_suo"
    assert row.photo_removed_reason == "照片与任务无关" and row.photo_removed_at is not None
    # the day stays checked
    assert svc.my_days(c, row.user_id) == [timezone.localdate()]
    page = client("vol_suo").get(f"/volunteer/campaigns/{c.pk}/?day={row.day}").content.decode()
    assert "照片与任务无关" in page


def test_the_leaderboard_ranks_by_days_then_longest_streak_and_masks_names(world: Any) -> None:
    c = world["campaign"]
    today = timezone.localdate()
    users = get_user_model().objects
    people = {}
    for username, name in (("p_a", "张三丰"), ("p_b", "李四"), ("p_c", "王五")):
        u = users.create(username=username, first_name=name)
        people[username] = CampaignParticipant.objects.create(
            campaign=c, user=u, display_name=name, joined_at=timezone.now()
        )
    # p_a: 3 days apart (longest 1); p_b: 3 days in a row (longest 3); p_c: 4 days
    pattern = {"p_a": [0, 2, 4], "p_b": [1, 2, 3], "p_c": [0, 1, 3, 5]}
    for username, offsets in pattern.items():
        p = people[username]
        for k, o in enumerate(offsets):
            CampaignCheckin.objects.create(
                campaign=c,
                participant=p,
                user_id=p.user_id,
                day=c.start + dt.timedelta(days=o),
                token=f"{username}{k}",
                checked_at=timezone.now(),
            )
    rows = svc.leaderboard(c, today)
    got = [(r["rank"], r["name"], r["checked"], r["longest"]) for r in rows]
    assert got == [(1, "王*", 4, 2), (2, "李*", 3, 3), (3, "张**", 3, 1)]
    page = client("vol_jm").get(f"/v/campaigns/{c.pk}/board/").content.decode()
    assert "王*" in page and "王五" not in page and "张三丰" not in page


@pytest.mark.django_db(transaction=True)
def test_two_check_ins_at_once_make_one(settings: Any, tmp_path: Any) -> None:
    from chuangcheng.demo.city import build_demo_city

    settings.MEDIA_ROOT = str(tmp_path)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    build_demo_city()
    build_volunteer_demo(DEMO_PASSWORD)
    suo = Station.objects.get(name="中山西路街道新时代文明实践所")
    c = Campaign.objects.create(
        station=suo,
        title="并发打卡",
        start=timezone.localdate(),
        days=10,
        tasks=["垃圾分类投放"],
        created_at=timezone.now(),
    )
    calls: list[Any] = []
    lock = threading.Lock()

    def receiver(sender: Any, **kw: Any) -> None:
        with lock:
            calls.append(kw)

    campaign_day_checked.connect(receiver)
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def worker() -> None:
        try:
            u = get_user_model().objects.get(username="vol_zyz")
            photo = jpeg(size=(40, 30))
            barrier.wait()
            r = svc.check_in(actor=actor_for(u), campaign=c, user=u, photo=photo)
            results.append(r.created)
        except Exception as exc:
            results.append(exc)
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        campaign_day_checked.disconnect(receiver)
    assert sorted(results, key=str) == [False, True]
    assert CampaignCheckin.objects.filter(campaign=c).count() == 1
    assert CampaignParticipant.objects.filter(campaign=c).count() == 1
    assert len(calls) == 1


# ---------------------------------------------------------------- who may do what
PARTICIPANTS_OK = {"vol_jm": 200, "citizen": 200, "vol_zyz": 200, "vol_dz": 200}
NOT_PARTICIPANTS = {
    "vol_zhan": 403,
    "vol_suo": 403,
    "suo2": 403,
    "vol_centre": 403,
    "dispatcher": 403,
    "street_leader": 403,
    None: 302,
}


def test_the_phone_pages(world: Any) -> None:
    c = world["campaign"]
    for url in (
        "/v/campaigns/",
        f"/v/campaigns/{c.pk}/",
        f"/v/campaigns/{c.pk}/me/",
        f"/v/campaigns/{c.pk}/board/",
    ):
        check(PARTICIPANTS_OK | NOT_PARTICIPANTS, lambda who, url=url: client(who).get(url))
    assert client("vol_jm").get("/v/campaigns/999999/").status_code == 404
    page = client("vol_jm").get(f"/v/campaigns/{c.pk}/").content.decode()
    assert f"今天：{svc.task_for(c, timezone.localdate())}" in page and "今日打卡" in page


def test_joining_and_checking_in_on_the_phone(world: Any) -> None:
    c = world["campaign"]
    join = {who: client(who).post(f"/v/campaigns/{c.pk}/join/").status_code for who in PEOPLE}
    assert join == {
        "vol_jm": 302,
        "citizen": 302,
        "vol_zyz": 302,
        "vol_dz": 302,
        **NOT_PARTICIPANTS,
    }
    assert CampaignParticipant.objects.filter(campaign=c).count() == 4
    got = {
        who: client(who).post(f"/v/campaigns/{c.pk}/checkin/", {"photo": jpeg()}).status_code
        for who in PEOPLE
    }
    assert got == {"vol_jm": 302, "citizen": 302, "vol_zyz": 302, "vol_dz": 302, **NOT_PARTICIPANTS}
    assert CampaignCheckin.objects.filter(campaign=c).count() == 4
    me = client("vol_jm").get(f"/v/campaigns/{c.pk}/me/").content.decode()
    assert "cal-day checked today" in me


def test_a_photo_is_seen_by_its_owner_and_the_campaigns_staff_only(world: Any) -> None:
    c = world["campaign"]
    row = do_checkin("vol_jm", c).checkin
    url = f"/v/campaigns/photos/{row.token}/"
    check(
        {
            "vol_jm": 200,
            "citizen": 404,
            "vol_zyz": 404,
            "vol_dz": 404,
            "vol_zhan": 403,
            "vol_suo": 200,
            "suo2": 404,
            "vol_centre": 200,
            "dispatcher": 403,
            "street_leader": 403,
            None: 302,
        },
        lambda who: client(who).get(url),
    )


def test_the_staff_pages(world: Any) -> None:
    c = world["campaign"]
    staff_any = {p: 403 for p in PEOPLE} | {
        "vol_suo": 200,
        "suo2": 200,
        "vol_centre": 200,
        None: 302,
    }
    check(staff_any, lambda who: client(who).get("/volunteer/campaigns/"))
    check(staff_any, lambda who: client(who).get("/volunteer/campaigns/new/"))
    own = staff_any | {"suo2": 404}
    check(own, lambda who: client(who).get(f"/volunteer/campaigns/{c.pk}/"))
    check(own, lambda who: client(who).get(f"/volunteer/campaigns/{c.pk}/edit/"))
    assert c.title in client("vol_centre").get("/volunteer/campaigns/").content.decode()
    assert c.title not in client("suo2").get("/volunteer/campaigns/").content.decode()


def test_creating_and_editing_a_campaign(world: Any) -> None:
    suo = world["suo"]
    body = {
        "station": suo.pk,
        "title": "垃圾分类21天打卡",
        "start": timezone.localdate().isoformat(),
        "days": "21",
        "tasks": "垃圾分类投放\n\n  厨余垃圾沥干  \n",
    }
    before = Campaign.objects.count()
    refused = {
        who: client(who).post("/volunteer/campaigns/new/", body).status_code
        for who in PEOPLE
        if who not in ("vol_suo", "vol_centre", "suo2")
    }
    assert refused == {
        "vol_jm": 403,
        "citizen": 403,
        "vol_zyz": 403,
        "vol_dz": 403,
        "vol_zhan": 403,
        "dispatcher": 403,
        "street_leader": 403,
        None: 302,
    }
    # another street's 所 may not pick this 所 (it is not offered: 400, nothing made)
    assert client("suo2").post("/volunteer/campaigns/new/", body).status_code == 400
    assert Campaign.objects.count() == before
    bad = client("vol_suo").post("/volunteer/campaigns/new/", {**body, "days": "0"})
    assert bad.status_code == 400 and "活动天数应为 1 到 366" in bad.content.decode()
    bad = client("vol_suo").post("/volunteer/campaigns/new/", {**body, "title": "打\x00卡"})
    assert bad.status_code == 400
    with pytest.raises(ValidationFailed, match="无效字符"):
        svc.campaign_create(
            actor=actor_for(get_user_model().objects.get(username="vol_suo")),
            station=suo,
            data={**body, "title": "打\x00卡"},
        )
    bad = client("vol_suo").post("/volunteer/campaigns/new/", {**body, "start": "明天"})
    assert bad.status_code == 400 and "开始日期格式" in bad.content.decode()
    assert Campaign.objects.count() == before
    ok = client("vol_suo").post("/volunteer/campaigns/new/", body)
    assert ok.status_code == 302
    made = Campaign.objects.get(title="垃圾分类21天打卡")
    assert made.tasks == ["垃圾分类投放", "厨余垃圾沥干"] and made.days == 21
    edit = {**body, "title": "垃圾分类30天打卡", "days": "30"}
    assert client("suo2").post(f"/volunteer/campaigns/{made.pk}/edit/", edit).status_code == 404
    made.refresh_from_db()
    assert made.title == "垃圾分类21天打卡"
    assert (
        client("vol_centre").post(f"/volunteer/campaigns/{made.pk}/edit/", edit).status_code == 302
    )
    made.refresh_from_db()
    assert (made.title, made.days) == ("垃圾分类30天打卡", 30)


def test_removing_a_photo_is_refused_to_others_and_changes_nothing(world: Any) -> None:
    c = world["campaign"]
    row = do_checkin("vol_jm", c).checkin
    url = f"/volunteer/campaigns/checkins/{row.pk}/remove-photo/"
    got = {
        who: client(who).post(url, {"reason": "不当"}).status_code
        for who in PEOPLE
        if who not in ("vol_suo", "vol_centre")
    }
    assert got == {
        "vol_jm": 403,
        "citizen": 403,
        "vol_zyz": 403,
        "vol_dz": 403,
        "vol_zhan": 403,
        "suo2": 404,
        "dispatcher": 403,
        "street_leader": 403,
        None: 302,
    }
    row.refresh_from_db()
    assert row.photo and row.photo_removed_at is None


def test_the_campaigns_endpoint(world: Any) -> None:
    c = world["campaign"]
    check(
        {
            "vol_jm": 200,
            "citizen": 200,
            "vol_zyz": 200,
            "vol_dz": 200,
            "vol_zhan": 403,
            "vol_suo": 200,
            "suo2": 200,
            "vol_centre": 200,
            "dispatcher": 403,
            "street_leader": 403,
            None: 401,
        },
        lambda who: api(who).get("/api/v1/volunteer/campaigns"),
    )
    assert [x["id"] for x in api("suo2").get("/api/v1/volunteer/campaigns").json()] == []
    do_checkin("vol_zyz", c)
    body = api("vol_zyz").get("/api/v1/volunteer/campaigns").json()
    assert len(body) == 1
    mine = body[0]
    assert mine["id"] == c.pk and mine["joined"] and mine["checked_today"]
    assert (mine["checked_days"], mine["current_streak"], mine["longest_streak"]) == (1, 1, 1)
    # the campaign started five days ago: today is day 6, the third task of three
    assert mine["today_task"] == "光盘行动" and mine["running"] is True


def test_the_check_in_endpoint(world: Any) -> None:
    c = world["campaign"]
    url = f"/api/v1/volunteer/campaigns/{c.pk}/checkins"
    got = {who: api(who).post(url, {"photo": jpeg(), "note": "好"}).status_code for who in PEOPLE}
    assert got == {
        "vol_jm": 201,
        "citizen": 201,
        "vol_zyz": 201,
        "vol_dz": 201,
        "vol_zhan": 403,
        "vol_suo": 403,
        "suo2": 403,
        "vol_centre": 403,
        "dispatcher": 403,
        "street_leader": 403,
        None: 401,
    }
    assert CampaignCheckin.objects.filter(campaign=c).count() == 4
    again = api("vol_jm").post(url, {"photo": jpeg()})
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["checked_days"] == 1
    assert CampaignCheckin.objects.filter(campaign=c).count() == 4
    assert (
        api("vol_jm")
        .post("/api/v1/volunteer/campaigns/999999/checkins", {"photo": jpeg()})
        .status_code
        == 404
    )


def test_the_demo_campaign(world: Any) -> None:
    from chuangcheng.volunteer.seed_campaigns import TITLE, build_campaign_demo

    world["campaign"].delete()  # the fixture's has the demo's title
    got = build_campaign_demo(DEMO_PASSWORD)
    assert got["participants"] == 300 and got["checkins"] > 3000
    assert build_campaign_demo(DEMO_PASSWORD) == {}  # made once
    c = Campaign.objects.get(title=TITLE)
    today = timezone.localdate()
    assert svc.day_number(c, today) == 41 and svc.is_running(c, today)
    board = svc.leaderboard(c, today)
    assert board[0]["checked"] >= board[-1]["checked"] and board[0]["longest"] >= 5
    assert all("*" in r["name"] for r in board)
    assert CampaignCheckin.objects.filter(campaign=c).exclude(photo="").exists()
    assert CampaignCheckin.objects.filter(campaign=c, station__isnull=False).exists()

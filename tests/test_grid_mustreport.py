"""必报事项: each of the five kinds lands in its ledger (hazards also become 网格事件), deadlines
run from the moment the worker learned of it (a setting per kind, continuous hours), a resend
never doubles (also two threads at once), bad input is a Chinese 400 that changes nothing, and
who opens which page and endpoint (stated here, per user)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from chuangcheng.cases.models import Case
from chuangcheng.core.errors import PermissionDenied, ValidationFailed
from chuangcheng.core.idcard import check_char
from chuangcheng.core.models import Setting
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.grid.models import (
    GridEvent,
    Home,
    HomeCheck,
    IssueEntry,
    MustReport,
    Person,
    PersonRead,
    Pregnancy,
    RentalRecord,
    Residence,
)
from chuangcheng.grid.mustreport import must_report_timeliness, report_file, report_note
from chuangcheng.grid.seed import build_grid_demo
from chuangcheng.org.models import Membership, Region, Unit
from tests.conftest import actor
from tests.test_grid_ledger import login

TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def grids(city: Any) -> list[Region]:
    stats = build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    assert stats["must_reports"] > 100
    return list(
        Region.objects.filter(parent__name="仕奇社区", level=Region.Level.GRID).order_by("code")
    )


def new_id(birth: str = "19900307", seq: str = "123") -> str:
    body = f"152601{birth}{seq}"
    return body + check_char(body)


def bad_id() -> str:
    good = new_id()
    return good[:17] + ("0" if good[17] != "0" else "1")


def home_in(grid: Region) -> Home:
    home = Home.objects.filter(building__grid=grid).order_by("pk").first()
    assert home is not None
    return home


def counts() -> tuple[int, ...]:
    return (
        MustReport.objects.count(),
        Person.objects.count(),
        Residence.objects.count(),
        RentalRecord.objects.count(),
        Pregnancy.objects.count(),
        IssueEntry.objects.count(),
        Case.objects.count(),
        HomeCheck.objects.count(),
    )


def file(grid: Region, key: str, who: str = "gd_sq01", **data: Any) -> tuple[MustReport, bool]:
    return report_file(actor=actor(who), data={"grid": grid.pk, "client_key": key, **data})


def test_a_newcomer_lands_in_the_people_ledger_or_links_the_person(grids: list[Region]) -> None:
    home = home_in(grids[0])
    number = new_id()
    item, created = file(
        grids[0], "n1", kind="newcomer", home=home.pk, name="外来甲", id_number=number,
        phone="13912345678", inflow="01",
    )  # fmt: skip
    assert created and item.status == "filed" and item.on_time is True
    person = Person.objects.get(id_index=item.person.id_index)
    assert person.person_type == Person.Type.FLOATING and person.name == "外来甲"
    assert person.id_masked == number[:6] + "********" + number[-4:]
    assert person.phone_masked == "139****5678"
    res = Residence.objects.get(person=person, home=home, end__isnull=True)
    assert item.residence == res and res.kind == Residence.Kind.RENT
    assert HomeCheck.objects.get(home=home, quarter__endswith=f"Q{(timezone.localdate().month - 1) // 3 + 1}").changed  # fmt: skip
    # someone already in the ledger (same ID number): linked, not made twice
    other = home_in(grids[0]).building.homes.exclude(pk=home.pk).first()
    assert other is not None
    people = Person.objects.count()
    again, _ = file(grids[0], "n2", kind="newcomer", home=other.pk, id_number=number.lower())
    assert again.person == person and Person.objects.count() == people
    assert Residence.objects.filter(person=person, end__isnull=True).count() == 2


def test_a_letting_keeps_its_history_and_marks_the_home(grids: list[Region]) -> None:
    home = Home.objects.filter(building__grid=grids[0], rented=False).first()
    assert home is not None
    file(grids[0], "r1", kind="rental", home=home.pk, landlord="房东甲",
                    tenant="租客甲", start="2026-01-01", landlord_phone="13800001111")  # fmt: skip
    second, _ = file(grids[0], "r2", kind="rental", home=home.pk, landlord="房东甲",
                     tenant="租客乙", start="2026-09-01", end="2027-08-31")  # fmt: skip
    home.refresh_from_db()
    assert home.rented
    rows = list(RentalRecord.objects.filter(home=home).order_by("start"))
    assert [(r.tenant, r.start, r.end) for r in rows] == [
        ("租客甲", dt.date(2026, 1, 1), dt.date(2026, 8, 31)),
        ("租客乙", dt.date(2026, 9, 1), dt.date(2027, 8, 31)),
    ]
    assert rows[0].landlord_phone_masked == "138****1111" and second.rental == rows[1]


def test_a_pregnancy_is_entered_on_a_woman_of_the_grid(grids: list[Region]) -> None:
    woman = (
        Person.objects.filter(
            sex="f", residences__home__building__grid=grids[0], residences__end__isnull=True
        )
        .exclude(pregnancies__isnull=False)
        .first()
    )
    assert woman is not None
    expected = (timezone.localdate() + dt.timedelta(days=150)).isoformat()
    item, _ = file(grids[0], "p1", kind="pregnancy", id_number=woman.id_number,
                   expected=expected, filed="yes")  # fmt: skip
    preg = Pregnancy.objects.get(person=woman)
    assert item.pregnancy == preg and preg.filed == "yes" and str(preg.expected) == expected
    man = Person.objects.filter(
        sex="m", residences__home__building__grid=grids[0], residences__end__isnull=True
    ).first()
    assert man is not None
    before = counts()
    for number, message in (
        (man.id_number, "性别为男"),
        (new_id(seq="771"), "本网格台账中没有此人"),
    ):
        with pytest.raises(ValidationFailed, match=message):
            file(grids[0], f"p-{message}", kind="pregnancy", id_number=number, expected=expected)
    assert counts() == before


def test_hazards_become_events_facilities_when_ticked(grids: list[Region]) -> None:
    cases = Case.objects.filter(kind="gridevent").count()
    hazard, _ = file(grids[0], "h1", kind="hazard", type="fire", place="3号楼楼道",
                     description="楼道内私拉电线充电")  # fmt: skip
    assert hazard.issue is not None and hazard.case is not None
    assert hazard.issue.case == hazard.case and hazard.case.kind == "gridevent"
    event = GridEvent.objects.get(case=hazard.case)
    assert (event.event_class, event.grid) == ("SJ03", grids[0])
    assert hazard.case.created_by.username == "gd_sq01"
    quiet, _ = report_file(
        actor=actor("gd_sq01"),
        data={"grid": grids[0].pk, "client_key": "h2", "kind": "hazard", "type": "safety",
              "place": "东门", "description": "地面轻微不平"},
        needs_action=False,
    )  # fmt: skip
    assert quiet.case is None and quiet.issue is not None
    facility, _ = file(grids[0], "f1", kind="facility", place="5号楼前", description="路灯不亮")
    assert facility.case is None and facility.issue.type == "facility"
    ticked, _ = report_file(
        actor=actor("gd_sq01"),
        data={"grid": grids[0].pk, "client_key": "f2", "kind": "facility", "place": "北门",
              "description": "井盖破损"},
        needs_action=True,
    )  # fmt: skip
    assert ticked.case is not None and GridEvent.objects.get(case=ticked.case).event_class == "SJ05"
    assert Case.objects.filter(kind="gridevent").count() == cases + 2
    # through the page: the box ticked by default for hazards, unticked → no event
    client = login("gd_sq01")
    form = {"kind": "hazard", "grid": grids[0].pk, "type": "order", "place": "7号楼",
            "description": "单元门禁损坏", "client_key": "page-h1"}  # fmt: skip
    resp = client.post("/grid/reports/new/?kind=hazard", {**form, "needs_action": "1"})
    assert resp.status_code == 302
    item = MustReport.objects.get(client_key="page-h1")
    assert resp["Location"] == f"/grid/reports/{item.pk}/" and item.case is not None
    client.post("/grid/reports/new/?kind=hazard", {**form, "client_key": "page-h2"})
    assert MustReport.objects.get(client_key="page-h2").case is None


def test_deadlines_run_from_learning_of_it_and_late_is_marked(grids: list[Region]) -> None:
    now = dt.datetime(2026, 11, 30, 10, 0, tzinfo=TZ)
    on_time, _ = report_file(
        actor=actor("gd_sq01"),
        data={"grid": grids[0].pk, "client_key": "d1", "kind": "facility", "place": "东门",
              "description": "护栏松动", "learned_at": "2026-11-29T10:30:00+08:00"},
        now=now,
    )  # fmt: skip
    assert on_time.due_at == dt.datetime(2026, 11, 30, 10, 30, tzinfo=TZ)
    assert on_time.on_time is True and on_time.reported_at == now
    late, _ = report_file(
        actor=actor("gd_sq01"),
        data={"grid": grids[0].pk, "client_key": "d2", "kind": "facility", "place": "西门",
              "description": "护栏松动", "learned_at": "2026-11-29T09:59"},
        now=now,
    )  # fmt: skip
    assert late.due_at == dt.datetime(2026, 11, 30, 9, 59, tzinfo=TZ) and late.on_time is False
    # the limit is a setting per kind, counted in continuous hours (weekends included)
    Setting.objects.create(key="grid.must_report_hours_rental", value=48)
    sat = dt.datetime(2026, 11, 28, 9, 0, tzinfo=TZ)  # a Saturday
    draft, created = report_note(
        actor=actor("gd_sq01"), kind="rental", grid_id=grids[0].pk, summary="6号楼101出租",
        client_key="note-1", learned_at=sat, now=sat + dt.timedelta(hours=1),
    )  # fmt: skip
    assert created and draft.status == "draft" and draft.due_at == sat + dt.timedelta(hours=48)
    # 今日工作 shows it with the time left, then red once overdue
    client = login("gd_sq01")
    page = client.get("/grid/today/").content.decode()
    overdue = timezone.now() > draft.due_at
    assert "6号楼101出租" in page and ("已逾期" if overdue else "剩余") in page
    home = home_in(grids[0])
    filed, created = report_file(
        actor=actor("gd_sq01"),
        data={"kind": "rental", "home": home.pk, "landlord": "甲", "tenant": "乙",
              "start": "2026-11-28", "learned_at": "2026-11-01T00:00"},
        draft_id=draft.pk,
        now=sat + dt.timedelta(hours=47),
    )  # fmt: skip
    assert created and filed.pk == draft.pk and filed.status == "filed"
    assert filed.learned_at == sat and filed.on_time is True  # the note's moment stands
    again, created = report_file(actor=actor("gd_sq01"), data={}, draft_id=draft.pk)
    assert not created and again.reported_at == sat + dt.timedelta(hours=47)
    assert "6号楼101出租" not in client.get("/grid/today/").content.decode()
    # the list marks late ones
    listed = client.get(f"/grid/reports/?grid={grids[0].pk}&kind=facility&month=2026-11")
    rows = {r.client_key: r for r in listed.context["rows"]}
    assert {"d1", "d2"} <= set(rows) and "逾期上报" in listed.content.decode()


def test_a_resend_returns_the_same_record(grids: list[Region], api: Any) -> None:
    client = api("gd_sq01")
    body = {"kind": "newcomer", "grid": grids[0].pk, "home": home_in(grids[0]).pk,
            "name": "外来乙", "id_number": new_id(seq="555"), "client_key": "api-1"}  # fmt: skip
    first = client.post("/api/v1/grid/reports", body, format="json")
    assert first.status_code == 201, first.content
    before = counts()
    again = client.post("/api/v1/grid/reports", body, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert counts() == before
    # the page form, sent twice by the phone's queue (JSON answers)
    page = login("gd_sq01")
    form = {"kind": "facility", "grid": grids[0].pk, "place": "南门", "description": "栏杆断",
            "client_key": "page-1"}  # fmt: skip
    a = page.post("/grid/reports/new/", form, HTTP_ACCEPT="application/json")
    b = page.post("/grid/reports/new/", form, HTTP_ACCEPT="application/json")
    assert (a.status_code, b.status_code) == (201, 200) and a.json()["id"] == b.json()["id"]
    # another worker reusing the key is refused, not handed someone else's record
    other = api("gd_sq02").post(
        "/api/v1/grid/reports", {**body, "grid": grids[1].pk}, format="json"
    )
    assert other.status_code == 409


@pytest.mark.django_db(transaction=True)
def test_two_threads_sending_the_same_key_make_one_record(grids: list[Region]) -> None:
    from tests.test_concurrency import race

    home = home_in(grids[0])
    number = new_id(seq="913")
    data = {"kind": "newcomer", "grid": grids[0].pk, "home": home.pk, "name": "并发",
            "id_number": number, "client_key": "race-1"}  # fmt: skip
    hazard = {"kind": "hazard", "grid": grids[0].pk, "type": "fire", "place": "并发楼道",
              "description": "私拉电线", "client_key": "race-2"}  # fmt: skip
    for payload in (data, hazard):
        results = race(2, lambda _i, p=payload: report_file(actor=actor("gd_sq01"), data=dict(p)))
        assert not [r for r in results if isinstance(r, BaseException)], results
        assert sorted(created for _item, created in results) == [False, True]
        assert len({item.pk for item, _c in results}) == 1
        assert MustReport.objects.filter(client_key=payload["client_key"]).count() == 1
    assert Person.objects.filter(name="并发").count() == 1
    assert Case.objects.filter(kind="gridevent", title__contains="并发楼道").count() == 1


def test_bad_input_is_a_chinese_400_and_changes_nothing(grids: list[Region], api: Any) -> None:
    home, elsewhere = home_in(grids[0]), home_in(grids[1])
    good = {"kind": "newcomer", "grid": grids[0].pk, "home": home.pk, "name": "外来丙",
            "id_number": new_id(seq="333")}  # fmt: skip
    future = (timezone.localtime() + dt.timedelta(hours=2)).isoformat()
    old = (timezone.localtime() - dt.timedelta(days=31)).isoformat()
    bad = [
        ({"id_number": bad_id()}, "校验位不符"),
        ({"learned_at": future}, "知悉时间不能晚于现在"),
        ({"learned_at": old}, "不能早于 30 天前"),
        ({"home": elsewhere.pk}, "房屋不在您所选的网格内"),
        ({"grid": grids[1].pk}, "请选择您负责的网格"),
        ({"kind": "flood"}, "未知的必报事项类型"),
        (
            {"kind": "rental", "landlord": "甲", "tenant": "乙", "start": "2026-13-01"},
            "起租日期格式不对",
        ),
    ]
    before = counts()
    client, page = api("gd_sq01"), login("gd_sq01")
    for n, (change, message) in enumerate(bad):
        body = {**good, **change, "client_key": f"bad-{n}"}
        resp = client.post("/api/v1/grid/reports", body, format="json")
        assert resp.status_code == 400 and message in resp.json()["detail"], (change, resp.content)
        resp = page.post("/grid/reports/new/", {**body, "client_key": f"badp-{n}"})
        assert resp.status_code == 400 and message in resp.content.decode(), change
    assert page.get("/grid/reports/new/?kind=flood").status_code == 400
    assert counts() == before


def test_the_ranking_reads_timeliness_per_grid_and_worker(grids: list[Region]) -> None:
    users = get_user_model().objects
    w1, w2 = users.get(username="gd_sq01"), users.get(username="gd_sq02")
    base = dt.datetime(2020, 3, 1, 9, 0, tzinfo=TZ)

    def make(n: int, grid: Region, user: Any, hours: int, filed: bool = True) -> None:
        learned = base + dt.timedelta(days=n)
        reported = learned + dt.timedelta(hours=hours)
        MustReport.objects.create(
            kind="facility", grid=grid, reported_by=user, learned_at=learned,
            due_at=learned + dt.timedelta(hours=24), reported_at=reported if filed else None,
            on_time=(hours <= 24) if filed else None, status="filed" if filed else "draft",
            summary="x", client_key=f"t-{n}",
        )  # fmt: skip

    make(0, grids[0], w1, 2)  # grid 1, on time
    make(1, grids[0], w1, 30)  # late
    make(2, grids[0], w1, 24)  # on time (exactly at the deadline)
    make(3, grids[1], w2, 25)  # late
    make(4, grids[1], w1, 1)  # on time (a worker filing in a second grid)
    make(5, grids[1], w2, 1, filed=False)  # a draft past its due: counted, late
    make(40, grids[0], w1, 1)  # outside the window
    got = must_report_timeliness([grids[0].pk, grids[1].pk], base, base + dt.timedelta(days=30))
    assert got == {
        "grids": {grids[0].pk: (2, 3), grids[1].pk: (1, 3)},
        "workers": {w1.pk: (3, 4), w2.pk: (0, 2)},
    }
    # before the draft's due had passed it was not yet late: not counted
    early = must_report_timeliness(
        [grids[1].pk], base, base + dt.timedelta(days=30), now=base + dt.timedelta(days=5, hours=1)
    )
    assert early["grids"] == {grids[1].pk: (1, 2)}
    assert must_report_timeliness([grids[2].pk], base, base + dt.timedelta(days=30)) == {
        "grids": {},
        "workers": {},
    }


def _cm_inspector() -> None:
    u, _ = get_user_model().objects.get_or_create(username="cm_insp_t")
    u.set_password(DEMO_PASSWORD)
    u.save()
    Membership.objects.get_or_create(
        user=u, role="cm_inspector", unit=Unit.objects.get(code="D-CG")
    )


USERS = ["gd_sq01", "gd_sq02", "gd_sqld", "gd_sq", "gd_sqzz", "gd_rml", "gd_cg", "dispatcher",
         "cm_insp_t", "citizen", None]  # fmt: skip
# literal expected statuses per user (None: anonymous)
LIST = dict(zip(USERS, [200, 200, 200, 200, 200, 200, 403, 403, 403, 403, 302], strict=True))
NEW_FORM = dict(zip(USERS, [200, 200, 403, 403, 403, 403, 403, 403, 403, 403, 302], strict=True))
# filing in grid 1: its worker files; the worker of grid 2 is told it is not their grid
FILE = dict(zip(USERS, [302, 400, 403, 403, 403, 403, 403, 403, 403, 403, 302], strict=True))
NOTE = FILE
DETAIL = dict(zip(USERS, [200, 404, 200, 200, 200, 200, 403, 403, 403, 403, 302], strict=True))
API_GET = dict(zip(USERS, [200, 200, 200, 200, 200, 200, 403, 403, 403, 403, 401], strict=True))
API_POST = dict(zip(USERS, [201, 400, 403, 403, 403, 403, 403, 403, 403, 403, 401], strict=True))


def test_who_opens_which_page_and_endpoint(grids: list[Region], api: Any) -> None:
    _cm_inspector()
    item = MustReport.objects.filter(grid=grids[0], status="filed", person__isnull=False).first()
    assert item is not None
    for who in USERS:
        client = login(who) if who else Client()
        assert client.get("/grid/reports/").status_code == LIST[who], who
        assert client.get("/grid/reports/new/?kind=hazard").status_code == NEW_FORM[who], who
        assert client.get(f"/grid/reports/{item.pk}/").status_code == DETAIL[who], who
        assert api(who).get("/api/v1/grid/reports").status_code == API_GET[who], who
        before = counts()
        form = {"kind": "facility", "grid": grids[0].pk, "place": "门口", "description": "坏了",
                "client_key": f"perm-{who}"}  # fmt: skip
        status = client.post("/grid/reports/new/", form).status_code
        assert status == FILE[who], who
        note = {"kind": "rental", "grid": grids[0].pk, "summary": "出租", "client_key": f"pn-{who}"}
        assert client.post("/grid/reports/note/", note).status_code == NOTE[who], who
        made = api(who).post("/api/v1/grid/reports", {**form, "client_key": f"pa-{who}"}, format="json")  # fmt: skip
        assert made.status_code == API_POST[who], who
        if FILE[who] != 302:  # refused: nothing changed
            assert counts() == before, who
    # the worker's list holds their grid's items only; the community's all of its grids
    mine = login("gd_sq01").get("/grid/reports/").context["rows"]
    assert mine and {r.grid_id for r in mine} == {grids[0].pk}
    community = login("gd_sq").get("/grid/reports/").context["rows"]
    assert len({r.grid_id for r in community}) == 10
    api_rows = api("gd_sq02").get("/api/v1/grid/reports").json()
    assert api_rows and {r["grid"] for r in api_rows} == {grids[1].code}


def test_a_detail_shows_masked_data_and_logs_the_look(grids: list[Region]) -> None:
    item = MustReport.objects.filter(grid=grids[0], kind="newcomer", status="filed").first()
    assert item is not None and item.person is not None
    reads = PersonRead.objects.filter(person=item.person).count()
    page = login("gd_sq").get(f"/grid/reports/{item.pk}/").content.decode()
    assert item.person.id_masked in page and item.person.id_number not in page
    assert PersonRead.objects.filter(person=item.person).count() == reads + 1
    assert login("gd_sq02").get(f"/grid/reports/{item.pk}/").status_code == 404
    assert PersonRead.objects.filter(person=item.person).count() == reads + 1


def test_only_a_full_time_worker_files(grids: list[Region]) -> None:
    with pytest.raises(PermissionDenied):
        file(grids[0], "x1", who="gd_sqld", kind="facility", place="a", description="b")

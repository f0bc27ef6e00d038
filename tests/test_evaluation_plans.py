"""创城测评: recurring plans (rounds made by the worker, once, sampled afresh; a series
stopped), 回头看 (the sites struck off in a period, their failed items, 反弹 on a failure
again), and the sites map (latest 得分率, filtered and scoped like the list); who may open
and do what, and a refused request changes nothing."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from chuangcheng.cases.models import Case
from chuangcheng.cases.services import case_transition
from chuangcheng.evaluation import plans, services
from chuangcheng.evaluation.models import (
    Inspection,
    Plan,
    PlanKind,
    PlanSeries,
    Problem,
    Site,
    SiteType,
)
from chuangcheng.evaluation.tasks import create_rounds, schedule_rounds
from chuangcheng.org.models import Membership, Unit
from tests.conftest import actor
from tests.test_concurrency import race
from tests.test_evaluation_loop import answer_all, ev, plan_for, png  # noqa: F401  (fixture)

ZSXL = "150103004"  # 中山西路街道


def login(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


@pytest.fixture
def people(ev: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """The loop's people plus a street-level leader (中山西路街道) and a 12345 dispatcher."""
    street_leader = get_user_model().objects.create(username="ev_ld_zsxl", first_name="街道书记")
    Membership.objects.create(
        user=street_leader, role="ev_leader", unit=Unit.objects.get(code=f"S-{ZSXL}")
    )
    return ev


def evaluator_id() -> int:
    return get_user_model().objects.get(username="ev_cpy").pk


def type_ids(*names: str) -> list[int]:
    return list(SiteType.objects.filter(name__in=names).values_list("pk", flat=True))


def weekly(start: dt.date, **kw: Any) -> PlanSeries:
    args: dict[str, Any] = {
        "actor": actor("ev_ccb"),
        "name": "每周督查",
        "repeat": "weekly",
        "weekday": start.weekday(),
        "starts_on": start,
        "ends_on": start + dt.timedelta(days=60),
        "evaluator_id": evaluator_id(),
        "announced": False,
        "site_type_ids": type_ids("小区", "背街小巷"),
        "sample_per_type": 2,
        "today": start,
    }
    args.update(kw)
    return plans.series_create(**args)


# ---------------------------------------------------------------- when the rounds fall


def _series(repeat: str, **kw: Any) -> PlanSeries:
    return PlanSeries(
        repeat=repeat,
        starts_on=kw.pop("starts_on", dt.date(2026, 1, 1)),
        ends_on=kw.pop("ends_on", dt.date(2027, 12, 31)),
        **kw,
    )


def test_round_days_of_each_rhythm() -> None:
    wednesday = _series("weekly", weekday=2)
    assert plans.round_on(wednesday, dt.date(2026, 12, 1)) == dt.date(2026, 11, 25)  # a Tuesday
    assert plans.round_on(wednesday, dt.date(2026, 12, 2)) == dt.date(2026, 12, 2)
    assert plans.next_round_on(wednesday, dt.date(2026, 12, 2)) == dt.date(2026, 12, 9)
    dekad = _series("dekad")
    assert plans.round_on(dekad, dt.date(2026, 12, 20)) == dt.date(2026, 12, 11)
    assert plans.next_round_on(dekad, dt.date(2026, 12, 21)) == dt.date(2027, 1, 1)
    monthly = _series("monthly", day=31)  # the month's last day when it is shorter
    assert plans.round_on(monthly, dt.date(2027, 2, 28)) == dt.date(2027, 2, 28)
    assert plans.round_on(monthly, dt.date(2027, 2, 27)) == dt.date(2027, 1, 31)
    quarterly = _series("quarterly", day=5)
    assert plans.round_on(quarterly, dt.date(2026, 12, 1)) == dt.date(2026, 10, 5)
    assert plans.round_on(quarterly, dt.date(2027, 1, 4)) == dt.date(2026, 10, 5)
    assert plans.next_round_on(quarterly, dt.date(2027, 1, 4)) == dt.date(2027, 1, 5)
    # before the start and after the end
    late = _series(
        "weekly", weekday=0, starts_on=dt.date(2026, 12, 3), ends_on=dt.date(2026, 12, 20)
    )
    assert plans.round_on(late, dt.date(2026, 12, 5)) is None
    assert plans.round_on(late, dt.date(2027, 3, 1)) == dt.date(2026, 12, 14)
    assert plans.next_round_on(late, dt.date(2026, 12, 14)) is None


# ---------------------------------------------------------------- series and rounds


def test_a_series_makes_each_round_once_sampled_afresh_until_stopped(people: Any) -> None:
    today = timezone.localdate()
    series = weekly(today)
    first = Plan.objects.get(series=series)  # today is a round day: made at once
    assert first.planned_on == today and first.inspections.count() == 4
    assert (
        DBTaskResult.objects.filter(task_path=create_rounds.module_path, status="READY").count()
        == 1
    )
    assert schedule_rounds() is False  # nothing periodic is queued twice
    assert plans.rounds_due(today) == {"series": 1, "rounds": 0}  # the worker again: nothing
    # a week on, the worker makes the next round, sampled afresh among the same kinds
    picks = set()
    for week in range(1, 5):
        day = today + dt.timedelta(days=7 * week)
        assert plans.rounds_due(day)["rounds"] == 1
        assert plans.rounds_due(day)["rounds"] == 0  # restarted worker: made already
        round_ = Plan.objects.get(series=series, planned_on=day)
        sites = list(round_.inspections.values_list("site__site_type__name", "site_id"))
        assert sorted(n for n, _ in sites) == ["小区", "小区", "背街小巷", "背街小巷"]
        assert not round_.announced and round_.evaluator.username == "ev_cpy"
        picks.add(frozenset(s for _, s in sites))
    assert len(picks) > 1  # not the same four sites every week
    # the office's page shows the series and its rounds; the office stops it
    page = login("ev_ccb").get("/evaluation/plans/").content.decode()
    assert "每周督查" in page and "每周" in page.split('data-testid="series"')[1]
    resp = login("ev_ccb").post(f"/evaluation/plans/series/{series.pk}/stop/")
    assert resp.status_code == 302
    series.refresh_from_db()
    assert series.stopped_at is not None and series.stopped_by.username == "ev_ccb"
    assert plans.rounds_due(today + dt.timedelta(days=35))["rounds"] == 0
    assert Plan.objects.filter(series=series).count() == 5
    assert login("ev_ccb").post(f"/evaluation/plans/series/{series.pk}/stop/").status_code == 409
    assert "已停止" in login("ev_ccb").get("/evaluation/plans/").content.decode()


def test_a_series_from_the_page_and_its_bad_input(people: Any) -> None:
    client = login("ev_ccb")
    today = timezone.localdate()
    base = {
        "name": "旬推进",
        "planned_on": today.isoformat(),
        "evaluator": evaluator_id(),
        "type": type_ids("集贸市场"),
        "repeat": "dekad",
        "ends_on": (today + dt.timedelta(days=90)).isoformat(),
    }
    bad = [
        ({"ends_on": (today - dt.timedelta(days=1)).isoformat()}, "截止日期不能早于开始日期"),
        ({"type": ["999999"]}, "所选点位类型不存在"),
        ({"type": ["abc"]}, "点位类型应为数字"),
        ({"repeat": "daily"}, "重复方式只能是"),
        ({"repeat": "monthly", "day": "32"}, "每月的日期应在 1 到 31 之间"),
        ({"ends_on": "下个月"}, "截止日期格式不对"),
        ({"ends_on": ""}, "请填写截止日期"),
        ({"kind": "flying"}, "计划类型只能是测评或回头看"),
    ]
    for change, message in bad:
        resp = client.post("/evaluation/plans/", {**base, **change})
        assert resp.status_code == 400, change
        assert message in resp.content.decode(), change
    assert not PlanSeries.objects.exists() and not Plan.objects.exists()
    assert client.post("/evaluation/plans/", base).status_code == 302
    series = PlanSeries.objects.get()
    assert series.repeat == "dekad" and list(series.site_types.values_list("name", flat=True)) == [
        "集贸市场"
    ]
    # a one-off plan with an unknown type is refused too (it used to be “no sites”)
    resp = client.post(
        "/evaluation/plans/",
        {**base, "repeat": "", "type": ["999999"]},
    )
    assert resp.status_code == 400 and "所选点位类型不存在" in resp.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_workers_make_one_round(people: Any) -> None:
    today = timezone.localdate()
    series = weekly(
        today, starts_on=today - dt.timedelta(days=1), weekday=(today.weekday() + 3) % 7
    )
    assert not Plan.objects.filter(series=series).exists()  # today is no round day
    day = today + dt.timedelta(days=3)
    results = race(6, lambda _i: plans.rounds_due(day))
    assert all(isinstance(r, dict) for r in results), results
    assert sum(r["rounds"] for r in results) == 1
    made = Plan.objects.get(series=series)
    assert made.planned_on == day and made.inspections.count() == 4
    assert Inspection.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_a_stop_and_a_round_at_once(people: Any) -> None:
    today = timezone.localdate()
    series = weekly(
        today, starts_on=today - dt.timedelta(days=1), weekday=(today.weekday() + 3) % 7
    )
    day = today + dt.timedelta(days=3)

    def go(i: int) -> Any:
        if i == 0:
            return plans.series_stop(actor=actor("ev_ccb"), series_id=series.pk)
        return plans.round_create(series.pk, day)

    results = race(2, go)
    assert not any(isinstance(r, BaseException) for r in results), results
    # either the round came first (and is whole) or the stop did (and no round)
    rounds = Plan.objects.filter(series=series)
    assert rounds.count() in (0, 1)
    assert Inspection.objects.count() == 4 * rounds.count()


# ---------------------------------------------------------------- 回头看


def _struck_off(ev: dict[str, Any], fails: set[str]) -> Case:  # noqa: F811
    inspection = plan_for(ev["hotel"], announced=True)
    answer_all(inspection, fails=fails)
    services.inspection_submit(actor=actor("ev_cpy"), inspection_id=inspection.pk)
    sw = Unit.objects.get(code="D-SW")
    for problem in Problem.objects.filter(inspection=inspection):
        pk = problem.case_id
        case_transition(case_id=pk, action="assign", actor=actor("ev_ccb"), data={"unit": sw.pk, "severity": "minor"})  # fmt: skip
        case_transition(case_id=pk, action="report", actor=actor("ev_sw"), data={"note": "已整改"}, attachments=[(png(), "整改后")])  # fmt: skip
        case_transition(case_id=pk, action="review_pass", actor=actor("ev_cpy"), data={})
    return Problem.objects.filter(inspection=inspection).first().case  # type: ignore[union-attr]


def test_a_revisit_checks_the_failed_items_of_the_sites_struck_off(people: Any) -> None:
    hotel = people["hotel"]
    case = _struck_off(people, {"1.1.3"})
    today = timezone.localdate()
    client = login("ev_ccb")
    resp = client.post(
        "/evaluation/plans/",
        {
            "name": "12月回头看",
            "kind": "revisit",
            "planned_on": today.isoformat(),
            "evaluator": evaluator_id(),
            "revisit_from": (today - dt.timedelta(days=30)).isoformat(),
            "revisit_to": today.isoformat(),
            "announced": "1",
        },
    )
    assert resp.status_code == 302
    plan = Plan.objects.get(name="12月回头看")
    assert plan.kind == PlanKind.REVISIT
    revisit = plan.inspections.get()
    assert revisit.site == hotel
    items = services.checklist(revisit)
    assert [i.code for i in items] == ["1.1.3"]  # only what had failed
    page = client.get("/evaluation/plans/").content.decode()
    assert "回头看" in page.split('data-testid="plans"')[1]
    # failing again is 反弹; the visit counts like any inspection (its 得分率 is that item's)
    answer_all(revisit, fails={"1.1.3"})
    done = services.inspection_submit(actor=actor("ev_cpy"), inspection_id=revisit.pk)
    assert done.score_rate == 0
    again = Problem.objects.get(inspection=revisit)
    assert again.rebound is True and again.item_id == case.problem.item_id
    # the whole checklist, when chosen
    whole = services.plan_create(
        actor=actor("ev_ccb"),
        name="回头看全部条目",
        planned_on=today,
        evaluator_id=evaluator_id(),
        announced=True,
        kind=PlanKind.REVISIT,
        revisit_all_items=True,
    )
    assert len(services.checklist(whole.inspections.get())) > 1


def test_a_revisit_marks_a_rebound_of_its_period_even_beyond_the_rebound_days(
    people: Any,
) -> None:
    case = _struck_off(people, {"1.1.3"})
    long_ago = timezone.now() - dt.timedelta(days=200)
    Case.objects.filter(pk=case.pk).update(closed_at=long_ago)  # struck off 200 days ago
    day = timezone.localdate(long_ago)
    today = timezone.localdate()
    # an ordinary inspection now: outside the 90-day 反弹认定期, no rebound
    plain = plan_for(people["hotel"], announced=True)
    answer_all(plain, fails={"1.1.3"})
    services.inspection_submit(actor=actor("ev_cpy"), inspection_id=plain.pk)
    assert Problem.objects.get(inspection=plain).rebound is False
    # a 回头看 of that period: a failure again is 反弹
    plan = services.plan_create(
        actor=actor("ev_ccb"),
        name="半年回头看",
        planned_on=today,
        evaluator_id=evaluator_id(),
        announced=True,
        kind=PlanKind.REVISIT,
        revisit_from=day - dt.timedelta(days=1),
        revisit_to=day + dt.timedelta(days=1),
    )
    visit = plan.inspections.get()
    answer_all(visit, fails={"1.1.3"})
    services.inspection_submit(actor=actor("ev_cpy"), inspection_id=visit.pk)
    assert Problem.objects.get(inspection=visit).rebound is True


def test_a_revisit_with_nothing_struck_off_and_bad_periods(people: Any) -> None:
    client = login("ev_ccb")
    today = timezone.localdate()
    base = {
        "name": "回头看",
        "kind": "revisit",
        "planned_on": today.isoformat(),
        "evaluator": evaluator_id(),
    }
    resp = client.post("/evaluation/plans/", base)
    assert resp.status_code == 400 and "没有销号的问题点位" in resp.content.decode()
    resp = client.post(
        "/evaluation/plans/",
        {**base, "revisit_from": today.isoformat(), "revisit_to": "2026-01-01"},
    )
    assert resp.status_code == 400 and "不能早于起始日期" in resp.content.decode()
    assert not Plan.objects.exists()


def test_a_revisit_series_looks_back_before_each_round(people: Any) -> None:
    _struck_off(people, {"1.1.3"})
    today = timezone.localdate()
    series = weekly(
        today + dt.timedelta(days=1),
        kind="revisit",
        site_type_ids=[],
        sample_per_type=None,
        revisit_days=7,
        today=today,
    )
    assert plans.rounds_due(today + dt.timedelta(days=1))["rounds"] == 1
    round_ = Plan.objects.get(series=series)
    assert round_.kind == "revisit" and round_.revisit_to == today
    assert [i.site_id for i in round_.inspections.all()] == [people["hotel"].pk]
    # eight days later the problem lies beyond the week looked back on: an empty round, kept
    assert plans.rounds_due(today + dt.timedelta(days=8))["rounds"] == 1
    assert Plan.objects.get(series=series, planned_on=today + dt.timedelta(days=8)).inspections.count() == 0  # fmt: skip


# ---------------------------------------------------------------- the sites map


def _markers(who: str, query: str = "") -> list[dict[str, Any]]:
    resp = login(who).get(f"/evaluation/sites/map.json{query}")
    assert resp.status_code == 200
    return json.loads(resp.content)["sites"]


def test_the_map_shows_the_lists_sites_with_their_latest_rate(people: Any) -> None:
    hotel = people["hotel"]
    # an announced visit (80 %), then an unannounced one (0 % of what applied)
    first = plan_for(hotel, announced=True)
    answer_all(first, fails=set())
    services.inspection_submit(actor=actor("ev_cpy"), inspection_id=first.pk)
    hidden = plan_for(hotel, announced=False)
    codes = [i.code for i in services.checklist(hidden)]
    answer_all(hidden, fails=set(codes))
    services.inspection_submit(actor=actor("ev_cpy"), inspection_id=hidden.pk)
    office = {m["id"]: m for m in _markers("ev_ccb")}
    assert len(office) == Site.objects.count()
    assert office[hotel.pk]["rate"] == 0 and office[hotel.pk]["inspected"]
    assert sum(1 for m in office.values() if m["rate"] is None) == len(office) - 1  # grey
    # the unit never learns the 暗访's score: it sees the announced visit's
    unit = {m["id"]: m for m in _markers("ev_sw")}
    assert unit[hotel.pk]["rate"] == 1
    # the same filters as the list
    hotels = type_ids("宾馆酒店")[0]
    filtered = _markers("ev_ccb", f"?type={hotels}&street={hotel.street_id}")
    assert {m["type"] for m in filtered} == {"宾馆酒店"} and hotel.pk in {m["id"] for m in filtered}
    assert len(filtered) == Site.objects.filter(site_type_id=hotels, street=hotel.street).count()
    assert login("ev_ccb").get("/evaluation/sites/map.json?type=abc").status_code == 400
    # the page carries the map with the list's filters
    page = login("ev_ccb").get(f"/evaluation/sites/?type={hotels}&page=1").content.decode()
    url = re.search(r'data-url="([^"]*)"', page)
    assert url is not None and url.group(1) == f"/evaluation/sites/map.json?type={hotels}"


# ---------------------------------------------------------------- who may open and do what

EVERYONE = ["ev_ccb", "ev_cpy", "ev_sw", "ev_ld", "ev_ld_zsxl", "citizen", "dispatcher"]


@pytest.mark.parametrize(
    ("who", "plans_page", "map_sites"),
    [
        ("ev_ccb", 200, "all"),
        ("ev_cpy", 403, "all"),
        ("ev_sw", 403, "D-SW"),  # 商务局: the sites it answers for or is paired with
        ("ev_zsxl", 403, f"S-{ZSXL}"),  # a street office as 责任单位: likewise
        ("ev_ld", 200, "all"),
        ("ev_ld_zsxl", 200, "street"),
        ("citizen", 403, None),
        ("dispatcher", 403, None),
    ],
)
def test_who_opens_the_plans_and_the_map(
    people: Any, who: str, plans_page: int, map_sites: str | None
) -> None:
    client = login(who)
    assert client.get("/evaluation/plans/").status_code == plans_page
    resp = client.get("/evaluation/sites/map.json")
    if map_sites is None:
        assert resp.status_code == 403
        return
    ids = {m["id"] for m in json.loads(resp.content)["sites"]}
    if map_sites == "all":
        expected = set(Site.objects.values_list("pk", flat=True))
    elif map_sites == "street":
        expected = set(Site.objects.filter(street__code=ZSXL).values_list("pk", flat=True))
    else:
        unit = Unit.objects.get(code=map_sites)
        expected = set(Site.objects.filter(unit=unit).values_list("pk", flat=True)) | set(
            Site.objects.filter(paired_units=unit).values_list("pk", flat=True)
        )
    assert ids == expected


def test_a_street_leader_sees_only_the_series_of_its_street(people: Any) -> None:
    today = timezone.localdate()
    zsxl = Site.objects.filter(street__code=ZSXL).values_list("street_id", flat=True)[0]
    weekly(today, name="中山西路周督查", street_ids=[zsxl])
    other = Site.objects.exclude(street__code=ZSXL).values_list("street_id", flat=True)[0]
    weekly(today, name="别的街道周督查", street_ids=[other])
    page = login("ev_ld_zsxl").get("/evaluation/plans/").content.decode()
    assert "中山西路周督查" in page and "别的街道周督查" not in page
    assert 'data-testid="stop-series"' not in page and 'data-testid="plan-form"' not in page
    page = login("ev_ld").get("/evaluation/plans/").content.decode()
    assert "中山西路周督查" in page and "别的街道周督查" in page


@pytest.mark.parametrize("who", ["ev_cpy", "ev_sw", "ev_ld", "ev_ld_zsxl", "citizen", "dispatcher"])
def test_only_the_office_plans_and_stops_and_a_refusal_changes_nothing(
    people: Any, who: str
) -> None:
    today = timezone.localdate()
    series = weekly(today)
    before = (
        list(PlanSeries.objects.values_list("pk", "stopped_at")),
        Plan.objects.count(),
        Inspection.objects.count(),
    )
    client = login(who)
    assert client.post(f"/evaluation/plans/series/{series.pk}/stop/").status_code == 403
    post = {
        "name": "x",
        "planned_on": today.isoformat(),
        "evaluator": evaluator_id(),
        "repeat": "weekly",
        "weekday": "0",
        "ends_on": (today + dt.timedelta(days=30)).isoformat(),
    }
    assert client.post("/evaluation/plans/", post).status_code == 403
    assert client.post("/evaluation/plans/", {**post, "repeat": "", "kind": "revisit"}).status_code == 403  # fmt: skip
    after = (
        list(PlanSeries.objects.values_list("pk", "stopped_at")),
        Plan.objects.count(),
        Inspection.objects.count(),
    )
    assert after == before


def test_stopping_a_series_one_does_not_see_is_404(people: Any) -> None:
    today = timezone.localdate()
    series = weekly(today)
    # another office, of one street only, sees no round of this series (all its sites elsewhere)
    street_office = get_user_model().objects.create(username="ev_ccb_x")
    Membership.objects.create(
        user=street_office,
        role="ev_office",
        unit=Unit.objects.get(code=f"S-{ZSXL}"),
    )
    Inspection.objects.filter(plan__series=series, site__street__code=ZSXL).delete()
    assert login("ev_ccb_x").post(f"/evaluation/plans/series/{series.pk}/stop/").status_code == 404
    series.refresh_from_db()
    assert series.stopped_at is None


def test_the_maps_query_count_does_not_grow_with_the_sites(people: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for site in Site.objects.filter(street__code=ZSXL, site_type__name="宾馆酒店"):
        visit = plan_for(site, announced=True)
        answer_all(visit, fails=set())
        services.inspection_submit(actor=actor("ev_cpy"), inspection_id=visit.pk)
    client = login("ev_ccb")
    hotels = type_ids("宾馆酒店")[0]
    counts = []
    for query in (f"?type={hotels}&street={people['hotel'].street_id}", ""):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/evaluation/sites/map.json{query}").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_the_periodic_run_makes_the_rounds_and_queues_its_next_run_once(people: Any) -> None:
    today = timezone.localdate()
    series = weekly(today + dt.timedelta(days=1), today=today)  # starts tomorrow: no round yet
    DBTaskResult.objects.all().delete()
    assert create_rounds.call() == {"series": 0, "rounds": 0}
    pending = DBTaskResult.objects.filter(task_path=create_rounds.module_path, status="READY")
    assert pending.count() == 1 and pending.get().run_after > timezone.now()
    assert create_rounds.call()["rounds"] == 0 and pending.count() == 1  # still one pending
    assert not Plan.objects.filter(series=series).exists()

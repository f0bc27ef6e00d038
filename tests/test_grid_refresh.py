"""季度更新: each quarter the grid's worker confirms every home (one tap, idempotent; a change
through a must-report confirms it as changed); a home last confirmed before the quarter began is
stale; the community and the street see each grid's progress; who may do what."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from chuangcheng.core.errors import NotFound, PermissionDenied
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.grid.models import Home, HomeCheck
from chuangcheng.grid.refresh import (
    home_confirm,
    progress,
    quarter_of,
    quarter_start,
    stale_homes,
)
from chuangcheng.grid.seed import build_grid_demo
from chuangcheng.org.models import Region
from tests.conftest import actor, user
from tests.test_grid_ledger import login
from tests.test_grid_mustreport import USERS, _cm_inspector, new_id

TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def grids(city: Any) -> list[Region]:
    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    grids = list(
        Region.objects.filter(parent__name="仕奇社区", level=Region.Level.GRID).order_by("code")
    )
    # grid 1 starts the quarter with nothing confirmed (the demo's checks of it removed)
    HomeCheck.objects.filter(
        home__building__grid=grids[0], quarter=quarter_of(timezone.localdate())
    ).delete()
    return grids


def test_quarters() -> None:
    assert [quarter_of(dt.date(2026, m, 15)) for m in (1, 3, 4, 6, 7, 9, 10, 12)] == [
        "2026Q1", "2026Q1", "2026Q2", "2026Q2", "2026Q3", "2026Q3", "2026Q4", "2026Q4",
    ]  # fmt: skip
    assert quarter_start(dt.date(2026, 11, 30)) == dt.date(2026, 10, 1)
    assert quarter_start(dt.date(2026, 1, 1)) == dt.date(2026, 1, 1)


def test_a_worker_confirms_their_homes_once_each(grids: list[Region]) -> None:
    today = timezone.localdate()
    homes = list(Home.objects.filter(building__grid=grids[0]).order_by("pk"))
    assert len(homes) == 72  # 3 buildings × 2 units × 6 floors × 2 doors
    worker = actor("gd_sq01")
    [p] = progress(Region.objects.filter(pk=grids[0].pk), today)
    assert (p.confirmed, p.total) == (0, 72)
    stale = list(stale_homes(Region.objects.filter(pk=grids[0].pk), today))
    assert len(stale) == 72 and all(h.last is not None for h in stale)  # confirmed last quarter
    assert all(h.last.date() < quarter_start(today) for h in stale)  # type: ignore[attr-defined]
    for home in homes[:3]:
        _check, created = home_confirm(actor=worker, home_id=home.pk)
        assert created
    _check, created = home_confirm(actor=worker, home_id=homes[0].pk)  # the same tap again
    assert not created and HomeCheck.objects.filter(home=homes[0]).count() == 2  # Q-1 and now
    # a newcomer reported in a fourth home confirms it, as changed
    from chuangcheng.grid.mustreport import report_file

    report_file(
        actor=worker,
        data={"kind": "newcomer", "grid": grids[0].pk, "home": homes[3].pk, "name": "新住户",
              "id_number": new_id(seq="642"), "client_key": "rf-1"},
    )  # fmt: skip
    [p] = progress(Region.objects.filter(pk=grids[0].pk), today)
    assert (p.confirmed, p.changed, p.total, p.open) == (4, 1, 72, 68)
    assert round(p.share, 4) == round(4 / 72, 4)
    assert {h.pk for h in stale_homes(Region.objects.filter(pk=grids[0].pk), today)} == {
        h.pk for h in homes[4:]
    }
    # another grid's home, or someone who is not the grid's worker: refused, nothing made
    other = Home.objects.filter(building__grid=grids[1]).first()
    assert other is not None
    before = HomeCheck.objects.count()
    with pytest.raises(NotFound):
        home_confirm(actor=worker, home_id=other.pk)
    for who in ("gd_sqld", "gd_sq", "gd_rml"):
        with pytest.raises(PermissionDenied):
            home_confirm(actor=actor(who), home_id=homes[10].pk)
    assert HomeCheck.objects.count() == before


def test_stale_means_last_confirmed_before_the_quarter_began(grids: list[Region]) -> None:
    home = Home.objects.filter(building__grid=grids[0]).order_by("pk").first()
    assert home is not None
    day = dt.date(2026, 11, 30)
    at = dt.datetime(2026, 9, 30, 23, 0, tzinfo=TZ)  # the last evening of Q3
    HomeCheck.objects.filter(home=home).delete()
    HomeCheck.objects.create(
        home=home, quarter="2026Q3", confirmed_by=user("gd_sq01"), confirmed_at=at
    )
    just_grid = Region.objects.filter(pk=grids[0].pk)
    assert home.pk in {h.pk for h in stale_homes(just_grid, day)}
    home_confirm(actor=actor("gd_sq01"), home_id=home.pk, now=dt.datetime(2026, 10, 1, 0, 5, tzinfo=TZ))  # fmt: skip
    assert home.pk not in {h.pk for h in stale_homes(just_grid, day)}
    assert home.pk in {h.pk for h in stale_homes(just_grid, dt.date(2027, 1, 1))}


def test_the_pages(grids: list[Region]) -> None:
    worker = login("gd_sq01")
    page = worker.get("/grid/refresh/")
    assert page.status_code == 200 and len(page.context["stale"]) == 72
    home = page.context["stale"][0]
    first = worker.post(f"/grid/refresh/homes/{home.pk}/confirm/", HTTP_ACCEPT="application/json")
    again = worker.post(f"/grid/refresh/homes/{home.pk}/confirm/", HTTP_ACCEPT="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert len(worker.get("/grid/refresh/").context["stale"]) == 71
    # the community sees each of its ten grids' progress, the worker only theirs
    community = login("gd_sq").get("/grid/refresh/")
    assert community.context["stale"] is None
    got = {p.grid.pk: (p.confirmed, p.total) for p in community.context["progress"]}
    assert len(got) == 10 and got[grids[0].pk] == (1, 72)
    assert [p.grid.pk for p in worker.get("/grid/refresh/").context["progress"]] == [grids[0].pk]
    # 今日工作 shows the quarter's open homes
    today = worker.get("/grid/today/").content.decode()
    assert "还有 71 户" in today


# literal expected statuses per user (None: anonymous)
PAGE = dict(zip(USERS, [200, 200, 200, 200, 200, 200, 403, 403, 403, 403, 302], strict=True))
CONFIRM = dict(zip(USERS, [302, 404, 403, 403, 403, 403, 403, 403, 403, 403, 302], strict=True))


def test_who_opens_the_refresh_and_confirms(grids: list[Region]) -> None:
    _cm_inspector()
    home = Home.objects.filter(building__grid=grids[0]).order_by("pk").first()
    assert home is not None
    for who in USERS:
        client = login(who) if who else Client()
        assert client.get("/grid/refresh/").status_code == PAGE[who], who
        before = HomeCheck.objects.count()
        assert client.post(f"/grid/refresh/homes/{home.pk}/confirm/").status_code == CONFIRM[who]
        if CONFIRM[who] != 302 or who is None:
            assert HomeCheck.objects.count() == before, who

"""The privacy log of the 网格 registers: a look that is refused (the control register, a person's
record, a full ID number) changes nothing and still leaves a line saying who asked for what; a
look that is allowed is logged as a look. Expected answers are stated here, not read from code."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.grid.models import ControlEntry, Person, PersonRead, RefusedRead, Residence
from chuangcheng.grid.seed import build_grid_demo
from chuangcheng.org.models import Region
from tests.test_grid_ledger import login


@pytest.fixture
def grids(city: Any) -> list[Region]:
    build_grid_demo(DEMO_PASSWORD, today=dt.date(2026, 11, 30))
    return list(
        Region.objects.filter(parent__name="仕奇社区", level=Region.Level.GRID).order_by("code")
    )


def someone_in(grid: Region) -> Person:
    res = Residence.objects.filter(home__building__grid=grid, end__isnull=True).first()
    assert res is not None
    return res.person


def counts() -> tuple[int, int, int]:
    return PersonRead.objects.count(), ControlEntry.objects.count(), Person.objects.count()


# who is refused the control register, and where (role check or scope): status stated here
CONTROL_REFUSED = {
    "gd_sq": 403,  # 社区工作人员: reads ledgers, not the control register
    "gd_sqld": 403,  # 楼栋长
    "gd_rml": 403,  # 街道网格中心
    "dispatcher": 403,  # 12345
    "handler_cg": 403,  # 12345 handler at the 城管 bureau
    "leader": 403,
    "citizen": 403,
}


@pytest.mark.parametrize("who", list(CONTROL_REFUSED))
def test_a_refused_look_at_the_control_register_leaves_a_line(
    grids: list[Region], who: str
) -> None:
    before = counts()
    resp = login(who).get("/grid/control/")
    assert resp.status_code == CONTROL_REFUSED[who]
    assert counts() == before  # nothing read, nothing logged as read, nothing changed
    line = RefusedRead.objects.get()
    assert (line.user.username, line.what, line.path) == (who, "管控台账", "/grid/control/")


def test_allowed_looks_are_looks_not_refusals(grids: list[Region]) -> None:
    reads = PersonRead.objects.count()
    assert login("gd_sqzz").get("/grid/control/").status_code == 200
    assert PersonRead.objects.count() > reads
    person = someone_in(grids[0])
    assert login("gd_sq01").get(f"/grid/people/{person.pk}/").status_code == 200
    assert not RefusedRead.objects.exists()


def test_a_person_outside_ones_grids_and_a_full_number_refused(grids: list[Region]) -> None:
    theirs = someone_in(grids[1])
    before = counts()
    refused = login("gd_sq01").get(f"/grid/people/{theirs.pk}/")
    assert refused.status_code == 404
    # a grid worker's phone page errs in the staff layout, not the citizens' 12345 one
    assert "12345 市民诉求" not in refused.content.decode()
    assert "人员不存在，或不在您负责的网格" in refused.content.decode()
    assert login("gd_sq").post(f"/grid/people/{theirs.pk}/id/").status_code == 403
    assert login("dispatcher").get(f"/grid/people/{theirs.pk}/").status_code == 403
    assert counts() == before
    lines = list(
        RefusedRead.objects.order_by("at", "pk").values_list("user__username", "what", "person_ref")
    )
    assert lines == [
        ("gd_sq01", "人员信息", theirs.pk),
        ("gd_sq", "完整身份证号码", theirs.pk),
        ("dispatcher", "人员信息", theirs.pk),
    ]


def test_someone_not_signed_in_is_sent_to_sign_in_and_not_logged(grids: list[Region]) -> None:
    assert Client().get("/grid/control/").status_code == 302
    assert not RefusedRead.objects.exists()

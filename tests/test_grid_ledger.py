"""网格台账: the 人房 ledgers of 仕奇社区's ten grids — who reads which grid (a grid worker their
own, the community and the street all of theirs, nobody else), ID numbers encrypted at rest and
shown masked, every look at a person logged, the full number only for the roles that need it,
the Excel import (all or nothing, every broken row named) and the masked export."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from openpyxl import Workbook, load_workbook

from chuangcheng.core.idcard import check_char, parse_id
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.grid.ledgers import COLUMNS
from chuangcheng.grid.models import Person, PersonRead, Residence
from chuangcheng.grid.seed import build_grid_demo
from chuangcheng.org.models import Region


@pytest.fixture
def grids(city: Any) -> list[Region]:
    stats = build_grid_demo(DEMO_PASSWORD, today=dt.date(2026, 11, 30))
    assert stats["people"] > 1000
    return list(
        Region.objects.filter(parent__name="仕奇社区", level=Region.Level.GRID).order_by("code")
    )


def login(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def someone_in(grid: Region) -> Person:
    res = (
        Residence.objects.filter(home__building__grid=grid, end__isnull=True)
        .select_related("person")
        .first()
    )
    assert res is not None
    return res.person


def test_id_numbers_are_encrypted_at_rest_valid_and_unique(grids: list[Region]) -> None:
    person = someone_in(grids[0])
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone FROM grid_person WHERE id = %s", [person.pk])
        stored_id, _stored_phone = cur.fetchone()
    assert person.id_number not in stored_id and person.id_number[6:14] not in stored_id
    assert parse_id(person.id_number).birth == person.birth
    assert person.id_masked == person.id_number[:6] + "********" + person.id_number[-4:]
    assert Person.objects.filter(id_index=person.id_index).count() == 1


# who opens the ledger page, and how many grids each sees (stated here, not read from code)
LEDGER = {
    "gd_sq01": 1,  # 专职网格员 of grid 1
    "gd_sq02": 1,
    "gd_sqld": 1,  # 楼栋长 in grid 1
    "gd_sq": 10,  # 社区工作人员
    "gd_sqzz": 10,  # 综治专干
    "gd_rml": 10,  # 街道网格中心 (人民路街道: only 仕奇 has grids in the demo)
    "dispatcher": None,
    "handler_zsxl": None,
    "leader": None,
    "supervisor": None,
    "citizen": None,
}


@pytest.mark.parametrize("who", list(LEDGER))
def test_the_ledger_page_matrix(grids: list[Region], who: str) -> None:
    resp = login(who).get("/grid/ledger/")
    if LEDGER[who] is None:
        assert resp.status_code == 403
        assert login(who).get("/grid/ledger.xlsx").status_code == 403
    else:
        assert resp.status_code == 200
        assert len(resp.context["grids"]) == LEDGER[who]


def test_a_grid_worker_reads_only_their_grid(grids: list[Region]) -> None:
    mine, theirs = someone_in(grids[0]), someone_in(grids[1])
    client = login("gd_sq01")
    page = client.get("/grid/ledger/").content.decode()
    assert mine.name in page and mine.id_masked in page and mine.id_number not in page
    assert client.get(f"/grid/ledger/?grid={grids[1].code}").status_code == 404
    reads = PersonRead.objects.count()
    assert client.get(f"/grid/people/{theirs.pk}/").status_code == 404
    assert client.post(f"/grid/people/{theirs.pk}/id/").status_code == 404
    assert PersonRead.objects.count() == reads  # a refused look is not a look
    assert Client().get("/grid/ledger/").status_code == 302  # anonymous: sign in


def test_every_look_is_logged_and_the_full_number_is_for_few(grids: list[Region]) -> None:
    person = someone_in(grids[0])
    worker = login("gd_sq01")
    page = worker.get(f"/grid/people/{person.pk}/").content.decode()
    assert person.id_masked in page and person.id_number not in page
    assert "查看完整号码" in page
    full = worker.post(f"/grid/people/{person.pk}/id/")
    assert full.status_code == 200 and full.content.decode() == person.id_number
    reads = list(PersonRead.objects.filter(person=person).values_list("user__username", "what"))
    assert sorted(reads) == [("gd_sq01", "人员信息"), ("gd_sq01", "完整身份证号码")]
    # community staff and the street see the masked number only; their refusal logs nothing
    for who in ("gd_sq", "gd_rml", "gd_sqld"):
        assert "查看完整号码" not in login(who).get(f"/grid/people/{person.pk}/").content.decode()
        before = PersonRead.objects.count()
        assert login(who).post(f"/grid/people/{person.pk}/id/").status_code == 403
        assert PersonRead.objects.count() == before
    # the 综治专干 sees who looked
    page = login("gd_sqzz").get(f"/grid/people/{person.pk}/").content.decode()
    assert "完整身份证号码" in page and "网格员01" in page
    assert "查阅记录" not in worker.get(f"/grid/people/{person.pk}/").content.decode()


def _number(body: str) -> str:
    return body + check_char(body)


def _sheet(rows: list[dict[str, Any]]) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "人房信息"
    ws.append(COLUMNS)
    for r in rows:
        ws.append([r.get(c, "") for c in COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("台账.xlsx", buf.getvalue())


def test_import_adds_people_homes_and_links_once(grids: list[Region]) -> None:
    grid = grids[0]
    new_id = _number("15010519900101123")  # born 1990-01-01, 3rd digit from the end odd: male
    existing = someone_in(grid)
    rows = [
        {"网格编码": grid.code, "楼栋编号": "901", "楼栋名称": "新建9号楼", "单元": "1", "楼层": 3,
         "门牌号": "301", "姓名": "新住户", "性别": "男", "公民身份号码": new_id, "人员类型": "流动人口",
         "联系电话": "13912345678", "居住类型": "租赁房屋", "入住日期": "2026-10-08"},
        {"网格编码": grid.code, "楼栋编号": "901", "单元": "1", "门牌号": "301",
         "姓名": existing.name, "公民身份号码": existing.id_number, "居住类型": "寄宿",
         "与房主关系": "亲戚", "入住日期": dt.date(2026, 9, 1)},
    ]  # fmt: skip
    people, links = Person.objects.count(), Residence.objects.count()
    resp = login("gd_sq01").post("/grid/ledger/import/", {"file": _sheet(rows)})
    assert resp.status_code == 302
    assert Person.objects.count() == people + 1  # the second row is a person already known
    assert Residence.objects.count() == links + 2
    added = Person.objects.get(id_index=parse_id(new_id).index)
    assert added.sex == "m" and added.birth == dt.date(1990, 1, 1) and added.person_type == "02"
    assert added.phone == "13912345678" and added.phone_masked == "139****5678"
    # the same file again changes nothing
    assert login("gd_sq01").post("/grid/ledger/import/", {"file": _sheet(rows)}).status_code == 302
    assert (Person.objects.count(), Residence.objects.count()) == (people + 1, links + 2)


def test_a_broken_import_names_every_row_and_imports_nothing(grids: list[Region]) -> None:
    good = _number("15010519900101123")
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    base = {"楼栋编号": "1", "门牌号": "101", "居住类型": "自购房屋", "入住日期": "2020-05-01"}
    rows = [
        {**base, "网格编码": grids[0].code, "姓名": "甲", "公民身份号码": good},
        {**base, "网格编码": grids[0].code, "姓名": "乙", "公民身份号码": bad_check},
        {**base, "网格编码": grids[1].code, "姓名": "丙", "公民身份号码": _number("15010519800101222")},
        {**base, "网格编码": grids[0].code, "姓名": "丁", "公民身份号码": _number("15010519800101333"), "入住日期": "去年"},
        {**base, "网格编码": grids[0].code, "姓名": "戊", "公民身份号码": _number("15010519800101444"), "性别": "男"},
        {**base, "网格编码": grids[0].code, "姓名": "己", "公民身份号码": _number("15010519800101555"), "居住类型": "买的"},
    ]  # fmt: skip
    before = (Person.objects.count(), Residence.objects.count())
    resp = login("gd_sq01").post("/grid/ledger/import/", {"file": _sheet(rows)})
    assert resp.status_code == 400
    text = resp.content.decode()
    assert "未导入任何数据" in text
    assert "第 3 行“公民身份号码”列：校验位不符" in text
    assert "第 4 行“网格编码”列" in text and "不是您负责的网格" in text
    assert "第 5 行“入住日期”列" in text
    assert "第 6 行“性别”列：“男”与身份证号码不符" in text  # …4 then 4: an even digit
    assert "第 7 行“居住类型”列" in text
    assert (Person.objects.count(), Residence.objects.count()) == before
    not_excel = SimpleUploadedFile("台账.xlsx", b"not a workbook")
    assert login("gd_sq01").post("/grid/ledger/import/", {"file": not_excel}).status_code == 400


@pytest.mark.parametrize("who", ["gd_sqld", "gd_rml", "dispatcher", "citizen"])
def test_who_may_not_import_changes_nothing(grids: list[Region], who: str) -> None:
    row = {"网格编码": grids[0].code, "楼栋编号": "1", "门牌号": "101", "姓名": "甲",
           "公民身份号码": _number("15010519900101123"), "居住类型": "自购房屋", "入住日期": "2020-05-01"}  # fmt: skip
    before = Person.objects.count()
    assert login(who).post("/grid/ledger/import/", {"file": _sheet([row])}).status_code == 403
    assert Person.objects.count() == before


def test_the_export_is_the_workers_grid_with_numbers_masked(grids: list[Region]) -> None:
    resp = login("gd_sq01").get("/grid/ledger.xlsx")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content))["人房信息"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert rows and {r[0] for r in rows} == {grids[0].code}
    ids = [r[COLUMNS.index("公民身份号码")] for r in rows]
    assert all("********" in str(i) for i in ids)
    mine = someone_in(grids[0])
    assert mine.id_number not in resp.content.decode("latin-1")


def test_moving_out_keeps_the_history(grids: list[Region]) -> None:
    from chuangcheng.web.templatetags.cc import cn_date

    moved = (
        Residence.objects.filter(home__building__grid=grids[0], end__isnull=True)
        .select_related("person")
        .first()
    )
    assert moved is not None
    moved.end = dt.date(2026, 6, 30)
    moved.start = min(moved.start, dt.date(2025, 1, 1))
    moved.save()
    page = login("gd_sq01").get(f"/grid/ledger/?grid={grids[0].code}").content.decode()
    home_cell = page.split(f'data-home="{moved.home_id}"', 1)[1].split("</tr>", 1)[0]
    assert f"/grid/people/{moved.person_id}/" not in home_cell  # no longer living there
    person_page = login("gd_sq01").get(f"/grid/people/{moved.person_id}/").content.decode()
    assert cn_date(dt.date(2026, 6, 30)) in person_page  # the residence, with its end, stays

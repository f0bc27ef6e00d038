"""创城测评: the standard (editions, Excel import/export, publishing) and the site registry —
who may open and change what, and bad workbooks named row by row with nothing kept."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from openpyxl import Workbook, load_workbook

from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.evaluation.models import CheckItem, Edition, Site
from chuangcheng.evaluation.seed import build_evaluation_demo
from chuangcheng.evaluation.standard import COLUMNS as STANDARD_COLUMNS
from tests.conftest import actor

PAGES = [
    "/evaluation/standard/",
    "/evaluation/sites/",
    "/evaluation/sites.xlsx",
    "/evaluation/sites/map.json",
]


@pytest.fixture
def ev(city: Any) -> Edition:
    from chuangcheng.org.models import Membership, Unit

    shift = get_user_model().objects.create(username="cm_zbz")  # a 数字城管 post
    Membership.objects.create(user=shift, role="cm_shift", unit=Unit.objects.get(code="C-12345"))
    build_evaluation_demo(DEMO_PASSWORD)
    return Edition.objects.get(code="2026")


def login(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def xlsx(sheet: str, header: list[str], rows: list[list[Any]]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "upload.xlsx"
    return buf


def snapshot() -> tuple[Any, ...]:
    return (
        list(Edition.objects.values_list("code", "status").order_by("code")),
        list(CheckItem.objects.values_list("pk", "rule", "points").order_by("pk")),
        list(Site.objects.values_list("code", "name", "unit_id", "lat").order_by("code")),
    )


# ---------------------------------------------------------------- who may open what


@pytest.mark.parametrize("who", ["ev_ccb", "ev_cpy", "ev_ld", "ev_sw", "ev_zsxl"])
def test_the_loops_people_open_its_pages(ev: Edition, who: str) -> None:
    client = login(who)
    for url in PAGES:
        assert client.get(url).status_code == 200, (who, url)


@pytest.mark.parametrize("who", ["citizen", "dispatcher", "handler_cg", "leader", "cm_zbz"])
def test_other_loops_and_the_public_are_refused(ev: Edition, who: str) -> None:
    client = login(who)
    for url in PAGES:
        resp = client.get(url)
        assert resp.status_code == 403, (who, url)
    assert "无权" in login(who).get(PAGES[0]).content.decode()


def test_anonymous_is_sent_to_login(ev: Edition) -> None:
    for url in PAGES:
        resp = Client().get(url)
        assert resp.status_code == 302 and "/login/" in resp["Location"]


def _site_rows(client: Client) -> list[list[Any]]:
    ws = load_workbook(io.BytesIO(client.get("/evaluation/sites.xlsx").content)).active
    assert ws is not None
    return [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_a_unit_sees_only_the_sites_it_answers_for_or_is_paired_with(ev: Edition) -> None:
    # 商务局 answers for hotels and supermarkets and is paired with the commercial streets
    rows = _site_rows(login("ev_sw"))
    assert {r[2] for r in rows} == {"宾馆酒店", "商场超市", "商业大街"}
    assert len(rows) == 12 * (2 + 2 + 1)
    # a street office: its own street's sites only (its own and those it is paired with)
    rows = _site_rows(login("ev_zsxl"))
    assert rows and {r[3] for r in rows} == {"中山西路街道"}
    page = login("ev_zsxl").get("/evaluation/sites/?q=海拉尔").content.decode()
    assert "海拉尔" not in page.split('data-testid="sites"')[1]


def test_the_office_and_leader_see_every_site(ev: Edition) -> None:
    total = Site.objects.count()
    assert total == 12 * 31  # 31 sites per street in the demo, 12 streets
    assert len(_site_rows(login("ev_ccb"))) == total
    assert len(_site_rows(login("ev_ld"))) == total


def test_filters_narrow_the_list(ev: Edition) -> None:
    from chuangcheng.evaluation.models import SiteType

    market = SiteType.objects.get(name="集贸市场")
    page = login("ev_ccb").get(f"/evaluation/sites/?type={market.pk}").content.decode()
    assert "共 12 个" in page
    assert login("ev_ccb").get("/evaluation/sites/?type=abc").status_code == 400


# ---------------------------------------------------------------- the standard


def test_the_standard_page_shows_the_tree_and_filters_by_site_type(ev: Edition) -> None:
    from chuangcheng.evaluation.models import SiteType

    page = login("ev_cpy").get("/evaluation/standard/").content.decode()
    assert "步行 300 米" in page and "横幅、易拉宝、小插件不计入" in page
    assert "测评条目 21 条" in page
    internet = SiteType.objects.get(name="网吧")
    page = login("ev_cpy").get(f"/evaluation/standard/?type={internet.pk}").content.decode()
    assert "未成年人禁止入内" in page and "步行 300 米" not in page
    assert "测评条目 2 条" in page  # 禁烟 and the minors' sign
    assert 'data-testid="edit"' not in page  # an evaluator reads, does not change


def _draft(client: Client, ev: Edition) -> Edition:
    resp = client.post(f"/evaluation/standard/{ev.pk}/copy/", {"code": "2027", "name": "2027年版"})
    assert resp.status_code == 302
    return Edition.objects.get(code="2027")


def test_export_copy_import_round_trip_then_publish(ev: Edition) -> None:
    office = login("ev_ccb")
    exported = office.get(f"/evaluation/standard/{ev.pk}.xlsx")
    assert exported.status_code == 200
    draft = _draft(office, ev)
    assert draft.status == Edition.Status.DRAFT and draft.based_on_id == ev.pk
    assert CheckItem.objects.filter(content__project__edition=draft).count() == 21
    upload = io.BytesIO(exported.content)
    upload.name = "s.xlsx"
    resp = office.post(f"/evaluation/standard/{draft.pk}/import/", {"file": upload}, follow=True)
    assert "测评条目 21 条" in resp.content.decode()

    def tree(edition: Edition) -> list[tuple[Any, ...]]:
        return [
            (
                i.content.project.code,
                i.content.code,
                i.code,
                i.rule,
                i.methods,
                sorted(t.code for t in i.site_types.all()),
                i.min_count,
                i.allowed_forms,
                i.failure_examples,
                i.points,
            )
            for i in CheckItem.objects.filter(content__project__edition=edition).order_by(
                "content__project__order", "content__order", "order"
            )
        ]

    assert tree(draft) == tree(ev)
    resp = office.post(f"/evaluation/standard/{draft.pk}/publish/")
    assert resp.status_code == 302
    draft.refresh_from_db()
    ev.refresh_from_db()
    assert draft.status == Edition.Status.PUBLISHED and draft.published_at is not None
    assert ev.status == Edition.Status.RETIRED


def test_a_published_edition_never_changes(ev: Edition) -> None:
    office = login("ev_ccb")
    before = snapshot()
    good = xlsx(
        "测评标准",
        STANDARD_COLUMNS,
        [["P1", "项目", "C1", "内容", "1", "要求", "实地考察", "小区", 1, "", "", 2]],
    )
    resp = office.post(f"/evaluation/standard/{ev.pk}/import/", {"file": good})
    assert resp.status_code == 409 and "不能修改" in resp.content.decode()
    resp = office.post(f"/evaluation/standard/{ev.pk}/publish/")
    assert resp.status_code == 409
    assert snapshot() == before


def test_a_broken_row_is_named_and_nothing_is_kept(ev: Edition) -> None:
    office = login("ev_ccb")
    draft = _draft(office, ev)
    before = snapshot()
    bad = xlsx(
        "测评标准",
        STANDARD_COLUMNS,
        [
            ["P1", "项目", "C1", "内容", "1", "要求", "实地考察", "小区", 1, "", "", 2],
            ["P1", "项目", "C1", "内容", "2", "要求", "飞行检查", "小区", 1, "", "", 2],
            ["P1", "项目", "C1", "内容", "3", "要求", "实地考察", "火星", "", "", "", 2],
            ["P1", "项目", "C1", "内容", "4", "要求", "实地考察", "", "三", "", "", "x"],
            ["P1", "别的名字", "C1", "内容", "5", "要求", "实地考察", "", "", "", "", 1],
        ],
    )
    resp = office.post(f"/evaluation/standard/{draft.pk}/import/", {"file": bad})
    text = resp.content.decode()
    assert resp.status_code == 400
    assert "第 3 行“测评方法”列" in text and "飞行检查" in text
    assert snapshot() == before
    from chuangcheng.core.errors import ValidationFailed
    from chuangcheng.evaluation.standard import standard_import

    bad.seek(0)
    with pytest.raises(ValidationFailed) as err:
        standard_import(actor=actor("ev_ccb"), edition=draft, file=bad)
    rows = err.value.fields["rows"]
    assert rows == [
        "工作表“测评标准”第 3 行“测评方法”列：“飞行检查”不是测评方法（实地考察、材料审核、问卷调查、网上申报）",
        "工作表“测评标准”第 4 行“适用点位”列：没有名为或代码为“火星”的点位类型",
        "工作表“测评标准”第 5 行“最少数量”列：“三”不是整数",
        "工作表“测评标准”第 6 行“测评项目”列：项目代码 P1 在第 2 行名为“项目”",
    ]
    assert snapshot() == before


def test_a_file_that_is_no_workbook_is_a_clear_400(ev: Edition) -> None:
    office = login("ev_ccb")
    draft = _draft(office, ev)
    junk = io.BytesIO(b"not a workbook")
    junk.name = "x.xlsx"
    resp = office.post(f"/evaluation/standard/{draft.pk}/import/", {"file": junk})
    assert resp.status_code == 400 and "无法读取 Excel 文件" in resp.content.decode()
    resp = office.post(f"/evaluation/standard/{draft.pk}/import/", {})
    assert resp.status_code == 400 and "请选择" in resp.content.decode()


@pytest.mark.parametrize("who", ["ev_cpy", "ev_sw", "ev_ld", "dispatcher", "citizen"])
def test_only_the_office_changes_the_standard_or_the_sites(ev: Edition, who: str) -> None:
    draft = _draft(login("ev_ccb"), ev)
    before = snapshot()
    client = login(who)
    good = xlsx(
        "测评标准",
        STANDARD_COLUMNS,
        [["P1", "项目", "C1", "内容", "1", "要求", "实地考察", "小区", 1, "", "", 2]],
    )
    assert (
        client.post(f"/evaluation/standard/{draft.pk}/import/", {"file": good}).status_code == 403
    )
    assert client.post(f"/evaluation/standard/{draft.pk}/publish/").status_code == 403
    assert (
        client.post(f"/evaluation/standard/{ev.pk}/copy/", {"code": "X1", "name": "x"}).status_code
        == 403
    )
    site = xlsx("测评点位", SITE_HEADER, [SITE_ROW])
    assert client.post("/evaluation/sites/import/", {"file": site}).status_code == 403
    assert snapshot() == before


# ---------------------------------------------------------------- the site registry

SITE_HEADER = [
    "点位编号",
    "点位名称",
    "点位类型",
    "街道",
    "社区",
    "纬度",
    "经度",
    "属地责任单位",
    "包联单位",
]
SITE_ROW = [
    "T-001",
    "仕奇小区",
    "小区",
    "人民路街道",
    "",
    40.80,
    111.735,
    "S-150105001",
    "住建局、D-CG",
]


def test_sites_import_creates_then_updates_and_finds_the_community(ev: Edition) -> None:
    office = login("ev_ccb")
    resp = office.post(
        "/evaluation/sites/import/", {"file": xlsx("测评点位", SITE_HEADER, [SITE_ROW])}
    )
    assert resp.status_code == 302
    site = Site.objects.get(code="T-001")
    assert site.street.name == "人民路街道" and site.unit.code == "S-150105001"
    assert sorted(u.code for u in site.paired_units.all()) == ["D-CG", "D-ZJ"]
    row = [*SITE_ROW]
    row[1], row[8] = "仕奇小区（北区）", ""
    office.post("/evaluation/sites/import/", {"file": xlsx("测评点位", SITE_HEADER, [row])})
    site.refresh_from_db()
    assert site.name == "仕奇小区（北区）" and not site.paired_units.exists()
    assert Site.objects.filter(code="T-001").count() == 1


def test_a_site_outside_the_city_or_of_an_unknown_unit_is_refused(ev: Edition) -> None:
    office = login("ev_ccb")
    before = snapshot()
    far = [*SITE_ROW]
    far[0], far[5], far[6] = "T-004", 39.90, 116.40  # Beijing
    nobody = [*SITE_ROW]
    nobody[0], nobody[7] = "T-002", "无此单位"
    wrong = [*SITE_ROW]
    wrong[0], wrong[4] = "T-003", "海亮社区"  # 海亮 is in 中山西路街道, not 人民路街道
    resp = office.post(
        "/evaluation/sites/import/",
        {"file": xlsx("测评点位", SITE_HEADER, [SITE_ROW, far, nobody, wrong])},
    )
    text = resp.content.decode()
    assert resp.status_code == 400 and "未导入任何数据" in text
    assert "第 3 行“纬度”列：点位坐标不在本市范围内" in text
    assert snapshot() == before
    from chuangcheng.core.errors import ValidationFailed
    from chuangcheng.evaluation.sites import sites_import

    with pytest.raises(ValidationFailed) as err:
        sites_import(
            actor=actor("ev_ccb"),
            file=xlsx("测评点位", SITE_HEADER, [SITE_ROW, far, nobody, wrong]),
        )
    assert err.value.fields["rows"] == [
        "工作表“测评点位”第 3 行“纬度”列：点位坐标不在本市范围内（距最近的社区超过 3 公里）",
        "工作表“测评点位”第 4 行“属地责任单位”列：没有单位“无此单位”",
        "工作表“测评点位”第 5 行“社区”列：海亮社区不属于人民路街道",
    ]
    assert snapshot() == before

"""志愿服务证明, its public verify page, the 明白卡 and the national-format export: the PDFs'
text read back (pypdf), the figures frozen at issue, the scope of every document, and the
permission matrix of every page and endpoint of this part (expected answers written out)."""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
from decimal import Decimal
from typing import Any

import pytest
import segno
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from chuangcheng.core.errors import Conflict, ValidationFailed
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.org.access import actor_for
from chuangcheng.org.models import Membership, Unit
from chuangcheng.volunteer import certificates
from chuangcheng.volunteer.ledger import credit_hours
from chuangcheng.volunteer.models import (
    Certificate,
    HourEntry,
    MenuItem,
    StarNotice,
    Station,
    Team,
    Volunteer,
)
from chuangcheng.volunteer.roles import CENTRE, LEADER, STATION
from chuangcheng.volunteer.seed import build_volunteer_demo
from chuangcheng.volunteer.seed_stars import build_star_demo


def qr_in(pdf: bytes) -> bytes:
    """The (only) image of the PDF's first page, as black-and-white pixels."""
    (image,) = PdfReader(io.BytesIO(pdf)).pages[0].images
    return bytes(image.image.convert("1").tobytes())


def qr_of(url: str) -> bytes:
    """The QR code of `url` as the documents draw it (level M, 8 px modules, 4-module margin):
    the same pixels mean the printed code carries exactly this address."""
    buf = io.BytesIO()
    segno.make_qr(url, error="m").save(buf, kind="png", scale=8, border=4)
    buf.seek(0)
    return bytes(Image.open(buf).convert("1").tobytes())


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def world(city: Any) -> dict[str, Any]:
    build_volunteer_demo(DEMO_PASSWORD)
    users = get_user_model().objects
    Membership.objects.create(
        user=users.create(username="zhan2"),
        role=STATION,
        unit=Station.objects.get(name="海亮社区新时代文明实践站").unit,
    )
    Membership.objects.create(
        user=users.create(username="dz2"),
        role=LEADER,
        unit=Team.objects.get(name="中山西路社区邻里守望队").unit,
    )
    Membership.objects.create(
        user=users.create(username="gridworker"),
        role="gd_worker",
        unit=Unit.objects.get(name="仕奇社区居委会"),
    )
    home = Station.objects.get(name="中山西路社区新时代文明实践站")
    Membership.objects.create(
        user=users.create(username="vol_zx", first_name="中心"),
        role=CENTRE,
        unit=home.parent.parent.unit,  # type: ignore[union-attr]
    )
    zyz = Volunteer.objects.get(user__username="vol_zyz")
    return {"home": home, "zyz": zyz}


def credit(v: Volunteer, hours: str, ref: str, day: dt.date, field: str, content: str) -> None:
    credit_hours(
        volunteer=v,
        hours=Decimal(hours),
        source="leader",
        ref=ref,
        field=field,
        content=content,
        station=v.station,
        served_on=day,
    )


def login(username: str | None) -> Client:
    c = Client()
    if username:
        c.force_login(get_user_model().objects.get(username=username))
    return c


def by_year(v: Volunteer) -> dict[int, Decimal]:
    """The volunteer's hours in the ledger by year of service, summed here in Python."""
    out: dict[int, Decimal] = {}
    for day, hours in HourEntry.objects.filter(volunteer=v).values_list("served_on", "hours"):
        out[day.year] = out.get(day.year, Decimal("0")) + hours
    return out


def issue(world: Any) -> Certificate:
    """8 h in 2025 and 4.5 h in 2026 on top of what the demo gave 王小明 (its orders and
    activities: `world["before"]`), then the certificate requested and issued."""
    zyz = world["zyz"]
    world["before"] = by_year(zyz)
    credit(zyz, "8", "t1", dt.date(2025, 3, 5), "health", "陪同老人就医")
    credit(zyz, "4.5", "t2", dt.date(2026, 4, 1), "law", "法律咨询")
    zhan = get_user_model().objects.get(username="vol_zhan")
    zhan.last_name, zhan.first_name = "张", "敏华"
    zhan.save()
    c = login("vol_zyz")
    assert c.post("/volunteer/me/certificates/", {"purpose": "升学"}).status_code == 302
    cert = Certificate.objects.get(volunteer=zyz)
    assert cert.status == "requested"
    r = login("vol_zhan").post(
        f"/volunteer/certificates/{cert.pk}/issue/",
        {"decision": "issue", "principal": "李书记", "contact": "0471-6900000"},
    )
    assert r.status_code == 302
    cert.refresh_from_db()
    return cert


def test_a_certificate_carries_what_the_rules_require_and_verifies(world: Any) -> None:
    cert = issue(world)
    zyz = world["zyz"]
    before = world["before"]
    in_2025 = before.get(2025, Decimal("0")) + Decimal("8")
    in_2026 = before.get(2026, Decimal("0")) + Decimal("4.5")
    total = sum(before.values(), Decimal("0")) + Decimal("12.5")
    assert cert.hours == total
    assert (cert.name, cert.volunteer_number, cert.issuer) == (
        "王小明",
        zyz.number,
        "中山西路社区新时代文明实践站",
    )
    assert (cert.principal, cert.handler, cert.contact) == ("李书记", "张敏华", "0471-6900000")
    assert re.fullmatch(r"ZM\d{4}[2-9A-HJKMNP-Z]{10}", cert.number)
    # the PDF, read back: the owner downloads it
    r = login("vol_zyz").get(f"/volunteer/certificates/{cert.number}.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = flat(text_of(r.content))
    for part in (
        "志愿服务证明",
        cert.number,
        "王小明",
        zyz.number,
        zyz.id_masked,
        "居民身份证",
        f"{total:.1f}小时",
        f"2025年{in_2025:.1f}小时",
        f"2026年{in_2026:.1f}小时",
        "卫生健康",
        "陪同老人就医",
        "法律服务",
        "中山西路社区新时代文明实践站",
        "李书记",
        "张敏华",
        "0471-6900000",
        "（盖章）",
        f"http://testserver/v/cert/{cert.number}/",
    ):
        assert part in text, part
    assert zyz.id_number not in text  # the full ID number is never printed
    assert len(PdfReader(io.BytesIO(r.content)).pages) == 1  # one A4 sheet
    assert qr_in(r.content) == qr_of(f"http://testserver/v/cert/{cert.number}/")
    # the public verify page: key facts, the name masked
    page = Client().get(f"/v/cert/{cert.number}/").content.decode()
    assert cert.number in page and f"{total:.1f} 小时" in page and "王**" in page
    assert "中山西路社区新时代文明实践站" in page and "王小明" not in page
    assert Client().get("/v/cert/ZM2026AAAAAAAAAA/").status_code == 404
    assert "无此证明" in Client().get("/v/cert/ZM2026AAAAAAAAAA/").content.decode()


def test_figures_are_frozen_at_issue(world: Any) -> None:
    cert = issue(world)
    frozen = sum(world["before"].values(), Decimal("0")) + Decimal("12.5")
    credit(world["zyz"], "20", "t3", dt.date(2026, 5, 1), "health", "陪诊")
    cert.refresh_from_db()
    assert cert.hours == frozen
    assert f"{frozen:.1f} 小时" in Client().get(f"/v/cert/{cert.number}/").content.decode()


def test_a_requested_certificate_is_not_verifiable_or_downloadable(world: Any) -> None:
    credit(world["zyz"], "3", "t1", dt.date(2026, 3, 5), "health", "陪诊")
    cert = certificates.certificate_request(volunteer=world["zyz"])
    assert Client().get(f"/v/cert/{cert.number}/").status_code == 404
    assert login("vol_zyz").get(f"/volunteer/certificates/{cert.number}.pdf").status_code == 404
    with pytest.raises(ValidationFailed):  # one request at a time
        certificates.certificate_request(volunteer=world["zyz"])


def test_issuing_refused_and_bad_input_change_nothing(world: Any) -> None:
    credit(world["zyz"], "3", "t1", dt.date(2026, 3, 5), "health", "陪诊")
    cert = certificates.certificate_request(volunteer=world["zyz"])
    url = f"/volunteer/certificates/{cert.pk}/issue/"
    data = {"decision": "issue", "principal": "李书记", "contact": "0471-6900000"}
    assert login("zhan2").post(url, data).status_code == 404  # another 站
    assert login("vol_dz").post(url, data).status_code == 403
    assert login("vol_zhan").post(url, {**data, "principal": ""}).status_code == 400
    r = login("vol_zhan").post(url, {"decision": "refuse", "reason": ""})
    assert r.status_code == 400 and "理由" in r.content.decode()
    cert.refresh_from_db()
    assert (cert.status, cert.hours, cert.issued_by_id, cert.refuse_reason) == (
        "requested",
        Decimal("0"),
        None,
        "",
    )
    assert (
        login("vol_suo").post(url, {"decision": "refuse", "reason": "时长待核"}).status_code == 302
    )
    cert.refresh_from_db()
    assert (cert.status, cert.refuse_reason) == ("refused", "时长待核")
    with pytest.raises(Conflict):
        certificates.certificate_issue(
            actor=actor_for(get_user_model().objects.get(username="vol_zhan")),
            user=None,
            cert_id=cert.pk,
            principal="李书记",
            contact="1",
        )
    assert "时长待核" in login("vol_zyz").get("/volunteer/me/").content.decode()


def test_no_hours_no_request(world: Any) -> None:
    v = Volunteer.objects.filter(hour_entries__isnull=True).first()
    assert v is not None
    with pytest.raises(ValidationFailed):
        certificates.certificate_request(volunteer=v)
    assert not Certificate.objects.exists()


def test_the_card_lists_the_menu_by_field_and_the_qr_address(world: Any, settings: Any) -> None:
    home = world["home"]
    MenuItem.objects.filter(station=home, name="代购").update(active=False)
    r = login("vol_zhan").get(f"/volunteer/stations/{home.code}/card.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = flat(text_of(r.content))
    for part in (
        "中山西路社区新时代文明实践站",
        "明白卡",
        "中山西路社区党群服务中心",
        "0471-6900000",
    ):
        assert part in text, part
    for field, item in (("特色服务", "理发"), ("卫生健康", "陪诊"), ("法律服务", "法律咨询")):
        assert field in text and item in text
    assert "代购" not in text  # off the menu
    assert f"http://testserver/v/{home.code}/" in text
    assert qr_in(r.content) == qr_of(f"http://testserver/v/{home.code}/")
    settings.PUBLIC_URL = "https://wm.example.gov.cn"
    text = flat(text_of(login("vol_suo").get(f"/volunteer/stations/{home.code}/card.pdf").content))
    assert f"https://wm.example.gov.cn/v/{home.code}/" in text
    page = PdfReader(io.BytesIO(r.content)).pages[0]
    # A6: 105 × 148 mm
    assert round(float(page.mediabox.width) / 72 * 25.4) == 105
    assert round(float(page.mediabox.height) / 72 * 25.4) == 148


def test_the_export_has_the_national_items_scoped_and_masked(world: Any) -> None:
    zyz = world["zyz"]
    credit(zyz, "2", "t1", dt.date(2026, 3, 5), "health", "陪诊")
    r = login("vol_zhan").get("/volunteer/export.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    vols = list(wb["志愿者"].values)
    assert vols[0] == (
        "志愿者编号",
        "姓名",
        "性别",
        "证件类型",
        "证件号码",
        "联系电话",
        "注册时间",
        "所属站点",
        "所属队伍",
    )
    mine = Volunteer.objects.filter(station=world["home"]).count()
    assert len(vols) - 1 == mine > 10  # the 站's own volunteers, each once
    row = next(v for v in vols if v[0] == zyz.number)
    assert row[1:5] == ("王小明", zyz.get_sex_display(), "居民身份证", zyz.id_masked)
    assert row[5] == zyz.phone_masked and row[7] == "中山西路社区新时代文明实践站"
    hours = list(wb["志愿服务时间"].values)
    assert hours[0][:8] == (
        "记录编号",
        "志愿者编号",
        "姓名",
        "服务日期",
        "服务时长（小时）",
        "服务领域",
        "服务内容",
        "记录单位",
    )
    entry = next(h for h in hours[1:] if h[6] == "陪诊" and h[4] == 2)
    assert entry[1:3] == (zyz.number, "王小明") and entry[3] == dt.datetime(2026, 3, 5)
    assert len(hours) - 1 == HourEntry.objects.filter(station=world["home"]).count()
    # another 站: none of these; the 中心: everyone of the district, numbers in full
    other = load_workbook(io.BytesIO(login("zhan2").get("/volunteer/export.xlsx").content))
    assert zyz.number not in [v[0] for v in other["志愿者"].values]
    centre = load_workbook(io.BytesIO(login("vol_zx").get("/volunteer/export.xlsx").content))
    row = next(v for v in centre["志愿者"].values if v[0] == zyz.number)
    assert row[4] == zyz.id_number and row[5] == zyz.phone


def test_the_volunteers_page_shows_hours_stars_and_certificates(world: Any) -> None:
    build_star_demo()
    html = login("vol_zyz").get("/volunteer/me/").content.decode()
    zyz = world["zyz"]
    total = sum(zyz.hour_entries.values_list("hours", flat=True))
    assert f'data-testid="ledger-total">{total}<' in html
    assert "2 星级志愿者" in html  # 321.5 h: stars one and two, each after its notice
    cert = Certificate.objects.get(volunteer=zyz)
    assert cert.number in html and f"/volunteer/certificates/{cert.number}.pdf" in html
    assert StarNotice.objects.filter(status="open").count() == 2  # two in notice now
    assert html.count('data-testid="hour-history"') == 1


PEOPLE = [
    "vol_jm",
    "citizen",
    "vol_zhan",
    "zhan2",
    "vol_suo",
    "vol_zx",
    "vol_dz",
    "dz2",
    "vol_zyz",
    "dispatcher",
    "leader",
    "gridworker",
    None,
]


def check(expected: dict[str | None, int], call: Any) -> None:
    assert set(expected) == set(PEOPLE)
    got = {who: call(who).status_code for who in PEOPLE}
    assert got == expected


def test_permission_matrix(world: Any) -> None:
    build_star_demo()
    cert = Certificate.objects.get(status="issued")
    home = world["home"]
    everyone = {p: 200 for p in PEOPLE}
    check(everyone, lambda who: login(who).get("/v/stars/"))
    check(everyone, lambda who: login(who).get(f"/v/cert/{cert.number}/"))
    check(
        {p: 404 for p in PEOPLE},
        lambda who: login(who).get("/v/cert/ZM2026XXXXXXXXXX/"),
    )
    staff = {p: 403 for p in PEOPLE} | {
        "vol_zhan": 200,
        "zhan2": 200,
        "vol_suo": 200,
        "vol_zx": 200,
        None: 302,
    }
    check(staff, lambda who: login(who).get("/volunteer/documents/"))
    check(staff, lambda who: login(who).get("/volunteer/export.xlsx"))
    card = staff | {"zhan2": 404}  # another 站's card
    check(card, lambda who: login(who).get(f"/volunteer/stations/{home.code}/card.pdf"))
    pdf = {p: 404 for p in PEOPLE} | {
        "vol_zhan": 200,
        "vol_suo": 200,
        "vol_zx": 200,
        "vol_zyz": 200,
        None: 302,
    }
    check(pdf, lambda who: login(who).get(f"/volunteer/certificates/{cert.number}.pdf"))
    # what the staff page lists: the notices of their own scope
    notice = StarNotice.objects.filter(status="open").select_related("volunteer").first()
    assert notice is not None
    assert (
        notice.volunteer.number in login("vol_zhan").get("/volunteer/documents/").content.decode()
    )
    assert (
        notice.volunteer.number not in login("zhan2").get("/volunteer/documents/").content.decode()
    )


def test_refused_posts_change_nothing(world: Any) -> None:
    build_star_demo()
    notice = StarNotice.objects.filter(status="open").first()
    assert notice is not None
    url = f"/volunteer/stars/{notice.pk}/withdraw/"
    expected = {p: 403 for p in PEOPLE} | {"zhan2": 404, None: 302}
    others = [p for p in PEOPLE if p not in ("vol_zhan", "vol_suo", "vol_zx")]
    got = {who: login(who).post(url, {"reason": "不实"}).status_code for who in others}
    assert got == {p: expected[p] for p in others}
    notice.refresh_from_db()
    assert (notice.status, notice.reason) == ("open", "")
    # asking for a certificate: a volunteer with hours may (王小明 again: his first is issued);
    # a team leader without a volunteer row is told why; the others are refused
    n = Certificate.objects.count()
    check(
        {
            "vol_jm": 403,
            "citizen": 403,
            "vol_zhan": 403,
            "zhan2": 403,
            "vol_suo": 403,
            "vol_zx": 403,
            "vol_dz": 302,
            "dz2": 400,
            "vol_zyz": 302,
            "dispatcher": 403,
            "leader": 403,
            "gridworker": 403,
            None: 302,
        },
        lambda who: login(who).post("/volunteer/me/certificates/"),
    )
    assert Certificate.objects.count() == n + 2
    # a withdrawal by the 站, with a reason
    assert login("vol_zhan").post(url, {"reason": "时长重复登记"}).status_code == 302
    notice.refresh_from_db()
    assert (notice.status, notice.reason) == ("withdrawn", "时长重复登记")


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_make_one_and_two_issuers_issue_once(city: Any) -> None:
    build_volunteer_demo(DEMO_PASSWORD)
    zyz = Volunteer.objects.get(user__username="vol_zyz")
    credit(zyz, "3", "race-1", dt.date(2026, 3, 5), "health", "陪诊")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def ask() -> None:
        try:
            barrier.wait()
            certificates.certificate_request(volunteer=zyz)
            outcomes.append("made")
        except ValidationFailed:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["made", "refused"]
    cert = Certificate.objects.get(volunteer=zyz)
    users = get_user_model().objects
    clerks = [users.get(username="vol_zhan"), users.get(username="vol_suo")]
    barrier = threading.Barrier(2)
    issued: list[str] = []

    def issue_as(user: Any) -> None:
        try:
            barrier.wait()
            certificates.certificate_issue(
                actor=actor_for(user), user=user, cert_id=cert.pk, principal="李书记", contact="1"
            )
            issued.append(user.username)
        except Conflict:
            issued.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=issue_as, args=(u,)) for u in clerks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(issued)[0] == "conflict" and len(issued) == 2
    cert.refresh_from_db()
    assert cert.status == "issued" and cert.issued_by.username == next(
        u for u in issued if u != "conflict"
    )

"""The 数字城管 loop on the case engine: an inspector's report from the phone (one call, typed
photos, point → unit grid; a resend never doubles; bad input is a 400 in Chinese), 核实 before
立案 for public reports, 派遣 with the 权责清单's suggestion, 处置 with its limit from the
catalogue (by zone class and counting type), a failed 核查 as 返工 (counted), 结案 with a type;
who sees and who may act; 50 racing 派遣 give one success."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from chuangcheng.cases.models import Case, CaseClock, CaseEvent
from chuangcheng.cases.selectors import cases_visible_to, verify_chain
from chuangcheng.cases.services import case_transition
from chuangcheng.citymgmt import geo
from chuangcheng.citymgmt.demo_data import build_citymgmt_demo
from chuangcheng.citymgmt.models import CityCase, HandlingLimit, Responsibility, UnitGrid
from chuangcheng.citymgmt.seed import ensure_seeded
from chuangcheng.citymgmt.services import citymgmt_intake, citymgmt_report, suggest_department
from chuangcheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from chuangcheng.demo.city import DemoCity
from chuangcheng.org.access import Actor, actor_for
from chuangcheng.org.models import Membership, Unit
from tests.conftest import actor

SH = ZoneInfo("Asia/Shanghai")
GARBAGE = "200102"  # 事件 市容环境 暴露垃圾


def png(name: str = "p.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def person(username: str, *memberships: tuple[str, str]) -> Actor:
    user = get_user_model().objects.create_user(username)
    for code, unit in memberships:
        Membership.objects.create(user=user, role=code, unit=Unit.objects.get(code=unit))
    return actor_for(user)


@pytest.fixture
def loop(city: DemoCity) -> dict[str, Any]:
    ensure_seeded()
    geo.clear_cache()
    build_citymgmt_demo(components=40)
    grid = UnitGrid.objects.order_by("code").first()
    assert grid is not None
    return {
        "grid": grid,
        "inspector": person("cm_insp", ("cm_inspector", "S-150103004")),
        "inspector2": person("cm_insp2", ("cm_inspector", "S-150103004")),
        "inspector_other_street": person("cm_insp_x", ("cm_inspector", "S-150102001")),
        "operator": person("cm_op", ("cm_operator", "C-12345")),
        "shift": person("cm_sh", ("cm_shift", "C-12345")),
        "dispatcher": person("cm_dp", ("cm_dispatcher", "C-12345")),
        "hw": person("cm_hw", ("cm_handler", "D-HW")),
        "yl": person("cm_yl", ("cm_handler", "D-YL")),
        "leader": person("cm_ld", ("cm_leader", "C-12345")),
    }


def report(loop: dict[str, Any], key: str = "phone-key-0001", **extra: Any) -> tuple[Case, bool]:
    grid = loop["grid"]
    data = {
        "subclass": GARBAGE,
        "lat": grid.center_lat,
        "lng": grid.center_lng,
        "description": "路边成堆生活垃圾",
        "client_key": key,
        **extra,
    }
    return citymgmt_report(
        actor=loop["inspector"], data=data, files=[(png(), "near"), (png(), "far")]
    )


def go(case: Case, action: str, who: Actor, now: dt.datetime | None = None, **data: Any) -> Case:
    files = data.pop("files", ())
    return case_transition(
        case_id=case.pk, action=action, actor=who, data=data, attachments=files, now=now
    )


def test_a_report_walks_to_closure_with_a_rework(loop: dict[str, Any]) -> None:
    # the catalogue says: 暴露垃圾 in this grid's zone, 2 working days (set here, read by the loop)
    zone = loop["grid"].zone_class
    HandlingLimit.objects.filter(
        standard__subclass__klass__code="01", standard__subclass__code="02", zone_class=zone
    ).update(amount=2, counting="workdays")
    case, created = report(loop)
    assert created and case.status == "filing" and case.number.startswith("CG")
    own = CityCase.objects.get(case=case)
    assert (own.family, own.source, own.grid_id) == ("event", "inspector", loop["grid"].pk)
    assert case.region_id == loop["grid"].community_id
    assert case.street is not None and case.street.code == "150103004"
    assert case.attachments.count() == 2
    assert sorted(case.attachments.values_list("label", flat=True)) == ["近景", "远景"]

    mon = dt.datetime(2026, 11, 30, 9, tzinfo=SH)
    case = go(case, "file_case", loop["shift"], mon)
    assert case.status == "dispatching"
    hw = Unit.objects.get(code="D-HW")
    case = go(case, "dispatch", loop["dispatcher"], mon, unit=hw.pk)
    assert case.status == "handling" and case.lead_unit_id == hw.pk
    handle = CaseClock.objects.get(case=case, name="handle")
    assert (handle.limit_amount, handle.limit_unit) == (2, "workdays")
    # another department neither sees it nor acts on it
    with pytest.raises(NotFound):
        go(case, "feedback", loop["yl"], files=[(png(), "处置后")])
    # feedback needs photos
    with pytest.raises(ValidationFailed, match="照片"):
        go(case, "feedback", loop["hw"])
    assert Case.objects.get(pk=case.pk).status == "handling"
    case = go(case, "feedback", loop["hw"], files=[(png(), "处置前"), (png(), "处置后")])
    assert case.status == "checking"
    case = go(case, "check_fail", loop["inspector2"], reason="垃圾未清理干净")
    assert case.status == "handling"
    assert CityCase.objects.get(case=case).rework_count == 1
    case = go(case, "feedback", loop["hw"], files=[(png(), "处置后")])
    case = go(case, "check_pass", loop["inspector"])
    assert case.status == "closing"
    with pytest.raises(ValidationFailed, match="结案类型"):
        go(case, "close", loop["shift"], close_type="fast")
    case = go(case, "close", loop["shift"], close_type="normal")
    assert case.status == "closed"
    own = CityCase.objects.get(case=case)
    assert (own.close_type, own.rework_count, own.check_result) == ("normal", 1, "passed")
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == [
        "open",
        "file_case",
        "dispatch",
        "feedback",
        "check_fail",
        "feedback",
        "check_pass",
        "close",
    ]
    assert verify_chain(case)


def test_a_resent_report_returns_the_first_case(loop: dict[str, Any]) -> None:
    first, created = report(loop, key="resend-abc-123")
    again, created_again = report(loop, key="resend-abc-123")
    assert created and not created_again and again.pk == first.pk
    assert Case.objects.filter(kind="citymgmt").count() == 1
    assert CityCase.objects.count() == 1


@pytest.mark.parametrize(
    ("extra", "files", "message"),
    [
        ({"subclass": "209999"}, None, "没有代码为 209999 的小类"),
        ({"subclass": "abc"}, None, "6 位目录代码"),
        ({"lat": 10.0, "lng": 10.0}, None, "不在任何单元网格内"),
        ({}, [(SimpleUploadedFile("x.png", b"not an image at all"), "near")], "只能上传图片"),
        ({}, [(SimpleUploadedFile("x.pdf", b"%PDF-1.4 a document"), "near")], "不是照片"),
        ({}, [(png(), "selfie")], "照片类型只能是"),
        ({}, [], "至少上传一张"),
        ({"client_key": "x"}, None, "client_key"),
    ],
)
def test_bad_reports_are_refused_in_chinese_and_change_nothing(
    loop: dict[str, Any], extra: dict[str, Any], files: Any, message: str
) -> None:
    grid = loop["grid"]
    data = {
        "subclass": GARBAGE,
        "lat": grid.center_lat,
        "lng": grid.center_lng,
        "client_key": "bad-input-0001",
        **extra,
    }
    with pytest.raises(ValidationFailed, match=message):
        citymgmt_report(
            actor=loop["inspector"],
            data=data,
            files=[(png(), "near")] if files is None else files,
        )
    assert not Case.objects.filter(kind="citymgmt").exists()
    assert not CityCase.objects.exists()


def test_public_reports_are_verified_before_filing(loop: dict[str, Any]) -> None:
    grid = loop["grid"]
    data = {"subclass": GARBAGE, "lat": grid.center_lat, "lng": grid.center_lng, "source": "public"}
    with pytest.raises(PermissionDenied):
        citymgmt_intake(actor=loop["inspector"], data=data)
    case = citymgmt_intake(actor=loop["operator"], data=data)
    with pytest.raises(Conflict, match="核实属实后才能立案"):
        go(case, "file_case", loop["shift"])
    assert Case.objects.get(pk=case.pk).status == "filing"
    case = go(case, "send_verify", loop["operator"])
    assert CaseClock.objects.get(case=case, name="verify").due_at is not None
    with pytest.raises(ValidationFailed, match="核实结果"):
        go(case, "verify", loop["inspector"], result="maybe")
    case = go(case, "verify", loop["inspector"], result="exists")
    assert CityCase.objects.get(case=case).verify_result == "exists"
    case = go(case, "file_case", loop["shift"])
    assert case.status == "dispatching"


def test_who_sees_a_city_case(loop: dict[str, Any]) -> None:
    case, _ = report(loop)

    def sees(who: Actor) -> bool:
        return cases_visible_to(who).filter(pk=case.pk).exists()

    # expected answers written out: the street's inspectors and the centre see it; another
    # street's inspector, an undispatched department and every 12345 role do not
    assert sees(loop["inspector"]) and sees(loop["inspector2"])
    assert sees(loop["shift"]) and sees(loop["dispatcher"]) and sees(loop["leader"])
    assert not sees(loop["inspector_other_street"])
    assert not sees(loop["hw"])
    for username in ("dispatcher", "operator", "handler_cg", "callback", "leader", "citizen"):
        assert not sees(actor(username)), username
    # a 12345 dispatcher cannot 派遣 it, and nothing changes
    with pytest.raises(NotFound):
        go(case, "file_case", actor("dispatcher"))
    # the inspector may not 立案 his own report
    with pytest.raises(PermissionDenied):
        go(case, "file_case", loop["inspector"])
    assert Case.objects.get(pk=case.pk).status == "filing"
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_the_department_is_suggested_by_the_responsibility_list(loop: dict[str, Any]) -> None:
    case, _ = report(loop)
    own = CityCase.objects.select_related("subclass").get(case=case)
    assert suggest_department(own.subclass, None, case.region) is None
    hw = Unit.objects.get(code="D-HW")
    yl = Unit.objects.get(code="D-YL")
    Responsibility.objects.create(subclass=own.subclass, region=None, unit=yl)
    Responsibility.objects.create(subclass=own.subclass, region=case.street, unit=hw)
    assert suggest_department(own.subclass, None, case.region) == hw  # the street's row wins


def test_suspend_pauses_the_handling_clock_and_returns_are_counted(loop: dict[str, Any]) -> None:
    case, _ = report(loop)
    mon = dt.datetime(2026, 11, 30, 9, tzinfo=SH)
    go(case, "file_case", loop["shift"], mon)
    hw = Unit.objects.get(code="D-HW")
    go(case, "dispatch", loop["dispatcher"], mon, unit=hw.pk)
    go(case, "request_suspend", loop["hw"], mon, reason="需协调产权单位")
    go(case, "approve_suspend", loop["dispatcher"], mon + dt.timedelta(hours=1))
    assert CaseClock.objects.get(case=case, name="handle").paused_at is not None
    with pytest.raises(Conflict, match="缓办中"):
        go(case, "feedback", loop["hw"], files=[(png(), "处置后")])
    go(case, "restore", loop["dispatcher"], mon + dt.timedelta(hours=2))
    assert CaseClock.objects.get(case=case, name="handle").paused_at is None
    go(case, "request_return", loop["hw"], reason="不属于本单位职责")
    case = go(case, "approve_return", loop["dispatcher"])
    assert case.status == "dispatching" and case.lead_unit_id is None
    own = CityCase.objects.get(case=case)
    assert (own.return_count, own.suspend_count, own.suspended) == (1, 1, False)

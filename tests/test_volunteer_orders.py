"""志愿服务订单 (the "四单") on the case engine: a resident orders from a 站's menu on a phone,
the 站 reviews it (审单) and dispatches it to a team (派单; reassign; cancel), the team leader
takes it or refuses it (接单), assigns volunteers and confirms the service (photos, who came,
hours), the resident rates it (评单). Volunteers register with a real name."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from PIL import Image

from chuangcheng.cases.models import Assignment, Case, CaseClock, CaseEvent, Notification
from chuangcheng.cases.services import case_transition
from chuangcheng.cases.tasks import notify_event
from chuangcheng.core.errors import PermissionDenied, ValidationFailed
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.org.models import Membership
from chuangcheng.volunteer.models import (
    HourEntry,
    ServiceOrder,
    ServiceRecord,
    Station,
    Team,
    Volunteer,
)
from chuangcheng.volunteer.roles import LEADER, STATION
from chuangcheng.volunteer.seed import build_volunteer_demo
from chuangcheng.volunteer.services import order_place, volunteer_register
from tests.conftest import actor


def login(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


@pytest.fixture
def vol(city: Any) -> dict[str, Any]:
    stats = build_volunteer_demo(DEMO_PASSWORD)
    hours = stats.pop("activity_hours")
    # 60 registered one by one, 440 more in bulk; 6 站 × 12 months × 3 activities + 2 today's
    assert stats == {"stations": 6, "volunteers": 500, "volunteers_added": 440, "activities": 218}
    assert hours == sum(
        HourEntry.objects.filter(ref__startswith="activity:").values_list("hours", flat=True)
    )
    home = Station.objects.get(name="中山西路社区新时代文明实践站")
    team = Team.objects.get(name="中山西路社区志愿服务队")
    return {"home": home, "team": team}


def photo() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 90, 60)).save(buf, format="JPEG")
    return SimpleUploadedFile("服务.jpg", buf.getvalue(), content_type="image/jpeg")


def place(station: Station, who: str = "vol_jm", key: str = "k-1", item: str = "理发") -> Case:
    case, _ = order_place(
        actor=actor(who),
        station_code=station.code,
        item_id=station.menu.get(name=item).pk,
        content="老人行动不便，请上门理发",
        phone="13904711234",
        client_key=key,
    )
    return case


def go(case: Case, action: str, who: str, files: Any = (), **data: Any) -> Case:
    """One step, its notices delivered as the task worker would after the commit."""
    done = case_transition(
        case_id=case.pk, action=action, actor=actor(who), data=data, attachments=files
    )
    event = CaseEvent.objects.filter(case_id=case.pk).order_by("-seq").first()
    assert event is not None
    notify_event.call(event.pk)
    return done


def told(username: str, case: Case) -> list[str]:
    return list(
        Notification.objects.filter(user__username=username, case=case).values_list(
            "text", flat=True
        )
    )


def test_the_demo_has_an_order_in_every_state_and_its_history_verifies(vol: Any) -> None:
    states = set(Case.objects.filter(kind="vorder").values_list("status", flat=True))
    assert states == {"review", "pending", "dispatched", "serving", "rating", "closed", "rejected"}
    assert Team.objects.filter(station__level="institute").count() == 9  # 8 + N of the 所
    call_command("verify_history", stdout=io.StringIO())


def test_an_order_walked_from_the_qr_code_to_the_rating(vol: Any) -> None:
    home, team = vol["home"], vol["team"]
    phone = login("vol_jm")
    page = phone.get(f"/v/{home.code}/")
    assert page.status_code == 200 and "理发" in page.content.decode()
    item = home.menu.get(name="理发")
    form = phone.get(f"/v/{home.code}/order/?item={item.pk}")
    assert form.status_code == 200
    body = {
        "item": item.pk,
        "content": "老伴卧床，想请志愿者上门理发",
        "phone": "139 0471 1234",
        "wanted": "周六上午",
        "client_key": "qr-1",
    }
    resp = phone.post(f"/v/{home.code}/order/", body)
    assert resp.status_code == 302
    again = phone.post(f"/v/{home.code}/order/", body)  # a resend: the same order
    assert again.status_code == 302 and again["Location"] == resp["Location"]
    case = Case.objects.get(kind="vorder", external_id__endswith=":qr-1")
    assert case.status == "review" and case.citizen_user.username == "vol_jm"
    assert case.region_id == home.unit.region_id
    assert CaseClock.objects.filter(case=case, name="review", due_at__isnull=False).exists()

    go(case, "accept", "vol_zhan", note="受理")
    assert "已通过审核" in told("vol_jm", case)[0]
    go(case, "dispatch", "vol_zhan", team=str(team.pk))
    case.refresh_from_db()
    assert case.status == "dispatched" and case.lead_unit_id == team.unit_id
    take = CaseClock.objects.get(case=case, name="take")
    assert (take.due_at - case.dispatched_at).total_seconds() == 12 * 3600  # the setting
    assert told("vol_dz", case)
    go(case, "take", "vol_dz")
    zyz = Volunteer.objects.get(user__username="vol_zyz")
    go(case, "assign", "vol_dz", volunteers=[str(zyz.pk)])
    assert any("安排" in t for t in told("vol_zyz", case))
    other = team.members.exclude(pk=zyz.pk).first()
    assert other is not None
    go(
        case,
        "complete",
        "vol_dz",
        files=[(photo(), "after")],
        note="已上门理发",
        volunteers=[str(zyz.pk), str(other.pk)],
        hours="1.5",
    )
    records = ServiceRecord.objects.filter(order_id=case.pk)
    assert {r.volunteer_id for r in records} == {zyz.pk, other.pk}
    assert all(str(r.hours) == "1.5" for r in records)
    assert case.attachments.count() == 1

    mine = phone.get(f"/v/orders/{case.pk}/")
    assert mine.status_code == 200 and "评价本次服务" in mine.content.decode()
    bad = phone.post(f"/v/orders/{case.pk}/rate/", {"rating": "6"})
    assert bad.status_code == 400 and "星级只能是 1 到 5" in bad.content.decode()
    ok = phone.post(f"/v/orders/{case.pk}/rate/", {"rating": "4", "comment": "很耐心"})
    assert ok.status_code == 302
    case.refresh_from_db()
    order = ServiceOrder.objects.get(pk=case.pk)
    assert case.status == "closed" and case.closed_at is not None
    assert (order.stars, order.comment) == (4, "很耐心")
    assert "您的评价" in phone.get(f"/v/orders/{case.pk}/").content.decode()
    me = login("vol_zyz").get("/volunteer/me/").content.decode()
    assert zyz.number in me and "已上门" not in me and "1.5" in me
    assert zyz.id_masked in me and zyz.id_number not in me


def test_rejected_with_a_reason_the_resident_sees(vol: Any) -> None:
    case = place(vol["home"])
    go(case, "reject", "vol_zhan", reason="超出本站服务范围，请拨打 12345")
    case.refresh_from_db()
    assert case.status == "rejected" and case.closed_at is not None
    page = login("vol_jm").get(f"/v/orders/{case.pk}/").content.decode()
    assert "超出本站服务范围，请拨打 12345" in page
    assert told("vol_jm", case)


def test_refused_by_the_team_goes_back_to_the_station_and_is_dispatched_again(vol: Any) -> None:
    home, team = vol["home"], vol["team"]
    case = place(home)
    go(case, "accept", "vol_zhan")
    go(case, "dispatch", "vol_zhan", team=str(team.pk))
    go(case, "refuse", "vol_dz", reason="本周队员都在外出")
    case.refresh_from_db()
    assert case.status == "pending" and case.lead_unit_id is None
    assert not Assignment.objects.filter(case=case, active=True).exists()
    assert ServiceOrder.objects.get(pk=case.pk).refuse_reason == "本周队员都在外出"
    assert any("拒绝接单" in t for t in told("vol_zhan", case))
    # the leader no longer sees it
    with pytest.raises(Exception) as exc:
        go(case, "take", "vol_dz")
    assert getattr(exc.value, "status_code", None) == 404
    other = Team.objects.get(name="中山西路街道卫生健康志愿服务队")  # the 所's team
    go(case, "dispatch", "vol_zhan", team=str(other.pk))
    case.refresh_from_db()
    assert case.lead_unit_id == other.unit_id


def test_reassigned_and_cancelled_back_to_pending(vol: Any) -> None:
    home, team = vol["home"], vol["team"]
    case = place(home)
    go(case, "accept", "vol_zhan")
    go(case, "dispatch", "vol_zhan", team=str(team.pk))
    second = Team.objects.get(name="中山西路社区邻里守望队")
    go(case, "reassign", "vol_suo", team=str(second.pk))  # the 所 may dispatch too
    case.refresh_from_db()
    assert case.status == "dispatched" and case.lead_unit_id == second.unit_id
    assert Assignment.objects.filter(case=case, active=True).count() == 1
    go(case, "cancel_dispatch", "vol_zhan", note="居民改期")
    case.refresh_from_db()
    assert case.status == "pending" and case.lead_unit_id is None
    take = CaseClock.objects.get(case=case, name="take")
    assert take.due_at is None  # the 接单 clock runs no more


def test_only_the_stations_own_teams_and_its_institutes_may_be_dispatched(vol: Any) -> None:
    case = place(vol["home"])
    go(case, "accept", "vol_zhan")
    elsewhere = Team.objects.get(name="海亮社区志愿服务队")
    before = list(CaseEvent.objects.filter(case=case).values_list("pk", flat=True))
    with pytest.raises(ValidationFailed) as exc:
        go(case, "dispatch", "vol_zhan", team=str(elsewhere.pk))
    assert "只能派给本站或所属文明实践所的志愿服务队" in exc.value.message
    case.refresh_from_db()
    assert case.status == "pending" and case.lead_unit_id is None
    assert list(CaseEvent.objects.filter(case=case).values_list("pk", flat=True)) == before


def test_a_volunteer_not_of_the_team_is_refused_and_nothing_is_recorded(vol: Any) -> None:
    case = place(vol["home"])
    go(case, "accept", "vol_zhan")
    go(case, "dispatch", "vol_zhan", team=str(vol["team"].pk))
    go(case, "take", "vol_dz")
    stranger = Volunteer.objects.exclude(teams=vol["team"]).first()
    assert stranger is not None
    with pytest.raises(ValidationFailed) as exc:
        go(case, "complete", "vol_dz", note="完成", volunteers=[str(stranger.pk)], hours="2")
    assert "不是本队队员" in exc.value.message
    case.refresh_from_db()
    assert case.status == "serving"
    assert not ServiceRecord.objects.filter(order_id=case.pk).exists()


def test_another_teams_leader_and_another_station_may_not_act(vol: Any, city: Any) -> None:
    home = vol["home"]
    users = get_user_model().objects
    dz2 = users.create(username="dz2")
    Membership.objects.create(
        user=dz2, role=LEADER, unit=Team.objects.get(name="中山西路社区邻里守望队").unit
    )
    zhan2 = users.create(username="zhan2")
    Membership.objects.create(
        user=zhan2, role=STATION, unit=Station.objects.get(name="海亮社区新时代文明实践站").unit
    )
    case = place(home)
    with pytest.raises(Exception) as exc:
        go(case, "accept", "zhan2")
    assert getattr(exc.value, "status_code", None) == 404
    go(case, "accept", "vol_zhan")
    go(case, "dispatch", "vol_zhan", team=str(vol["team"].pk))
    with pytest.raises(Exception) as exc:
        go(case, "take", "dz2")
    assert getattr(exc.value, "status_code", None) == 404
    with pytest.raises(PermissionDenied):
        go(case, "take", "vol_zhan")  # 站 staff do not 接单
    with pytest.raises(PermissionDenied):
        go(case, "rate", "vol_zhan", rating="5")
    case.refresh_from_db()
    assert case.status == "dispatched"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("content", "", "请说明您的需求"),
        ("phone", "12345", "请填写正确的联系电话"),
        ("item", "999999", "请从本站的服务菜单中选择服务项目"),
        ("item", "abc", "请从本站的服务菜单中选择服务项目"),
        ("wanted", "很" * 61, "期望服务时间最多 60 字"),
    ],
)
def test_a_bad_order_is_a_400_in_chinese_and_opens_nothing(
    vol: Any, field: str, value: str, message: str
) -> None:
    home = vol["home"]
    body = {
        "item": home.menu.first().pk,
        "content": "需要帮助",
        "phone": "13904711234",
        "client_key": "bad",
        field: value,
    }
    before = Case.objects.filter(kind="vorder").count()
    resp = login("vol_jm").post(f"/v/{home.code}/order/", body)
    assert resp.status_code == 400 and message in resp.content.decode()
    assert Case.objects.filter(kind="vorder").count() == before


def test_another_stations_menu_item_is_refused(vol: Any) -> None:
    home = vol["home"]
    foreign = Station.objects.get(name="海亮社区新时代文明实践站").menu.first()
    with pytest.raises(ValidationFailed):
        order_place(
            actor=actor("vol_jm"),
            station_code=home.code,
            item_id=foreign.pk,
            content="x",
            phone="13904711234",
        )


def test_bad_step_input_is_a_400_in_chinese(vol: Any) -> None:
    case = place(vol["home"])
    with pytest.raises(ValidationFailed) as exc:
        go(case, "reject", "vol_zhan", reason="")
    assert exc.value.message == "输入有误：请填写理由"
    go(case, "accept", "vol_zhan")
    with pytest.raises(ValidationFailed) as exc:
        go(case, "dispatch", "vol_zhan", team="999999")
    assert "没有这个志愿服务队" in exc.value.message
    go(case, "dispatch", "vol_zhan", team=str(vol["team"].pk))
    go(case, "take", "vol_dz")
    zyz = Volunteer.objects.get(user__username="vol_zyz")
    for hours, text in (("0", "至少 0.5 小时"), ("13", "最多记 12 小时"), ("两", "应为数字")):
        with pytest.raises(ValidationFailed) as exc:
            go(case, "complete", "vol_dz", note="完成", volunteers=[str(zyz.pk)], hours=hours)
        assert text in exc.value.message
    case.refresh_from_db()
    assert case.status == "serving"


# ---------------------------------------------------------------- volunteers
VALID_ID = "11010519491231002X"


def test_registration_keeps_the_id_number_encrypted_and_masked(vol: Any) -> None:
    from django.db import connection

    v = volunteer_register(
        station=vol["home"], name="张三", id_number=VALID_ID, phone="13904715678", skills="理发"
    )
    assert v.number.startswith("ZYZ") and VALID_ID not in v.number and "19491231" not in v.number
    assert v.id_masked == "110105********002X" and v.phone_masked == "139****5678"
    assert (v.sex, str(v.birth)) == ("f", "1949-12-31")
    with connection.cursor() as cur:
        cur.execute("select id_number, phone from volunteer_volunteer where id = %s", [v.pk])
        raw_id, raw_phone = cur.fetchone()
    assert VALID_ID not in raw_id and "13904715678" not in raw_phone
    with pytest.raises(ValidationFailed) as exc:
        volunteer_register(
            station=vol["home"], name="李四", id_number=VALID_ID.lower(), phone="13904715679"
        )
    assert "已注册" in exc.value.message


def test_the_registration_page_refuses_a_bad_id_number_in_chinese(vol: Any) -> None:
    get_user_model().objects.create(username="newbie")
    client = login("newbie")
    body = {
        "station": vol["home"].pk,
        "name": "新人",
        "id_number": "110105194912310021",
        "phone": "13904710001",
    }
    resp = client.post("/volunteer/register/", body)
    assert resp.status_code == 400 and "校验位不符" in resp.content.decode()
    assert "110105194912310021" not in resp.content.decode()
    assert not Volunteer.objects.filter(name="新人").exists()
    resp = client.post("/volunteer/register/", {**body, "id_number": VALID_ID})
    assert resp.status_code == 302
    v = Volunteer.objects.get(name="新人")
    page = client.get("/volunteer/me/").content.decode()
    assert v.number in page and v.id_masked in page and VALID_ID not in page
    assert "139****0001" in page and "13904710001" not in page


def test_a_residents_notice_opens_their_order_on_the_loops_own_page(vol: Any) -> None:
    case = place(vol["home"])
    go(case, "accept", "vol_zhan")
    notice = Notification.objects.get(user__username="vol_jm", case=case)
    resp = login("vol_jm").post(f"/notifications/{notice.pk}/open/")
    assert resp.status_code == 302 and resp["Location"] == f"/v/orders/{case.pk}/"


def test_teams_are_not_offered_to_other_loops_pickers(vol: Any) -> None:
    from chuangcheng.cases.workflow import workflow_for
    from chuangcheng.org.models import Unit
    from chuangcheng.org.selectors import units_search

    team_unit = vol["team"].unit
    assert team_unit.kind == Unit.Kind.TEAM
    assert not units_search("志愿服务队").filter(pk=team_unit.pk).exists()
    hotline = workflow_for("hotline")
    offered = set()
    for action in hotline.actions:
        if action.form is None:
            continue
        for field in action.form.base_fields.values():
            qs = getattr(field, "queryset", None)
            if qs is not None and qs.model is Unit:
                offered |= set(qs.values_list("pk", flat=True))
    assert offered and team_unit.pk not in offered  # 12345 派单 lists units, never a team
    street = Unit.objects.filter(kind=Unit.Kind.STREET, region=vol["home"].unit.region.parent)
    assert set(street.values_list("pk", flat=True)) <= offered  # the street office still is

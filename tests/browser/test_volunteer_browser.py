"""新时代文明实践 through real pages in headless Chromium: a resident scans a 站's QR code on a
phone and orders a service from its menu; the 站 accepts and dispatches it on the order page;
the team leader takes it; the service is confirmed; the resident rates it on the phone."""

from __future__ import annotations

from typing import Any

import pytest

from chuangcheng.cases.models import Case
from chuangcheng.cases.services import case_transition
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.volunteer.models import ServiceOrder, Station, Team, Volunteer
from chuangcheng.volunteer.seed import build_volunteer_demo
from tests.conftest import actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def act(page: Any, name: str, selects: dict[str, str] | None = None) -> None:
    page.locator(f"button[data-action={name}]").first.click()
    dialog = page.locator(f"dialog[id^=dlg-{name}-][open]")
    if dialog.count():
        for field, value in (selects or {}).items():
            dialog.locator(f"select[name={field}]").select_option(value)
        dialog.locator(f"button[data-submit={name}]").click()
    page.wait_for_load_state()


def test_a_residents_order_from_the_qr_code_to_the_rating(
    city: Any, live_server: Any, as_user: Any
) -> None:
    build_volunteer_demo(DEMO_PASSWORD)
    home = Station.objects.get(name="中山西路社区新时代文明实践站")
    team = Team.objects.get(name="中山西路社区志愿服务队")
    phone = as_user("vol_jm", mobile=True)
    phone.goto(f"{live_server.url}/v/{home.code}/")  # the QR code's address
    assert "服务菜单" in phone.content()
    item = home.menu.get(name="陪诊")
    phone.click(f"[data-testid=order-{item.pk}]")
    phone.fill("#id_content", "下周二去医院复查，需要有人陪同")
    phone.fill("#id_phone", "13904711234")
    phone.fill("#id_wanted", "下周二上午")
    phone.click("[data-testid=order-form] button[type=submit]")
    phone.wait_for_selector("[data-testid=order-number]")
    case = Case.objects.filter(kind="vorder").latest("pk")
    assert phone.inner_text("[data-testid=order-number]") == case.number
    assert phone.inner_text("[data-testid=status]") == "待审核"
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the phone

    desk = as_user("vol_zhan")
    desk.goto(f"{live_server.url}/hotline/cases/{case.pk}/")
    act(desk, "accept")
    act(desk, "dispatch", selects={"team": str(team.pk)})
    assert Case.objects.get(pk=case.pk).status == "dispatched"
    leader = as_user("vol_dz")
    leader.goto(f"{live_server.url}/volunteer/team/")
    leader.click(f"text={case.number}")
    act(leader, "take")
    assert Case.objects.get(pk=case.pk).status == "serving"
    zyz = Volunteer.objects.get(user__username="vol_zyz")
    case_transition(
        case_id=case.pk,
        action="complete",
        actor=actor("vol_dz"),
        data={"note": "陪同复查完毕", "volunteers": [str(zyz.pk)], "hours": "3"},
    )

    phone.goto(f"{live_server.url}/v/orders/{case.pk}/")
    assert "服务已完成，请您评价" in phone.content()
    phone.check("[data-testid=rate-form] input[name=rating][value='5']")
    phone.fill("[data-testid=rate-form] [name=comment]", "志愿者很贴心")
    phone.click("[data-testid=rate-form] button[type=submit]")
    phone.wait_for_selector("[data-testid=my-rating]")
    order = ServiceOrder.objects.get(pk=case.pk)
    assert (order.stars, order.comment) == (5, "志愿者很贴心")
    assert Case.objects.get(pk=case.pk).status == "closed"

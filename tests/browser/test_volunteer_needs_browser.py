"""转志愿服务 through real pages (ADR 0032): a grid worker on a phone records a visit whose need
goes to the community's 文明实践站; the visit shows the order's number and state; the 站's
staff find it in their queue, and 派单 offers only the teams the 站 may dispatch to."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.grid.models import Person, Visit
from chuangcheng.grid.seed import build_grid_demo
from chuangcheng.org.models import Membership, Region
from chuangcheng.volunteer.models import Station, Team
from chuangcheng.volunteer.roles import STATION
from chuangcheng.volunteer.seed import build_volunteer_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_grid_worker_hands_a_visits_need_to_the_station(
    city: Any, live_server: Any, as_user: Any
) -> None:
    build_grid_demo(DEMO_PASSWORD, today=timezone.localdate())
    build_volunteer_demo(DEMO_PASSWORD)
    station = Station.objects.get(name="仕奇社区新时代文明实践站")
    staff = get_user_model().objects.create_user("zhan_sq", password=DEMO_PASSWORD)
    Membership.objects.create(user=staff, role=STATION, unit=station.unit)
    grid = Region.objects.filter(parent__name="仕奇社区", level=Region.Level.GRID).order_by("code")[
        0
    ]
    person = Person.objects.filter(
        care__isnull=False, residences__home__building__grid=grid, residences__end__isnull=True
    ).first()
    assert person is not None
    item = station.menu.get(name="代购")

    phone = as_user("gd_sq01", mobile=True)
    phone.goto(f"{live_server.url}/grid/people/{person.pk}/")
    form = phone.locator("[data-testid=visit-form]")
    form.locator("select[name=method]").select_option("home")
    form.locator("textarea[name=found]").fill("独居，行动不便")
    form.locator("input[name=needs]").fill("每周代买米面油")
    form.locator("[data-testid=need-to]").select_option("order")
    form.locator("[data-testid=need-item]").select_option(str(item.pk))
    form.locator("button[type=submit]").click()
    phone.wait_for_selector("[data-testid=need-order]")
    visit = Visit.objects.get(person=person, need_to="order")
    case = visit.need_case
    assert case is not None
    assert phone.inner_text("[data-testid=need-order]") == f"志愿服务订单 {case.number}（待审核）"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    desk = as_user("zhan_sq")
    desk.goto(f"{live_server.url}/volunteer/orders/")
    desk.click(f"text={case.number}")
    assert "网格走访" in desk.inner_text("[data-testid=order-source]")
    desk.locator("button[data-action=accept]").first.click()
    dialog = desk.locator("dialog[id^=dlg-accept-][open]")
    if dialog.count():
        dialog.locator("button[data-submit=accept]").click()
    desk.wait_for_load_state()
    desk.locator("button[data-action=dispatch]").first.click()
    dialog = desk.locator("dialog[id^=dlg-dispatch-][open]")
    offered = set(dialog.locator("select[name=team] option").all_inner_texts()) - {"请选择…"}
    allowed = {t.name for t in Team.objects.filter(station__in=[station, station.parent])}
    assert offered and offered <= allowed
    assert "中山西路社区志愿服务队" not in offered

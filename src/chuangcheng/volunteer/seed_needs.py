"""Demo of ADR 0032: two needs the 中山西路社区 站 recorded door to door and by phone (待派单),
and one need a 仕奇社区 grid worker handed to that community's 站 from a visit (待审核). Made
once (fixed client keys: a second run adds nothing), through the same services as the pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from chuangcheng.cases.models import Case
from chuangcheng.org.access import actor_for
from chuangcheng.volunteer.models import Station
from chuangcheng.volunteer.needs import need_record

NEEDS = [
    ("代购", "敲门行动", "王大爷", "13904715501", "中山西路 8 号院 2 单元 301", "独居，腿脚不便，每周需要代买米面油"),
    ("陪诊", "电话", "李奶奶", "13904715502", "中山西路 15 号 1 单元 502", "下周三去医院复查，子女不在身边"),
]  # fmt: skip


def build_needs_demo(password: str) -> dict[str, int]:
    users = get_user_model().objects
    staff = users.filter(username="vol_zhan").first()
    home = Station.objects.filter(name="中山西路社区新时代文明实践站").first()
    made = 0
    if staff is not None and home is not None:
        for n, (item, source, name, phone, address, content) in enumerate(NEEDS, 1):
            _case, created = need_record(
                actor=actor_for(staff),
                station_id=home.pk,
                item_id=home.menu.get(name=item).pk,
                content=content,
                name=name,
                phone=phone,
                address=address,
                source=source,
                client_key=f"demo-need-{n}",
            )
            made += int(created)
    return {"needs": made, "visit_orders": _visit_order(users.filter(username="gd_sq01").first())}


def _visit_order(worker: Any) -> int:
    """gd_sq01 visits one of grid 1's cared-for people and hands the need to 仕奇社区's 站."""
    from chuangcheng.grid.models import Person
    from chuangcheng.grid.patrols import patrol_grids
    from chuangcheng.grid.registers import visit_record

    station = Station.objects.filter(name="仕奇社区新时代文明实践站").first()
    if worker is None or station is None or not station.menu.filter(name="代购").exists():
        return 0
    if Case.objects.filter(kind="vorder", external_id="visit:demo-visit-order").exists():
        return 0
    actor = actor_for(worker)
    grid = patrol_grids(actor).first()
    person = (
        Person.objects.filter(
            care__isnull=False, residences__home__building__grid=grid, residences__end__isnull=True
        )
        .order_by("pk")
        .first()
    )
    if person is None:
        return 0
    _visit, created = visit_record(
        actor=actor,
        person_id=person.pk,
        method="home",
        found="独居，身体尚可，行动不便",
        needs="每周代买米面油、常用药",
        need_to="order",
        need_item=station.menu.get(name="代购").pk,
        client_key="demo-visit-order",
    )
    return int(created)

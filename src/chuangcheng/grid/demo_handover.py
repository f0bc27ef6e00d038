"""Demo: 网格化 and the other loops hand cases to each other (grid.handover, citymgmt.transfer),
every step through the workflows with an explicit `now` (ADR 0018):

- three escalated 网格事件 of 仕奇社区 sent on to 数字城管 by the community: two closed there
  (立案, 派遣, 处置, 核查, 结案) and rated by the grid, one still being handled in 城管;
- three 12345 orders handed down by 人民路街道办 to the grid of their place: two fixed by the grid
  worker and rated, then fed back, reviewed and called back by 12345 (one closed, one waiting for
  回访), one still with the grid;
- two 城管 cases handed down by the dispatcher: one fixed by the grid, checked and closed by 城管,
  one still with the grid.

It runs after the 12345 and 城管 histories (the demo command), because those load only into a
database without cases of their loop. Once: a database with a case handed down is left alone.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from chuangcheng.cases.models import Case, CaseLink
from chuangcheng.cases.services import case_open, case_transition
from chuangcheng.org.access import actor_for
from chuangcheng.org.models import Membership, Region, Unit

RML = "150105001"  # 人民路街道: 仕奇社区's street
# (username, name, role, unit): the 12345 handler of 人民路街道办 and a 城管 inspector there
PEOPLE = [
    ("handler_rml", "何静", "handler", f"S-{RML}"),
    ("cm_jdy09", "马丽", "cm_inspector", f"S-{RML}"),
]
# the grids of 仕奇社区 (by number) whose place lies in 城管's unit grids (demo geometry)
GRIDS = (3, 4, 5, 6, 7)


def _photo() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (90, 120, 90)).save(buf, format="PNG")
    return SimpleUploadedFile("现场.png", buf.getvalue(), content_type="image/png")


def build_grid_handovers(*, now: dt.datetime, password: str) -> dict[str, int]:
    from chuangcheng.citymgmt.demo_cases import build_citymgmt_people
    from chuangcheng.citymgmt.demo_data import unit_grids_for
    from chuangcheng.citymgmt.services import citymgmt_case_open
    from chuangcheng.grid.events import event_report
    from chuangcheng.grid.handover import RECEIVER

    none = {"up": 0, "down_12345": 0, "down_citymgmt": 0}
    if CaseLink.objects.filter(receiver=RECEIVER).exists():
        return none
    grids = {
        int(g.code[-2:]): g
        for g in Region.objects.filter(parent__name="仕奇社区", level=Region.Level.GRID)
    }
    users = get_user_model().objects
    if not set(GRIDS) <= set(grids) or not users.filter(username="dispatcher").exists():
        return none
    unit_grids_for(RML)
    cm = build_citymgmt_people(password)
    hashed = make_password(password)
    for username, name, role, unit in PEOPLE:
        user = users.filter(username=username).first() or users.create(
            username=username, password=hashed, first_name=name
        )
        Membership.objects.get_or_create(user=user, role=role, unit=Unit.objects.get(code=unit))
    who = {u.username: actor_for(u) for u in users.filter(username__in=_NAMES)}
    who.update({k: cm[k] for k in ("cm_zbz", "cm_pqy", "cm_hw")})

    def go(case: Case, action: str, by: str, at: dt.datetime, **data: Any) -> Case:
        files = data.pop("files", ())
        return case_transition(
            case_id=case.pk, action=action, actor=who[by], data=data, attachments=files, now=at
        )

    def linked(case: Case) -> Case:
        return CaseLink.objects.get(from_case=case, receiver__in=("citymgmt", RECEIVER)).to_case

    hw = Unit.objects.get(code="D-HW").pk
    # up: escalated events → 数字城管
    for i, (n, days, what) in enumerate(
        ((3, 12, "路边垃圾成堆"), (4, 6, "绿化带内堆放建筑垃圾"), (5, 1, "人行道堆放废旧家具"))
    ):
        t = now - dt.timedelta(days=days, hours=2)
        grid, worker = grids[n], f"gd_sq{n:02d}"
        event, _ = event_report(
            actor=who[worker],
            grid_id=grid.pk,
            category="SJ04",
            scale="01",
            title=what,
            content=f"{grid.name}{what}，居民反映多日无人清理",
            lat=grid.lat,
            lng=grid.lng,
            client_key=f"demo-up-{i}",
            files=[(_photo(), "before")],
            now=t,
        )
        go(event, "escalate", worker, t + dt.timedelta(minutes=20), reason="需城管清运")
        go(event, "to_citymgmt", "gd_sq", t + dt.timedelta(hours=1), subclass="200507")
        cg = linked(event)
        go(cg, "file_case", "cm_zbz", t + dt.timedelta(hours=1, minutes=20))
        go(cg, "dispatch", "cm_pqy", t + dt.timedelta(hours=1, minutes=40), unit=hw)
        if days < 2:
            continue  # still being handled in 城管
        go(cg, "feedback", "cm_hw", t + dt.timedelta(hours=5), note="已清运", files=[(_photo(), "after")])  # fmt: skip
        go(cg, "check_pass", "cm_jdy09", t + dt.timedelta(hours=7))
        go(cg, "close", "cm_zbz", t + dt.timedelta(hours=8), close_type="normal")
        go(event, "rate", "gd_sq", t + dt.timedelta(days=1), satisfaction="satisfied")
    # down: 12345 orders → the grid of their place
    street_office = Unit.objects.get(code=f"S-{RML}").pk
    for i, (n, days, what) in enumerate(
        ((6, 9, "楼道堆放杂物堵塞通道"), (7, 4, "单元门禁损坏"), (3, 0, "小区路灯不亮"))
    ):
        t = now - dt.timedelta(days=days, hours=5)
        grid = grids[n]
        order, _ = case_open(
            kind="hotline",
            actor=who["dispatcher"],
            fields={
                "source": "hotline",
                "channel": "phone",
                "title": what,
                "content": f"市民反映仕奇社区{grid.name}{what}，希望尽快处理。",
                "address": f"人民路街道仕奇社区{grid.name}",
                "lat": grid.lat,
                "lng": grid.lng,
            },
            contact={"name": "市民", "phone": f"1390471{i:04d}"},
            region=grid,
            now=t,
            detail={"appeal_type": "complaint"},
        )
        go(order, "review", "dispatcher", t + dt.timedelta(minutes=10))
        go(order, "dispatch", "dispatcher", t + dt.timedelta(minutes=25), lead_unit=street_office)
        go(order, "accept", "handler_rml", t + dt.timedelta(minutes=50))
        go(order, "contact", "handler_rml", t + dt.timedelta(hours=1), note="已联系诉求人")
        go(order, "hand_down_grid", "handler_rml", t + dt.timedelta(hours=1, minutes=10), event_class="SJ06")  # fmt: skip
        if days < 1:
            continue  # still with the grid
        event, worker = linked(order), f"gd_sq{n:02d}"
        go(event, "fix_on_spot", worker, t + dt.timedelta(hours=4), note="已现场处理")
        go(event, "rate", worker, t + dt.timedelta(hours=5), satisfaction="satisfied")
        go(order, "feedback", "handler_rml", t + dt.timedelta(hours=6), result="经网格员现场处理，问题已解决")  # fmt: skip
        go(order, "approve_feedback", "dispatcher", t + dt.timedelta(hours=8))
        if days > 5:
            go(order, "callback", "callback", t + dt.timedelta(days=1), contacted="true",
               resolution="resolved", satisfaction="satisfied")  # fmt: skip
    # down: 城管 cases → the grid
    for i, (n, days) in enumerate(((4, 5), (5, 0))):
        t = now - dt.timedelta(days=days, hours=3)
        grid = grids[n]
        cg, _ = citymgmt_case_open(
            actor=who["cm_jdy09"],
            data={
                "subclass": "200201",
                "lat": grid.lat,
                "lng": grid.lng,
                "description": f"{grid.name}单元门口张贴非法小广告（{i + 1}）",
            },
            photos=[(_photo(), "near")],
            source="inspector",
            external=("", ""),
            now=t,
        )
        go(cg, "file_case", "cm_zbz", t + dt.timedelta(minutes=20))
        go(cg, "hand_down_grid", "cm_pqy", t + dt.timedelta(minutes=40), event_class="SJ04")
        if days < 1:
            continue
        event, worker = linked(cg), f"gd_sq{n:02d}"
        go(event, "fix_on_spot", worker, t + dt.timedelta(hours=3), note="小广告已铲除")
        go(event, "rate", worker, t + dt.timedelta(hours=4), satisfaction="basic")
        go(cg, "check_pass", "cm_jdy09", t + dt.timedelta(hours=6))
        go(cg, "close", "cm_zbz", t + dt.timedelta(hours=7), close_type="normal")
    return {"up": 3, "down_12345": 3, "down_citymgmt": 2}


_NAMES = (
    "dispatcher",
    "callback",
    "gd_sq",
    "handler_rml",
    "cm_jdy09",
    *(f"gd_sq{n:02d}" for n in GRIDS),
)

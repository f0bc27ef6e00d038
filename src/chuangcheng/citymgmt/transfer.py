"""转数字城管: the 数字城管 loop receives cases from other loops (a 12345 order in a
city-management category; an escalated 网格事件 the community or street sends on). The engine (`cases.handover`) calls these from the sender's step:
the 小类 is suggested from the 转数字城管分类对照 table (admin, `TransferCategory`), the place
and text come from the origin case; the new 城管 case starts at 待立案 with source 12345转办, so
it goes to 核实 before 立案 (DOMAIN-LOOPS.md §1.4: public and 12345 reports are verified first),
and its 立案 clock runs from the transfer (`Workflow.open_starts`).

A 网格事件 comes with its place, text and photos, a 小类 guessed from its class where one fits
(the sender may change it), source 网格上报: it was seen by a grid worker and weighed by the
community, so it goes to 立案 without 核实, like an inspector's report. An event that 数字城管
itself handed down to the grid (下派网格) is not sent back up: the grid voids it instead, and
数字城管 gets it back at 待派遣.

When the 城管 case is final, the sender is told: 结案 → done (the 处置 result as its handling
result); 不予立案 / 作废 → voided (with the reason)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from chuangcheng.cases.handover import photos_of
from chuangcheng.cases.models import Case, CaseLink, CaseRequest
from chuangcheng.cases.workflow import HANDOVER_DONE, HANDOVER_VOIDED, Received, Receiver
from chuangcheng.citymgmt.models import CityCase, Source, TransferCategory
from chuangcheng.org.access import Actor

RECEIVER = "citymgmt"
TRANSFER_SOURCE = "handover"  # Case.external_source of a transferred case (no resend key)
HOTLINE_KIND, GRID_KIND = "hotline", "gridevent"
SENDING_KINDS = frozenset({HOTLINE_KIND, GRID_KIND})  # the loops that may transfer to 数字城管
# a 网格事件's class → the 城管 小类 suggested for it (only where one plainly fits)
GRID_CLASS_SUBCLASS = {
    "SJ04": "200507",  # 环境卫生 → 乱堆物堆料
    "SJ05": "100305",  # 公共设施损坏 → 垃圾箱 (部件; the sender corrects the 小类)
}


class TransferForm(forms.Form):
    subclass = forms.CharField(
        label="城管小类代码",
        max_length=6,
        help_text="6 位目录代码，已按分类对照预填，可修改",
        error_messages={"required": "请填写城管小类代码"},
    )
    lat = forms.FloatField(
        label="纬度", required=False, error_messages={"invalid": "纬度必须是数字"}
    )
    lng = forms.FloatField(
        label="经度", required=False, error_messages={"invalid": "经度必须是数字"}
    )
    address = forms.CharField(label="地址", required=False, max_length=255)
    description = forms.CharField(label="问题描述", required=False, max_length=2000)
    note = forms.CharField(label="转办说明", required=False, max_length=2000)


def mapped_subclass(case: Case) -> TransferCategory | None:
    if case.category_id is None:
        return None
    return (
        TransferCategory.objects.select_related("subclass__klass")
        .filter(category_id=case.category_id, active=True)
        .first()
    )


def accepts(case: Case) -> str | None:
    if case.kind == GRID_KIND:
        came_down = CaseLink.objects.filter(to_case_id=case.pk, from_case__kind="citymgmt")
        if came_down.exists():
            return "该事件由数字城管下派，不能再转数字城管；网格无法处置的，请作废退回数字城管。"
        if case.lat is None or case.lng is None:
            return "该事件没有位置，不能转数字城管。"
        return None
    if mapped_subclass(case) is None:
        return "该工单的分类不属于城市管理事项（见转数字城管分类对照），不能转数字城管。"
    return None


def initial(case: Case) -> dict[str, Any]:
    if case.kind == GRID_KIND:
        event_class = getattr(getattr(case, "gridevent", None), "event_class", "")
        return {
            "subclass": GRID_CLASS_SUBCLASS.get(event_class, ""),
            "lat": case.lat,
            "lng": case.lng,
            "address": case.address,
            "description": f"{case.title}：{case.content}"[:2000],
        }
    mapped = mapped_subclass(case)
    return {
        "subclass": mapped.subclass.full_code if mapped is not None else "",
        "lat": case.lat,
        "lng": case.lng,
        "address": case.address,
        "description": case.content[:2000],
    }


def open_transferred(origin: Case, actor: Actor, data: dict[str, Any], now: dt.datetime) -> Case:
    """The 城管 case of a transferred order (in the sender's transaction)."""
    from chuangcheng.citymgmt.services import citymgmt_case_open

    lat = data.get("lat") if data.get("lat") is not None else origin.lat
    lng = data.get("lng") if data.get("lng") is not None else origin.lng
    if lat is None or lng is None:
        from chuangcheng.core.errors import ValidationFailed

        raise ValidationFailed(
            "该工单没有位置，请填写问题所在的经纬度。", fields={"lat": ["请填写纬度和经度"]}
        )
    from_grid = origin.kind == GRID_KIND
    case, _created = citymgmt_case_open(
        actor=actor,
        data={
            "subclass": data.get("subclass"),
            "lat": lat,
            "lng": lng,
            "address": data.get("address") or origin.address,
            "description": data.get("description") or origin.content,
        },
        photos=photos_of(origin) if from_grid else [],
        source=Source.GRID if from_grid else Source.HOTLINE,
        external=("", ""),
        hotline_case=origin if origin.kind == HOTLINE_KIND else None,
        now=now,
    )
    return case


def outcome(case: Case) -> Received:
    """What the sender is told when the 城管 case is final."""
    if case.status == "closed":
        own = CityCase.objects.filter(case_id=case.pk).first()
        close_type = own.get_close_type_display() if own and own.close_type else "结案"
        fed_back = (
            case.events.filter(action__in=("feedback", "self_handle"))
            .order_by("-seq")
            .values_list("note", flat=True)
            .first()
        )
        text = f"数字城管案件 {case.number} 已{close_type}"
        return Received(HANDOVER_DONE, f"{text}：{fed_back}" if fed_back else f"{text}。")
    if case.status == "void":
        reason = (
            CaseRequest.objects.filter(case_id=case.pk, kind="void")
            .order_by("-opened_at")
            .values_list("data", flat=True)
            .first()
            or {}
        ).get("reason", "")
        return Received(
            HANDOVER_VOIDED, f"数字城管案件 {case.number} 已作废：{reason}".rstrip("：")
        )
    reason = (
        case.events.filter(action="reject").order_by("-seq").values_list("note", flat=True).first()
        or ""
    )
    return Received(HANDOVER_VOIDED, f"数字城管案件 {case.number} 不予立案：{reason}".rstrip("："))


TO_CITYMGMT = Receiver(
    name=RECEIVER,
    label="转数字城管",
    accepts_from=SENDING_KINDS,
    form=TransferForm,
    open=open_transferred,
    outcome=outcome,
    accepts=accepts,
    initial=initial,
)

"""转数字城管: the 数字城管 loop receives cases from other loops (a 12345 order in a
city-management category). The engine (`cases.handover`) calls these from the sender's step:
the 小类 is suggested from the 转数字城管分类对照 table (admin, `TransferCategory`), the place
and text come from the origin case; the new 城管 case starts at 待立案 with source 12345转办, so
it goes to 核实 before 立案 (DOMAIN-LOOPS.md §1.4: public and 12345 reports are verified first),
and its 立案 clock runs from the transfer (`Workflow.open_starts`).

When the 城管 case is final, the sender is told: 结案 → done (the 处置 result as its handling
result); 不予立案 / 作废 → voided (with the reason)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from chuangcheng.cases.models import Case, CaseRequest
from chuangcheng.cases.workflow import HANDOVER_DONE, HANDOVER_VOIDED, Received, Receiver
from chuangcheng.citymgmt.models import CityCase, Source, TransferCategory
from chuangcheng.org.access import Actor

RECEIVER = "citymgmt"
TRANSFER_SOURCE = "handover"  # Case.external_source of a transferred case (no resend key)
SENDING_KINDS = frozenset({"hotline"})  # the loops that may transfer to 数字城管


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
    if mapped_subclass(case) is None:
        return "该工单的分类不属于城市管理事项（见转数字城管分类对照），不能转数字城管。"
    return None


def initial(case: Case) -> dict[str, Any]:
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
    case, _created = citymgmt_case_open(
        actor=actor,
        data={
            "subclass": data.get("subclass"),
            "lat": lat,
            "lng": lng,
            "address": data.get("address") or origin.address,
            "description": data.get("description") or origin.content,
        },
        photos=[],
        source=Source.HOTLINE,
        external=("", ""),
        hotline_case=origin,
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

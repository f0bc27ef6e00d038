"""The 数字化城市管理 (数字城管) loop on the case engine. Reading this file tells you the whole loop:

    监督员上报 ─▶ filing 待立案 ──file_case (立案)──▶ dispatching 待派遣 ──dispatch (派遣)──▶ handling 处置中
    公众/12345/视频 (and 转数字城管 from a 12345 order: transfer.py) ─▶ filing ──send_verify──▶ verifying 待核实 ──verify (核实)──▶ filing
    filing ──reject (不予立案)──▶ rejected;  作废: request_void ▶ approve_void ──▶ void
    handling ──feedback (处置反馈, 处置前/处置后照片)──▶ checking 待核查
    checking ──check_pass──▶ closing 待结案 ──close (结案, 结案类型)──▶ closed
    checking ──check_fail (返工, counted)──▶ handling
    handling: 回退 (request_return ▶ approve_return ──▶ dispatching), 延期 (request_extension ▶
      approve_extension), 缓办/挂账 (request_suspend ▶ approve_suspend pauses 处置; restore)
    filing ──self_handle (自处理, inspector's own report, photos)──▶ self_review ──approve_self──▶ closed
    督办 (supervise) at any open state: the department is told.
    dispatching ──hand_down_grid (下派网格: to the grid the place lies in)──▶ gridding 网格处置中
      ──(网格事件 办结)──▶ checking (the grid's result is the 处置反馈; the inspector still checks)
      └─(网格事件 作废)──▶ dispatching (the grid's reason as note)

Clocks: verify 核实, filing 立案 (starts at reporting: `open_starts`), dispatch 派遣, handle 处置 (limit from the subclass's 立案标准 row by
the grid's 区域类别 and its 计时类型: `Workflow.clock_limit`), check 核查.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django import forms

from chuangcheng.cases.handover import ReturnForm
from chuangcheng.cases.models import Assignment, Case
from chuangcheng.cases.workflow import (
    CREATED,
    CREATOR,
    JURISDICTION,
    LEAD,
    NOT_HANDLER,
    UNITS,
    Action,
    Clock,
    Notice,
    RequestKind,
    Step,
    Workflow,
    people,
    register,
    role,
    unit_of,
)
from chuangcheng.citymgmt.eval_keys import copy_case_keys, copy_handle_clock, mark_filed
from chuangcheng.citymgmt.models import (
    NEEDS_VERIFY,
    CheckResult,
    CityCase,
    CloseType,
    Counting,
    HandlingLimit,
    VerifyResult,
)
from chuangcheng.citymgmt.presenters import city_case_fields
from chuangcheng.citymgmt.transfer import TO_CITYMGMT
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Unit
from chuangcheng.org.selectors import handling_units

KIND = "citymgmt"

INSPECTOR = "cm_inspector"  # 监督员
OPERATOR = "cm_operator"  # 受理员
SHIFT = "cm_shift"  # 值班长
DISPATCHER = "cm_dispatcher"  # 派遣员
HANDLER = "cm_handler"  # 专业部门
LEADER = "cm_leader"  # 领导

CENTRE = frozenset({OPERATOR, SHIFT, DISPATCHER, LEADER})

# 计时类型 of the catalogue → the engine's units (core.calendar.UNITS)
COUNTING_UNITS: dict[str, str] = {
    Counting.HOURS: "hours",
    Counting.WORK_HOURS: "workhours",
    Counting.WORKDAYS: "workdays",
    Counting.DAYS: "days",
}

S = frozenset
PRE_HANDLING = S({"filing", "verifying", "dispatching"})
OPEN = S(
    {
        "filing",
        "verifying",
        "dispatching",
        "handling",
        "gridding",
        "checking",
        "closing",
        "self_review",
    }
)
GRID_RECEIVER = "grid"  # the 网格化 loop's receiver (下派网格: grid.handover)


def handle_limit(case: Case, clock: str) -> tuple[int, str] | None:
    """处置时限: the case's 立案标准 row (or the subclass's first) for its grid's 区域类别."""
    if clock != "handle":
        return None
    own = _own(case)
    if own is None:
        return None
    limits = HandlingLimit.objects.filter(zone_class=own.zone_class)
    if own.standard_id:
        limits = limits.filter(standard_id=own.standard_id)
    else:
        limits = limits.filter(standard__subclass_id=own.subclass_id).order_by("standard__seq")
    hit = limits.values_list("amount", "counting").first()
    if hit is None:
        return None
    return int(hit[0]), COUNTING_UNITS.get(hit[1], "workhours")


def _own(case: Case) -> CityCase | None:
    """The case's 数字城管 row (loaded with the case by the engine, else one query)."""
    try:
        return case.citycase
    except CityCase.DoesNotExist:
        return None


def _detail(step: Step) -> CityCase:
    """The case's 数字城管 row the engine loaded with the locked case and saves after `apply`."""
    assert isinstance(step.detail, CityCase), "CITYMGMT declares detail=CityCase"
    return step.detail


# ---------------------------------------------------------------- forms


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="原因", max_length=2000, error_messages={"required": "请填写原因"}
    )


class NoteForm(forms.Form):
    note = forms.CharField(label="意见", required=False, max_length=2000)


class VerifyForm(forms.Form):
    result = forms.ChoiceField(
        label="核实结果",
        choices=VerifyResult.choices,
        error_messages={
            "required": "请选择核实结果",
            "invalid_choice": "核实结果只能是属实、不属实或无法核实",
        },
    )
    note = forms.CharField(label="核实说明", required=False, max_length=2000)


class DeptField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": "处置部门不存在或已停用"}


class DispatchForm(forms.Form):
    unit = DeptField(
        label="处置部门",
        queryset=handling_units(),
        error_messages={"required": "请选择处置部门"},
    )
    note = forms.CharField(label="派遣意见", required=False, max_length=2000)


class ExtensionForm(forms.Form):
    amount = forms.IntegerField(
        label="延期时长（按处置时限的计时单位）",
        min_value=1,
        max_value=60,
        error_messages={
            "required": "请填写延期时长",
            "invalid": "延期时长必须是整数",
            "min_value": "延期时长至少为 1",
            "max_value": "延期时长不能超过 60",
        },
    )
    reason = forms.CharField(
        label="延期原因", max_length=2000, error_messages={"required": "请填写延期原因"}
    )


class CloseForm(forms.Form):
    close_type = forms.ChoiceField(
        label="结案类型",
        choices=CloseType.choices,
        error_messages={
            "required": "请选择结案类型",
            "invalid_choice": "结案类型只能是正常、超时、差错或特殊结案",
        },
    )
    note = forms.CharField(label="结案意见", required=False, max_length=2000)


# ---------------------------------------------------------------- guards and effects


def needs_verify(case: Case, actor: Actor, now: dt.datetime) -> str | None:
    own = _own(case)
    if own and own.source in NEEDS_VERIFY and own.verify_result != VerifyResult.EXISTS:
        return "该案件来自公众、12345或视频，须经监督员核实属实后才能立案。"
    return None


def suspended(case: Case, actor: Actor, now: dt.datetime) -> str | None:
    own = _own(case)
    if own is not None and own.suspended:
        return None
    return "该案件未在缓办中。"


def not_suspended(case: Case, actor: Actor, now: dt.datetime) -> str | None:
    own = _own(case)
    if own is not None and own.suspended:
        return "该案件缓办中，请先恢复。"
    return None


def _photos_required(step: Step, what: str) -> None:
    if not step.files:
        raise ValidationFailed(f"{what}须上传现场照片。", fields={"attachments": ["请上传照片"]})


def do_verify(step: Step) -> None:
    own = _detail(step)
    own.verify_result = step.data["result"]
    step.event_data = {"result": own.verify_result}


def do_dispatch(step: Step) -> None:
    unit: Unit = step.data["unit"]
    case = step.case
    step.end_assignments()
    step.assign(unit.pk, Assignment.Role.LEAD)
    case.lead_unit = unit
    case.dispatched_at = step.now
    step.event_data = {"unit": unit.pk, "unit_name": unit.name}
    step.note = step.data.get("note") or f"派遣至{unit.name}"


def do_grid_returned(step: Step) -> None:
    """The 网格事件 this case was handed down to is final (cases.handover): its result (or why
    the grid could not take it) is this step's note."""
    step.note = str(step.data.get("result") or "")
    step.event_data = {"grid_event": step.data.get("number"), "outcome": step.data.get("outcome")}


def do_grid_back(step: Step) -> None:
    do_grid_returned(step)
    step.cancel("handle")


def do_approve_return(step: Step) -> None:
    case = step.case
    step.end_assignments()
    step.event_data = {"returned_by": case.lead_unit_id}
    case.lead_unit = None
    own = _detail(step)
    own.return_count += 1
    step.cancel("handle")


def do_approve_extension(step: Step) -> None:
    assert step.request is not None
    amount = int(step.request.data.get("amount") or 1)
    due = step.extend("handle", amount)
    step.event_data = {"amount": amount, "due": due.isoformat() if due else None}


def do_approve_suspend(step: Step) -> None:
    own = _detail(step)
    own.suspended, own.suspend_count = True, own.suspend_count + 1


def do_restore(step: Step) -> None:
    _detail(step).suspended = False


def do_feedback(step: Step) -> None:
    _photos_required(step, "处置反馈")


def do_check(result: str) -> Callable[[Step], None]:
    def apply(step: Step) -> None:
        own = _detail(step)
        own.check_result = result
        if result == CheckResult.NOT_PASSED:
            own.rework_count += 1
            step.event_data = {"result": result, "rework": own.rework_count}
        else:
            step.event_data = {"result": result}

    return apply


def do_close(step: Step) -> None:
    own = _detail(step)
    own.close_type = step.data["close_type"]
    step.event_data = {"close_type": own.close_type}


def do_self_handle(step: Step) -> None:
    _photos_required(step, "自处理")


def do_approve_self(step: Step) -> None:
    own = _detail(step)
    own.self_handled, own.close_type = True, CloseType.NORMAL


CITYMGMT = register(
    Workflow(
        kind=KIND,
        label="数字城管",
        number_prefix="CG",
        initial="filing",
        states={
            "filing": "待立案",
            "verifying": "待核实",
            "dispatching": "待派遣",
            "handling": "处置中",
            "gridding": "网格处置中",
            "checking": "待核查",
            "closing": "待结案",
            "self_review": "自处理待审核",
            "closed": "已结案",
            "rejected": "不予立案",
            "void": "已作废",
        },
        final=S({"closed", "rejected", "void"}),
        roles={
            INSPECTOR: role("监督员", CREATED, JURISDICTION),
            OPERATOR: role("受理员", JURISDICTION),
            SHIFT: role("值班长", JURISDICTION),
            DISPATCHER: role("派遣员", JURISDICTION),
            HANDLER: role("专业部门", UNITS),
            LEADER: role("城管领导", JURISDICTION),
        },
        requests=(
            RequestKind("void", "作废"),
            RequestKind("return", "回退"),
            RequestKind("extension", "延期"),
            RequestKind("suspend", "缓办"),
        ),
        clocks=(
            Clock("verify", "核实", (1, "workhours")),
            Clock("filing", "立案", (1, "workhours")),
            Clock("dispatch", "派遣", (1, "workhours")),
            Clock("handle", "处置", (4, "workhours")),
            Clock("check", "核查", (2, "workhours")),
        ),
        clock_limit=handle_limit,
        # 考核键 on the loop's row, in every step's transaction (citymgmt.eval_keys, ADR 0026)
        on_save=copy_case_keys,
        on_clocks=copy_handle_clock,
        present=city_case_fields,
        detail=CityCase,
        # the count starts at reporting: 立案 (or 发核实) within the 立案 limit of the report
        open_starts=("filing",),
        # 转数字城管: cases handed over by other loops (a 12345 order), see transfer.py
        receives=(TO_CITYMGMT,),
        # 下派网格: what this case does when the 网格事件 it was handed down to is final
        handover_returns_from={GRID_RECEIVER: {"done": "grid_done", "voided": "grid_back"}},
        actions=(
            Action(
                "send_verify",
                "发核实",
                S({"filing"}),
                "verifying",
                S({OPERATOR, SHIFT}),
                form=NoteForm,
                stops=("filing",),
                starts=("verify",),
                notice=Notice("城管案件 {number} 待核实：{title}", (people(INSPECTOR),)),
            ),
            Action(
                "verify",
                "核实",
                S({"verifying"}),
                "filing",
                S({INSPECTOR}),
                form=VerifyForm,
                apply=do_verify,
                accepts_files=True,
                stops=("verify",),
                starts=("filing",),
            ),
            Action(
                "file_case",
                "立案",
                S({"filing"}),
                "dispatching",
                S({SHIFT}),
                form=NoteForm,
                guard=needs_verify,
                apply=mark_filed,
                stops=("filing",),
                starts=("dispatch",),
            ),
            Action(
                "reject",
                "不予立案",
                S({"filing", "verifying"}),
                "rejected",
                S({SHIFT}),
                form=ReasonForm,
            ),
            Action(
                "request_void",
                "申请作废",
                PRE_HANDLING,
                None,
                S({OPERATOR, DISPATCHER}),
                form=ReasonForm,
                opens="void",
                notice=Notice("城管案件 {number} 申请作废", (people(SHIFT),)),
            ),
            Action(
                "approve_void",
                "同意作废",
                PRE_HANDLING,
                "void",
                S({SHIFT}),
                decides="void",
                decision="approved",
            ),
            Action(
                "reject_void",
                "不同意作废",
                PRE_HANDLING,
                None,
                S({SHIFT}),
                form=NoteForm,
                decides="void",
                decision="rejected",
            ),
            Action(
                "dispatch",
                "派遣",
                S({"dispatching"}),
                "handling",
                S({DISPATCHER}),
                form=DispatchForm,
                apply=do_dispatch,
                stops=("dispatch",),
                starts=("handle",),
                notice=Notice(
                    "城管案件 {number} 已派遣给您单位处置：{title}", (unit_of(LEAD, HANDLER),)
                ),
            ),
            Action(
                "hand_down_grid",
                "下派网格",
                S({"dispatching"}),
                "gridding",
                S({DISPATCHER}),
                hands_over=GRID_RECEIVER,  # the 网格化 loop's receiver: its form, its event
                stops=("dispatch",),
                starts=("handle",),
                help="交由问题所在网格的网格员处置；网格办结后回到待核查，由监督员核查。",
            ),
            Action(
                "grid_done",
                "网格已处置",
                S({"gridding"}),
                "checking",
                S(),
                form=ReturnForm,
                apply=do_grid_returned,
                system=True,
                stops=("handle",),
                starts=("check",),
                notice=Notice(
                    "城管案件 {number} 网格已处置，待核查：{title}", (people(INSPECTOR),)
                ),
            ),
            Action(
                "grid_back",
                "网格退回",
                S({"gridding"}),
                "dispatching",
                S(),
                form=ReturnForm,
                apply=do_grid_back,
                system=True,
                starts=("dispatch",),
                notice=Notice(
                    "城管案件 {number} 网格退回，请重新派遣：{title}", (people(DISPATCHER),)
                ),
            ),
            Action(
                "request_return",
                "申请回退",
                S({"handling"}),
                None,
                S({HANDLER}),
                unit=LEAD,
                form=ReasonForm,
                opens="return",
                notice=Notice("城管案件 {number} 申请回退", (people(DISPATCHER),)),
            ),
            Action(
                "approve_return",
                "同意回退",
                S({"handling"}),
                "dispatching",
                S({DISPATCHER}),
                decides="return",
                decision="approved",
                apply=do_approve_return,
                starts=("dispatch",),
            ),
            Action(
                "reject_return",
                "不同意回退",
                S({"handling"}),
                None,
                S({DISPATCHER}),
                form=NoteForm,
                decides="return",
                decision="rejected",
            ),
            Action(
                "request_extension",
                "申请延期",
                S({"handling"}),
                None,
                S({HANDLER}),
                unit=LEAD,
                form=ExtensionForm,
                opens="extension",
                notice=Notice("城管案件 {number} 申请延期", (people(DISPATCHER),)),
            ),
            Action(
                "approve_extension",
                "同意延期",
                S({"handling"}),
                None,
                S({DISPATCHER}),
                decides="extension",
                decision="approved",
                apply=do_approve_extension,
            ),
            Action(
                "reject_extension",
                "不同意延期",
                S({"handling"}),
                None,
                S({DISPATCHER}),
                form=NoteForm,
                decides="extension",
                decision="rejected",
            ),
            Action(
                "request_suspend",
                "申请缓办",
                S({"handling"}),
                None,
                S({HANDLER}),
                unit=LEAD,
                form=ReasonForm,
                guard=not_suspended,
                opens="suspend",
                notice=Notice("城管案件 {number} 申请缓办（挂账）", (people(DISPATCHER),)),
            ),
            Action(
                "approve_suspend",
                "同意缓办",
                S({"handling"}),
                None,
                S({DISPATCHER}),
                decides="suspend",
                decision="approved",
                apply=do_approve_suspend,
                pauses=("handle",),
            ),
            Action(
                "reject_suspend",
                "不同意缓办",
                S({"handling"}),
                None,
                S({DISPATCHER}),
                form=NoteForm,
                decides="suspend",
                decision="rejected",
            ),
            Action(
                "restore",
                "恢复处置",
                S({"handling"}),
                None,
                S({DISPATCHER}),
                guard=suspended,
                apply=do_restore,
                resumes=("handle",),
                notice=Notice("城管案件 {number} 已恢复处置", (unit_of(LEAD, HANDLER),)),
            ),
            Action(
                "feedback",
                "处置反馈",
                S({"handling"}),
                "checking",
                S({HANDLER}),
                unit=LEAD,
                form=NoteForm,
                guard=not_suspended,
                apply=do_feedback,
                accepts_files=True,
                stops=("handle",),
                starts=("check",),
                lapses=("return", "extension", "suspend"),
                notice=Notice("城管案件 {number} 待核查：{title}", (people(INSPECTOR),)),
            ),
            Action(
                "check_pass",
                "核查通过",
                S({"checking"}),
                "closing",
                S({INSPECTOR}),
                unit=NOT_HANDLER,
                form=NoteForm,
                apply=do_check(CheckResult.PASSED),
                accepts_files=True,
                stops=("check",),
            ),
            Action(
                "check_fail",
                "核查不通过",
                S({"checking"}),
                "handling",
                S({INSPECTOR}),
                unit=NOT_HANDLER,
                form=ReasonForm,
                apply=do_check(CheckResult.NOT_PASSED),
                accepts_files=True,
                stops=("check",),
                starts=("handle",),
                notice=Notice("城管案件 {number} 核查不通过，请返工", (unit_of(LEAD, HANDLER),)),
            ),
            Action(
                "close",
                "结案",
                S({"closing"}),
                "closed",
                S({SHIFT}),
                form=CloseForm,
                apply=do_close,
            ),
            Action(
                "self_handle",
                "自处理",
                S({"filing"}),
                "self_review",
                S({INSPECTOR}),
                unit=CREATOR,
                form=NoteForm,
                apply=do_self_handle,
                stops=("filing",),
                accepts_files=True,
                notice=Notice("城管案件 {number} 监督员已自处理，待审核", (people(SHIFT),)),
            ),
            Action(
                "approve_self",
                "同意自处理结案",
                S({"self_review"}),
                "closed",
                S({SHIFT}),
                apply=do_approve_self,
            ),
            Action(
                "reject_self",
                "退回自处理",
                S({"self_review"}),
                "filing",
                S({SHIFT}),
                form=ReasonForm,
            ),
            Action(
                "supervise",
                "督办",
                OPEN,
                None,
                S({LEADER, SHIFT}),
                form=ReasonForm,
                notice=Notice("城管案件 {number} 被督办，请加快处置", (unit_of(LEAD, HANDLER),)),
            ),
        ),
    )
)

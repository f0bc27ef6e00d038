"""The 创城 rectification loop (问题整改) on the case engine. Reading this file tells you the loop:

    a failed item of a submitted visit ─▶ assigning 待交办 ──assign (交办: unit, severity)──▶ rectifying 整改中
    rectifying ──report (整改反馈, 整改前/整改后照片)──▶ reviewing 待复查
    reviewing ──review_pass (复查通过, not the unit that did the work)──▶ closed 已销号
    reviewing ──review_fail (复查不通过, counted)──▶ rectifying
    rectifying: 延期 (request_extension ▶ approve/reject, 创城办), 非本单位 (request_dispute ▶
      approve_dispute ──▶ assigning, the unit released; reject_dispute)
    assigning ──void (作废, 创城办: not a problem after all)──▶ void

Clock: rectify 整改, its limit by the problem's severity (settings: 一般/较重 in working days,
严重 in hours), started by 交办. 回头看 and 反弹 are read from later visits (evaluation.services).
"""

from __future__ import annotations

from django import forms

from chuangcheng.cases.models import Assignment, Case
from chuangcheng.cases.workflow import (
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
from chuangcheng.core.settings_store import get_setting
from chuangcheng.evaluation import settings_keys as keys
from chuangcheng.evaluation.models import Problem, Severity
from chuangcheng.evaluation.roles import EVALUATOR, LEADER, OFFICE, UNIT
from chuangcheng.org.models import Unit
from chuangcheng.org.selectors import handling_units

KIND = "rectify"
S = frozenset
OPEN = S({"assigning", "rectifying", "reviewing"})


def rectify_limit(case: Case, clock: str) -> tuple[int, str] | None:
    """整改时限 by the problem's severity (参数设置)."""
    if clock != "rectify":
        return None
    try:
        severity = case.problem.severity
    except Problem.DoesNotExist:
        return None
    if severity == Severity.SEVERE:
        return int(get_setting(keys.LIMIT_SEVERE)), "hours"
    if severity == Severity.MAJOR:
        return int(get_setting(keys.LIMIT_MAJOR)), "workdays"
    return int(get_setting(keys.LIMIT_MINOR)), "workdays"


def problem_fields(case: Case) -> dict[str, object]:
    """The loop's fields on the generic case page and API (`loop`)."""
    try:
        p = case.problem
    except Problem.DoesNotExist:
        return {}
    return {
        "site": p.site.name,
        "site_code": p.site.code,
        "item": f"{p.item.code} {p.item.rule}",
        "severity": p.get_severity_display(),
        "self_check": p.self_check,
        "rebound": p.rebound,
        "review_fails": p.review_fails,
    }


def _detail(step: Step) -> Problem:
    assert isinstance(step.detail, Problem), "RECTIFY declares detail=Problem"
    return step.detail


class NoteForm(forms.Form):
    note = forms.CharField(label="说明", required=False, max_length=2000)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="理由", max_length=2000, error_messages={"required": "请填写理由"}
    )


class AssignForm(forms.Form):
    unit = forms.ModelChoiceField(
        label="责任单位",
        queryset=handling_units(),
        error_messages={"required": "请选择责任单位", "invalid_choice": "没有这个单位"},
    )
    severity = forms.ChoiceField(
        label="严重程度",
        choices=Severity.choices,
        initial=Severity.MINOR,
        error_messages={"invalid_choice": "严重程度只能是一般、较重或严重"},
    )
    note = forms.CharField(label="交办意见", required=False, max_length=2000)


class ReportForm(forms.Form):
    note = forms.CharField(
        label="整改情况", max_length=2000, error_messages={"required": "请填写整改情况"}
    )


class ExtensionForm(forms.Form):
    days = forms.IntegerField(
        label="延期（工作日）",
        min_value=1,
        max_value=30,
        error_messages={
            "required": "请填写延期天数",
            "min_value": "延期至少 1 个工作日",
            "max_value": "延期最多 30 个工作日",
            "invalid": "延期天数应为整数",
        },
    )
    reason = forms.CharField(
        label="理由", max_length=2000, error_messages={"required": "请填写理由"}
    )


def do_assign(step: Step) -> None:
    unit: Unit = step.data["unit"]
    own = _detail(step)
    own.severity = step.data["severity"]
    step.end_assignments()
    step.assign(unit.pk, Assignment.Role.LEAD)
    step.case.lead_unit = unit
    step.case.dispatched_at = step.now
    step.event_data = {"unit": unit.pk, "unit_name": unit.name, "severity": own.severity}
    step.note = step.data.get("note") or f"交办{unit.name}（{own.get_severity_display()}）"


def do_report(step: Step) -> None:
    step.note = step.data["note"]


def do_review_fail(step: Step) -> None:
    own = _detail(step)
    own.review_fails += 1
    step.note = step.data["reason"]
    step.event_data = {"review_fails": own.review_fails}
    step.undo_stop("rectify")


def do_review_pass(step: Step) -> None:
    own = _detail(step)
    clock = step.clock("rectify")
    own.closed_on_time = bool(
        clock is not None
        and clock.stopped_at is not None
        and clock.due_at is not None
        and clock.stopped_at <= clock.due_at
    )
    step.case.closed_at = step.now


def do_request(step: Step) -> None:
    step.note = step.data["reason"]
    step.request_data = {k: v for k, v in step.data.items() if k in ("days", "reason")}


def do_approve_extension(step: Step) -> None:
    assert step.request is not None
    days = int(step.request.data.get("days", 1))
    due = step.extend("rectify", days, "workdays")
    step.note = f"同意延期 {days} 个工作日，新的整改期限 {due:%Y-%m-%d %H:%M}" if due else ""


def do_approve_dispute(step: Step) -> None:
    step.end_assignments()
    step.event_data = {"released": step.case.lead_unit_id}
    step.case.lead_unit = None
    step.cancel("rectify")


RECTIFY = register(
    Workflow(
        kind=KIND,
        label="创城问题整改",
        number_prefix="ZG",
        initial="assigning",
        states={
            "assigning": "待交办",
            "rectifying": "整改中",
            "reviewing": "待复查",
            "closed": "已销号",
            "void": "已作废",
        },
        final=S({"closed", "void"}),
        roles={
            OFFICE: role("创城办", JURISDICTION),
            EVALUATOR: role("测评员", JURISDICTION),
            UNIT: role("责任单位", UNITS),
            LEADER: role("创城领导", JURISDICTION),
        },
        requests=(RequestKind("extension", "延期"), RequestKind("dispute", "非本单位")),
        clocks=(Clock("rectify", "整改", (5, "workdays")),),
        clock_limit=rectify_limit,
        present=problem_fields,
        detail=Problem,
        recorded=("severity", "review_fails"),
        actions=(
            Action(
                "assign",
                "交办",
                S({"assigning"}),
                "rectifying",
                S({OFFICE}),
                form=AssignForm,
                apply=do_assign,
                starts=("rectify",),
                notice=Notice(
                    "创城问题 {number} 已交办您单位整改：{title}", (unit_of(LEAD, UNIT),)
                ),
            ),
            Action(
                "report",
                "整改反馈",
                S({"rectifying"}),
                "reviewing",
                S({UNIT}),
                unit=LEAD,
                form=ReportForm,
                apply=do_report,
                accepts_files=True,
                photo_labels=("整改前照片", "整改后照片"),
                stops=("rectify",),
                lapses=("extension", "dispute"),
                notice=Notice("创城问题 {number} 已整改，待复查", (people(OFFICE, EVALUATOR),)),
            ),
            Action(
                "review_pass",
                "复查通过（销号）",
                S({"reviewing"}),
                "closed",
                S({OFFICE, EVALUATOR}),
                unit=NOT_HANDLER,
                form=NoteForm,
                apply=do_review_pass,
                accepts_files=True,
                photo_labels=("复查现场照片", "其他照片"),
            ),
            Action(
                "review_fail",
                "复查不通过",
                S({"reviewing"}),
                "rectifying",
                S({OFFICE, EVALUATOR}),
                unit=NOT_HANDLER,
                form=ReasonForm,
                apply=do_review_fail,
                accepts_files=True,
                photo_labels=("复查现场照片", "其他照片"),
                notice=Notice("创城问题 {number} 复查不通过，请继续整改", (unit_of(LEAD, UNIT),)),
            ),
            Action(
                "request_extension",
                "申请延期",
                S({"rectifying"}),
                None,
                S({UNIT}),
                unit=LEAD,
                form=ExtensionForm,
                apply=do_request,
                opens="extension",
                notice=Notice("创城问题 {number} 申请延期", (people(OFFICE),)),
            ),
            Action(
                "approve_extension",
                "同意延期",
                S({"rectifying"}),
                None,
                S({OFFICE}),
                apply=do_approve_extension,
                decides="extension",
                decision="approved",
                notice=Notice("创城问题 {number} 延期已同意", (unit_of(LEAD, UNIT),)),
            ),
            Action(
                "reject_extension",
                "不同意延期",
                S({"rectifying"}),
                None,
                S({OFFICE}),
                form=ReasonForm,
                decides="extension",
                decision="rejected",
                notice=Notice("创城问题 {number} 延期未同意", (unit_of(LEAD, UNIT),)),
            ),
            Action(
                "request_dispute",
                "申请退回（非本单位）",
                S({"rectifying"}),
                None,
                S({UNIT}),
                unit=LEAD,
                form=ReasonForm,
                apply=do_request,
                opens="dispute",
                notice=Notice("创城问题 {number} 责任单位申请退回", (people(OFFICE),)),
            ),
            Action(
                "approve_dispute",
                "同意退回",
                S({"rectifying"}),
                "assigning",
                S({OFFICE}),
                apply=do_approve_dispute,
                decides="dispute",
                decision="approved",
                lapses=("extension",),
            ),
            Action(
                "reject_dispute",
                "不同意退回",
                S({"rectifying"}),
                None,
                S({OFFICE}),
                form=ReasonForm,
                decides="dispute",
                decision="rejected",
                notice=Notice("创城问题 {number} 退回未同意，请继续整改", (unit_of(LEAD, UNIT),)),
            ),
            Action("void", "作废", S({"assigning"}), "void", S({OFFICE}), form=ReasonForm),
        ),
    )
)

"""The 12345 接诉即办 loop. Reading this file tells you the whole loop:

    接单 received ──review──▶ reviewed ──dispatch──▶ dispatched ──accept(签收)──▶ handling
      │ answer_directly (咨询当场答复) ──▶ closed       ▲  approve_return ◀── return_requested
      │ merge (并单) ──▶ merged                         │                     ▲ request_return
    handling ──contact (响应)──▶ handling ──feedback──▶ fed_back ──approve_feedback──▶ callback
    fed_back ──reject_feedback──▶ handling
    received/reviewed ──transfer_citymgmt (转数字城管)──▶ transferred ──(城管 结案)──▶ callback
                                                          └─(不予立案/作废)──▶ reviewed
    handling ──hand_down_grid (下派网格: the handling unit hands it to the grid of its place)──▶ grid
      ──(网格事件 办结 or 作废)──▶ handling (the grid's result as note; the unit writes its feedback)
    callback ──callback(回访)──▶ closed (resolved & satisfied) | unsatisfied | callback (not reached)
    unsatisfied ──reopen (重办)──▶ handling | ──close──▶ closed
    handling ──request_extension──▶ (a pending 延期 request) ──approve_ / reject_extension
    requests awaiting a decision (待审申请) are records of their own: 退单 and 延期 may both wait
    any open state ──supervise (督办)──▶ same state; the lead unit answers with reply_supervision

Clocks: sign (签收), respond (响应: first contact with the caller), finish (办结 = feedback).
Defaults follow DOMAIN.md and are overridden by rows in the 办理时限 table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from chuangcheng.cases.handover import ReturnForm
from chuangcheng.cases.models import Assignment, Case, CaseClock, Category
from chuangcheng.cases.workflow import (
    JURISDICTION,
    LEAD,
    OWN,
    OWNER,
    UNITS,
    Action,
    Clock,
    Notice,
    RelatedEvent,
    RequestKind,
    Step,
    Workflow,
    people,
    register,
    reporter,
    role,
    unit_of,
)
from chuangcheng.core import asof
from chuangcheng.core.calendar import working_days_between
from chuangcheng.core.settings_store import get_setting
from chuangcheng.hotline import presenters
from chuangcheng.hotline.constants import (
    APPEAL_TYPES,
    RESOLUTIONS,
    SATISFACTIONS,
    SUPERVISION_LEVELS,
    URGENCIES,
)
from chuangcheng.hotline.models import HotlineOrder
from chuangcheng.hotline.presenters import order_of
from chuangcheng.hotline.roles import (
    CALLBACK,
    CITIZEN,
    DISPATCHER,
    HANDLER,
    LEADER,
    OPERATOR,
    SUPERVISOR,
)
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Unit
from chuangcheng.org.selectors import handling_units

KIND = "hotline"

STATES = {
    "received": "已受理",
    "reviewed": "待派单",
    "dispatched": "待签收",
    "handling": "办理中",
    "return_requested": "退单待审",
    "fed_back": "反馈待审",
    "callback": "待回访",
    "unsatisfied": "回访不满意",
    "closed": "已办结",
    "merged": "已并单",
    "transferred": "已转数字城管",
    "grid": "网格办理中",
}
# What the caller is told about each step (their phone pages and their API view): no staff
# names, no internal notes; the steps not listed here are internal.
PUBLIC_STEPS: dict[str, str] = {
    "open": "诉求已受理",
    "answer_directly": "已当场答复并办结",
    "review": "诉求已复核",
    "dispatch": "已派至{unit}办理",
    "approve_return": "正在重新分派承办单位",
    "accept": "承办单位已签收",
    "contact": "承办单位已与您联系",
    "feedback": "承办单位已反馈办理结果",
    "approve_feedback": "办理结果已审核，等待回访",
    "reject_feedback": "办理结果需补充，继续办理",
    "callback": "已回访",
    "reopen": "重新办理",
    "close": "已结案",
    "merge": "与同一问题的诉求合并办理",
    "rate": "您已评价",
    "transfer_citymgmt": "已转数字城管办理",
    "citymgmt_done": "数字城管已办结，等待回访",
    "hand_down_grid": "已交由所在网格办理",
    "grid_done": "网格已办理，承办单位正在整理办理结果",
}
# the handling result is shown to the caller once it has been approved for callback
RESULT_PUBLIC_STATES = frozenset({"callback", "unsatisfied", "closed"})
OPEN_FOR_SUPERVISION = frozenset(
    {"received", "reviewed", "dispatched", "handling", "return_requested", "fed_back", "grid"}
)
GRID_RECEIVER = "grid"  # the 网格化 loop's receiver (下派网格: grid.handover)
# 转数字城管 (a city-management order handed over to the 数字城管 loop): the dispatcher may
# transfer an order not yet dispatched; it then waits for the 城管 case. The 办结 clock starts
# (or keeps running) at the transfer: the transfer is a way of handling, the order still owes
# the caller an answer within its 办结 limit.
TRANSFERABLE = frozenset({"received", "reviewed"})


# ---------------------------------------------------------------- input forms (what each needs)
class NoteForm(forms.Form):
    note = forms.CharField(label="说明", required=False, max_length=2000)


class ReviewForm(forms.Form):
    appeal_type = forms.ChoiceField(label="诉求类型", choices=APPEAL_TYPES, required=False)
    category = forms.CharField(label="分类编码", required=False, max_length=12)
    urgency = forms.ChoiceField(label="紧急程度", choices=URGENCIES, required=False)
    note = forms.CharField(label="复核意见", required=False, max_length=2000)

    def clean_category(self) -> Category | None:
        code = self.cleaned_data.get("category") or ""
        if not code:
            return None
        category = Category.objects.filter(code=code, active=True).first()
        if category is None:
            raise ValidationError(f"分类编码「{code}」不存在")
        return category


class UnitField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": "承办单位不存在或已停用"}


class DispatchForm(forms.Form):
    lead_unit = UnitField(
        label="主办单位",
        queryset=handling_units(),
        error_messages={"required": "请选择主办单位"},
    )
    co_units = forms.ModelMultipleChoiceField(
        label="协办单位",
        queryset=handling_units(),
        required=False,
        error_messages={"invalid_choice": "协办单位不存在或已停用"},
    )
    note = forms.CharField(label="派单意见", required=False, max_length=2000)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        lead, co = data.get("lead_unit"), data.get("co_units")
        if lead is not None and co and lead in co:
            raise ValidationError({"co_units": "协办单位不能与主办单位相同"})
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="理由",
        max_length=2000,
        min_length=2,
        error_messages={"required": "请填写理由", "min_length": "理由至少 2 个字"},
    )


class ExtensionForm(ReasonForm):
    days = forms.IntegerField(
        label="延期工作日",
        min_value=1,
        max_value=30,
        error_messages={
            "required": "请填写延期天数",
            "min_value": "延期天数至少为 1",
            "max_value": "延期天数不能超过 30",
        },
    )


class FeedbackForm(forms.Form):
    result = forms.CharField(
        label="办理结果",
        max_length=5000,
        min_length=4,
        error_messages={"required": "请填写办理结果", "min_length": "办理结果至少 4 个字"},
    )


class YesNoField(forms.TypedChoiceField):
    """是/否 as a form posts it ("true"/"false") or as JSON sends it (true/false): a plain
    ChoiceField compares str(True) == "True" with "true" and refused every JSON client."""

    def to_python(self, value: object) -> str:
        if isinstance(value, bool):
            value = "true" if value else "false"
        return super().to_python(value)


class CallbackForm(forms.Form):
    contacted = YesNoField(
        label="是否联系上",
        choices=[("true", "是"), ("false", "否")],
        coerce=lambda v: v in (True, "true", "True", "1", 1),
        empty_value=None,
        error_messages={"required": "请选择是否联系上诉求人"},
    )
    resolution = forms.ChoiceField(label="解决情况", choices=RESOLUTIONS, required=False)
    satisfaction = forms.ChoiceField(label="满意度", choices=SATISFACTIONS, required=False)
    comment = forms.CharField(label="回访记录", required=False, max_length=2000)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("contacted") and not data.get("resolution"):
            raise ValidationError({"resolution": "联系上诉求人时必须选择解决情况"})
        if data.get("contacted") and not data.get("satisfaction"):
            raise ValidationError({"satisfaction": "联系上诉求人时必须选择满意度"})
        return data


class SuperviseForm(forms.Form):
    level = forms.ChoiceField(
        label="督办级别", choices=SUPERVISION_LEVELS, error_messages={"required": "请选择督办级别"}
    )
    note = forms.CharField(
        label="督办要求", max_length=2000, error_messages={"required": "请填写督办要求"}
    )
    due = forms.DateField(
        label="反馈期限",
        required=False,
        error_messages={"invalid": "反馈期限格式应为 YYYY-MM-DD"},
    )

    def clean_due(self) -> dt.date | None:
        due = self.cleaned_data.get("due")
        if due is not None and due < asof.localdate():  # the step's day (a replay's too)
            raise ValidationError("反馈期限不能早于今天")
        return due


# 未回访结案的原因 (closing an order waiting for callback without reaching the caller)
NO_CALLBACK_REASONS = [
    ("unreachable", "无法联系"),
    ("refused", "拒绝回访"),
    ("wrong_number", "号码错误"),
    ("confidential", "诉求人要求不回访"),
    ("anonymous", "匿名诉求无联系方式"),
    ("other", "其他"),
]
NO_CALLBACK_REASON_LABELS = dict(NO_CALLBACK_REASONS)


class CloseForm(forms.Form):
    no_callback_reason = forms.ChoiceField(
        label="未回访原因",
        choices=NO_CALLBACK_REASONS,
        required=False,
        help_text="未回访即结案时必选",
        error_messages={"invalid_choice": "请从列表中选择未回访原因"},
    )
    note = forms.CharField(label="说明", required=False, max_length=2000)


class MergeForm(forms.Form):
    into = forms.CharField(
        label="并入工单", max_length=20, error_messages={"required": "请选择要并入的工单"}
    )
    note = forms.CharField(label="说明", required=False, max_length=2000)


class RateForm(forms.Form):
    rating = forms.IntegerField(
        label="评分",
        min_value=1,
        max_value=5,
        error_messages={
            "required": "请选择评分",
            "min_value": "评分为 1–5 星",
            "max_value": "评分为 1–5 星",
        },
    )
    comment = forms.CharField(label="评价", required=False, max_length=1000)


# ---------------------------------------------------------------- guards (409 with a reason)
def only_consultations(case: Case, actor: Actor, now: dt.datetime) -> str | None:
    return None if order_of(case).appeal_type == "consult" else "只有咨询类诉求可以直接办结。"


def within_return_limit(case: Case, actor: Actor, now: dt.datetime) -> str | None:
    limit = int(get_setting("hotline.return_limit_workdays"))
    if case.dispatched_at and working_days_between(case.dispatched_at, now) > limit:
        return f"已超过退单时限（派单后 {limit} 个工作日内）。"
    return None


def must_be_contacted(case: Case, actor: Actor, now: dt.datetime) -> str | None:
    return None if order_of(case).respond_at else "请先联系诉求人（响应）再反馈办理结果。"


def supervised(case: Case, actor: Actor, now: dt.datetime) -> str | None:
    return None if order_of(case).supervision_level else "该工单未被督办。"


def not_rated(case: Case, actor: Actor, now: dt.datetime) -> str | None:
    return "已评价过。" if order_of(case).citizen_rating else None


def callback_possible(case: Case, actor: Actor, now: dt.datetime) -> str | None:
    if case.status == "merged" and case.merged_into is not None:
        if case.merged_into.status not in ("callback", "unsatisfied", "closed"):
            return "主工单尚未办结，暂不能回访并单的诉求人。"
        if order_of(case).callback_at is not None:
            return "该诉求人已回访。"
    return None


# ---------------------------------------------------------------- clocks
CLOCKS = ("sign", "respond", "finish")


def copy_rank_keys(case: Case, order: HotlineOrder) -> None:
    """The ranking's keys on the order's row (`Workflow.on_save`, before each write of it):
    the close time unless merged (what `_closed_in` asks of the case), the lead unit, the
    street. The case's columns are the truth."""
    order.rank_closed_at = case.closed_at if case.status != "merged" else None
    order.rank_unit = case.lead_unit_id
    order.rank_street = case.street_id


def copy_clocks(case: Case, rows: Mapping[str, CaseClock]) -> None:
    """The 12345 loop keeps its own copy of its three clocks on its order row (`sign_due`/
    `sign_at`, `respond_*`, `finish_*`: read by its indicators and lists). The engine calls
    this whenever a step changed a clock, then saves the row; the CaseClock rows are the
    truth."""
    order = order_of(case)
    for name in CLOCKS:
        row = rows.get(name)
        if row is not None:
            setattr(order, f"{name}_due", row.due_at)
            setattr(order, f"{name}_at", row.stopped_at)


def limit_keys(case: Case) -> tuple[str, str]:
    """The order's appeal type and urgency, which the 办理时限 rows are chosen by."""
    order = order_of(case)
    return order.appeal_type, order.urgency


# ---------------------------------------------------------------- effects
def do_answer_directly(step: Step) -> None:
    step.detail.result = step.data.get("note") or "已当场答复。"
    step.stop("finish")
    step.stop("respond")


def do_review(step: Step) -> None:
    case, order, data = step.case, step.detail, step.data
    changes = {}
    for field in ("appeal_type", "urgency"):
        if data.get(field) and data[field] != getattr(order, field):
            changes[field] = [getattr(order, field), data[field]]
            setattr(order, field, data[field])
    if data.get("category") is not None and data["category"].pk != case.category_id:
        changes["category"] = [case.category_id, data["category"].code]
        case.category = data["category"]
    step.event_data = {"changes": changes}


def _assign(step: Step, lead: Unit, co: list[Unit]) -> None:
    case = step.case
    step.end_assignments()
    step.assign(lead.pk, Assignment.Role.LEAD)
    for u in co:
        step.assign(u.pk, Assignment.Role.CO)
    case.lead_unit = lead
    case.dispatched_at = step.now


def do_dispatch(step: Step) -> None:
    lead, co = step.data["lead_unit"], list(step.data.get("co_units") or [])
    _assign(step, lead, co)
    step.event_data = {
        "lead_unit": lead.pk,
        "lead_unit_name": lead.name,
        "co_units": [u.pk for u in co],
        "co_unit_names": [u.name for u in co],
    }
    step.note = step.data.get("note") or f"派至{lead.name}"


def do_approve_return(step: Step) -> None:
    case = step.case
    step.end_assignments()
    step.event_data = {"returned_by": case.lead_unit_id}
    case.lead_unit = None
    step.detail.return_count += 1
    for clock in CLOCKS:
        step.cancel(clock)


def do_reject_return(step: Step) -> None:
    """Back to where the order was when the unit asked (待签收 or 办理中)."""
    assert step.request is not None
    step.target = step.request.from_status or "handling"


def do_request_extension(step: Step) -> None:
    limit = int(get_setting("hotline.max_extension_workdays"))
    days = int(step.data["days"])
    if step.detail.extension_workdays + days > limit:
        from chuangcheng.core.errors import ValidationFailed

        left = limit - step.detail.extension_workdays
        raise ValidationFailed(
            f"延期累计不能超过 {limit} 个工作日（还可申请 {max(left, 0)} 天）。",
            fields={"days": [f"最多还可延期 {max(left, 0)} 个工作日"]},
        )
    step.request_data = {"days": days, "reason": step.data["reason"]}
    step.event_data = {"days": days}


def do_approve_extension(step: Step) -> None:
    assert step.request is not None
    days = int(step.request.data.get("days", 0))
    # 延期 is granted in working days whatever the unit of the order's 办结 limit
    due = step.extend("finish", days, "workdays")
    step.detail.extension_workdays += days
    step.event_data = {"days": days, "finish_due": due.isoformat() if due else None}


def do_feedback(step: Step) -> None:
    step.detail.result = step.data["result"]
    step.note = step.data["result"]


def do_reject_feedback(step: Step) -> None:
    step.undo_stop("finish")


def do_callback(step: Step) -> None:
    case, order, data = step.case, step.detail, step.data
    order.callback_at = step.now
    order.contacted = bool(data["contacted"])
    step.event_data = {k: data.get(k) for k in ("contacted", "resolution", "satisfaction")}
    if not order.contacted:
        step.target = case.status  # stays waiting for another try (or close)
        step.note = data.get("comment") or "未联系上诉求人"
        return
    order.resolution, order.satisfaction = data["resolution"], data["satisfaction"]
    good = order.resolution == "resolved" and order.satisfaction in ("satisfied", "basic", "none")
    if case.status == "merged":
        step.target = "merged"
        return
    step.target = "closed" if good else "unsatisfied"


def do_reopen(step: Step) -> None:
    order = step.detail
    order.reopen_count += 1
    order.callback_at = None
    order.contacted, order.resolution, order.satisfaction = None, "", ""


def do_supervise(step: Step) -> None:
    order, data = step.detail, step.data
    order.supervision_level = data["level"]
    due = data.get("due")
    order.supervision_due = (
        dt.datetime.combine(due, dt.time(18, 0), tzinfo=timezone.get_current_timezone())
        if due
        else None
    )
    step.event_data = {
        "level": data["level"],
        "due": order.supervision_due.isoformat() if order.supervision_due else None,
    }


def do_reply_supervision(step: Step) -> None:
    """督办回复: records the due it answered and whether it came after it (counted as late)."""
    due = step.detail.supervision_due
    step.event_data = {
        "due": due.isoformat() if due else None,
        "late": bool(due is not None and step.now > due),
    }


def do_merge(step: Step) -> None:
    from chuangcheng.core.errors import ValidationFailed

    case = step.case
    # The target is looked up like every other order: among those the dispatcher may see
    # (an order outside their jurisdiction is "不存在", as anywhere else), locked by the engine.
    target = step.find_case(step.data["into"])
    if target is None or target.pk == case.pk:
        raise ValidationFailed("要并入的工单不存在。", fields={"into": ["工单编号不存在"]})
    if target.status in ("closed", "merged"):
        raise ValidationFailed(
            "不能并入已办结或已并单的工单。", fields={"into": ["目标工单已关闭"]}
        )
    case.merged_into = target
    order, target_order = step.detail, order_of(target)
    target_order.reporter_count += order.reporter_count
    # the target's own history says where its new reporters came from (并入 N 件 / 来自 X)
    step.related.append(
        RelatedEvent(
            case=target,
            action="merged_in",
            note=f"并入 1 件：来自 {case.number}",
            data={
                "merged_from": case.number,
                "reporters_added": order.reporter_count,
                "reporter_count": target_order.reporter_count,
            },
            fields=("reporter_count",),
            detail=target_order,
        )
    )
    step.event_data = {"into": target.number}
    step.note = step.data.get("note") or f"并入 {target.number}"


def do_rate(step: Step) -> None:
    step.detail.citizen_rating = step.data["rating"]
    step.event_data = {"rating": step.data["rating"]}
    if step.data.get("comment"):
        step.event_data["comment"] = step.data["comment"]


def do_close(step: Step) -> None:
    """结案. An order still waiting for its callback (待回访, caller not reached) closes only
    with a reason from the list, recorded in the event."""
    from chuangcheng.core.errors import ValidationFailed

    case = step.case
    reason = step.data.get("no_callback_reason") or ""
    if case.status == "callback" and not step.detail.contacted:
        if not reason:
            raise ValidationFailed(
                "未回访即结案须选择未回访原因。",
                fields={"no_callback_reason": ["请选择未回访原因"]},
            )
        label = NO_CALLBACK_REASON_LABELS[reason]
        step.event_data = {"no_callback_reason": reason, "no_callback_reason_label": label}
        step.note = step.data.get("note") or f"未回访结案：{label}"
    step.stop("finish")


def do_citymgmt_done(step: Step) -> None:
    """The 城管 case is closed: its result is this order's handling result; on to 回访."""
    step.detail.result = step.data.get("result") or f"数字城管案件 {step.data['number']} 已结案。"
    step.note = step.detail.result
    step.event_data = {"linked": step.data["number"], "outcome": step.data["outcome"]}
    step.stop("finish")


def do_citymgmt_back(step: Step) -> None:
    """The 城管 case was not taken up (不予立案, 作废): back to the dispatcher, with the reason."""
    step.note = step.data.get("result") or f"数字城管案件 {step.data['number']} 未受理。"
    step.event_data = {"linked": step.data["number"], "outcome": step.data["outcome"]}
    step.cancel("finish")


def do_grid_returned(step: Step) -> None:
    """The 网格事件 this order was handed down to is final: the grid's result (or why it was
    voided) is this step's note, and the handling unit writes its own feedback from it."""
    step.note = step.data.get("result") or f"网格事件 {step.data['number']} 已结束。"
    step.event_data = {"linked": step.data["number"], "outcome": step.data["outcome"]}


# ---------------------------------------------------------------- who is told (消息提醒)
TO_LEAD_UNIT = (unit_of(LEAD, HANDLER),)
TO_DISPATCHERS = (people(DISPATCHER),)


def _to_lead(text: str) -> Notice:
    return Notice(text, TO_LEAD_UNIT)


def _to_dispatchers(text: str) -> Notice:
    return Notice(text, TO_DISPATCHERS)


TO_CALLER = Notice("您反映的诉求 {number} 当前状态：{state}", (reporter(),))

# ---------------------------------------------------------------- who works in it, who sees what
ROLES = {
    OPERATOR: role("受理员", JURISDICTION),
    DISPATCHER: role("派单员", JURISDICTION),
    HANDLER: role("承办人", UNITS),  # a street office also sees its communities' orders
    CALLBACK: role("回访员", JURISDICTION),
    SUPERVISOR: role("督办员", JURISDICTION),
    LEADER: role("领导", JURISDICTION),
    CITIZEN: role("居民", OWN),
}

# ---------------------------------------------------------------- the loop
S = frozenset
HOTLINE = register(
    Workflow(
        kind=KIND,
        label="12345 接诉即办",
        initial="received",
        states=STATES,
        final=S({"closed", "merged"}),
        requests=(RequestKind("return", "退单"), RequestKind("extension", "延期")),
        roles=ROLES,
        public_steps=PUBLIC_STEPS,
        public_result_states=RESULT_PUBLIC_STATES,
        clocks=(
            Clock("sign", "签收", (2, "hours")),
            Clock("respond", "响应", (24, "hours")),
            Clock("finish", "办结", (5, "workdays")),
        ),
        event_labels={"merged_in": "并入"},
        on_clocks=copy_clocks,
        on_save=copy_rank_keys,
        limit_keys=limit_keys,
        # the order's own fields (hotline.models.HotlineOrder), those its events record (the
        # names the events have always carried), and how the generic case views show them
        detail=HotlineOrder,
        recorded=(
            "sign_due",
            "sign_at",
            "respond_due",
            "respond_at",
            "finish_due",
            "finish_at",
            "callback_at",
            "contacted",
            "resolution",
            "satisfaction",
            "citizen_rating",
            "excluded_from_scoring",
            "return_count",
            "reopen_count",
            "extension_workdays",
        ),
        summary=presenters.summary,
        overview=presenters.overview,
        public_summary=presenters.public_summary,
        public_detail=presenters.public_detail,
        # when the 数字城管 case it was transferred to is final (cases.handover)
        handover_returns={"done": "citymgmt_done", "voided": "citymgmt_back"},
        # … and when the 网格事件 it was handed down to is final: back to its handling unit
        handover_returns_from={GRID_RECEIVER: {"done": "grid_done", "voided": "grid_back"}},
        actions=(
            Action(
                "answer_directly",
                "直接办结",
                S({"received"}),
                "closed",
                S({OPERATOR}),
                form=NoteForm,
                guard=only_consultations,
                apply=do_answer_directly,
                notice=TO_CALLER,
            ),
            Action(
                "review",
                "复核",
                S({"received"}),
                "reviewed",
                S({DISPATCHER}),
                form=ReviewForm,
                apply=do_review,
            ),
            Action(
                "dispatch",
                "派单",
                S({"reviewed"}),
                "dispatched",
                S({DISPATCHER}),
                form=DispatchForm,
                apply=do_dispatch,
                starts=("sign", "respond", "finish"),
                notice=_to_lead("新工单 {number}「{title}」已派至贵单位，请及时签收"),
            ),
            Action(
                "merge",
                "并单",
                S({"received", "reviewed"}),
                "merged",
                S({DISPATCHER}),
                form=MergeForm,
                apply=do_merge,
            ),
            Action(
                "transfer_citymgmt",
                "转数字城管",
                TRANSFERABLE,
                "transferred",
                S({DISPATCHER}),
                hands_over="citymgmt",  # the 数字城管 loop's receiver: its form, its case
                starts=("finish",),
                notice=TO_CALLER,
            ),
            Action(
                "citymgmt_done",
                "数字城管办结",
                S({"transferred"}),
                "callback",
                S(),
                system=True,
                form=ReturnForm,
                apply=do_citymgmt_done,
            ),
            Action(
                "citymgmt_back",
                "数字城管退回",
                S({"transferred"}),
                "reviewed",
                S(),
                system=True,
                form=ReturnForm,
                apply=do_citymgmt_back,
                notice=_to_dispatchers("工单 {number} 转数字城管未受理，已退回待派单"),
            ),
            Action(
                "hand_down_grid",
                "下派网格",
                S({"handling"}),
                "grid",
                S({HANDLER}),
                unit=LEAD,
                hands_over=GRID_RECEIVER,  # the 网格化 loop's receiver: its form, its event
                help="交由诉求所在网格的网格员现场办理；网格办结后回到办理中，由本单位反馈。",
            ),
            Action(
                "grid_done",
                "网格已办理",
                S({"grid"}),
                "handling",
                S(),
                system=True,
                form=ReturnForm,
                apply=do_grid_returned,
                notice=_to_lead("工单 {number} 网格已办理，请核实后反馈办理结果"),
            ),
            Action(
                "grid_back",
                "网格退回",
                S({"grid"}),
                "handling",
                S(),
                system=True,
                form=ReturnForm,
                apply=do_grid_returned,
                notice=_to_lead("工单 {number} 网格未能办理，已退回贵单位"),
            ),
            Action(
                "accept",
                "签收",
                S({"dispatched"}),
                "handling",
                S({HANDLER}),
                unit=LEAD,
                stops=("sign",),
            ),
            Action(
                "contact",
                "联系诉求人",
                S({"handling"}),
                None,
                S({HANDLER}),
                unit=LEAD,
                form=NoteForm,
                stops=("respond",),
            ),
            Action(
                "feedback",
                "反馈",
                S({"handling"}),
                "fed_back",
                S({HANDLER}),
                unit=LEAD,
                form=FeedbackForm,
                guard=must_be_contacted,
                apply=do_feedback,
                stops=("finish",),
                accepts_files=True,
                notice=_to_dispatchers("工单 {number} 已反馈办理结果，待审核"),
                lapses=("extension",),
            ),
            Action(
                "request_return",
                "申请退单",
                S({"dispatched", "handling"}),
                "return_requested",
                S({HANDLER}),
                unit=LEAD,
                form=ReasonForm,
                guard=within_return_limit,
                notice=_to_dispatchers("工单 {number} 有退单申请待审批"),
                opens="return",
            ),
            Action(
                "approve_return",
                "同意退单",
                S({"return_requested"}),
                "reviewed",
                S({DISPATCHER}),
                form=NoteForm,
                apply=do_approve_return,
                decides="return",
                decision="approved",
                lapses=("extension",),
            ),
            Action(
                "reject_return",
                "驳回退单",
                S({"return_requested"}),
                "handling",
                S({DISPATCHER}),
                form=ReasonForm,
                apply=do_reject_return,
                notice=_to_lead("工单 {number} 的退单申请被驳回，请继续办理"),
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
                apply=do_request_extension,
                notice=_to_dispatchers("工单 {number} 有延期申请待审批"),
                opens="extension",
            ),
            Action(
                "approve_extension",
                "同意延期",
                S({"handling"}),
                None,
                S({DISPATCHER}),
                form=NoteForm,
                apply=do_approve_extension,
                notice=_to_lead("工单 {number} 的延期申请已同意"),
                decides="extension",
                decision="approved",
            ),
            Action(
                "reject_extension",
                "驳回延期",
                S({"handling"}),
                None,
                S({DISPATCHER}),
                form=ReasonForm,
                notice=_to_lead("工单 {number} 的延期申请被驳回"),
                decides="extension",
                decision="rejected",
            ),
            Action(
                "approve_feedback",
                "审核通过",
                S({"fed_back"}),
                "callback",
                S({DISPATCHER}),
                form=NoteForm,
            ),
            Action(
                "reject_feedback",
                "审核退回",
                S({"fed_back"}),
                "handling",
                S({DISPATCHER}),
                form=ReasonForm,
                apply=do_reject_feedback,
                notice=_to_lead("工单 {number} 的办理反馈被退回，请重新办理"),
            ),
            Action(
                "callback",
                "回访",
                S({"callback", "merged"}),
                "closed",
                S({CALLBACK}),
                form=CallbackForm,
                guard=callback_possible,
                apply=do_callback,
                notice=TO_CALLER,
            ),
            Action(
                "reopen",
                "重办",
                S({"unsatisfied"}),
                "handling",
                S({CALLBACK, DISPATCHER}),
                form=ReasonForm,
                apply=do_reopen,
                starts=("finish",),
                notice=_to_lead("工单 {number} 回访不满意，已重办，请重新办理"),
            ),
            Action(
                "close",
                "结案",
                S({"unsatisfied", "callback"}),
                "closed",
                S({CALLBACK, DISPATCHER}),
                form=CloseForm,
                apply=do_close,
                notice=TO_CALLER,
            ),
            Action(
                "supervise",
                "督办",
                OPEN_FOR_SUPERVISION,
                None,
                S({SUPERVISOR}),
                form=SuperviseForm,
                apply=do_supervise,
                notice=_to_lead("工单 {number} 已被督办，请按要求办理并回复"),
            ),
            Action(
                "reply_supervision",
                "督办回复",
                OPEN_FOR_SUPERVISION,
                None,
                S({HANDLER}),
                unit=LEAD,
                form=ReasonForm,
                guard=supervised,
                notice=Notice("工单 {number} 的督办已回复", (people(SUPERVISOR),)),
                apply=do_reply_supervision,
            ),
            Action(
                "rate",
                "评价",
                S({"closed"}),
                None,
                S({CITIZEN}),
                unit=OWNER,
                form=RateForm,
                guard=not_rated,
                apply=do_rate,
            ),
        ),
    )
)

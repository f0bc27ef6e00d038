"""网格事件 on the case engine. Reading this file tells you the loop:

    a grid worker records an event (class, scale, place, photos) ─▶ reported 待处置
    reported ──fix_on_spot (现场处置, 处置前/后照片, who reported it)──▶ rating 待评价
    reported ──consult (协商议事: who came, what was agreed)──▶ agreed 落实中
    agreed ──implement (落实完成, photos)──▶ rating
    reported/agreed ──escalate (上报: why the grid cannot settle it)──▶ escalated 待研判
    escalated ──assign_department (交办部门: the unit, its days; community or street)──▶ department
    escalated ──back_to_grid (退回网格处置)──▶ reported
    department ──department_done (部门办结, photos; the lead unit)──▶ rating
    rating ──rate (群众满意度: 满意/基本满意/不满意)──▶ closed 已办结
    reported/escalated ──void (作废: not an event; community)──▶ void
    escalated ──to_citymgmt (转数字城管: community or street)──▶ citymgmt 城管办理中
      ──(城管 结案)──▶ rating (the grid still asks the residents) | ─(不予立案/作废)──▶ escalated
    下派网格 (grid.handover): a 12345 order or a 城管 case handed down opens an event at reported,
      assigned by name to the grid's workers (receive, the system's step); its end goes back

Clocks: respond 响应 (from the report: a road chosen within 24 hours), department 部门办理
(the days the community gave the department, in working days).
"""

from __future__ import annotations

from django import forms

from chuangcheng.cases.handover import ReturnForm
from chuangcheng.cases.models import Assignment, Case
from chuangcheng.cases.workflow import (
    ASSIGNED,
    ASSIGNEE,
    CREATED,
    CREATOR,
    CREATOR_OR_ASSIGNEE,
    JURISDICTION,
    LEAD,
    UNITS,
    Action,
    Clock,
    Notice,
    Step,
    Workflow,
    people,
    register,
    role,
    unit_of,
)
from chuangcheng.grid.handover import TO_GRID
from chuangcheng.grid.models import GridEvent, GridPost
from chuangcheng.grid.roles import COMMUNITY, DEPARTMENT, HELPER, STREET, WORKER, ZONGZHI
from chuangcheng.org.models import Unit

KIND = "gridevent"
S = frozenset
OPEN = S({"reported", "agreed", "escalated", "department", "citymgmt", "rating"})
CITYMGMT_RECEIVER = "citymgmt"  # the 数字城管 loop's receiver (转数字城管: citymgmt.transfer)


def _own(step: Step) -> GridEvent:
    assert isinstance(step.detail, GridEvent), "GRID_EVENT declares detail=GridEvent"
    return step.detail


def department_limit(case: Case, clock: str) -> tuple[int, str] | None:
    """部门办理: the days the community gave when it handed the event over."""
    if clock != "department":
        return None
    try:
        return case.gridevent.dept_days, "workdays"
    except GridEvent.DoesNotExist:
        return None


def event_fields(case: Case) -> dict[str, object]:
    try:
        e = case.gridevent
    except GridEvent.DoesNotExist:
        return {}
    return {
        "grid": e.grid.name,
        "event_class": e.get_event_class_display(),
        "scale": e.get_scale_display(),
        "road": e.get_road_display() if e.road else "",
        "attendees": e.attendees,
        "agreement": e.agreement,
        "satisfaction": e.get_satisfaction_display() if e.satisfaction else "",
    }


class NoteForm(forms.Form):
    note = forms.CharField(
        label="处置情况", max_length=2000, error_messages={"required": "请填写处置情况"}
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="理由", max_length=2000, error_messages={"required": "请填写理由"}
    )


class ConsultForm(forms.Form):
    attendees = forms.CharField(
        label="参会人员",
        max_length=300,
        help_text="如：居民代表 3 人、物业公司、社区民警",
        error_messages={"required": "请填写参会人员"},
    )
    agreement = forms.CharField(
        label="议定事项", max_length=1000, error_messages={"required": "请填写议定事项"}
    )


class DepartmentForm(forms.Form):
    unit = forms.ModelChoiceField(
        label="承办部门",
        queryset=Unit.objects.filter(
            active=True, kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.UTILITY]
        ),
        error_messages={"required": "请选择承办部门", "invalid_choice": "没有这个部门"},
    )
    days = forms.IntegerField(
        label="办理时限（工作日）",
        min_value=1,
        max_value=30,
        initial=5,
        error_messages={
            "required": "请填写办理时限",
            "min_value": "至少 1 个工作日",
            "max_value": "最多 30 个工作日",
            "invalid": "办理时限应为整数",
        },
    )
    note = forms.CharField(label="交办意见", required=False, max_length=2000)


class RateForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label="群众满意度",
        choices=[c for c in GridEvent.Satisfaction.choices if c[0]],
        error_messages={
            "required": "请选择满意度",
            "invalid_choice": "满意度只能是满意、基本满意或不满意",
        },
    )
    note = forms.CharField(label="群众意见", required=False, max_length=2000)


def do_fix(step: Step) -> None:
    _own(step).road = GridEvent.Road.ON_SPOT
    step.note = step.data["note"]


def do_consult(step: Step) -> None:
    own = _own(step)
    own.road = GridEvent.Road.CONSULT
    own.attendees = step.data["attendees"]
    own.agreement = step.data["agreement"]
    step.note = f"协商议事：{own.agreement}（参会：{own.attendees}）"


def do_note(step: Step) -> None:
    step.note = step.data["note"]


def do_reason(step: Step) -> None:
    """退回网格处置, 作废: the reason is the step's note."""
    step.note = step.data["reason"]


def do_escalate(step: Step) -> None:
    _own(step).road = GridEvent.Road.ESCALATE
    do_reason(step)


def do_assign_department(step: Step) -> None:
    unit: Unit = step.data["unit"]
    own = _own(step)
    own.dept_days = step.data["days"]
    step.end_assignments()
    step.assign(unit.pk, Assignment.Role.LEAD)
    step.case.lead_unit = unit
    step.case.dispatched_at = step.now
    step.event_data = {"unit": unit.pk, "unit_name": unit.name, "days": own.dept_days}
    step.note = step.data.get("note") or f"交办{unit.name}，{own.dept_days} 个工作日内办结"


def do_receive(step: Step) -> None:
    """A case handed down by another loop: the grid's 专职网格员 (兼职 when there is none) by
    name, each with the unit they hold their post for."""
    from chuangcheng.org.models import Membership

    grid_id = _own(step).grid_id
    posts = list(
        GridPost.objects.filter(grid_id=grid_id)
        .exclude(kind=GridPost.Kind.BUILDING)
        .values_list("user_id", "kind", "user__username")
    )
    full = [p for p in posts if p[1] == GridPost.Kind.FULL_TIME] or posts
    names = []
    for user_id, kind, username in full:
        role = WORKER if kind == GridPost.Kind.FULL_TIME else HELPER
        unit_id = (
            Membership.objects.filter(user_id=user_id, role=role, unit__isnull=False)
            .values_list("unit_id", flat=True)
            .first()
        )
        if unit_id is not None:
            step.assign(unit_id, Assignment.Role.LEAD, user_id)
            names.append(username)
    step.event_data = {"workers": names}
    step.note = "已派至本网格网格员" if names else "本网格暂无网格员，请社区指派"


def do_returned(step: Step) -> None:
    """The 城管 case this event went to is final (cases.handover): its result is the note."""
    step.note = str(step.data.get("result") or "")
    step.event_data = {"linked": step.data.get("number"), "outcome": step.data.get("outcome")}


def do_rate(step: Step) -> None:
    own = _own(step)
    own.satisfaction = step.data["satisfaction"]
    step.note = step.data.get("note") or f"群众评价：{own.get_satisfaction_display()}"
    step.case.closed_at = step.now


GRID_EVENT = register(
    Workflow(
        kind=KIND,
        label="网格事件",
        number_prefix="WG",
        initial="reported",
        states={
            "reported": "待处置",
            "agreed": "落实中",
            "escalated": "待研判",
            "department": "部门办理中",
            "citymgmt": "城管办理中",
            "rating": "待评价",
            "closed": "已办结",
            "void": "已作废",
        },
        final=S({"closed", "void"}),
        roles={
            WORKER: role("专职网格员", CREATED, ASSIGNED),
            HELPER: role("兼职网格员", CREATED),
            COMMUNITY: role("社区工作人员", JURISDICTION),
            ZONGZHI: role("社区综治专干", JURISDICTION),
            STREET: role("街道网格中心", JURISDICTION),
            DEPARTMENT: role("网格事件承办部门", UNITS),
        },
        clocks=(
            Clock("respond", "响应", (24, "hours")),
            Clock("department", "部门办理", (5, "workdays")),
        ),
        open_starts=("respond",),
        clock_limit=department_limit,
        present=event_fields,
        detail=GridEvent,
        recorded=("road", "satisfaction"),
        # 下派网格: 12345 orders and 城管 cases handed down to a grid (grid.handover)
        receives=(TO_GRID,),
        # 转数字城管: what the event does when the 城管 case it went to is final
        handover_returns={"done": "citymgmt_done", "voided": "citymgmt_back"},
        actions=(
            Action(
                "fix_on_spot",
                "现场处置",
                S({"reported"}),
                "rating",
                S({WORKER, HELPER}),
                unit=CREATOR_OR_ASSIGNEE,  # who reported it, or who it was handed down to
                form=NoteForm,
                apply=do_fix,
                accepts_files=True,
                stops=("respond",),
            ),
            Action(
                "consult",
                "协商议事",
                S({"reported"}),
                "agreed",
                S({WORKER, COMMUNITY, ZONGZHI}),
                form=ConsultForm,
                apply=do_consult,
                stops=("respond",),
            ),
            Action(
                "implement",
                "落实完成",
                S({"agreed"}),
                "rating",
                S({WORKER, COMMUNITY, ZONGZHI}),
                form=NoteForm,
                apply=do_note,
                accepts_files=True,
            ),
            Action(
                "escalate",
                "上报",
                S({"reported", "agreed"}),
                "escalated",
                S({WORKER, HELPER, COMMUNITY, ZONGZHI}),
                form=ReasonForm,
                apply=do_escalate,
                stops=("respond",),
                notice=Notice(
                    "网格事件 {number} 已上报，请研判：{title}",
                    (people(COMMUNITY, ZONGZHI, STREET),),
                ),
            ),
            Action(
                "assign_department",
                "交办部门",
                S({"escalated"}),
                "department",
                S({COMMUNITY, ZONGZHI, STREET}),
                form=DepartmentForm,
                apply=do_assign_department,
                starts=("department",),
                notice=Notice(
                    "网格事件 {number} 已交办您单位：{title}", (unit_of(LEAD, DEPARTMENT),)
                ),
            ),
            Action(
                "back_to_grid",
                "退回网格处置",
                S({"escalated"}),
                "reported",
                S({COMMUNITY, ZONGZHI, STREET}),
                form=ReasonForm,
                apply=do_reason,
                notice=Notice(
                    "网格事件 {number} 退回网格处置", (unit_of(CREATOR, WORKER, HELPER),)
                ),
            ),
            Action(
                "to_citymgmt",
                "转数字城管",
                S({"escalated"}),
                "citymgmt",
                S({COMMUNITY, ZONGZHI, STREET}),
                hands_over=CITYMGMT_RECEIVER,  # the 数字城管 loop's receiver: its form, its case
                help="城市管理类问题转数字城管立案处置；城管结案后回到待评价，由社区回访群众。",
            ),
            Action(
                "citymgmt_done",
                "数字城管结案",
                S({"citymgmt"}),
                "rating",
                S(),
                system=True,
                form=ReturnForm,
                apply=do_returned,
                notice=Notice(
                    "网格事件 {number} 数字城管已结案，请回访群众", (people(COMMUNITY, ZONGZHI),)
                ),
            ),
            Action(
                "citymgmt_back",
                "数字城管退回",
                S({"citymgmt"}),
                "escalated",
                S(),
                system=True,
                form=ReturnForm,
                apply=do_returned,
                notice=Notice(
                    "网格事件 {number} 数字城管未受理，请重新研判",
                    (people(COMMUNITY, ZONGZHI, STREET),),
                ),
            ),
            Action(
                "receive",
                "派至网格员",
                S({"reported"}),
                None,
                S(),
                system=True,
                apply=do_receive,
                notice=Notice(
                    "{title}：已下派您的网格（网格事件 {number}），请处置",
                    (unit_of(ASSIGNEE, WORKER, HELPER),),
                ),
            ),
            Action(
                "department_done",
                "部门办结",
                S({"department"}),
                "rating",
                S({DEPARTMENT}),
                unit=LEAD,
                form=NoteForm,
                apply=do_note,
                accepts_files=True,
                stops=("department",),
                notice=Notice(
                    "网格事件 {number} 部门已办结，请回访群众", (people(COMMUNITY, ZONGZHI),)
                ),
            ),
            Action(
                "rate",
                "群众评价",
                S({"rating"}),
                "closed",
                S({WORKER, COMMUNITY, ZONGZHI}),
                form=RateForm,
                apply=do_rate,
            ),
            Action(
                "void",
                "作废",
                S({"reported", "escalated"}),
                "void",
                S({COMMUNITY, ZONGZHI}),
                form=ReasonForm,
                apply=do_reason,
            ),
        ),
    )
)

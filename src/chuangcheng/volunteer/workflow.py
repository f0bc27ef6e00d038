"""志愿服务订单 (the "四单": 点单 → 审单 → 派单 → 接单 → 评单) on the case engine. Reading this file
tells you the loop:

    a resident orders a service from a 站's menu (点单) ─▶ review 待审核
    review ──accept (审核通过)──▶ pending 待派单
    review ──reject (不予受理, with a reason the resident sees)──▶ rejected 已拒绝
    pending ──dispatch (派单 to a team of the 站 or its 所)──▶ dispatched 待接单
    dispatched ──reassign (重新派单)──▶ dispatched
    dispatched ──cancel_dispatch (取消派单)──▶ pending
    dispatched ──take (接单, the team leader)──▶ serving 服务中
    dispatched ──refuse (拒绝接单, with a reason; back to the 站)──▶ pending
    serving ──assign (安排志愿者, the team's members; they then see the order)──▶ serving
    serving ──complete (服务完成: photos, the volunteers who came, their hours)──▶ rating 待评价
    rating ──rate (评单: 1–5 stars and a comment, the resident)──▶ closed 已完成
    rating ──auto_close (自动结单, the system, after the setting's days: 未评价)──▶ closed 已完成

Clocks: review 审单 (from the order) and take 接单 (from each 派单), in hours, both settings
(volunteer.settings_keys).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone

from chuangcheng.cases.models import Assignment, Case
from chuangcheng.cases.workflow import (
    ASSIGNED,
    JURISDICTION,
    LEAD,
    OWN,
    OWNER,
    UNITS,
    Action,
    Clock,
    Notice,
    Step,
    Workflow,
    people,
    register,
    reporter,
    role,
    unit_of,
)
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.core.settings_store import get_setting
from chuangcheng.org.access import Actor
from chuangcheng.volunteer.ledger import credit_hours
from chuangcheng.volunteer.models import (
    HourEntry,
    ServiceOrder,
    ServiceRecord,
    Team,
    Volunteer,
)
from chuangcheng.volunteer.roles import (
    CENTRE,
    INSTITUTE,
    LEADER,
    RESIDENT,
    STATION,
    VOLUNTEER,
)
from chuangcheng.volunteer.settings_keys import REVIEW_HOURS, TAKE_HOURS

KIND = "vorder"
S = frozenset
OPEN = S({"review", "pending", "dispatched", "serving", "rating"})
REVIEWERS = S({STATION, INSTITUTE})


def _own(step: Step) -> ServiceOrder:
    assert isinstance(step.detail, ServiceOrder), "VORDER declares detail=ServiceOrder"
    return step.detail


def clock_limit(case: Case, clock: str) -> tuple[int, str] | None:
    """审单 and 接单 limits, in hours, from the loop's settings."""
    if clock == "review":
        return int(get_setting(REVIEW_HOURS)), "hours"
    if clock == "take":
        return int(get_setting(TAKE_HOURS)), "hours"
    return None


def order_fields(case: Case) -> dict[str, object]:
    try:
        o = case.vorder
    except ServiceOrder.DoesNotExist:
        return {}
    return {
        "station": o.station.name,
        "item": o.item.name,
        "wanted": o.wanted,
        "team": o.team.name if o.team_id and o.team else "",
        "reject_reason": o.reject_reason,
        "refuse_reason": o.refuse_reason,
        "stars": o.stars,
        "comment": o.comment,
        "served": [
            {"volunteer": r.volunteer.number, "name": r.volunteer.name, "hours": str(r.hours)}
            for r in o.records.select_related("volunteer").order_by("volunteer__number")
        ],
    }


def public_fields(case: Case) -> dict[str, object]:
    """What the resident is told besides the steps: the 站, the service, why it was refused."""
    try:
        o = case.vorder
    except ServiceOrder.DoesNotExist:
        return {}
    return {
        "station": o.station.name,
        "item": o.item.name,
        "reject_reason": o.reject_reason if case.status == "rejected" else "",
        "stars": o.stars,
    }


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="理由", max_length=500, error_messages={"required": "请填写理由"}
    )


class NoteForm(forms.Form):
    note = forms.CharField(label="说明", required=False, max_length=500)


class DispatchForm(forms.Form):
    team = forms.ModelChoiceField(
        label="志愿服务队",
        queryset=Team.objects.filter(active=True).select_related("station"),
        error_messages={
            "required": "请选择志愿服务队",
            # the choices are this order's (team_choices): another 站's team is not among them
            "invalid_choice": "没有这个志愿服务队（只能派给本站或所属文明实践所的志愿服务队）",
        },
    )
    note = forms.CharField(label="派单说明", required=False, max_length=500)


class AssignForm(forms.Form):
    volunteers = forms.ModelMultipleChoiceField(
        label="安排志愿者",
        queryset=Volunteer.objects.all(),
        error_messages={
            "required": "请至少选择一名志愿者",
            "invalid_choice": "没有这名志愿者",
            "invalid_pk_value": "志愿者编号有误",
            "list": "志愿者应为列表",
        },
    )
    note = forms.CharField(label="说明", required=False, max_length=500)


class CompleteForm(forms.Form):
    note = forms.CharField(
        label="服务情况", max_length=1000, error_messages={"required": "请填写服务情况"}
    )
    volunteers = forms.ModelMultipleChoiceField(
        label="到场志愿者",
        queryset=Volunteer.objects.all(),
        error_messages={
            "required": "请选择到场的志愿者",
            "invalid_choice": "没有这名志愿者",
            "invalid_pk_value": "志愿者编号有误",
            "list": "志愿者应为列表",
        },
    )
    hours = forms.DecimalField(
        label="每人服务时长（小时）",
        min_value=Decimal("0.5"),
        max_value=Decimal("12"),
        max_digits=3,
        decimal_places=1,
        error_messages={
            "required": "请填写服务时长",
            "min_value": "服务时长至少 0.5 小时",
            "max_value": "一次服务最多记 12 小时",
            "invalid": "服务时长应为数字，如 1.5",
            "max_decimal_places": "服务时长最多一位小数",
            "max_digits": "服务时长最多 12 小时",
        },
    )


class AutoCloseForm(forms.Form):
    days = forms.IntegerField(required=False, min_value=1)


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="评价星级",
        choices=[(str(n), f"{n} 星") for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择 1 到 5 星", "invalid_choice": "星级只能是 1 到 5"},
    )
    comment = forms.CharField(label="评价意见", required=False, max_length=500)


def do_accept(step: Step) -> None:
    step.note = step.data.get("note") or "审核通过"


def do_reject(step: Step) -> None:
    _own(step).reject_reason = step.data["reason"]
    step.note = step.data["reason"]
    step.case.closed_at = step.now


def _team_of_station(step: Step, team: Team) -> None:
    """A 站 dispatches to its own teams or its 所's; a 所 to its own or its 站s'."""
    station = _own(step).station
    allowed = {station.pk}
    if station.parent_id is not None:
        allowed.add(station.parent_id)
    if team.station_id not in allowed:
        raise ValidationFailed(
            "只能派给本站或所属文明实践所的志愿服务队。", fields={"team": ["不是本站可派的队伍"]}
        )


def team_choices(case: Case, actor: Actor) -> dict[str, object]:
    """派单 offers only the teams this order may go to: in service, of its 站 or the 所 above."""
    try:
        station = case.vorder.station
    except ServiceOrder.DoesNotExist:
        return {"team": Team.objects.none()}
    allowed = [station.pk] if station.parent_id is None else [station.pk, station.parent_id]
    qs = Team.objects.filter(active=True, station_id__in=allowed).select_related("station")
    return {"team": qs.order_by("station__level", "field", "name")}


def do_dispatch(step: Step) -> None:
    team: Team = step.data["team"]
    _team_of_station(step, team)
    own = _own(step)
    if step.case.status == "dispatched" and own.team_id == team.pk:
        raise ValidationFailed("已派给该队伍，请选择其他队伍。", fields={"team": ["与原队伍相同"]})
    own.team = team
    own.refuse_reason = ""
    step.end_assignments()
    step.assign(team.unit_id, Assignment.Role.LEAD)
    step.case.lead_unit_id = team.unit_id
    step.case.dispatched_at = step.now
    step.event_data = {"team": team.pk, "lead_unit_name": team.name}
    step.note = step.data.get("note") or f"派单给{team.name}"


def do_cancel_dispatch(step: Step) -> None:
    own = _own(step)
    step.note = step.data.get("note") or f"取消派给{own.team.name if own.team else '服务队'}的订单"
    own.team = None
    step.end_assignments()
    step.case.lead_unit_id = None
    step.cancel("take")


def do_take(step: Step) -> None:
    own = _own(step)
    step.event_data = {"lead_unit_name": own.team.name if own.team else ""}
    step.note = step.data.get("note") or "已接单"


def do_refuse(step: Step) -> None:
    own = _own(step)
    own.refuse_reason = step.data["reason"]
    step.note = step.data["reason"]
    own.team = None
    step.end_assignments()
    step.case.lead_unit_id = None


def _members(step: Step, field: str) -> list[Volunteer]:
    own = _own(step)
    chosen: list[Volunteer] = list(step.data[field])
    members = set(own.team.members.values_list("pk", flat=True)) if own.team else set()
    outsiders = [v.name for v in chosen if v.pk not in members]
    if outsiders:
        raise ValidationFailed(
            f"{'、'.join(outsiders)}不是本队队员。", fields={field: ["只能选择本队队员"]}
        )
    return chosen


def do_assign(step: Step) -> None:
    own = _own(step)
    chosen = _members(step, "volunteers")
    assert own.team is not None
    step.end_assignments()
    step.assign(own.team.unit_id, Assignment.Role.LEAD)
    for v in chosen:
        if v.user_id is not None:  # who has an account sees the order (ASSIGNED)
            step.assign(own.team.unit_id, Assignment.Role.CO, v.user_id)
    step.event_data = {"volunteers": [v.number for v in chosen]}
    step.note = step.data.get("note") or "安排志愿者：" + "、".join(v.name for v in chosen)


def do_complete(step: Step) -> None:
    own = _own(step)
    chosen = _members(step, "volunteers")
    hours: Decimal = step.data["hours"]
    # written in the step's transaction, once: the order leaves 服务中 with this step
    ServiceRecord.objects.bulk_create(
        ServiceRecord(order=own, volunteer=v, hours=hours, served_at=step.now) for v in chosen
    )
    served_on = timezone.localdate(step.now)
    for v in chosen:  # each one's hours, in the hours ledger (the same transaction)
        credit_hours(
            volunteer=v,
            hours=hours,
            source=HourEntry.Source.ORDER,
            ref=f"order:{own.case_id}:{v.pk}",
            field=own.item.field,
            content=own.item.name,
            station=own.station,
            team=own.team,
            served_on=served_on,
            by_id=step.actor.user_id,
            now=step.now,
        )
    step.event_data = {"volunteers": [v.number for v in chosen], "hours": str(hours)}
    step.note = step.data["note"]


def do_rate(step: Step) -> None:
    own = _own(step)
    own.stars = step.data["rating"]
    own.comment = step.data.get("comment") or ""
    step.event_data = {"rating": own.stars, "comment": own.comment}
    step.note = own.comment or f"评价：{own.stars} 星"
    step.case.closed_at = step.now


def do_auto_close(step: Step) -> None:
    """自动结单: nobody rated the service in time; it closes as 未评价 (never a default rating)."""
    days = step.data.get("days", "")
    step.event_data = {"rating": None, "days": days}
    step.note = (
        f"超过 {days} 天未评价，系统自动结单（未评价）" if days else "系统自动结单（未评价）"
    )
    step.case.closed_at = step.now


PUBLIC_STEPS = {
    "accept": "站点已审核通过，正在安排志愿服务队",
    "reject": "站点未受理您的需求",
    "dispatch": "已派单给{unit}",
    "reassign": "已改派给{unit}",
    "take": "{unit}已接单，志愿者将与您联系",
    "complete": "服务已完成，请您评价",
    "rate": "您已评价",
    "auto_close": "超过评价期限未评价，订单已自动结束",
}

VORDER = register(
    Workflow(
        kind=KIND,
        label="志愿服务订单",
        number_prefix="ZY",
        initial="review",
        states={
            "review": "待审核",
            "pending": "待派单",
            "dispatched": "待接单",
            "serving": "服务中",
            "rating": "待评价",
            "closed": "已完成",
            "rejected": "已拒绝",
        },
        final=S({"closed", "rejected"}),
        roles={
            RESIDENT: role("居民", OWN),
            STATION: role("文明实践站工作人员", JURISDICTION),
            INSTITUTE: role("文明实践所工作人员", JURISDICTION),
            CENTRE: role("文明实践中心工作人员", JURISDICTION),
            LEADER: role("志愿服务队队长", UNITS),
            VOLUNTEER: role("志愿者", ASSIGNED),
        },
        clocks=(
            Clock("review", "审单", (24, "hours")),
            Clock("take", "接单", (12, "hours")),
        ),
        open_starts=("review",),
        clock_limit=clock_limit,
        present=order_fields,
        public_detail=public_fields,
        public_summary=public_fields,
        public_steps=PUBLIC_STEPS,
        public_result_states=S({"rating", "closed"}),
        detail=ServiceOrder,
        recorded=("team_id", "stars"),
        actions=(
            Action(
                "accept",
                "审核通过",
                S({"review"}),
                "pending",
                REVIEWERS,
                form=NoteForm,
                apply=do_accept,
                stops=("review",),
                notice=Notice("您的志愿服务需求 {number} 已通过审核", (reporter(),)),
            ),
            Action(
                "reject",
                "不予受理",
                S({"review"}),
                "rejected",
                REVIEWERS,
                form=ReasonForm,
                apply=do_reject,
                stops=("review",),
                help="理由将告知居民",
                notice=Notice("您的志愿服务需求 {number} 未被受理，请查看理由", (reporter(),)),
            ),
            Action(
                "dispatch",
                "派单",
                S({"pending"}),
                "dispatched",
                REVIEWERS,
                form=DispatchForm,
                form_choices=team_choices,
                apply=do_dispatch,
                starts=("take",),
                notice=Notice(
                    "志愿服务订单 {number} 派给您的队伍：{title}", (unit_of(LEAD, LEADER),)
                ),
            ),
            Action(
                "reassign",
                "重新派单",
                S({"dispatched"}),
                "dispatched",
                REVIEWERS,
                form=DispatchForm,
                form_choices=team_choices,
                apply=do_dispatch,
                starts=("take",),
                notice=Notice(
                    "志愿服务订单 {number} 派给您的队伍：{title}", (unit_of(LEAD, LEADER),)
                ),
            ),
            Action(
                "cancel_dispatch",
                "取消派单",
                S({"dispatched"}),
                "pending",
                REVIEWERS,
                form=NoteForm,
                apply=do_cancel_dispatch,
            ),
            Action(
                "take",
                "接单",
                S({"dispatched"}),
                "serving",
                S({LEADER}),
                unit=LEAD,
                form=NoteForm,
                apply=do_take,
                stops=("take",),
                notice=Notice("您的志愿服务需求 {number} 已有服务队接单", (reporter(),)),
            ),
            Action(
                "refuse",
                "拒绝接单",
                S({"dispatched"}),
                "pending",
                S({LEADER}),
                unit=LEAD,
                form=ReasonForm,
                apply=do_refuse,
                stops=("take",),
                notice=Notice("志愿服务订单 {number} 被拒绝接单，请重新派单", (people(STATION),)),
            ),
            Action(
                "assign",
                "安排志愿者",
                S({"serving"}),
                None,
                S({LEADER}),
                unit=LEAD,
                form=AssignForm,
                apply=do_assign,
                notice=Notice("您被安排参加志愿服务 {number}：{title}", (people(VOLUNTEER),)),
            ),
            Action(
                "complete",
                "服务完成",
                S({"serving"}),
                "rating",
                S({LEADER}),
                unit=LEAD,
                form=CompleteForm,
                apply=do_complete,
                accepts_files=True,
                photo_labels=("服务照片", "服务照片"),
                notice=Notice("志愿服务 {number} 已完成，请您评价", (reporter(),)),
            ),
            Action(
                "rate",
                "评单",
                S({"rating"}),
                "closed",
                S({RESIDENT}),
                unit=OWNER,
                form=RateForm,
                apply=do_rate,
            ),
            # taken by the periodic task (volunteer.tasks), never by a person (ADR 0032)
            Action(
                "auto_close",
                "自动结单",
                S({"rating"}),
                "closed",
                frozenset(),
                form=AutoCloseForm,
                apply=do_auto_close,
                system=True,
            ),
        ),
    )
)

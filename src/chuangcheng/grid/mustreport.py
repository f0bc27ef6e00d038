"""必报事项: what a grid worker must report within a time of learning of it (安全隐患及不稳定因素,
新增孕妇, 外来人口, 房屋出租, 公共设施维护). Each kind has its own limit (a setting, continuous
hours from the moment the worker learned of it). A quick note (知悉) keeps the moment as a draft
to be completed before it is due. Filing lands the item in its ledger (人房, 出租, 孕妇, 隐患及设施)
and, when it needs handling, opens a 网格事件 in the same transaction. The phone's key makes a
resend return the same record; a refused or broken request changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, Value
from django.utils import timezone

from chuangcheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from chuangcheng.core.idcard import parse_id
from chuangcheng.core.privacy import is_phone, mask_phone, normalise_phone
from chuangcheng.core.settings_store import get_setting
from chuangcheng.grid.ledgers import visible_grids
from chuangcheng.grid.models import (
    GridPost,
    Home,
    IssueEntry,
    MustReport,
    Person,
    Pregnancy,
    RentalRecord,
    Residence,
)
from chuangcheng.grid.roles import WORKER
from chuangcheng.grid.settings_keys import MUST_REPORT_HOURS, MUST_REPORT_KINDS
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Region

Kind = MustReport.Kind
SETTING = MUST_REPORT_HOURS  # declared in grid.settings_keys (loaded with the app's config)
if dict(Kind.choices) != MUST_REPORT_KINDS:
    raise ImproperlyConfigured("grid.settings_keys.MUST_REPORT_KINDS must equal MustReport.Kind")
EARLIEST_DAYS = 30  # a worker reports what they learned of in the last 30 days, not older
SKEW = dt.timedelta(minutes=5)  # a phone's clock a little ahead is not "the future"
# what kind of event a hazard becomes (grid.models.EventClass)
EVENT_CLASS = {
    IssueEntry.Type.SAFETY: "SJ01",
    IssueEntry.Type.ORDER: "SJ02",
    IssueEntry.Type.FIRE: "SJ03",
    IssueEntry.Type.UNSTABLE: "MD99",
    IssueEntry.Type.FACILITY: "SJ05",
}
HAZARD_TYPES = [
    IssueEntry.Type.SAFETY,
    IssueEntry.Type.FIRE,
    IssueEntry.Type.ORDER,
    IssueEntry.Type.UNSTABLE,
]


def limit_hours(kind: str) -> int:
    return int(get_setting(SETTING.format(kind)))


# ---------------------------------------------------------------- scope


def report_grids(actor: Actor) -> QuerySet[Region]:
    """The grids this person files must-report items for: those they are 专职网格员 of (the
    one who keeps the ledger; a 兼职网格员 or 楼栋长 tells them)."""
    if actor.user_id is None or WORKER not in actor.roles:
        return Region.objects.none()
    posts = GridPost.objects.filter(user_id=actor.user_id, kind=GridPost.Kind.FULL_TIME)
    return Region.objects.filter(pk__in=posts.values("grid_id")).order_by("code")


def learned_in_month(qs: QuerySet[MustReport], month: str) -> QuerySet[MustReport]:
    """The items learned of in a month ("2026-11", Beijing time); a bad month is a 400."""
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise ValidationFailed("月份格式不对（如 2026-11）。") from None
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return qs.filter(
        learned_at__gte=dt.datetime.combine(first, dt.time(), tzinfo=tz),
        learned_at__lt=dt.datetime.combine(nxt, dt.time(), tzinfo=tz),
    )


def reports_visible_to(actor: Actor) -> QuerySet[MustReport]:
    """Filed items of the grids the person reads (worker: their grids; community: its grids;
    street: its communities' grids) and their own drafts."""
    if actor.user_id is None:
        return MustReport.objects.none()
    mine = Q(reported_by_id=actor.user_id)
    return MustReport.objects.filter(
        Q(grid__in=visible_grids(actor)) & (Q(status=MustReport.Status.FILED) | mine)
    ).select_related("grid", "reported_by")


def report_for(actor: Actor, pk: int) -> MustReport:
    item = reports_visible_to(actor).filter(pk=pk).first()
    if item is None:
        raise NotFound("必报事项不存在，或不在您负责的网格。")
    return item


# ---------------------------------------------------------------- input


def _text(data: dict[str, Any], name: str, label: str, limit: int, required: bool = True) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        raise ValidationFailed(f"请填写{label}。", fields={name: ["必填"]})
    return value[:limit]


def parse_kind(raw: Any) -> str:
    kind = str(raw or "")
    if kind not in Kind.values:
        raise ValidationFailed(
            "未知的必报事项类型，请选择：" + "、".join(Kind.labels) + "。",
            fields={"kind": ["未知"]},
        )
    return kind


def _grid(actor: Actor, raw: Any) -> Region:
    grids = report_grids(actor)
    if not grids.exists():
        raise PermissionDenied("只有专职网格员可以上报必报事项。")
    grid = grids.filter(pk=int(raw)).first() if str(raw or "").isdigit() else None
    if grid is None:
        raise ValidationFailed("请选择您负责的网格。", fields={"grid": ["不是您负责的网格"]})
    return grid


def _learned(raw: Any, now: dt.datetime) -> dt.datetime:
    if raw in (None, ""):
        return now
    try:
        when = raw if isinstance(raw, dt.datetime) else dt.datetime.fromisoformat(str(raw))
    except ValueError:
        raise ValidationFailed(
            "知悉时间格式不对（如 2026-11-30 09:30）。", fields={"learned_at": ["格式不对"]}
        ) from None
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > now + SKEW:
        raise ValidationFailed(
            "知悉时间不能晚于现在，请检查手机时间。", fields={"learned_at": ["晚于现在"]}
        )
    if when < now - dt.timedelta(days=EARLIEST_DAYS):
        raise ValidationFailed(
            f"知悉时间不能早于 {EARLIEST_DAYS} 天前。", fields={"learned_at": ["太早"]}
        )
    return when


def _date(data: dict[str, Any], name: str, label: str, required: bool = True) -> dt.date | None:
    raw = data.get(name)
    if raw in (None, ""):
        if required:
            raise ValidationFailed(f"请填写{label}。", fields={name: ["必填"]})
        return None
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValidationFailed(
            f"{label}格式不对（如 2026-11-30）。", fields={name: ["格式不对"]}
        ) from None


def _yes(raw: Any) -> bool:
    return str(raw).strip().lower() in ("1", "true", "on", "yes", "是")


def _home(grid: Region, raw: Any, required: bool = True) -> Home | None:
    if raw in (None, ""):
        if required:
            raise ValidationFailed("请选择房屋。", fields={"home": ["必填"]})
        return None
    home = (
        Home.objects.select_related("building").filter(pk=int(raw)).first()
        if str(raw).isdigit()
        else None
    )
    if home is None or home.building.grid_id != grid.pk:
        raise ValidationFailed("房屋不在您所选的网格内。", fields={"home": ["不在本网格"]})
    return home


def _choice(data: dict[str, Any], name: str, label: str, choices: Any, default: str) -> str:
    value = str(data.get(name) or default)
    if value not in choices.values:
        raise ValidationFailed(f"请选择{label}。", fields={name: ["不是允许的选项"]})
    return value


def _phone(data: dict[str, Any], name: str, label: str) -> str:
    phone = normalise_phone(str(data.get(name) or ""))
    if phone and not is_phone(phone):
        raise ValidationFailed(f"{label}“{phone}”不是电话号码。", fields={name: ["格式不对"]})
    return phone


def _key(raw: Any) -> str:
    key = str(raw or "").strip()[:64]
    if not key:
        raise ValidationFailed("缺少客户端编号。", fields={"client_key": ["必填"]})
    return key


def _again(actor: Actor, key: str) -> MustReport | None:
    again = MustReport.objects.filter(client_key=key).first()
    if again is not None and again.reported_by_id != actor.user_id:
        raise Conflict("客户端编号已被使用，请刷新页面后重新填写。")
    return again


# ---------------------------------------------------------------- the quick note (知悉)


def report_note(
    *,
    actor: Actor,
    kind: Any,
    grid_id: Any,
    summary: Any,
    client_key: Any,
    learned_at: Any = None,
    now: dt.datetime | None = None,
) -> tuple[MustReport, bool]:
    """知悉: the worker notes what they learned of and when; the clock runs from then."""
    now = now or timezone.now()
    key = _key(client_key)
    again = _again(actor, key)
    if again is not None:
        return again, False
    kind_v = parse_kind(kind)
    grid = _grid(actor, grid_id)
    learned = _learned(learned_at, now)
    text = _text({"summary": summary}, "summary", "简要情况", 200)
    assert actor.user_id is not None
    try:
        with transaction.atomic():
            item = MustReport.objects.create(
                kind=kind_v,
                status=MustReport.Status.DRAFT,
                grid=grid,
                reported_by_id=actor.user_id,
                learned_at=learned,
                due_at=learned + dt.timedelta(hours=limit_hours(kind_v)),
                summary=text,
                client_key=key,
            )
    except IntegrityError:
        again = _again(actor, key)
        if again is None:
            raise
        return again, False
    return item, True


# ---------------------------------------------------------------- filing


def report_file(
    *,
    actor: Actor,
    data: dict[str, Any],
    draft_id: Any = None,
    needs_action: bool | None = None,
    now: dt.datetime | None = None,
) -> tuple[MustReport, bool]:
    """File a must-report item (from a draft, or new): one transaction lands it in its ledger
    and opens its event. Returns (item, created); the same key (or a filed draft) again
    returns the item as it is."""
    now = now or timezone.now()
    if draft_id not in (None, ""):
        return _file_draft(actor, data, draft_id, needs_action, now)
    key = _key(data.get("client_key"))
    again = _again(actor, key)
    if again is not None:
        return again, False
    kind = parse_kind(data.get("kind"))
    grid = _grid(actor, data.get("grid"))
    learned = _learned(data.get("learned_at"), now)
    assert actor.user_id is not None
    try:
        with transaction.atomic():
            item = MustReport(
                kind=kind,
                grid=grid,
                reported_by_id=actor.user_id,
                learned_at=learned,
                due_at=learned + dt.timedelta(hours=limit_hours(kind)),
                client_key=key,
            )
            _land(actor, item, data, needs_action, now)
            item.save()
    except IntegrityError:
        again = _again(actor, key)
        if again is None:
            raise Conflict("提交冲突，请稍后重试。") from None
        return again, False
    return item, True


def _file_draft(
    actor: Actor, data: dict[str, Any], draft_id: Any, needs_action: bool | None, now: dt.datetime
) -> tuple[MustReport, bool]:
    if not str(draft_id).isdigit():
        raise NotFound("待上报的必报事项不存在。")
    if not report_grids(actor).exists():
        raise PermissionDenied("只有专职网格员可以上报必报事项。")
    with transaction.atomic():
        item = (
            MustReport.objects.select_for_update()
            .filter(pk=int(draft_id), reported_by_id=actor.user_id)
            .first()
        )
        if item is None:
            raise NotFound("待上报的必报事项不存在。")
        if item.status == MustReport.Status.FILED:
            return item, False
        if not report_grids(actor).filter(pk=item.grid_id).exists():
            raise PermissionDenied("您已不再负责这个网格。")
        _land(actor, item, data, needs_action, now)
        item.save()
    return item, True


def _land(
    actor: Actor,
    item: MustReport,
    data: dict[str, Any],
    needs_action: bool | None,
    now: dt.datetime,
) -> None:
    """Check the kind's fields, write its ledger row(s) and, if asked, its event; mark the
    item filed (inside the caller's transaction)."""
    grid = item.grid
    if item.kind in (Kind.HAZARD, Kind.FACILITY):
        _issue(actor, item, data, needs_action, now)
    elif item.kind == Kind.NEWCOMER:
        _newcomer(actor, item, data, now)
    elif item.kind == Kind.RENTAL:
        _rental(actor, item, data, now)
    elif item.kind == Kind.PREGNANCY:
        _pregnancy(item, data, grid)
    item.status = MustReport.Status.FILED
    item.reported_at = now
    item.on_time = now <= item.due_at


def _issue(
    actor: Actor,
    item: MustReport,
    data: dict[str, Any],
    needs_action: bool | None,
    now: dt.datetime,
) -> None:
    from chuangcheng.grid.events import event_report
    from chuangcheng.grid.patrols import city_point

    if item.kind == Kind.HAZARD:
        type_ = str(data.get("type") or "")
        if type_ not in HAZARD_TYPES:
            raise ValidationFailed(
                "请选择隐患类型：安全隐患、消防隐患、治安隐患或不稳定因素。",
                fields={"type": ["不是允许的类型"]},
            )
    else:
        type_ = IssueEntry.Type.FACILITY
    place = _text(data, "place", "地点", 120)
    description = _text(data, "description", "情况描述", 1000)
    home = _home(item.grid, data.get("home"), required=False)
    act = (item.kind == Kind.HAZARD) if needs_action is None else needs_action
    issue = IssueEntry(
        grid=item.grid, type=type_, place=place, description=description, found_at=item.learned_at
    )
    if act:
        try:  # the phone's position; without one (or a wrong one), the home's or the grid's
            lat, lng = city_point(data.get("lat"), data.get("lng"))
        except ValidationFailed:
            where: Any = item.grid
            if home is not None and home.building.lat is not None:
                where = home.building
            lat, lng = where.lat, where.lng
        case, _ = event_report(
            actor=actor,
            grid_id=item.grid_id,
            category=EVENT_CLASS[IssueEntry.Type(type_)],
            scale="01",
            title=f"{IssueEntry.Type(type_).label}：{place}"[:200],
            content=description,
            lat=lat,
            lng=lng,
            address=place,
            client_key=f"mr-{item.client_key}",
            now=now,
        )
        issue.case = case
        item.case = case
    issue.save()
    item.issue, item.home = issue, home
    item.summary = f"{IssueEntry.Type(type_).label}·{place}"[:200]


def _newcomer(actor: Actor, item: MustReport, data: dict[str, Any], now: dt.datetime) -> None:
    from chuangcheng.grid.refresh import mark_changed

    home = _home(item.grid, data.get("home"))
    assert home is not None
    pid = parse_id(str(data.get("id_number") or ""), today=timezone.localdate(now))
    kind = _choice(data, "residence_kind", "居住类型", Residence.Kind, Residence.Kind.RENT)
    inflow = _choice(data, "inflow", "流入原因", Person.Inflow, Person.Inflow.WORK)
    start = _date(data, "start", "入住日期", required=False) or timezone.localdate(item.learned_at)
    if start > timezone.localdate(now):
        raise ValidationFailed("入住日期不能晚于今天。", fields={"start": ["晚于今天"]})
    phone = _phone(data, "phone", "联系电话")
    person = Person.objects.select_for_update().filter(id_index=pid.index).first()
    if person is None:
        name = _text(data, "name", "姓名", 40)
        person = Person(
            name=name,
            sex=Person.Sex.MALE if pid.male else Person.Sex.FEMALE,
            birth=pid.birth,
            id_number=pid.number,
            id_index=pid.index,
            id_masked=pid.masked,
            person_type=Person.Type.FLOATING,
            inflow=inflow,
            community=item.grid.parent,
        )
    if phone:
        person.phone, person.phone_masked = phone, mask_phone(phone)
    person.confirmed_at = now
    person.save()
    residence = Residence.objects.filter(person=person, home=home, end__isnull=True).first()
    if residence is None:
        residence = Residence.objects.create(person=person, home=home, kind=kind, start=start)
    mark_changed(home, actor, now)
    item.home, item.person, item.residence = home, person, residence
    item.summary = f"外来人口·{person.name}·{home}"[:200]


def _rental(actor: Actor, item: MustReport, data: dict[str, Any], now: dt.datetime) -> None:
    from chuangcheng.grid.refresh import mark_changed

    home = _home(item.grid, data.get("home"))
    assert home is not None
    landlord = _text(data, "landlord", "出租人", 40)
    tenant = _text(data, "tenant", "承租人", 40)
    phone = _phone(data, "landlord_phone", "出租人电话")
    start = _date(data, "start", "起租日期")
    end = _date(data, "end", "到期日期", required=False)
    assert start is not None
    if end is not None and end < start:
        raise ValidationFailed("到期日期不能早于起租日期。", fields={"end": ["早于起租"]})
    home = Home.objects.select_for_update().get(pk=home.pk)
    for before in RentalRecord.objects.filter(home=home, end__isnull=True):
        before.end = max(before.start, start - dt.timedelta(days=1))
        before.save(update_fields=["end"])
    rental = RentalRecord.objects.create(
        home=home,
        landlord=landlord,
        landlord_phone=phone,
        landlord_phone_masked=mask_phone(phone) if phone else "",
        tenant=tenant,
        start=start,
        end=end,
    )
    if not home.rented:
        home.rented = True
        home.save(update_fields=["rented"])
    mark_changed(home, actor, now)
    item.home, item.rental = home, rental
    item.summary = f"房屋出租·{home}"[:200]


def _pregnancy(item: MustReport, data: dict[str, Any], grid: Region) -> None:
    pid = parse_id(str(data.get("id_number") or ""))
    person = Person.objects.filter(
        id_index=pid.index,
        pk__in=Residence.objects.filter(home__building__grid=grid, end__isnull=True).values(
            "person_id"
        ),
    ).first()
    if person is None:
        raise ValidationFailed(
            "本网格台账中没有此人，请先上报外来人口或导入台账。",
            fields={"id_number": ["不在本网格"]},
        )
    if person.sex != Person.Sex.FEMALE:
        raise ValidationFailed("此人性别为男，不能登记为孕妇。", fields={"id_number": ["性别不符"]})
    expected = _date(data, "expected", "预产期")
    assert expected is not None
    today = timezone.localdate(item.learned_at)
    if not today - dt.timedelta(days=30) <= expected <= today + dt.timedelta(days=300):
        raise ValidationFailed(
            "预产期不合理（应在知悉后 300 天内）。", fields={"expected": ["不合理"]}
        )
    filed = _choice(data, "filed", "建档情况", Pregnancy.Filed, Pregnancy.Filed.NO)
    pregnancy = Pregnancy.objects.create(person=person, expected=expected, filed=filed)
    home = (
        Residence.objects.filter(person=person, home__building__grid=grid, end__isnull=True)
        .select_related("home")
        .first()
    )
    item.person, item.pregnancy = person, pregnancy
    item.home = home.home if home is not None else None
    item.summary = f"新增孕妇·{person.name}·预产期 {expected:%Y-%m-%d}"[:200]


# ---------------------------------------------------------------- 今日工作 and the ranking


@dataclass(frozen=True)
class Pending:
    item: MustReport
    left: dt.timedelta  # negative: overdue

    @property
    def overdue(self) -> bool:
        return self.left.total_seconds() < 0

    @property
    def left_text(self) -> str:
        seconds = int(abs(self.left.total_seconds()))
        hours, minutes = seconds // 3600, seconds % 3600 // 60
        span = f"{hours} 小时 {minutes} 分" if hours else f"{minutes} 分钟"
        return f"已逾期 {span}" if self.overdue else f"剩余 {span}"


def pending_of(actor: Actor, now: dt.datetime | None = None) -> list[Pending]:
    """The person's drafts (知悉, not yet filed), soonest due first."""
    now = now or timezone.now()
    if actor.user_id is None:
        return []
    drafts = MustReport.objects.filter(
        reported_by_id=actor.user_id, status=MustReport.Status.DRAFT
    ).select_related("grid")
    return [Pending(d, d.due_at - now) for d in drafts.order_by("due_at")]


def must_report_timeliness(
    grid_ids: list[int] | set[int] | QuerySet[Region] | Any,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime | None = None,
) -> dict[str, dict[int, tuple[int, int]]]:
    """必报及时率: (on time, total) per grid and per worker: {"grids": {grid id: (on_time,
    total)}, "workers": {user id: (on_time, total)}}. Counted: items filed in [start, end), and
    items noted (草稿) but still not filed whose due passed in [start, end) — late, so that not
    filing never looks better than filing late (once filed, such an item counts where it was filed)."""
    now = now or timezone.now()
    items = MustReport.objects.filter(grid_id__in=grid_ids)
    filed = items.filter(
        status=MustReport.Status.FILED, reported_at__gte=start, reported_at__lt=end
    )
    overdue = items.filter(
        status=MustReport.Status.DRAFT, due_at__gte=start, due_at__lt=min(end, now)
    )
    out: dict[str, dict[int, tuple[int, int]]] = {"grids": {}, "workers": {}}
    groups = [  # two queries, each grouped by grid and worker at once
        *filed.values_list("grid_id", "reported_by_id")
        .annotate(on_time=Count("pk", filter=Q(on_time=True)), total=Count("pk"))
        .order_by(),
        *overdue.values_list("grid_id", "reported_by_id")
        .annotate(on_time=Value(0), total=Count("pk"))
        .order_by(),
    ]
    for grid_id, user_id, ok, total in groups:
        for name, key in (("grids", grid_id), ("workers", user_id)):
            was_ok, was_total = out[name].get(key, (0, 0))
            out[name][key] = (was_ok + ok, was_total + total)
    return out

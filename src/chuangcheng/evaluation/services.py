"""Inspections (测评) and self-checks (自查): plans, answers sent from the phone, submission.

A submitted visit's 得分率 is the points of its passed items over the points of the items that
applied (不适用 left out); each failed item becomes a problem, a case of the rectification loop
(evaluation.workflow), opened in the same transaction. Answers are kept, never overwritten: the
latest per item counts, and the phone's key makes a resend a no-op."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from chuangcheng.cases.services import case_open
from chuangcheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from chuangcheng.core.settings_store import get_setting
from chuangcheng.core.uploads import check_upload
from chuangcheng.evaluation import settings_keys as keys
from chuangcheng.evaluation.models import (
    Answer,
    CheckItem,
    Edition,
    Inspection,
    Method,
    Plan,
    PlanKind,
    Problem,
    Site,
)
from chuangcheng.evaluation.roles import EVALUATOR, LEADER, OFFICE, UNIT
from chuangcheng.evaluation.sites import visible_sites
from chuangcheng.evaluation.standard import current_edition
from chuangcheng.evaluation.workflow import KIND as RECTIFY
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Membership

EXTERNAL_SOURCE = "evaluation"
CLOCK_SKEW = dt.timedelta(minutes=10)


# ---------------------------------------------------------------- reads


def visible_inspections(actor: Actor) -> QuerySet[Inspection]:
    """创城办, leaders and evaluators (a team): every visit in their region, an evaluator also
    those planned for them anywhere; a responsible unit: its own self-checks, and announced (明查) visits of its sites —
    never an unannounced one (暗访), not even after it is submitted."""
    qs = Inspection.objects.all()
    if actor.is_superuser:
        return qs
    allowed = Q(pk__in=[])
    for role in {OFFICE, LEADER, EVALUATOR} & actor.roles:
        for path in actor.paths_by_role.get(role, ()):
            allowed |= Q(site__street__path__startswith=path)
    if EVALUATOR in actor.roles and actor.user_id is not None:
        allowed |= Q(evaluator_id=actor.user_id)
    if UNIT in actor.roles:
        units = actor.units_with_children(UNIT)
        own_sites = Site.objects.filter(Q(unit_id__in=units) | Q(paired_units__in=units))
        allowed |= Q(kind=Inspection.Kind.SELF_CHECK, unit_id__in=units)
        allowed |= Q(kind=Inspection.Kind.INSPECTION, announced=True, site__in=own_sites)
    return qs.filter(allowed)


def inspection_for(actor: Actor, pk: int) -> Inspection:
    hit = visible_inspections(actor).select_related("site__site_type", "edition").filter(pk=pk)
    inspection = hit.first()
    if inspection is None:
        raise NotFound("没有这条测评记录，或您无权查看。")
    return inspection


def checklist(inspection: Inspection) -> list[CheckItem]:
    """The items an evaluator checks on site: the edition's 实地考察 items for this site's type
    (a 回头看 of the failed items: only those)."""
    items = CheckItem.objects.filter(
        content__project__edition_id=inspection.edition_id,
        site_types=inspection.site.site_type_id,
    ).select_related("content__project")
    only = set(inspection.only_items or ())
    return [
        i
        for i in items.order_by("content__project__order", "content__order", "order", "pk")
        if Method.FIELD in i.methods and (not only or i.pk in only)
    ]


def latest_answers(inspection: Inspection) -> dict[int, Answer]:
    """The answer that counts for each item: the latest by the phone's time (then arrival)."""
    out: dict[int, Answer] = {}
    for a in inspection.answers.order_by("answered_at", "pk"):
        out[a.item_id] = a
    return out


def _may_answer(actor: Actor, inspection: Inspection) -> bool:
    if actor.is_superuser:
        return True
    if inspection.kind == Inspection.Kind.SELF_CHECK:
        return UNIT in actor.roles and inspection.unit_id in actor.units_with_children(UNIT)
    if inspection.evaluator_id == actor.user_id:
        return True
    # a member of the team: an evaluator of the region the site lies in
    paths = actor.paths_by_role.get(EVALUATOR, ())
    street_path = inspection.site.street.path
    return any(street_path.startswith(p) for p in paths)


# ---------------------------------------------------------------- plans and self-checks


def plan_create(
    *,
    actor: Actor,
    name: str,
    planned_on: dt.date,
    evaluator_id: int,
    announced: bool,
    site_type_ids: Iterable[int] = (),
    street_ids: Iterable[int] = (),
    sample_per_type: int | None = None,
    seed: int | None = None,
    kind: str = PlanKind.INSPECTION,
    revisit_from: dt.date | None = None,
    revisit_to: dt.date | None = None,
    revisit_all_items: bool = False,
) -> Plan:
    """A plan over the chosen sites (all of the types/streets, or a random sample per type, the
    way a survey team samples), one visit per site for the evaluator on that day. A 回头看
    (kind revisit) chooses among the sites whose problems were struck off (销号) between
    revisit_from and revisit_to and checks the items that had failed there (or the whole
    checklist)."""
    require_planner(actor)
    check_plan_input(
        name=name,
        evaluator_id=evaluator_id,
        site_type_ids=site_type_ids,
        street_ids=street_ids,
        sample_per_type=sample_per_type,
    )
    if kind == PlanKind.REVISIT:
        # by default the last 30 days, today included
        revisit_to = revisit_to or timezone.localdate()
        revisit_from = revisit_from or revisit_to - dt.timedelta(days=29)
        if revisit_from > revisit_to:
            raise ValidationFailed(
                "回头看的销号截止日期不能早于起始日期。", fields={"revisit_to": ["早于起始日期"]}
            )
    elif kind != PlanKind.INSPECTION:
        raise ValidationFailed("计划类型只能是测评或回头看。", fields={"kind": ["无效"]})
    return build_plan(
        actor=actor,
        name=name,
        planned_on=planned_on,
        evaluator_id=evaluator_id,
        announced=announced,
        site_type_ids=site_type_ids,
        street_ids=street_ids,
        sample_per_type=sample_per_type,
        seed=seed,
        kind=kind,
        revisit_from=revisit_from,
        revisit_to=revisit_to,
        revisit_all_items=revisit_all_items,
    )


def require_planner(actor: Actor) -> None:
    if not (actor.is_superuser or OFFICE in actor.roles) or actor.user_id is None:
        raise PermissionDenied("只有创城办可以制定测评计划。")


def check_plan_input(
    *,
    name: str,
    evaluator_id: int,
    site_type_ids: Iterable[int],
    street_ids: Iterable[int],
    sample_per_type: int | None,
) -> None:
    """What a plan and a series are both checked for (a clear message for each)."""
    from chuangcheng.evaluation.models import SiteType
    from chuangcheng.org.models import Region

    if not name.strip():
        raise ValidationFailed("请填写计划名称。", fields={"name": ["必填"]})
    if not Membership.objects.filter(user_id=evaluator_id, role=EVALUATOR).exists():
        raise ValidationFailed("所选人员不是测评员。", fields={"evaluator": ["不是测评员"]})
    types = set(site_type_ids)
    if len(SiteType.objects.filter(pk__in=types)) != len(types):
        raise ValidationFailed("所选点位类型不存在。", fields={"type": ["不存在"]})
    streets = set(street_ids)
    if Region.objects.filter(pk__in=streets, level=Region.Level.STREET).count() != len(streets):
        raise ValidationFailed("所选街道不存在。", fields={"street": ["不存在"]})
    if sample_per_type is not None and not 1 <= sample_per_type <= 500:
        raise ValidationFailed("每类抽取数量应在 1 到 500 之间。", fields={"sample": ["1–500"]})
    if current_edition() is None:
        raise Conflict("还没有已发布的测评标准，不能制定计划。")


def _day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local days first..last as [start, end) instants."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time(0), tz)
    return start, dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tz)


def struck_off(sites: QuerySet[Site], first: dt.date, last: dt.date) -> dict[int, set[int]]:
    """The sites among these with problems struck off (销号) on the days first..last, each with
    the items that had failed there."""
    start, end = _day_bounds(first, last)
    out: dict[int, set[int]] = {}
    rows = Problem.objects.filter(
        site__in=sites,
        case__status="closed",
        case__closed_at__gte=start,
        case__closed_at__lt=end,
        self_check=False,
    ).values_list("site_id", "item_id")
    for site_id, item_id in rows:
        out.setdefault(site_id, set()).add(item_id)
    return out


def build_plan(
    *,
    actor: Actor,
    name: str,
    planned_on: dt.date,
    evaluator_id: int,
    announced: bool,
    site_type_ids: Iterable[int] = (),
    street_ids: Iterable[int] = (),
    sample_per_type: int | None = None,
    seed: int | None = None,
    kind: str = PlanKind.INSPECTION,
    revisit_from: dt.date | None = None,
    revisit_to: dt.date | None = None,
    revisit_all_items: bool = False,
    series: Any = None,
) -> Plan:
    """Sample the sites among those the actor sees and create the plan with one visit per site
    (the caller checked who may, and the input). A round of a series may come out empty (it is
    kept, so the round counts as made); a plan of one's own may not."""
    edition = current_edition()
    if edition is None:
        raise Conflict("还没有已发布的测评标准，不能制定计划。")
    sites = visible_sites(actor).filter(active=True)
    types, streets = list(site_type_ids), list(street_ids)
    if types:
        sites = sites.filter(site_type_id__in=types)
    if streets:
        sites = sites.filter(street_id__in=streets)
    targets: dict[int, set[int]] = {}
    if kind == PlanKind.REVISIT:
        assert revisit_from is not None and revisit_to is not None
        targets = struck_off(sites, revisit_from, revisit_to)
        sites = sites.filter(pk__in=targets)
    chosen = list(sites.order_by("code"))
    if sample_per_type is not None:
        rng = random.Random(seed)
        by_type: dict[int, list[Site]] = {}
        for site in chosen:
            by_type.setdefault(site.site_type_id, []).append(site)
        chosen = [
            s
            for group in by_type.values()
            for s in rng.sample(group, min(sample_per_type, len(group)))
        ]
    if not chosen and series is None:
        if kind == PlanKind.REVISIT:
            raise ValidationFailed(
                f"{revisit_from:%Y-%m-%d} 至 {revisit_to:%Y-%m-%d} 没有销号的问题点位。",
                fields={"sites": ["为空"]},
            )
        raise ValidationFailed("没有符合条件的点位。", fields={"sites": ["为空"]})
    selection = f"随机抽取每类 {sample_per_type} 个" if sample_per_type else "全部"
    if kind == PlanKind.REVISIT:
        scope = "全部条目" if revisit_all_items else "原不合格条目"
        selection = (
            f"{revisit_from:%m月%d日}至{revisit_to:%m月%d日}销号点位{selection}，检查{scope}"
        )
    with transaction.atomic():
        plan = Plan.objects.create(
            name=name.strip()[:100],
            kind=kind,
            series=series,
            edition=edition,
            planned_on=planned_on,
            evaluator_id=evaluator_id,
            announced=announced,
            selection=f"{selection}，共 {len(chosen)} 个点位",
            revisit_from=revisit_from if kind == PlanKind.REVISIT else None,
            revisit_to=revisit_to if kind == PlanKind.REVISIT else None,
            revisit_all_items=revisit_all_items and kind == PlanKind.REVISIT,
            created_by_id=series.created_by_id if series is not None else actor.user_id or 0,
        )
        Inspection.objects.bulk_create(
            Inspection(
                plan=plan,
                site=site,
                edition=edition,
                evaluator_id=evaluator_id,
                planned_on=planned_on,
                announced=announced,
                only_items=[]
                if kind != PlanKind.REVISIT or revisit_all_items
                else sorted(targets[site.pk]),
            )
            for site in chosen
        )
    return plan


def self_check_create(*, actor: Actor, site_id: int, today: dt.date | None = None) -> Inspection:
    """自查: a responsible unit checks one of its own sites with the same checklist."""
    if UNIT not in actor.roles or actor.user_id is None:
        raise PermissionDenied("只有责任单位可以自查。")
    units = actor.units_with_children(UNIT)
    site = (
        Site.objects.filter(Q(unit_id__in=units) | Q(paired_units__in=units), pk=site_id)
        .distinct()
        .first()
    )
    if site is None:
        raise NotFound("没有这个点位，或它不归您单位负责。")
    edition = current_edition()
    if edition is None:
        raise Conflict("还没有已发布的测评标准。")
    unit_id = site.unit_id if site.unit_id in units else min(units)
    return Inspection.objects.create(
        kind=Inspection.Kind.SELF_CHECK,
        site=site,
        edition=edition,
        evaluator_id=actor.user_id,
        unit_id=unit_id,
        planned_on=today or timezone.localdate(),
        announced=True,
    )


# ---------------------------------------------------------------- answers


def _when(raw: Any, now: dt.datetime) -> dt.datetime:
    if raw in (None, ""):
        return now
    if isinstance(raw, dt.datetime):
        value = raw
    else:
        try:
            value = dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        except ValueError:
            raise ValidationFailed(
                "作答时间格式不对。", fields={"answered_at": ["格式不对"]}
            ) from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SKEW:
        raise ValidationFailed("作答时间晚于当前时间。", fields={"answered_at": ["晚于当前时间"]})
    return value


def _coordinate(raw: Any, low: float, high: float, name: str) -> float | None:
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValidationFailed("位置坐标不是数字。", fields={name: ["不是数字"]}) from None
    if not low <= value <= high:
        raise ValidationFailed("位置坐标超出范围。", fields={name: ["超出范围"]})
    return value


def answer_record(
    *,
    actor: Actor,
    inspection_id: int,
    item_id: Any,
    result: str,
    client_key: str,
    note: str = "",
    photo: Any = None,
    lat: Any = None,
    lng: Any = None,
    answered_at: Any = None,
    now: dt.datetime | None = None,
) -> tuple[Answer, bool]:
    """Keep one answer from the phone. Returns (answer, created); the same key again returns
    the answer it made (a resend never doubles)."""
    now = now or timezone.now()
    client_key = (client_key or "").strip()
    if not client_key or len(client_key) > 64:
        raise ValidationFailed("缺少客户端编号。", fields={"client_key": ["必填，最多 64 位"]})
    inspection = inspection_for(actor, inspection_id)
    if not _may_answer(actor, inspection) or actor.user_id is None:
        raise PermissionDenied("您不是这次测评的测评员。")
    existing = Answer.objects.filter(client_key=client_key).first()
    if existing is not None:  # a resend (also after the visit was submitted): what it made
        if existing.inspection_id != inspection.pk:
            raise Conflict("客户端编号已用于另一条测评记录。")
        return existing, False
    if inspection.status == Inspection.Status.SUBMITTED:
        raise Conflict("这次测评已提交，不能再修改答案。")
    if result not in Answer.Result.values:
        raise ValidationFailed("结果只能是合格、不合格或不适用。", fields={"result": ["无效"]})
    try:
        item_pk = int(item_id)
    except (TypeError, ValueError):
        raise ValidationFailed("测评条目不存在。", fields={"item": ["无效"]}) from None
    item = next((i for i in checklist(inspection) if i.pk == item_pk), None)
    if item is None:
        raise ValidationFailed(
            "这个条目不在本点位的测评清单中。", fields={"item": ["不适用于本点位"]}
        )
    if result == Answer.Result.FAIL and not photo:
        raise ValidationFailed("不合格的条目必须拍照。", fields={"photo": ["不合格须拍照"]})
    if photo:
        checked = check_upload(photo, name=getattr(photo, "name", ""), field="photo")
        if not checked.content_type.startswith("image/"):
            raise ValidationFailed("只能上传照片。", fields={"photo": ["不是图片"]})
    answer = Answer(
        inspection=inspection,
        item=item,
        result=result,
        note=(note or "").strip()[:500],
        lat=_coordinate(lat, -90, 90, "lat"),
        lng=_coordinate(lng, -180, 180, "lng"),
        answered_at=_when(answered_at, now),
        evaluator_id=actor.user_id,
        client_key=client_key,
        photo_type="问题照片" if photo else "",
    )
    try:
        with transaction.atomic():
            if photo:
                answer.photo.save("photo", photo, save=False)
            answer.save()
            Inspection.objects.filter(pk=inspection.pk, status=Inspection.Status.PLANNED).update(
                status=Inspection.Status.ONGOING, started_at=now
            )
    except IntegrityError:  # the same key, sent twice at once: the other one was first
        if answer.photo:
            answer.photo.delete(save=False)
        return Answer.objects.get(client_key=client_key), False
    return answer, True


# ---------------------------------------------------------------- submission


def _rebound(site_id: int, item_id: int, now: dt.datetime, plan: Plan | None = None) -> bool:
    """反弹: the same item at the same site was struck off (销号) within the set period — or, on
    a 回头看, within the period the plan revisits (even when that lies further back)."""
    since = now - dt.timedelta(days=int(get_setting(keys.REBOUND_DAYS)))
    closed = Problem.objects.filter(site_id=site_id, item_id=item_id, case__status="closed")
    if closed.filter(case__closed_at__gte=since).exists():
        return True
    if plan is None or plan.kind != PlanKind.REVISIT or plan.revisit_from is None:
        return False
    start, end = _day_bounds(plan.revisit_from, plan.revisit_to or plan.revisit_from)
    return closed.filter(case__closed_at__gte=start, case__closed_at__lt=end).exists()


def inspection_submit(
    *, actor: Actor, inspection_id: int, now: dt.datetime | None = None
) -> Inspection:
    """Score the visit and put each failed item on the 问题清单 as a rectification case."""
    now = now or timezone.now()
    inspection = inspection_for(actor, inspection_id)
    if not _may_answer(actor, inspection):
        raise PermissionDenied("您不是这次测评的测评员。")
    with transaction.atomic():
        locked = (
            Inspection.objects.select_for_update(of=("self",))
            .select_related("site__street", "site__community", "site__site_type", "plan")
            .get(pk=inspection.pk)
        )
        if locked.status == Inspection.Status.SUBMITTED:
            raise Conflict("这次测评已提交。")
        items = checklist(locked)
        answers = latest_answers(locked)
        missing = [i for i in items if i.pk not in answers]
        if missing:
            raise ValidationFailed(
                f"还有 {len(missing)} 个条目未作答（如 {missing[0].code}），不能提交。",
                fields={"items": [i.code for i in missing]},
            )
        applicable = passed = Decimal(0)
        failed: list[tuple[CheckItem, Answer]] = []
        for item in items:
            answer = answers[item.pk]
            if answer.result == Answer.Result.NA:
                continue
            applicable += item.points
            if answer.result == Answer.Result.PASS:
                passed += item.points
            else:
                failed.append((item, answer))
        site = locked.site
        for item, answer in failed:
            files = []
            if answer.photo:
                answer.photo.open("rb")
                files.append((answer.photo.file, "问题照片"))
            case_open(
                kind=RECTIFY,
                actor=actor,
                fields={
                    "title": f"{site.name}：{item.rule[:60]}",
                    "content": answer.note or f"{item.code} {item.rule}",
                    "address": site.address or site.name,
                    "lat": answer.lat if answer.lat is not None else site.lat,
                    "lng": answer.lng if answer.lng is not None else site.lng,
                    "source": "自查" if locked.kind == Inspection.Kind.SELF_CHECK else "测评",
                    "external_source": EXTERNAL_SOURCE,
                    "external_id": f"{locked.pk}:{item.pk}",
                },
                region=site.community or site.street,
                files=files,
                now=now,
                detail={
                    "inspection": locked,
                    "site": site,
                    "item": item,
                    "self_check": locked.kind == Inspection.Kind.SELF_CHECK,
                    "rebound": _rebound(site.pk, item.pk, now, locked.plan),
                },
            )
        locked.status = Inspection.Status.SUBMITTED
        locked.submitted_at = now
        locked.applicable_points = applicable
        locked.passed_points = passed
        locked.problems = len(failed)
        locked.save(
            update_fields=[
                "status",
                "submitted_at",
                "applicable_points",
                "passed_points",
                "problems",
            ]
        )
    return locked


def editions_in_use() -> QuerySet[Edition]:
    return Edition.objects.filter(pk__in=Inspection.objects.values("edition_id"))

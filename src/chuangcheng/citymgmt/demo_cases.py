"""Demo people and a year of 数字城管 cases in 中山西路街道, made by driving the loop's workflow
itself (case_open / case_transition with an explicit `now`), not by a copy of its rules.

Shaped like the seed figures (DOMAIN-LOOPS §1.7, 天门): about 1,354 cases a year, 1,318 of them
closed; about 97 % events; 非法小广告, 乱堆物堆料 and 暴露垃圾 most common; a few 返工, 回退,
延期 and 缓办. Idempotent: a database that has 城管 cases is left alone."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from PIL import Image

from chuangcheng.cases.models import Case
from chuangcheng.cases.services import case_transition
from chuangcheng.citymgmt.demo_data import DEMO_STREET
from chuangcheng.citymgmt.models import (
    CityCase,
    Component,
    Family,
    Responsibility,
    Source,
    Subclass,
    UnitGrid,
)
from chuangcheng.citymgmt.services import citymgmt_case_open, suggest_department
from chuangcheng.citymgmt.workflow import (
    DISPATCHER,
    HANDLER,
    INSPECTOR,
    KIND,
    LEADER,
    OPERATOR,
    SHIFT,
)
from chuangcheng.org.access import Actor, actor_for
from chuangcheng.org.models import Membership, Region, Unit

CENTRE_CODE = "C-CG"  # 数字城管指挥中心
STREET_OFFICE = f"S-{DEMO_STREET}"

# username, 姓名, role, unit code — the first inspector is printed in the demo banner
CM_USERS = [
    ("cm_jdy01", "赵建国", INSPECTOR, STREET_OFFICE),
    ("cm_jdy02", "钱丽华", INSPECTOR, STREET_OFFICE),
    ("cm_jdy03", "孙志刚", INSPECTOR, STREET_OFFICE),
    ("cm_jdy04", "李秀梅", INSPECTOR, STREET_OFFICE),
    ("cm_jdy05", "周海军", INSPECTOR, STREET_OFFICE),
    ("cm_jdy06", "吴桂英", INSPECTOR, STREET_OFFICE),
    ("cm_jdy07", "郑伟", INSPECTOR, STREET_OFFICE),
    ("cm_jdy08", "王小燕", INSPECTOR, STREET_OFFICE),
    ("cm_slz", "冯静", OPERATOR, CENTRE_CODE),
    ("cm_zbz", "陈立新", SHIFT, CENTRE_CODE),
    ("cm_pqy", "褚红梅", DISPATCHER, CENTRE_CODE),
    ("cm_ld", "卫东", LEADER, CENTRE_CODE),
    ("cm_cg", "蒋涛", HANDLER, "D-CG"),
    ("cm_hw", "沈丽", HANDLER, "D-HW"),
    ("cm_yl", "韩磊", HANDLER, "D-YL"),
    ("cm_zj", "杨帆", HANDLER, "D-ZJ"),
]

# (6-digit subclass code, weight): 非法小广告, 乱堆物堆料, 暴露垃圾 first; ~3 % components
MIX = [
    ("200201", 45.0),  # 非法小广告
    ("200507", 13.0),  # 乱堆物堆料
    ("200102", 11.0),  # 暴露垃圾
    ("200104", 7.0),  # 道路不洁
    ("200504", 6.0),  # 店外经营
    ("200506", 5.0),  # 非机动车乱停放
    ("200203", 4.0),  # 占道广告牌
    ("200106", 3.0),  # 绿地脏乱
    ("200501", 3.0),  # 无照经营游商
    ("100305", 1.2),  # 垃圾箱
    ("100103", 1.0),  # 雨水井盖
    ("100102", 0.8),  # 污水井盖
]
# 权责清单 of the demo: event subclass (class, subclass) → department
RESPONSIBLE = {
    ("01", "02"): "D-HW",
    ("01", "04"): "D-HW",
    ("01", "06"): "D-YL",
}
DEFAULT_DEPT = "D-CG"


def build_citymgmt_people(password: str) -> dict[str, Actor]:
    """The loop's demo posts with logins, and the 权责清单 of the demo (once)."""
    street = Region.objects.get(code=DEMO_STREET)
    city = street.ancestor_at(Region.Level.CITY) or street
    Unit.objects.get_or_create(
        code=CENTRE_CODE,
        defaults={
            "name": "市数字化城市管理指挥中心",
            "short_name": "城管指挥中心",
            "kind": Unit.Kind.CENTRE,
            "region": city,
        },
    )
    users = get_user_model().objects
    actors: dict[str, Actor] = {}
    hashed = make_password(password)  # once: hashing is slow on purpose
    for username, name, role, unit_code in CM_USERS:
        user = users.filter(username=username).first()
        if user is None:
            user = users.create(username=username, password=hashed, first_name=name)
        Membership.objects.get_or_create(
            user=user, role=role, unit=Unit.objects.get(code=unit_code)
        )
        actors[username] = actor_for(user)
    if not Responsibility.objects.exists():
        default = Unit.objects.get(code=DEFAULT_DEPT)
        rows = []
        for sub in Subclass.objects.filter(klass__family=Family.EVENT).select_related("klass"):
            code = RESPONSIBLE.get((sub.klass.code, sub.code))
            unit = Unit.objects.get(code=code) if code else default
            rows.append(Responsibility(subclass=sub, region=None, unit=unit))
        Responsibility.objects.bulk_create(rows)
    return actors


class _NotYet(Exception):
    """A step of the generated path would lie after `now`."""


def _photo() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (90, 120, 90)).save(buf, format="PNG")
    return SimpleUploadedFile("photo.png", buf.getvalue(), content_type="image/png")


def _working_time(t: dt.datetime, rng: random.Random) -> dt.datetime:
    """Move a time into the working day (inspectors patrol 08:00–18:00)."""
    local = t.astimezone(dt.timezone(dt.timedelta(hours=8)))
    if local.hour < 8 or local.hour >= 18:
        local = local.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59))
    return local.astimezone(dt.UTC)


def build_citymgmt_history(
    *,
    now: dt.datetime,
    password: str,
    cases: int = 1354,
    seed: int = 12,
    progress: Callable[[int], Any] | None = None,
) -> dict[str, int]:
    """A year of cases up to `now`, each walked through the workflow. Returns counts."""
    if Case.objects.filter(kind=KIND).exists():
        return {"cases": 0, "closed": 0}
    grids = list(UnitGrid.objects.filter(street__code=DEMO_STREET, active=True))
    if not grids:
        return {"cases": 0, "closed": 0}
    people = build_citymgmt_people(password)
    rng = random.Random(seed)
    inspectors = [people[u] for u, _n, r, _c in CM_USERS if r == INSPECTOR]
    shift, dispatcher, operator = people["cm_zbz"], people["cm_pqy"], people["cm_slz"]
    handlers = {unit: people[u] for u, _n, r, unit in CM_USERS if r == HANDLER}
    fallback = Unit.objects.get(code=DEFAULT_DEPT)
    components_by_sub: dict[int, list[Component]] = {}
    for c in Component.objects.filter(grid__street__code=DEMO_STREET).select_related("grid"):
        components_by_sub.setdefault(c.subclass_id, []).append(c)
    subs = {s.full_code: s for s in Subclass.objects.select_related("klass")}
    mix = [(subs[code], w) for code, w in MIX if code in subs]
    codes, weights = [s for s, _w in mix], [w for _s, w in mix]
    start = now - dt.timedelta(days=365)
    times = sorted(start + dt.timedelta(seconds=rng.uniform(0, 365 * 86400)) for _ in range(cases))
    closed = 0

    def go(case: Case, action: str, who: Actor, at: dt.datetime, **data: Any) -> Case:
        if at >= now:
            raise _NotYet  # the rest of this case's path lies in the future: it stays open
        files = data.pop("files", ())
        return case_transition(
            case_id=case.pk, action=action, actor=who, data=data, attachments=files, now=at
        )

    for raw in times:
        t = _working_time(raw, rng)
        if t >= now:
            t = now - dt.timedelta(minutes=30)
        sub = rng.choices(codes, weights)[0]
        comps = components_by_sub.get(sub.pk, [])
        comp = rng.choice(comps) if comps and sub.klass.family == Family.COMPONENT else None
        grid = comp.grid if comp is not None else rng.choice(grids)
        lat = comp.lat if comp is not None else grid.center_lat
        lng = comp.lng if comp is not None else grid.center_lng
        inspector = rng.choice(inspectors)
        public = rng.random() < 0.05
        data = {
            "subclass": sub.full_code,
            "lat": lat,
            "lng": lng,
            "component": comp.object_id if comp else "",
            "description": f"{sub.name}，请处理",
        }
        with transaction.atomic():
            case, _created = citymgmt_case_open(
                actor=operator if public else inspector,
                data=data,
                photos=[] if public else [(_photo(), "近景")],
                source=Source.PUBLIC if public else Source.INSPECTOR,
                external=("", ""),
                now=t,
            )
            age = now - t
            step = t
            try:
                if public:
                    step += dt.timedelta(minutes=rng.randint(3, 20))
                    case = go(case, "send_verify", operator, step)
                    step += dt.timedelta(minutes=rng.randint(10, 40))
                    exists = rng.random() < 0.85
                    case = go(
                        case, "verify", inspector, step, result="exists" if exists else "not_exists"
                    )
                    if not exists:
                        step += dt.timedelta(minutes=rng.randint(5, 30))
                        go(case, "reject", shift, step, reason="经核实问题不存在")
                        continue
                if age < dt.timedelta(hours=2):
                    continue  # still 待立案
                step += dt.timedelta(minutes=rng.randint(5, 50))
                if rng.random() < 0.02:
                    go(case, "reject", shift, step, reason="不符合立案条件")
                    continue
                case = go(case, "file_case", shift, step)
                step += dt.timedelta(minutes=rng.randint(5, 55))
                own = CityCase.objects.select_related("subclass", "component").get(case=case)
                dept = suggest_department(own.subclass, own.component, case.region) or fallback
                handler = handlers.get(dept.code) or handlers[DEFAULT_DEPT]
                if dept.code not in handlers:
                    dept = fallback
                if rng.random() < 0.015:  # 回退: the first department says it is not theirs
                    wrong = Unit.objects.get(code="D-ZJ" if dept.code != "D-ZJ" else "D-CG")
                    case = go(case, "dispatch", dispatcher, step, unit=wrong.pk)
                    step += dt.timedelta(hours=rng.randint(1, 4))
                    go(
                        case,
                        "request_return",
                        handlers[wrong.code],
                        step,
                        reason="不属于本单位职责",
                    )
                    step += dt.timedelta(minutes=rng.randint(10, 60))
                    case = go(case, "approve_return", dispatcher, step)
                    step += dt.timedelta(minutes=rng.randint(5, 30))
                case = go(case, "dispatch", dispatcher, step, unit=dept.pk)
                if age < dt.timedelta(days=8) and rng.random() < 0.35:
                    continue  # still being handled
                if rng.random() < 0.02:  # 缓办 for a few days
                    step += dt.timedelta(hours=rng.randint(1, 6))
                    go(case, "request_suspend", handler, step, reason="需协调产权单位")
                    step += dt.timedelta(minutes=rng.randint(10, 90))
                    go(case, "approve_suspend", dispatcher, step)
                    step += dt.timedelta(days=rng.randint(2, 6))
                    go(case, "restore", dispatcher, step)
                step += dt.timedelta(hours=rng.expovariate(1 / 6))
                case = go(case, "feedback", handler, step, files=[(_photo(), "处置后")])
                step += dt.timedelta(minutes=rng.randint(20, 150))
                checker = rng.choice(inspectors)
                if rng.random() < 0.06:  # 返工
                    case = go(case, "check_fail", checker, step, reason="问题未彻底处置")
                    step += dt.timedelta(hours=rng.expovariate(1 / 4))
                    case = go(case, "feedback", handler, step, files=[(_photo(), "处置后")])
                    step += dt.timedelta(minutes=rng.randint(20, 150))
                case = go(case, "check_pass", checker, step)
                step += dt.timedelta(minutes=rng.randint(5, 60))
                late = Case.objects.filter(
                    pk=case.pk, clocks__name="handle", clocks__stopped_at__gt=F("clocks__due_at")
                ).exists()
                go(case, "close", shift, step, close_type="overdue" if late else "normal")
                closed += 1
            except _NotYet:
                pass
            finally:
                if progress is not None:
                    progress(1)
    return {"cases": len(times), "closed": closed}


def build_citymgmt_transfers(
    *, now: dt.datetime, password: str, count: int = 36, seed: int = 19
) -> dict[str, int]:
    """转数字城管 in the demo: `count` 12345 orders in the mapped categories (转数字城管分类对照)
    over the last 60 days, each reviewed and transferred by the 12345 dispatcher with the real
    hand-over action, then walked through the 数字城管 loop with an explicit `now`: the older
    ones closed by 城管 and called back by 12345, a few 不予立案 (back to the 12345 dispatcher),
    the newest still open in 城管. Once: a database with a transfer is left alone."""
    from chuangcheng.cases.models import CaseLink
    from chuangcheng.cases.services import case_open
    from chuangcheng.citymgmt.models import TransferCategory
    from chuangcheng.citymgmt.transfer import RECEIVER

    if count <= 0 or CaseLink.objects.filter(receiver=RECEIVER).exists():
        return {"transferred": 0, "closed": 0}
    mapped = list(TransferCategory.objects.filter(active=True).select_related("category"))
    grids = list(
        UnitGrid.objects.filter(street__code=DEMO_STREET, active=True).select_related(
            "community", "street"
        )
    )
    users = get_user_model().objects
    hotline_people = {
        u.username: actor_for(u) for u in users.filter(username__in=("dispatcher", "callback"))
    }
    if not mapped or not grids or len(hotline_people) < 2:
        return {"transferred": 0, "closed": 0}
    people = build_citymgmt_people(password)
    dispatcher, callback = hotline_people["dispatcher"], hotline_people["callback"]
    shift, cm_dispatcher, operator = people["cm_zbz"], people["cm_pqy"], people["cm_slz"]
    inspectors = [people[u] for u, _n, r, _c in CM_USERS if r == INSPECTOR]
    handlers = {unit: people[u] for u, _n, r, unit in CM_USERS if r == HANDLER}
    rng = random.Random(seed)
    transferred = closed = 0

    def go(case: Case, action: str, who: Actor, at: dt.datetime, **data: Any) -> Case:
        if at >= now:
            raise _NotYet  # the rest of its path lies in the future: it stays open
        files = data.pop("files", ())
        return case_transition(
            case_id=case.pk, action=action, actor=who, data=data, attachments=files, now=at
        )

    for i in range(count):
        if i >= count - max(3, count // 4):  # the newest: still on their way in 城管
            t = now - dt.timedelta(hours=rng.uniform(1.5, 8))  # review + transfer: < 1 h
        else:
            t = _working_time(now - dt.timedelta(days=60 * (count - i) / count), rng)
            t = min(t, now - dt.timedelta(hours=8))
        row, grid = rng.choice(mapped), rng.choice(grids)

        with transaction.atomic():
            order, _ = case_open(
                kind="hotline",
                actor=dispatcher,
                fields={
                    "source": "hotline",
                    "channel": "phone",
                    "title": f"{grid.community.name}附近{row.category.name}问题",
                    "content": f"市民反映{grid.name}一带{row.category.name}问题，希望尽快处理。",
                    "category": row.category,
                    "address": f"{grid.street.name}{grid.community.name}{grid.name}",
                    "lat": grid.center_lat,
                    "lng": grid.center_lng,
                },
                contact={"name": "市民", "phone": f"139{rng.randint(10**7, 10**8 - 1)}"},
                region=grid.community,
                now=t,
                detail={"appeal_type": "complaint"},  # the 12345 order's own row
            )
            step = t + dt.timedelta(minutes=rng.randint(5, 30))
            order = go(order, "review", dispatcher, step, category=row.category.code)
            step += dt.timedelta(minutes=rng.randint(5, 30))
            order = go(
                order, "transfer_citymgmt", dispatcher, step, subclass=row.subclass.full_code
            )
            transferred += 1
            cm = CaseLink.objects.get(from_case=order, receiver=RECEIVER).to_case
            try:
                step += dt.timedelta(minutes=rng.randint(5, 40))
                go(cm, "send_verify", operator, step)
                step += dt.timedelta(minutes=rng.randint(10, 50))
                inspector = rng.choice(inspectors)
                if rng.random() < 0.12:  # not a 城管 matter on site: 不予立案, back to 12345
                    go(cm, "verify", inspector, step, result="not_exists")
                    step += dt.timedelta(minutes=rng.randint(5, 30))
                    go(cm, "reject", shift, step, reason="经核实现场无此问题，不予立案")
                    continue
                go(cm, "verify", inspector, step, result="exists")
                step += dt.timedelta(minutes=rng.randint(5, 40))
                go(cm, "file_case", shift, step)
                own = CityCase.objects.select_related("subclass", "component").get(case=cm)
                dept = suggest_department(own.subclass, own.component, cm.region)
                dept_code = dept.code if dept is not None and dept.code in handlers else "D-CG"
                step += dt.timedelta(minutes=rng.randint(5, 40))
                go(cm, "dispatch", cm_dispatcher, step, unit=Unit.objects.get(code=dept_code).pk)
                step += dt.timedelta(hours=rng.expovariate(1 / 8))
                go(
                    cm,
                    "feedback",
                    handlers[dept_code],
                    step,
                    note="已到现场处置完毕",
                    files=[(_photo(), "处置后")],
                )
                step += dt.timedelta(minutes=rng.randint(20, 120))
                go(cm, "check_pass", rng.choice(inspectors), step)
                step += dt.timedelta(minutes=rng.randint(5, 60))
                go(cm, "close", shift, step, close_type="normal")  # the order: on to 回访
                step += dt.timedelta(hours=rng.randint(2, 30))
                go(
                    Case.objects.get(pk=order.pk),
                    "callback",
                    callback,
                    step,
                    contacted="true",
                    resolution="resolved",
                    satisfaction=rng.choice(["satisfied", "satisfied", "basic"]),
                )
                closed += 1
            except _NotYet:
                pass
    return {"transferred": transferred, "closed": closed}

"""The 人房 ledgers: who may read which grids, the people and homes in them, a person's record
(each look logged), and the ledger's Excel import and export.

Scope: a 网格员 (专职 or 兼职) reads the grids they hold a post in; community staff and 综治专干
every grid of their community (their unit's region); the street's grid centre every grid of the
street. Nobody else reads a ledger, administrators included only through the admin."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import IO, TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from chuangcheng.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from chuangcheng.core.idcard import id_index, mask_id, parse_id
from chuangcheng.core.privacy import is_phone, mask_phone, normalise_phone
from chuangcheng.core.sheets import (
    ImportRejected,
    RowError,
    RowProblem,
    choice,
    new_sheet,
    open_workbook,
    rows,
    text,
    workbook_bytes,
)
from chuangcheng.grid.models import (
    Building,
    GridPost,
    Home,
    Person,
    PersonRead,
    RefusedRead,
    Residence,
    phone_index,
)
from chuangcheng.grid.roles import (
    EDIT_BY_REGION_ROLES,
    ID_REVEAL_ROLES,
    LEDGER_EDIT_ROLES,
    LEDGER_READ_ROLES,
    POSTED_ROLES,
    REGION_ROLES,
)
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Region

# ---------------------------------------------------------------- scope

if TYPE_CHECKING:
    from django.http import HttpRequest

privacy_log = logging.getLogger("chuangcheng.privacy")


def visible_grids(actor: Actor, *, editing: bool = False) -> QuerySet[Region]:
    """The grids whose ledgers this person reads (or, `editing`, may change)."""
    roles = LEDGER_EDIT_ROLES if editing else LEDGER_READ_ROLES
    grids = Region.objects.filter(level=Region.Level.GRID)
    if actor.user_id is None or not (actor.roles & roles):
        return grids.none()
    allowed = Q(pk__in=[])
    if actor.roles & POSTED_ROLES & roles:
        posts = GridPost.objects.filter(user_id=actor.user_id)
        if editing:  # a 兼职网格员 or 楼栋长 reads, the 专职网格员 keeps the ledger
            posts = posts.filter(kind=GridPost.Kind.FULL_TIME)
        allowed |= Q(pk__in=posts.values("grid_id"))
    for role in actor.roles & (EDIT_BY_REGION_ROLES if editing else REGION_ROLES):
        for path in actor.paths_by_role.get(role, ()):
            allowed |= Q(path__startswith=path)
    return grids.filter(allowed)


def visible_people(actor: Actor) -> QuerySet[Person]:
    """People with a home (now or before) in one of the person's grids."""
    grids = visible_grids(actor)
    return Person.objects.filter(
        pk__in=Residence.objects.filter(home__building__grid__in=grids).values("person_id")
    )


def person_for(actor: Actor, pk: int, *, what: str = "人员信息") -> Person:
    """One person's record, if this person may read it; the look is logged."""
    person = visible_people(actor).filter(pk=pk).first()
    if person is None:
        raise NotFound("人员不存在，或不在您负责的网格。")
    assert actor.user_id is not None
    PersonRead.objects.create(person=person, user_id=actor.user_id, at=timezone.now(), what=what)
    return person


def refused_read(
    actor: Actor, what: str, path: str, person_ref: int | None = None
) -> RefusedRead | None:
    """A refused look at a register or a person's record leaves a line (table and log), though
    the request changes nothing else. None for someone not signed in (they were sent to log in)."""
    if actor.user_id is None:
        return None
    privacy_log.warning("refused read: user %s asked for %s at %s", actor.user_id, what, path[:200])
    return RefusedRead.objects.create(
        user_id=actor.user_id,
        at=timezone.now(),
        what=what,
        path=path[:200],
        person_ref=person_ref if person_ref is not None and 0 < person_ref < 2**63 else None,
    )


def refusal_logger(what: str) -> Callable[[HttpRequest, Actor, DomainError | None], None]:
    """For `web.access.page(on_refused=…)`: log every refused look at this page."""

    def note(request: HttpRequest, actor: Actor, _error: DomainError | None) -> None:
        match = request.resolver_match
        pk = match.kwargs.get("pk") if match is not None else None
        refused_read(actor, what, request.get_full_path(), pk if isinstance(pk, int) else None)

    return note


SEARCH_LIMIT = 50


def people_matching(actor: Actor, query: str) -> tuple[str, QuerySet[Person]]:
    """按姓名、电话或身份证号查找 among the people of the person's grids (the ledger's scope):

    * a phone number (mobile or landline, spaces, dashes and +86 ignored): exactly, by its blind
      index; an 18-character ID number: exactly, by its blind index;
    * anything else: a name or the start of one (王伟 finds 王伟 and 王伟明; a prefix index).

    Returns how it searched ("phone", "id", "name") and the people, unordered."""
    people = visible_people(actor)
    if is_phone(query):
        return "phone", people.filter(phone_index=phone_index(query))
    if len(query) == 18 and query[:17].isdigit():
        return "id", people.filter(id_index=id_index(query))
    return "name", people.filter(name__startswith=query[:40])


def with_homes_here(actor: Actor, people: QuerySet[Person]) -> QuerySet[Person]:
    """Each person with `here`: their current homes in the person's grids."""
    today = timezone.localdate()
    here = Residence.objects.filter(
        Q(end__isnull=True) | Q(end__gt=today),
        start__lte=today,
        home__building__grid__in=visible_grids(actor),
    ).select_related("home__building__grid")
    return people.prefetch_related(Prefetch("residences", here, to_attr="here"))


def log_found(actor: Actor, how: str, found: Iterable[Person]) -> None:
    """A phone or ID number search reveals whose number it is: each person found is logged
    (PersonRead). A name search is not: the ledger shows names anyway, numbers masked."""
    if how == "name":
        return
    assert actor.user_id is not None
    what = "按电话号码查找" if how == "phone" else "按身份证号码查找"
    now = timezone.now()
    PersonRead.objects.bulk_create(
        [PersonRead(person=p, user_id=actor.user_id, at=now, what=what) for p in found]
    )


def search_people(
    actor: Actor, query: str, *, limit: int = SEARCH_LIMIT
) -> tuple[str, list[Person]]:
    """The ledger page's 查找人员: `people_matching`, at most `limit` by name, each with its
    homes here (`with_homes_here`), phone and ID hits logged (`log_found`)."""
    query = (query or "").strip()
    if not query:
        return "name", []
    how, people = people_matching(actor, query)
    found = list(with_homes_here(actor, people).order_by("name", "pk")[:limit])
    log_found(actor, how, found)
    return how, found


def reveal_id(actor: Actor, pk: int) -> str:
    """The full ID number, for the roles that need it (each look logged)."""
    if not actor.roles & ID_REVEAL_ROLES:
        raise PermissionDenied("您的角色只能查看脱敏的身份证号码。")
    return person_for(actor, pk, what="完整身份证号码").id_number


def homes_of(
    grids: Iterable[Region] | QuerySet[Region], on: dt.date | None = None
) -> QuerySet[Home]:
    """The homes of the grids with the people living there on `on` (today)."""
    on = on or timezone.localdate()
    living = Residence.objects.filter(Q(end__isnull=True) | Q(end__gt=on), start__lte=on)
    return (
        Home.objects.filter(building__grid__in=grids)
        .select_related("building__grid")
        .prefetch_related(
            Prefetch("residences", queryset=living.select_related("person"), to_attr="living")
        )
        .order_by("building__grid__code", "building__number", "unit_no", "floor", "door")
    )


# ---------------------------------------------------------------- Excel

SHEET = "人房信息"
COLUMNS = [
    "网格编码",
    "楼栋编号",
    "楼栋名称",
    "单元",
    "楼层",
    "门牌号",
    "房屋用途",
    "出租",
    "姓名",
    "性别",
    "公民身份号码",
    "人员类型",
    "联系电话",
    "居住类型",
    "房主",
    "与房主关系",
    "入住日期",
]
REQUIRED = ["网格编码", "楼栋编号", "门牌号", "姓名", "公民身份号码", "居住类型", "入住日期"]


def _date(row: dict[str, Any], column: str) -> dt.date:
    raw = row.get(column)
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    value = text(raw)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise RowProblem(column, f"“{value}”不是日期（如 2024-03-01）")


def _yes(row: dict[str, Any], column: str) -> bool:
    raw = text(row.get(column))
    if raw in ("", "否", "0", "N", "n"):
        return False
    if raw in ("是", "1", "Y", "y"):
        return True
    raise RowProblem(column, f"“{raw}”应为 是 或 否")


def ledger_import(*, actor: Actor, file: IO[bytes] | str) -> dict[str, int]:
    """Import a 人房信息 sheet (one row per person and home) into the grids this person keeps.
    All or nothing: every broken row is named and nothing is imported. A person already in the
    ledger (same ID number) is updated and linked; a residence already current is kept."""
    if not actor.roles & LEDGER_EDIT_ROLES:
        raise PermissionDenied("您的角色不能导入网格台账。")
    grids = {g.code: g for g in visible_grids(actor, editing=True)}
    wb = open_workbook(file)
    if SHEET not in wb.sheetnames:
        raise ImportRejected([RowError(SHEET, 1, "", "找不到这个工作表")])
    errors: list[RowError] = []
    parsed: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    today = timezone.localdate()
    for number, row in rows(wb[SHEET], SHEET, REQUIRED, errors):
        try:
            code = text(row.get("网格编码"))
            grid = grids.get(code)
            if grid is None:
                raise RowProblem("网格编码", f"“{code}”不存在或不是您负责的网格")
            building_no = text(row.get("楼栋编号")).zfill(5)
            if not building_no.isdigit() or len(building_no) > 5:
                raise RowProblem("楼栋编号", "应为 1–5 位数字")
            door = text(row.get("门牌号"))
            if not door:
                raise RowProblem("门牌号", "不能为空")
            name = text(row.get("姓名"))
            if not name:
                raise RowProblem("姓名", "不能为空")
            raw_id = text(row.get("公民身份号码"))
            try:
                pid = parse_id(raw_id, today=today)
            except ValidationFailed as exc:
                raise RowProblem("公民身份号码", exc.message.split("：", 1)[-1]) from None
            sex = text(row.get("性别"))
            if sex and sex != ("男" if pid.male else "女"):
                raise RowProblem("性别", f"“{sex}”与身份证号码不符")
            phone = normalise_phone(text(row.get("联系电话")))
            if phone and not is_phone(phone):
                raise RowProblem("联系电话", f"“{phone}”不是电话号码")
            floor_raw = text(row.get("楼层"))
            if floor_raw and not floor_raw.lstrip("-").isdigit():
                raise RowProblem("楼层", f"“{floor_raw}”不是整数")
            start = _date(row, "入住日期")
            if start > today:
                raise RowProblem("入住日期", "不能晚于今天")
            unit_no = text(row.get("单元"))
            key = (pid.number, f"{code}/{building_no}/{unit_no}/{door}")
            if key in seen:
                raise RowProblem("公民身份号码", f"与第 {seen[key]} 行重复（同一人同一房屋）")
            seen[key] = number
            parsed.append(
                {
                    "grid": grid,
                    "building_no": building_no,
                    "building_name": text(row.get("楼栋名称")) or f"{int(building_no)}号楼",
                    "unit_no": unit_no,
                    "floor": int(floor_raw) if floor_raw else None,
                    "door": door,
                    "use": choice(row, "房屋用途", Home.Use, default=Home.Use.HOME),
                    "rented": _yes(row, "出租"),
                    "name": name,
                    "id": pid,
                    "person_type": choice(
                        row, "人员类型", Person.Type, default=Person.Type.REGISTERED
                    ),
                    "phone": phone,
                    "kind": choice(row, "居住类型", Residence.Kind),
                    "is_owner": _yes(row, "房主"),
                    "relation": text(row.get("与房主关系"))[:20],
                    "start": start,
                }
            )
        except RowProblem as p:
            errors.append(RowError(SHEET, number, p.column, p.reason))
    if errors:
        raise ImportRejected(errors)
    out = {"people": 0, "homes": 0, "residences": 0}
    with transaction.atomic():
        for r in parsed:
            building, _ = Building.objects.get_or_create(
                grid=r["grid"], number=r["building_no"], defaults={"name": r["building_name"]}
            )
            home, made = Home.objects.get_or_create(
                building=building,
                unit_no=r["unit_no"],
                door=r["door"],
                defaults={"floor": r["floor"], "use": r["use"], "rented": r["rented"]},
            )
            out["homes"] += made
            pid = r["id"]
            person = Person.objects.select_for_update().filter(id_index=pid.index).first()
            fields = {
                "name": r["name"],
                "sex": Person.Sex.MALE if pid.male else Person.Sex.FEMALE,
                "birth": pid.birth,
                "person_type": r["person_type"],
            }
            if person is None:
                person = Person(
                    **fields,
                    id_number=pid.number,
                    id_index=pid.index,
                    id_masked=pid.masked,
                    community=r["grid"].parent,
                )
                out["people"] += 1
            else:
                for k, v in fields.items():
                    setattr(person, k, v)
            if r["phone"]:
                person.phone, person.phone_masked = r["phone"], mask_phone(r["phone"])
            person.confirmed_at = timezone.now()
            person.save()
            _, made = Residence.objects.get_or_create(
                person=person,
                home=home,
                end__isnull=True,
                defaults={
                    "kind": r["kind"],
                    "is_owner": r["is_owner"],
                    "relation": r["relation"],
                    "start": r["start"],
                },
            )
            out["residences"] += made
    return out


def ledger_export(actor: Actor) -> bytes:
    """The ledger of the person's grids in the import's layout, ID numbers and phones masked
    (an export leaves the system: it never carries them in full)."""
    grids = visible_grids(actor)
    wb, ws = new_sheet(SHEET, COLUMNS)
    for home in homes_of(grids):
        for res in home.living:  # type: ignore[attr-defined]
            p = res.person
            ws.append(
                [
                    home.building.grid.code,
                    home.building.number,
                    home.building.name,
                    home.unit_no,
                    home.floor,
                    home.door,
                    home.get_use_display(),
                    "是" if home.rented else "否",
                    p.name,
                    p.get_sex_display(),
                    p.id_masked or mask_id(""),
                    p.get_person_type_display(),
                    p.phone_masked,
                    res.get_kind_display(),
                    "是" if res.is_owner else "否",
                    res.relation,
                    res.start,
                ]
            )
    for row in ws.iter_rows(min_row=2, min_col=17, max_col=17):
        row[0].number_format = "yyyy-mm-dd"
    return workbook_bytes(wb)

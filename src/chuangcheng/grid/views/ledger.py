"""网格台账 pages: the homes of one's grids with who lives there, a person's record (each look
logged; the full ID number on request, for the roles that need it), the Excel import and export."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from chuangcheng.core.errors import NotFound, ValidationFailed
from chuangcheng.core.sheets import ImportRejected
from chuangcheng.grid import ledgers, registers
from chuangcheng.grid.models import NeedRoute, PersonRead, VisitMethod
from chuangcheng.grid.patrols import patrol_grids
from chuangcheng.grid.roles import (
    EDIT_BY_REGION_ROLES,
    ID_REVEAL_ROLES,
    LEDGER_EDIT_ROLES,
    LEDGER_READ_ROLES,
    VISIT_ROLES,
)
from chuangcheng.org.access import Actor
from chuangcheng.web.access import page

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 10 * 1024 * 1024


@page(*LEDGER_READ_ROLES, mobile=True)
def ledger_page(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    grids = list(ledgers.visible_grids(actor).order_by("code"))
    raw = request.GET.get("grid", "")
    chosen = (
        next((g for g in grids if g.code == raw), None) if raw else (grids[0] if grids else None)
    )
    if raw and chosen is None:
        raise NotFound("网格不存在，或不是您负责的网格。")
    query = request.GET.get("q", "").strip()[:40]
    how, found = ledgers.search_people(actor, query) if query else ("", [])
    homes = list(ledgers.homes_of([chosen])) if chosen is not None and not query else []
    people = sum(len(getattr(h, "living", ())) for h in homes)
    return render(
        request,
        "grid/ledger.html",
        {
            "grids": grids,
            "grid": chosen,
            "homes": homes,
            "people": people,
            "query": query,
            "how": {"phone": "电话号码", "id": "身份证号码", "name": "姓名"}.get(how, ""),
            "found": found,
            "limit": ledgers.SEARCH_LIMIT,
            "may_edit": bool(actor.roles & LEDGER_EDIT_ROLES),
        },
    )


@page(*LEDGER_READ_ROLES, mobile=True, on_refused=ledgers.refusal_logger("人员信息"))
def person_page(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    person = ledgers.person_for(actor, pk)
    residences = person.residences.select_related("home__building__grid").order_by("-start")
    return render(
        request,
        "grid/person.html",
        {
            "person": person,
            "residences": [r for r in residences if r.home.building.grid_id in _grid_ids(actor)],
            "may_reveal": bool(actor.roles & ID_REVEAL_ROLES),
            "care": list(person.care.filter(until__isnull=True)),
            "control": registers.control_of(actor, person),
            "visits": registers.last_visits(person, actor=actor),
            "need_routes": NeedRoute.choices,
            "may_route_need": patrol_grids(actor).exists(),
            "order_menus": registers.order_menus_for(actor, person),  # 转志愿服务 (ADR 0032)
            "may_visit": bool(actor.roles & VISIT_ROLES)
            and registers.person_for_visit(actor, person.pk) is not None,
            "methods": VisitMethod.choices,
            "new_key": uuid.uuid4().hex,
            "reads": list(PersonRead.objects.filter(person=person).select_related("user")[:20])
            if actor.roles & EDIT_BY_REGION_ROLES
            else [],
        },
    )


def _grid_ids(actor: Actor) -> set[int]:
    return set(ledgers.visible_grids(actor).values_list("pk", flat=True))


@require_POST
@page(*LEDGER_READ_ROLES, mobile=True, on_refused=ledgers.refusal_logger("完整身份证号码"))
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    number = ledgers.reveal_id(request.actor, pk)  # type: ignore[attr-defined]
    return HttpResponse(number, content_type="text/plain; charset=utf-8")


@page(*LEDGER_READ_ROLES)
def ledger_xlsx(request: HttpRequest) -> HttpResponse:
    data = ledgers.ledger_export(request.actor)  # type: ignore[attr-defined]
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "网格人房信息.xlsx")
    return response


@require_POST
@page(*LEDGER_EDIT_ROLES)
def ledger_import_view(request: HttpRequest) -> HttpResponse:
    file = request.FILES.get("file")
    if file is None:
        raise ValidationFailed("请选择要导入的 Excel 文件（.xlsx）。")
    if file.size and file.size > MAX_UPLOAD:
        raise ValidationFailed("文件超过 10 MB。")
    try:
        counts = ledgers.ledger_import(actor=request.actor, file=file)  # type: ignore[attr-defined]
    except ImportRejected as exc:  # every broken row listed, not only the first
        return render(
            request,
            "grid/import_errors.html",
            {"rows": exc.fields.get("rows", []), "message": exc.message},
            status=400,
        )
    messages.success(
        request,
        f"已导入：新增人员 {counts['people']} 人、房屋 {counts['homes']} 套、"
        f"人房关联 {counts['residences']} 条。",
    )
    return redirect("grid:ledger")

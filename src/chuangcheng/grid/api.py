"""REST endpoints of the 网格化 loop (under /api/v1/grid/): the phone's event report (a resend
returns the same case), the visit plan of one's grids and a visit. Scoped like the pages;
events are cases of kind `gridevent` in /api/v1/cases, acted on through the engine's action
endpoint (现场处置, 协商议事, 上报…)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chuangcheng.api.params import (
    MAX_PAGE,
    files,
    int_param,
    plain,
    request_actor,
    require_roles,
)
from chuangcheng.api.schema import ErrorOut
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.grid import events, indicators, ledgers, mustreport, registers
from chuangcheng.grid.events import visible_event_number
from chuangcheng.grid.ledgers import visible_grids, visible_people
from chuangcheng.grid.models import (
    Building,
    EventClass,
    GridEvent,
    GridPost,
    Home,
    MustReport,
    NeedRoute,
    Patrol,
    Person,
    Residence,
    Visit,
    VisitMethod,
)
from chuangcheng.grid.patrols import patrols_visible_to
from chuangcheng.grid.reports import RANKING_ROLES
from chuangcheng.grid.roles import (
    COMMUNITY,
    DEPARTMENT,
    HELPER,
    LEDGER_READ_ROLES,
    STREET,
    VISIT_ROLES,
    WORKER,
    ZONGZHI,
)
from chuangcheng.grid.workflow import GRID_EVENT, OPEN
from chuangcheng.org.people import person_name

REFUSED = "您的角色无权使用网格化管理。"


class EventIn(serializers.Serializer):
    grid = serializers.IntegerField(help_text="网格 id（本人负责的网格）")
    category = serializers.ChoiceField(choices=EventClass.choices)
    scale = serializers.ChoiceField(choices=GridEvent.Scale.choices, required=False)
    title = serializers.CharField(max_length=200)
    content = serializers.CharField()
    address = serializers.CharField(required=False, allow_blank=True)
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    client_key = serializers.CharField(max_length=64, help_text="手机生成的唯一编号；重发不重复")
    before = serializers.ListField(
        child=serializers.ImageField(), required=False, help_text="现场照片"
    )


class EventOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    created = serializers.BooleanField(help_text="false：同一 client_key 已收到过")


class DueOut(serializers.Serializer):
    person = serializers.IntegerField()
    name = serializers.CharField()
    grid = serializers.CharField(help_text="网格编码")
    tier = serializers.CharField(help_text="探访等级：high 高风险、key 重点、general 一般")
    categories = serializers.ListField(child=serializers.CharField())
    last = serializers.DateTimeField(allow_null=True)
    due = serializers.DateTimeField()
    overdue = serializers.BooleanField()
    reason = serializers.CharField()


class VisitIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=VisitMethod.choices)
    found = serializers.CharField(max_length=500)
    needs = serializers.CharField(max_length=300, required=False, allow_blank=True)
    need_to = serializers.ChoiceField(
        choices=NeedRoute.choices,
        required=False,
        help_text="event：需求登记为网格事件；order：转本社区新时代文明实践站（志愿服务订单）",
    )
    need_item = serializers.IntegerField(
        required=False, help_text="转志愿服务时：本社区文明实践站的服务菜单项 id"
    )
    need_class = serializers.CharField(
        max_length=4,
        required=False,
        help_text="需求登记为网格事件时的事件类别代码（同登记网格事件的 category），默认 SJ06",
    )
    at = serializers.DateTimeField(required=False, help_text="手机上的探访时间")
    client_key = serializers.CharField(max_length=64)


class VisitOut(serializers.Serializer):
    id = serializers.IntegerField()
    created = serializers.BooleanField()
    event = serializers.CharField(allow_null=True, help_text="需求登记的网格事件编号")
    order = serializers.DictField(
        child=serializers.CharField(),
        allow_null=True,
        required=False,
        help_text="需求转志愿服务时的订单：number 编号、state 状态",
    )


class EventReportView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="网格员登记网格事件（同一 client_key 重发返回同一事件）",
        operation_id="v1_grid_event_report",
        request={"application/json": EventIn, "multipart/form-data": EventIn},
        responses={201: EventOut, 200: EventOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    )
    def post(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, {WORKER, HELPER}, REFUSED)
        data = plain(request.data)
        case, created = events.event_report(
            actor=actor,
            grid_id=data.get("grid"),
            category=str(data.get("category", "")),
            scale=str(data.get("scale") or GridEvent.Scale.PERSON),
            title=str(data.get("title", "")),
            content=str(data.get("content", "")),
            address=str(data.get("address", "")),
            lat=data.get("lat"),
            lng=data.get("lng"),
            client_key=str(data.get("client_key", "")),
            files=files(request),
        )
        body = {"id": case.pk, "number": case.number, "status": case.status, "created": created}
        return Response(body, status=201 if created else 200)


class VisitPlanView(APIView):
    @extend_schema(
        summary="探访计划：本人负责网格内关爱对象的下次应访时间（逾期在前）",
        operation_id="v1_grid_visit_plan",
        responses={200: DueOut(many=True), 401: ErrorOut, 403: ErrorOut},
    )
    def get(self, request: Request) -> Response:
        from django.utils import timezone

        actor = request_actor(request)
        require_roles(actor, LEDGER_READ_ROLES, REFUSED)
        now = timezone.now()
        out: list[dict[str, Any]] = [
            {
                "person": d.person.pk,
                "name": d.person.name,
                "grid": d.grid.code,
                "tier": d.tier,
                "categories": d.categories,
                "last": d.last,
                "due": d.due,
                "overdue": d.due <= now,
                "reason": d.reason,
            }
            for d in registers.visit_plan(actor)
        ]
        return Response(DueOut(out, many=True).data)


class VisitView(APIView):
    @extend_schema(
        summary="登记一次探访（同一 client_key 重发不重复）",
        operation_id="v1_grid_visit",
        request=VisitIn,
        responses={201: VisitOut, 200: VisitOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_actor(request)
        require_roles(actor, VISIT_ROLES, REFUSED)
        data = plain(request.data)
        visit, created = registers.visit_record(
            actor=actor,
            person_id=pk,
            method=str(data.get("method", "")),
            found=str(data.get("found", "")),
            needs=str(data.get("needs", "")),
            need_to=str(data.get("need_to", "")),
            need_class=str(data.get("need_class", "")),
            need_item=data.get("need_item"),
            at=data.get("at"),
            client_key=str(data.get("client_key", "")),
        )
        order = registers.visit_order_of(visit)
        # the event is shown by its number only to who may see it (the visitor filed it)
        event = None if order else visible_event_number(actor, visit.need_case_id)
        return Response(
            {"id": visit.pk, "created": created, "event": event, "order": order},
            status=201 if created else 200,
        )


# ---------------------------------------------------------------- reads (issue 12, item 7)
# Lists in the platform's style: page / page_size (at most MAX_PAGE_SIZE) → {count, page,
# page_size, results}; every list starts from what the person may read (visible_grids,
# patrols_visible_to, events_visible_to, visible_people); a bad parameter is a 400 in Chinese.

MAX_PAGE_SIZE = 200
EVENT_ROLES = frozenset({WORKER, HELPER, COMMUNITY, ZONGZHI, STREET, DEPARTMENT})
PAGE_PARAMS = [
    OpenApiParameter("page", int, description=f"页码，1 至 {MAX_PAGE}"),
    OpenApiParameter("page_size", int, description=f"每页条数，默认 50，最多 {MAX_PAGE_SIZE}"),
]


def _page(request: Request) -> tuple[int, int]:
    page = int_param(request.query_params, "page", 1, "页码") or 1
    if page > MAX_PAGE:
        raise ValidationFailed(
            f"输入有误：页码不能超过 {MAX_PAGE}。", fields={"page": ["超出范围"]}
        )
    size = int_param(request.query_params, "page_size", 50, "每页条数") or 50
    return page, min(size, MAX_PAGE_SIZE)


def _paged(request: Request, qs: QuerySet[Any], row: Any) -> Response:
    page, size = _page(request)
    count = qs.count()
    items = list(qs[(page - 1) * size : page * size])
    return Response(
        {"count": count, "page": page, "page_size": size, "results": [row(x) for x in items]}
    )


def _day_param(request: Request, name: str = "date") -> dt.date | None:
    raw = (request.query_params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            "输入有误：日期格式应为 YYYY-MM-DD，例如 2026-11-30。", fields={name: ["格式不对"]}
        ) from None


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _page_of(item: type[serializers.Serializer], name: str) -> Any:
    return inline_serializer(
        name=name,
        fields={
            "count": serializers.IntegerField(),
            "page": serializers.IntegerField(),
            "page_size": serializers.IntegerField(),
            "results": item(many=True),
        },
    )


class GridOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(help_text="网格编码")
    name = serializers.CharField()
    community = serializers.CharField()
    lat = serializers.FloatField(allow_null=True)
    lng = serializers.FloatField(allow_null=True)
    workers = serializers.ListField(child=serializers.CharField(), help_text="专职网格员")
    buildings = serializers.IntegerField()
    homes = serializers.IntegerField()
    people = serializers.IntegerField(help_text="现居住人数")
    open_events = serializers.IntegerField(help_text="未办结事件（本人可见的）")
    patrols_today = serializers.IntegerField()


class PatrolOut(serializers.Serializer):
    id = serializers.IntegerField()
    grid = serializers.IntegerField()
    grid_code = serializers.CharField()
    worker = serializers.CharField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    points = serializers.IntegerField()
    outside = serializers.IntegerField()
    flagged = serializers.BooleanField(help_text="越出网格")
    note = serializers.CharField()


class EventRowOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    grid = serializers.IntegerField()
    grid_code = serializers.CharField()
    event_class = serializers.CharField(help_text="事件类别代码（同登记事件的 category）")
    scale = serializers.ChoiceField(choices=GridEvent.Scale.choices)
    road = serializers.CharField(help_text="on_spot 现场处置、consult 协商议事、escalate 上报")
    satisfaction = serializers.CharField(help_text="satisfied、basic、unsatisfied 或空")
    lat = serializers.FloatField(allow_null=True)
    lng = serializers.FloatField(allow_null=True)
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    next_due = serializers.DateTimeField(allow_null=True)


class PersonOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    sex = serializers.CharField()
    id_masked = serializers.CharField(help_text="脱敏身份证号")
    phone_masked = serializers.CharField(help_text="脱敏电话")
    person_type = serializers.CharField()
    homes = serializers.ListField(
        child=serializers.CharField(), help_text="现住址（本人可查看的网格内）"
    )


class VisitRowOut(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.IntegerField()
    name = serializers.CharField()
    visitor = serializers.CharField()
    at = serializers.DateTimeField()
    method = serializers.ChoiceField(choices=VisitMethod.choices)
    found = serializers.CharField()
    needs = serializers.CharField()


EVENT_PAGE = _page_of(EventRowOut, "GridEventPage")


def event_list(request: Request) -> Response:
    actor = request_actor(request)
    require_roles(actor, EVENT_ROLES, REFUSED)
    status = (request.query_params.get("status") or "open").strip()
    qs = events.events_visible_to(actor)
    if status == "open":
        qs = qs.filter(status__in=OPEN)
    elif status in GRID_EVENT.states:
        qs = qs.filter(status=status)
    elif status != "all":
        raise ValidationFailed(
            f"输入有误：未知的状态「{status}」。", fields={"status": ["未知的状态"]}
        )
    grid = int_param(request.query_params, "grid", None, "网格")
    if grid is not None:
        qs = qs.filter(gridevent__grid_id=grid)

    def row(c: Any) -> dict[str, Any]:
        e = c.gridevent
        return {
            "id": c.pk,
            "number": c.number,
            "title": c.title,
            "status": c.status,
            "status_label": GRID_EVENT.state_label(c.status),
            "grid": e.grid_id,
            "grid_code": e.grid.code,
            "event_class": e.event_class,
            "scale": e.scale,
            "road": e.road,
            "satisfaction": e.satisfaction,
            "lat": c.lat,
            "lng": c.lng,
            "created_at": _iso(c.created_at),
            "closed_at": _iso(c.closed_at),
            "next_due": _iso(c.next_due),
        }

    return _paged(request, qs.order_by("-created_at", "-pk"), row)


def _count_of(qs: QuerySet[Any], column: str) -> Any:
    """Per grid, a count of `qs` rows whose `column` is the grid (a correlated subquery)."""
    sub = (
        qs.filter(**{column: OuterRef("pk")})
        .values(column)
        .annotate(n=Count("pk"))
        .values("n")
        .order_by()
    )
    return Coalesce(Subquery(sub), 0)


class GridListView(APIView):
    @extend_schema(
        summary="本人可查看的网格：专职网格员，楼栋、房屋、现住人口、未办结事件、今日巡查数",
        operation_id="v1_grid_grids",
        parameters=PAGE_PARAMS,
        responses={
            200: _page_of(GridOut, "GridPage"),
            400: ErrorOut,
            401: ErrorOut,
            403: ErrorOut,
        },
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, LEDGER_READ_ROLES, REFUSED)
        today = timezone.localdate()
        day = _day_start(today)
        living = Residence.objects.filter(Q(end__isnull=True) | Q(end__gt=today), start__lte=today)
        open_events = events.events_visible_to(actor).filter(status__in=OPEN).values("pk")
        grids = (
            visible_grids(actor)
            .select_related("parent")
            .annotate(
                n_buildings=_count_of(Building.objects.all(), "grid_id"),
                n_homes=_count_of(Home.objects.all(), "building__grid_id"),
                n_people=_count_of(living, "home__building__grid_id"),
                n_open=_count_of(GridEvent.objects.filter(case__in=open_events), "grid_id"),
                n_patrols=_count_of(
                    Patrol.objects.filter(
                        started_at__gte=day, started_at__lt=day + dt.timedelta(days=1)
                    ),
                    "grid_id",
                ),
            )
            .order_by("code")
        )
        page, size = _page(request)
        count = grids.count()
        rows = list(grids[(page - 1) * size : page * size])
        workers: dict[int, list[str]] = {}
        for post in GridPost.objects.filter(
            grid__in=[g.pk for g in rows], kind=GridPost.Kind.FULL_TIME
        ).select_related("user"):
            workers.setdefault(post.grid_id, []).append(person_name(post.user))
        results = [
            {
                "id": g.pk,
                "code": g.code,
                "name": g.name,
                "community": g.parent.name if g.parent else "",
                "lat": g.lat,
                "lng": g.lng,
                "workers": workers.get(g.pk, []),
                "buildings": g.n_buildings,
                "homes": g.n_homes,
                "people": g.n_people,
                "open_events": g.n_open,
                "patrols_today": g.n_patrols,
            }
            for g in rows
        ]
        return Response({"count": count, "page": page, "page_size": size, "results": results})


class PatrolListView(APIView):
    @extend_schema(
        summary="巡查记录（本人的，以及本人可查看网格的），可按日期、网格筛选",
        operation_id="v1_grid_patrols",
        parameters=[
            OpenApiParameter("date", str, description="开始日期 YYYY-MM-DD（北京时间）"),
            OpenApiParameter("grid", int, description="网格 id"),
            *PAGE_PARAMS,
        ],
        responses={
            200: _page_of(PatrolOut, "PatrolPage"),
            400: ErrorOut,
            401: ErrorOut,
            403: ErrorOut,
        },
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, LEDGER_READ_ROLES, REFUSED)
        qs = patrols_visible_to(actor).order_by("-started_at", "-pk")
        day = _day_param(request)
        if day is not None:
            start = _day_start(day)
            qs = qs.filter(started_at__gte=start, started_at__lt=start + dt.timedelta(days=1))
        grid = int_param(request.query_params, "grid", None, "网格")
        if grid is not None:
            qs = qs.filter(grid_id=grid)

        def row(p: Patrol) -> dict[str, Any]:
            return {
                "id": p.pk,
                "grid": p.grid_id,
                "grid_code": p.grid.code,
                "worker": person_name(p.user),
                "started_at": _iso(p.started_at),
                "ended_at": _iso(p.ended_at),
                "points": p.points,
                "outside": p.outside,
                "flagged": p.flagged,
                "note": p.note,
            }

        return _paged(request, qs, row)


class PeopleSearchView(APIView):
    @extend_schema(
        summary="台账检索：按姓名（或姓名的开头）、完整电话号码或身份证号码，在本人可查看的网格内；"
        "结果脱敏；按电话、身份证号查到的人员各记一次查阅留痕",
        operation_id="v1_grid_people",
        parameters=[
            OpenApiParameter(
                "q", str, required=True, description="姓名（开头）、电话号码或身份证号码"
            ),
            *PAGE_PARAMS,
        ],
        responses={
            200: _page_of(PersonOut, "PersonPage"),
            400: ErrorOut,
            401: ErrorOut,
            403: ErrorOut,
        },
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, LEDGER_READ_ROLES, REFUSED)
        q = (request.query_params.get("q") or "").strip()
        if not q:
            raise ValidationFailed(
                "输入有误：请输入姓名（或姓名的开头）、电话号码或身份证号码。",
                fields={"q": ["必填"]},
            )
        how, people = ledgers.people_matching(actor, q)
        page, size = _page(request)
        count = people.count()
        found = list(
            ledgers.with_homes_here(actor, people).order_by("name", "pk")[
                (page - 1) * size : page * size
            ]
        )
        ledgers.log_found(actor, how, found)
        homes = {p.pk: [str(r.home) for r in p.here] for p in found}  # type: ignore[attr-defined]

        def row(p: Person) -> dict[str, Any]:
            return {
                "id": p.pk,
                "name": p.name,
                "sex": p.get_sex_display(),
                "id_masked": p.id_masked,
                "phone_masked": p.phone_masked,
                "person_type": p.get_person_type_display(),
                "homes": homes.get(p.pk, []),
            }

        return Response(
            {"count": count, "page": page, "page_size": size, "results": [row(p) for p in found]}
        )


class VisitListView(APIView):
    @extend_schema(
        summary="探访记录（本人可查看网格内的人员），可按人员、日期筛选",
        operation_id="v1_grid_visits",
        parameters=[
            OpenApiParameter("person", int, description="人员 id"),
            OpenApiParameter("date", str, description="探访日期 YYYY-MM-DD（北京时间）"),
            *PAGE_PARAMS,
        ],
        responses={
            200: _page_of(VisitRowOut, "VisitPage"),
            400: ErrorOut,
            401: ErrorOut,
            403: ErrorOut,
        },
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, LEDGER_READ_ROLES, REFUSED)
        qs = (
            Visit.objects.filter(person__in=visible_people(actor))
            .select_related("person", "visitor")
            .order_by("-at", "-pk")
        )
        person = int_param(request.query_params, "person", None, "人员")
        if person is not None:
            qs = qs.filter(person_id=person)
        day = _day_param(request)
        if day is not None:
            start = _day_start(day)
            qs = qs.filter(at__gte=start, at__lt=start + dt.timedelta(days=1))

        def row(v: Visit) -> dict[str, Any]:
            return {
                "id": v.pk,
                "person": v.person_id,
                "name": v.person.name,
                "visitor": person_name(v.visitor),
                "at": _iso(v.at),
                "method": v.method,
                "found": v.found,
                "needs": v.needs,
            }

        return _paged(request, qs, row)


class IndicatorsView(APIView):
    @extend_schema(
        summary="网格月度指标：每个网格、每名专职网格员（口径见 docs/grid.md）",
        operation_id="v1_grid_indicators",
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM，默认上一个完整月"),
            OpenApiParameter(
                "by",
                str,
                description="排名依据：patrol（默认）、reported、self、on_time、satisfaction、care",
            ),
        ],
        responses={
            200: inline_serializer(
                name="GridIndicators",
                fields={
                    "month": serializers.CharField(),
                    "days": serializers.IntegerField(help_text="计入应巡查的天数"),
                    "columns": serializers.ListField(child=serializers.DictField()),
                    "grids": serializers.ListField(child=serializers.DictField()),
                    "workers": serializers.ListField(child=serializers.DictField()),
                },
            ),
            400: ErrorOut,
            401: ErrorOut,
            403: ErrorOut,
        },
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, RANKING_ROLES, REFUSED)
        month = indicators.parse_month(request.query_params.get("month"))
        table = indicators.month_indicators(actor, month)
        table.sort(request.query_params.get("by") or "patrol")
        return Response(
            {
                "month": month.label,
                "days": month.days,
                "columns": [
                    {"key": c.key, "label": c.label, "num": c.num, "den": c.den}
                    for c in table.columns
                ],
                "grids": table.grids,
                "workers": table.workers,
            }
        )


class EventsView(EventReportView):
    """/api/v1/grid/events: POST reports an event (above), GET lists the events one sees."""

    @extend_schema(
        summary="网格事件列表（本人可见的；办理动作走 /api/v1/cases/{id}/actions）",
        operation_id="v1_grid_events_list",
        parameters=[
            OpenApiParameter(
                "status",
                str,
                description="open 未办结（默认）、all 全部，或一个状态："
                + "、".join(f"{k}（{v}）" for k, v in GRID_EVENT.states.items()),
            ),
            OpenApiParameter("grid", int, description="网格 id"),
            *PAGE_PARAMS,
        ],
        responses={200: EVENT_PAGE, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    )
    def get(self, request: Request) -> Response:
        return event_list(request)


class MustReportIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MustReport.Kind.choices)
    grid = serializers.IntegerField(help_text="网格 id（本人任专职网格员的网格）")
    learned_at = serializers.DateTimeField(required=False, help_text="知悉时间，默认现在")
    client_key = serializers.CharField(max_length=64, help_text="手机生成的唯一编号；重发不重复")
    draft = serializers.IntegerField(required=False, help_text="补充上报一条“知悉”记录")
    needs_action = serializers.BooleanField(
        required=False, help_text="需要处置：同时登记网格事件（隐患默认是，设施默认否）"
    )
    type = serializers.CharField(required=False, help_text="隐患类型 safety/fire/order/unstable")
    place = serializers.CharField(required=False)
    description = serializers.CharField(required=False)
    home = serializers.IntegerField(required=False, help_text="房屋 id（本网格）")
    name = serializers.CharField(required=False)
    id_number = serializers.CharField(required=False, help_text="公民身份号码（校验位检查）")
    phone = serializers.CharField(required=False)
    residence_kind = serializers.CharField(required=False)
    inflow = serializers.CharField(required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    landlord = serializers.CharField(required=False)
    landlord_phone = serializers.CharField(required=False)
    tenant = serializers.CharField(required=False)
    expected = serializers.DateField(required=False, help_text="预产期")
    filed = serializers.CharField(required=False, help_text="建档情况 no/yes/elsewhere")


class MustReportOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField(help_text="draft 已知悉待上报、filed 已上报")
    grid = serializers.CharField(help_text="网格编码")
    summary = serializers.CharField()
    learned_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    reported_at = serializers.DateTimeField(allow_null=True)
    on_time = serializers.BooleanField(allow_null=True)
    event = serializers.CharField(allow_null=True, help_text="转成的网格事件编号")
    created = serializers.BooleanField(required=False)


def _report_out(item: MustReport) -> dict[str, Any]:
    return {
        "id": item.pk,
        "kind": item.kind,
        "status": item.status,
        "grid": item.grid.code,
        "summary": item.summary,
        "learned_at": item.learned_at,
        "due_at": item.due_at,
        "reported_at": item.reported_at,
        "on_time": item.on_time,
        "event": item.case.number if item.case is not None else None,
    }


class MustReportView(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        summary="上报必报事项（同一 client_key 重发返回同一记录：201 新建，200 已收到过）",
        operation_id="v1_grid_report_file",
        request=MustReportIn,
        responses={201: MustReportOut, 200: MustReportOut, 400: ErrorOut, 403: ErrorOut},
    )
    def post(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, {WORKER}, "只有专职网格员可以上报必报事项。")
        data = plain(request.data)
        needs = data.get("needs_action")
        item, created = mustreport.report_file(
            actor=actor,
            data=data,
            draft_id=data.get("draft"),
            needs_action=None if needs in (None, "") else needs in (True, "true", "1", 1),
        )
        item = MustReport.objects.select_related("grid", "case").get(pk=item.pk)
        body = MustReportOut({**_report_out(item), "created": created}).data
        return Response(body, status=201 if created else 200)

    @extend_schema(
        summary="必报事项列表（本人可见的网格；kind、grid、month=YYYY-MM 筛选）",
        operation_id="v1_grid_report_list",
        responses={200: MustReportOut(many=True), 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        require_roles(actor, LEDGER_READ_ROLES, REFUSED)
        qs = mustreport.reports_visible_to(actor).select_related("case")
        kind = request.query_params.get("kind", "")
        if kind:
            qs = qs.filter(kind=mustreport.parse_kind(kind))
        grid = int_param(request.query_params, "grid", None, "网格")
        if grid is not None:
            qs = qs.filter(grid_id=grid)
        month = request.query_params.get("month", "")
        if month:
            qs = mustreport.learned_in_month(qs, month)
        rows = [_report_out(i) for i in qs.order_by("-learned_at")[:500]]
        return Response(MustReportOut(rows, many=True).data)

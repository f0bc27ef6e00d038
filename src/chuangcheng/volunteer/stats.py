"""统计分析 (ADR 0030): the 新时代文明实践 figures of one month for the people who lead it.

Every figure is read within the person's scope (`scope_stations`): a 站 its own, a 所 its
street's, the 中心 its district, a city or street leader their region. The page is a list of
sections; a section is one small function `(StatsScope) -> Section` registered in `SECTIONS`,
rendered by one template and one workbook writer."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from chuangcheng.cases.models import CaseClock
from chuangcheng.core.months import month_bounds
from chuangcheng.org.access import Actor
from chuangcheng.volunteer.models import (
    CampaignCheckin,
    HourEntry,
    PointEntry,
    Redemption,
    ServiceOrder,
    ServiceRecord,
    StarAward,
    StarNotice,
    Station,
    Team,
    Volunteer,
)
from chuangcheng.volunteer.roles import CENTRE, INSTITUTE, STATION
from chuangcheng.volunteer.stars import THRESHOLDS
from chuangcheng.volunteer.workflow import KIND, VORDER

# Leaders of other parts of the platform who read these figures within their region: the
# 12345 loop's 领导 (a city, district or street leader by their unit) and the 创城测评 loop's
# 创城领导. Named by their role codes, as the org's memberships hold them.
CITY_LEADER = "leader"
EVALUATION_LEADER = "ev_leader"
STATS_ROLES = frozenset({STATION, INSTITUTE, CENTRE, CITY_LEADER, EVALUATION_LEADER})
TAKEN = ("serving", "rating", "closed")  # an order in these states has been taken (接单)


# ---------------------------------------------------------------- the month
@dataclass(frozen=True)
class Month:
    label: str  # 2026-10
    first: dt.date
    next_first: dt.date

    @property
    def title(self) -> str:
        return f"{self.first.year}年{self.first.month}月"

    @property
    def last(self) -> dt.date:
        return self.next_first - dt.timedelta(days=1)

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), tzinfo=timezone.get_current_timezone())

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(
            self.next_first, dt.time(), tzinfo=timezone.get_current_timezone()
        )


def parse_month(raw: str | None, today: dt.date | None = None) -> Month:
    """'2026-10' → that month; empty → this month; anything else, or a month to come, a 400."""
    first, nxt = month_bounds(raw, today or timezone.localdate(), empty="this", noun="统计")
    return Month(f"{first:%Y-%m}", first, nxt)


# ---------------------------------------------------------------- the scope
def scope_stations(actor: Actor) -> QuerySet[Station]:
    """The 中心/所/站 whose figures the person reads: those in the regions of the units where
    they hold a statistics role (a role held without a unit: the whole city)."""
    if actor.is_superuser:
        return Station.objects.all()
    paths: set[str] = set()
    for role in STATS_ROLES:
        paths |= set(actor.paths_by_role.get(role, ()))
    if not paths:
        return Station.objects.none()
    if "/" in paths:
        return Station.objects.all()
    q = Q()
    for p in paths:
        q |= Q(unit__region__path__startswith=p)
    return Station.objects.filter(q)


@dataclass
class StatsScope:
    """What every section reads: the month, the stations in scope (loaded once) and the
    month's hours grouped by station and team (one query shared by several sections)."""

    month: Month
    stations: dict[int, Station]
    _hours: list[dict[str, Any]] | None = None
    _registered: dict[int, int] | None = None

    @property
    def ids(self) -> list[int]:
        return list(self.stations)

    def hours_rows(self) -> list[dict[str, Any]]:
        if self._hours is None:
            self._hours = [
                dict(r)
                for r in HourEntry.objects.filter(
                    station_id__in=self.ids,
                    served_on__gte=self.month.first,
                    served_on__lt=self.month.next_first,
                )
                .values("station_id", "team_id")
                .annotate(hours=Sum("hours"), entries=Count("id"))
            ]
        return self._hours

    def registered(self) -> dict[int, int]:
        """Volunteers registered by the end of the month, per station."""
        if self._registered is None:
            self._registered = dict(
                Volunteer.objects.filter(station_id__in=self.ids, registered_at__lt=self.month.end)
                .values("station_id")
                .annotate(n=Count("id"))
                .values_list("station_id", "n")
            )
        return self._registered

    def street_of(self, st: Station) -> str:
        if st.level == Station.Level.STATION:
            parent = self.stations.get(st.parent_id or 0) or st.parent
            return parent.unit.region.name if parent is not None else "—"
        if st.level == Station.Level.INSTITUTE:
            return st.unit.region.name
        return "区级（中心）"


def scope_for(actor: Actor, month: Month) -> StatsScope:
    stations = scope_stations(actor).select_related("unit__region", "parent__unit__region")
    return StatsScope(month, {s.pk: s for s in stations})


# ---------------------------------------------------------------- sections
@dataclass
class Section:
    key: str
    title: str
    header: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    figures: list[tuple[str, Any]] = field(default_factory=list)
    note: str = ""


def _h(v: Any) -> Decimal:
    return Decimal(v or 0).quantize(Decimal("0.1"))


def _pct(num: int, den: int) -> str:
    return f"{num * 100 / den:.1f}%" if den else "—"


def section_volunteers(s: StatsScope) -> Section:
    registered = sum(s.registered().values())
    active = HourEntry.objects.filter(
        station_id__in=s.ids,
        served_on__gte=s.month.first,
        served_on__lt=s.month.next_first,
    ).aggregate(n=Count("volunteer_id", distinct=True))["n"]
    hours = sum((_h(r["hours"]) for r in s.hours_rows()), Decimal("0"))
    return Section(
        "volunteers",
        "志愿者",
        figures=[
            ("注册志愿者（人）", registered),
            ("活跃志愿者（人）", active),
            ("活跃率", _pct(active, registered)),
            ("服务时长（小时）", hours),
        ],
        note="活跃志愿者：本月在本辖区站点有服务时长记录的志愿者（按记录站点计）。",
    )


def section_hours_by_team(s: StatsScope) -> Section:
    by_team: dict[int, list[Any]] = {}
    for r in s.hours_rows():
        if r["team_id"] is None:
            continue
        row = by_team.setdefault(r["team_id"], [Decimal("0"), 0])
        row[0] += _h(r["hours"])
        row[1] += r["entries"]
    teams = Team.objects.filter(pk__in=list(by_team)).select_related("station")
    rows = [[t.name, t.station.name, by_team[t.pk][0], by_team[t.pk][1]] for t in teams]
    rows.sort(key=lambda r: (-r[2], r[0]))
    return Section(
        "by_team", "服务时长·按队伍", ["服务队", "所属站/所", "服务时长（小时）", "记录条数"], rows
    )


def _hours_by_station(s: StatsScope) -> dict[int, Decimal]:
    out: dict[int, Decimal] = {}
    for r in s.hours_rows():
        out[r["station_id"]] = out.get(r["station_id"], Decimal("0")) + _h(r["hours"])
    return out


def section_hours_by_station(s: StatsScope) -> Section:
    hours = _hours_by_station(s)
    reg = s.registered()
    rows: list[list[Any]] = [
        [st.name, st.get_level_display(), reg.get(pk, 0), hours.get(pk, Decimal("0"))]
        for pk, st in s.stations.items()
    ]
    rows.sort(key=lambda r: (-r[3], r[0]))
    return Section(
        "by_station",
        "服务时长·按站点",
        ["站点", "层级", "注册志愿者（人）", "服务时长（小时）"],
        rows,
    )


def section_hours_by_street(s: StatsScope) -> Section:
    hours = _hours_by_station(s)
    streets: dict[str, Decimal] = {}
    for pk, st in s.stations.items():
        name = s.street_of(st)
        streets[name] = streets.get(name, Decimal("0")) + hours.get(pk, Decimal("0"))
    pairs: list[list[Any]] = [[k, v] for k, v in streets.items()]
    rows = sorted(pairs, key=lambda r: (-r[1], r[0]))
    return Section("by_street", "服务时长·按街道", ["街道", "服务时长（小时）"], rows)


def section_orders(s: StatsScope) -> Section:
    orders = ServiceOrder.objects.filter(
        station_id__in=s.ids,
        case__created_at__gte=s.month.start,
        case__created_at__lt=s.month.end,
    )
    by_state = dict(
        orders.values("case__status").annotate(n=Count("case")).values_list("case__status", "n")
    )
    rated = orders.filter(stars__isnull=False).count()
    good = orders.filter(stars__gte=4).count()
    durations = [
        (stopped - started).total_seconds() / 3600  # type: ignore[operator]
        for started, stopped in CaseClock.objects.filter(
            name="take",
            case__kind=KIND,
            case__status__in=TAKEN,
            case__vorder__station_id__in=s.ids,
            started_at__isnull=False,
            stopped_at__gte=s.month.start,
            stopped_at__lt=s.month.end,
        ).values_list("started_at", "stopped_at")
    ]
    median = f"{statistics.median(durations):.1f} 小时" if durations else "—"
    rows = [[label, by_state.get(code, 0)] for code, label in VORDER.states.items()]
    return Section(
        "orders",
        "志愿服务订单",
        ["状态", "件数"],
        rows,
        figures=[
            ("本月点单（件）", sum(by_state.values())),
            ("已评价（件）", rated),
            ("好评率", _pct(good, rated)),
            ("接单时间中位数", median),
        ],
        note="按本月居民点单统计；好评率 = 4–5 星评价数 / 已评价数；接单时间 = 派单到接单（本月接单的订单）。",
    )


def section_ranking(s: StatsScope) -> Section:
    ids = [pk for pk, st in s.stations.items() if st.level == Station.Level.STATION]
    hours = _hours_by_station(s)
    reg = s.registered()
    served = dict(
        ServiceRecord.objects.filter(
            order__station_id__in=ids,
            served_at__gte=s.month.start,
            served_at__lt=s.month.end,
        )
        .values("order__station_id")
        .annotate(n=Count("order_id", distinct=True))
        .values_list("order__station_id", "n")
    )
    checkins = dict(
        CampaignCheckin.objects.filter(
            station_id__in=ids, day__gte=s.month.first, day__lt=s.month.next_first
        )
        .values("station_id")
        .annotate(n=Count("id"))
        .values_list("station_id", "n")
    )
    table: list[list[Any]] = []
    for pk in ids:
        h = hours.get(pk, Decimal("0"))
        n = reg.get(pk, 0)
        per = (h / n).quantize(Decimal("0.01")) if n else Decimal("0")
        table.append([s.stations[pk].name, n, h, per, served.get(pk, 0), checkins.get(pk, 0)])
    table.sort(key=lambda r: (-r[3], -r[4], -r[5], r[0]))
    rows = [[i, *r] for i, r in enumerate(table, 1)]
    return Section(
        "ranking",
        "站点活跃度排名",
        [
            "排名",
            "文明实践站",
            "注册志愿者（人）",
            "服务时长（小时）",
            "人均时长（小时）",
            "服务订单（件）",
            "打卡人次",
        ],
        rows,
        note="按人均服务时长排序，其次服务订单数、打卡人次。",
    )


def section_stars(s: StatsScope) -> Section:
    """志愿者星级分布 at the end of the month: each volunteer registered in scope by the highest
    star awarded to them by then (volunteer.stars), and the notices open at the month's end."""
    held = Counter(
        StarAward.objects.filter(volunteer__station_id__in=s.ids, awarded_at__lt=s.month.end)
        .values("volunteer_id")
        .annotate(m=Max("level"))
        .values_list("m", flat=True)
    )
    registered = sum(s.registered().values())
    rows: list[list[Any]] = [
        [f"{'★' * n}（{n} 星）", held.get(n, 0), _pct(held.get(n, 0), registered)]
        for n in sorted(THRESHOLDS, reverse=True)
    ]
    starred = sum(held.values())
    rows.append(["未评星", registered - starred, _pct(registered - starred, registered)])
    awarded = StarAward.objects.filter(
        volunteer__station_id__in=s.ids,
        awarded_at__gte=s.month.start,
        awarded_at__lt=s.month.end,
    ).count()
    noticing = StarNotice.objects.filter(
        volunteer__station_id__in=s.ids, opened_at__lt=s.month.end
    ).filter(Q(closed_at__isnull=True) | Q(closed_at__gte=s.month.end))
    return Section(
        "stars",
        "志愿者星级分布",
        ["星级", "人数", "占注册志愿者"],
        rows,
        figures=[
            ("星级志愿者（人）", starred),
            ("本月认定（人次）", awarded),
            ("月末公示中（人）", noticing.count()),
        ],
        note="按月末已认定的最高星级统计；星级按累计服务时长 100/300/600/1000/1500 小时认定，"
        "公示期满后生效。",
    )


def section_points(s: StatsScope) -> Section:
    """积分发放与兑换 of the month, by the 站/所 where each ledger entry was recorded."""
    sums: dict[int, dict[str, Any]] = {
        r["station_id"]: dict(r)
        for r in PointEntry.objects.filter(
            station_id__in=s.ids, created_at__gte=s.month.start, created_at__lt=s.month.end
        )
        .values("station_id")
        .annotate(
            earned=Sum("points", filter=Q(kind=PointEntry.Kind.EARN)),
            adjusted=Sum("points", filter=Q(kind=PointEntry.Kind.ADJUST)),
            spent=Sum("points", filter=Q(kind=PointEntry.Kind.SPEND)),
            expired=Sum("points", filter=Q(kind=PointEntry.Kind.EXPIRE)),
        )
    }
    counts = dict(
        Redemption.objects.filter(
            station_id__in=s.ids, created_at__gte=s.month.start, created_at__lt=s.month.end
        )
        .values("station_id")
        .annotate(n=Count("id"))
        .values_list("station_id", "n")
    )
    rows: list[list[Any]] = []
    total = [Decimal("0")] * 4
    for pk, st in s.stations.items():
        if pk not in sums and pk not in counts:
            continue
        r = sums.get(pk, {})
        got = [
            _h(r.get("earned")),
            _h(r.get("adjusted")),
            _h(-(r.get("spent") or 0)),  # spent and expired entries are debits: shown positive
            _h(-(r.get("expired") or 0)),
        ]
        total = [a + b for a, b in zip(total, got, strict=True)]
        rows.append([st.name, *got, counts.get(pk, 0)])
    return Section(
        "points",
        "积分发放与兑换",
        ["站/所", "发放积分", "调整积分", "兑换积分", "过期积分", "兑换笔数"],
        rows,
        figures=[
            ("本月发放积分", total[0]),
            ("本月兑换积分", total[2]),
            ("本月兑换笔数", sum(counts.values())),
        ],
        note="按积分记录所在站/所统计；发放含服务时长、活动、打卡所得，调整须第二人审核。",
    )


SECTIONS: list[Callable[[StatsScope], Section]] = [
    section_volunteers,
    section_hours_by_team,
    section_hours_by_station,
    section_hours_by_street,
    section_orders,
    section_ranking,
    section_stars,
    section_points,
]


def build(actor: Actor, month: Month) -> list[Section]:
    scope = scope_for(actor, month)
    return [f(scope) for f in SECTIONS]


def workbook(sections: list[Section], month: Month) -> Workbook:
    """One sheet per section (its figures above its table), as the other loops' exports."""
    wb = Workbook()
    first = True
    for sec in sections:
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        first = False
        ws.title = sec.title.replace("·", "-")[:31]
        ws.append([f"{sec.title}（{month.title}）"])
        ws["A1"].font = Font(bold=True)
        for label, value in sec.figures:
            ws.append([label, value if not isinstance(value, Decimal) else float(value)])
        if sec.header:
            ws.append([])
            ws.append(sec.header)
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
            for r in sec.rows:
                ws.append([float(v) if isinstance(v, Decimal) else v for v in r])
        if sec.note:
            ws.append([])
            ws.append([sec.note])
    return wb

"""数据导出: the volunteers and their hour records of the staff member's 站/所/中心 as an Excel
workbook in the data items of the 全国志愿服务信息系统 (MZ/T 061-2015's elements 志愿者 and
志愿服务时间, as far as DOMAIN-LOOPS §3.1 lists them). Written row by row (openpyxl's write-only
mode), so a district's million records do not sit in memory as cells.

ID and phone numbers: in full only for the 中心's staff (the body that reports to the national
system); masked for a 站 or 所 (docs/adr/0031)."""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from chuangcheng.core.errors import PermissionDenied
from chuangcheng.org.access import Actor
from chuangcheng.volunteer.certificates import ID_TYPE, is_staff, stations_in_scope
from chuangcheng.volunteer.models import HourEntry, ServiceField, TeamMember, Volunteer
from chuangcheng.volunteer.roles import CENTRE

VOLUNTEER_COLUMNS = [
    "志愿者编号",
    "姓名",
    "性别",
    "证件类型",
    "证件号码",
    "联系电话",
    "注册时间",
    "所属站点",
    "所属队伍",
]
HOUR_COLUMNS = [
    "记录编号",
    "志愿者编号",
    "姓名",
    "服务日期",
    "服务时长（小时）",
    "服务领域",
    "服务内容",
    "记录单位",
    "服务队",
    "记录来源",
    "记录时间",
]


def full_numbers(actor: Actor) -> bool:
    return actor.is_superuser or bool(actor.units_by_role.get(CENTRE))


def _header(ws: Any, names: list[str]) -> None:
    row = []
    for name in names:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = Font(bold=True)
        row.append(cell)
    ws.append(row)


def _local(value: Any) -> Any:
    return timezone.localtime(value).replace(tzinfo=None) if value is not None else None


def export_workbook(actor: Actor) -> bytes:
    if not is_staff(actor):
        raise PermissionDenied("只有文明实践站、所、中心工作人员可以导出数据。")
    scope = stations_in_scope(actor)
    full = full_numbers(actor)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("志愿者")
    _header(ws, VOLUNTEER_COLUMNS)
    teams: dict[int, list[str]] = {}
    for vid, name in (
        TeamMember.objects.filter(volunteer__station_id__in=scope)
        .order_by("team__name")
        .values_list("volunteer_id", "team__name")
    ):
        teams.setdefault(vid, []).append(name)
    volunteers = Volunteer.objects.filter(station_id__in=scope).select_related("station")
    if not full:
        volunteers = volunteers.defer("id_number", "phone")
    for v in volunteers.order_by("number").iterator(chunk_size=2000):
        ws.append(
            [
                v.number,
                v.name,
                v.get_sex_display(),
                ID_TYPE,
                v.id_number if full else v.id_masked,
                v.phone if full else v.phone_masked,
                _local(v.registered_at),
                v.station.name,
                "、".join(teams.get(v.pk, [])),
            ]
        )
    ws = wb.create_sheet("志愿服务时间")
    _header(ws, HOUR_COLUMNS)
    labels = dict(ServiceField.choices)
    sources = dict(HourEntry.Source.choices)
    rows = (
        HourEntry.objects.filter(station_id__in=scope)
        .order_by("served_on", "pk")
        .values_list(
            "pk",
            "volunteer__number",
            "volunteer__name",
            "served_on",
            "hours",
            "field",
            "content",
            "station__name",
            "team__name",
            "source",
            "recorded_at",
        )
    )
    for pk, number, name, day, hours, field, content, station, team, source, at in rows.iterator(
        chunk_size=5000
    ):
        ws.append(
            [
                f"SJ{pk:010d}",
                number,
                name,
                day,
                float(hours),
                labels.get(field, field),
                content,
                station,
                team or "",
                sources.get(source, source),
                _local(at),
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

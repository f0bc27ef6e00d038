"""城管考核: the month's 综合评价 tables (专业部门, 区域, 监督员) with their grades and ranking,
an ECharts chart, and the same tables as an Excel workbook (openpyxl)."""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from openpyxl import Workbook

from chuangcheng.citymgmt.indicators import citymgmt_indicators
from chuangcheng.citymgmt.workflow import LEADER, SHIFT
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.web.access import page

LEVEL_LABELS = {"street": "街道", "community": "社区", "grid": "单元网格"}


def _params(request: HttpRequest) -> tuple[str, str]:
    month = request.GET.get("month") or timezone.localtime().strftime("%Y-%m")
    level = request.GET.get("level") or "community"
    return month, level


def _compute(request: HttpRequest) -> dict[str, Any]:
    month, level = _params(request)
    try:
        return citymgmt_indicators(request.actor, month, level=level)  # type: ignore[attr-defined]
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.1f}%"


@page(LEADER, SHIFT)
def indicators_page(request: HttpRequest) -> HttpResponse:
    data = _compute(request)
    chart = {
        "names": [r["name"] for r in data["departments"]],
        "scores": [r["score"] for r in data["departments"]],
    }
    return render(
        request,
        "citymgmt/indicators.html",
        {
            **data,
            "chart": chart,
            "levels": LEVEL_LABELS,
            "level_label": LEVEL_LABELS[data["level"]],
        },
    )


@page(LEADER, SHIFT)
def indicators_xlsx(request: HttpRequest) -> HttpResponse:
    data = _compute(request)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "专业部门"
    ws.append(
        [
            "排名",
            "部门",
            "应处置",
            "按期处置率",
            "结案数",
            "结案率",
            "按期结案率",
            "缓办数",
            "返工率",
            "回退数",
            "回退率",
            "平均处置用时(小时)",
            "综合指标值",
            "等级",
        ]
    )
    for r in data["departments"]:
        ws.append(
            [
                r["rank"],
                r["name"],
                r["due"],
                _pct(r["handled_on_time_rate"]),
                r["closed"],
                _pct(r["closed_rate"]),
                _pct(r["closed_on_time_rate"]),
                r["suspended"],
                _pct(r["rework_rate"]),
                r["returned"],
                _pct(r["return_rate"]),
                r["mean_hours"],
                r["score"],
                r["grade"],
            ]
        )
    ws = wb.create_sheet(f"区域（{LEVEL_LABELS[data['level']]}）")
    ws.append(["排名", "区域", "立案数", "结案率", "按期结案率", "高发小类", "综合指标值", "等级"])
    for r in data["regions"]:
        ws.append(
            [
                r["rank"],
                r["name"],
                r["filed"],
                _pct(r["closed_rate"]),
                _pct(r["closed_on_time_rate"]),
                "、".join(r["top_subclasses"]),
                r["score"],
                r["grade"],
            ]
        )
    ws = wb.create_sheet("监督员")
    ws.append(
        [
            "排名",
            "监督员",
            "上报数",
            "有效上报数",
            "有效上报率",
            "核实数",
            "按时核实率",
            "核查数",
            "按时核查率",
            "综合指标值",
            "等级",
        ]
    )
    for r in data["inspectors"]:
        ws.append(
            [
                r["rank"],
                r["name"],
                r["reported"],
                r["valid"],
                _pct(r["valid_rate"]),
                r["verified"],
                _pct(r["verify_on_time_rate"]),
                r["checked"],
                _pct(r["check_on_time_rate"]),
                r["score"],
                r["grade"],
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    resp = HttpResponse(
        buf.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    resp["Content-Disposition"] = f'attachment; filename="citymgmt-{data["month"]}.xlsx"'
    return resp

"""城管考核: the month's figures of a department, an area and the inspectors from cases walked
through the loop at known times (expected values worked out by hand here), their grades, the
leader's page and its Excel export, and who may open them."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from chuangcheng.citymgmt.indicators import citymgmt_indicators, grade
from chuangcheng.citymgmt.models import HandlingLimit
from chuangcheng.org.models import Unit
from tests.test_citymgmt_loop import go, loop, png, report  # noqa: F401  (fixture)
from tests.test_citymgmt_pages import login

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hh: int, mm: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hh, mm, tzinfo=SH)


@pytest.fixture
def month(loop: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """Three cases of 暴露垃圾 (4 working hours to handle) dispatched to 环卫处 on Mon 30 Nov
    09:00 (due 15:00): A handled at 10:00 and closed; B handled Tue 10:00 (late) and closed;
    C failed its 核查 (返工) and is being handled again. 核查 has 2 working hours."""
    HandlingLimit.objects.filter(
        standard__subclass__klass__code="01", standard__subclass__code="02"
    ).update(amount=4, counting="work_hours")
    hw = Unit.objects.get(code="D-HW").pk
    cases = []
    for key in ("ind-key-A0001", "ind-key-B0001", "ind-key-C0001"):
        with time_machine.travel(at(30, 8), tick=False):
            case, _ = report(loop, key=key)
        go(case, "file_case", loop["shift"], at(30, 8, 30))
        go(case, "dispatch", loop["dispatcher"], at(30, 9), unit=hw)
        cases.append(case)
    a, b, c = cases
    after = [(png(), "处置后")]
    go(a, "feedback", loop["hw"], at(30, 10), files=after)
    go(a, "check_pass", loop["inspector2"], at(30, 11))
    go(a, "close", loop["shift"], at(30, 11, 30), close_type="normal")
    go(b, "feedback", loop["hw"], at(1, 10, month=12), files=[(png(), "处置后")])
    go(b, "check_pass", loop["inspector2"], at(1, 14, 30, month=12))
    go(b, "close", loop["shift"], at(1, 15, month=12), close_type="overdue")
    go(c, "feedback", loop["hw"], at(30, 11), files=[(png(), "处置后")])
    go(c, "check_fail", loop["inspector2"], at(30, 11, 30), reason="未清理干净")
    return loop


def test_the_months_figures(month: dict[str, Any]) -> None:
    data = citymgmt_indicators(month["leader"], "2026-11", level="community")
    (dept,) = data["departments"]
    assert dept["name"] == "市环境卫生管理处"
    assert (dept["due"], dept["closed"], dept["suspended"], dept["returned"]) == (3, 2, 0, 0)
    assert dept["handled_on_time_rate"] == 0.3333  # only A met its 处置 time
    assert (dept["closed_rate"], dept["closed_on_time_rate"]) == (0.6667, 0.3333)
    assert dept["rework_rate"] == 0.3333
    # 立案数分值 100×10% + 结案率 66.67×30% + 按期处置率 33.33×30% + (100−33.33)×30%
    assert (dept["score"], dept["grade"], dept["rank"]) == (60.0, "C", 1)
    (area,) = data["regions"]
    assert area["filed"] == 3 and area["top_subclasses"] == ["暴露垃圾"]
    # 监督举报率分值 100×10% + 立案数分值 75×20% + 66.67×30% + 33.33×40%
    assert (area["score"], area["grade"]) == (58.3, "D")
    people = {r["name"]: r for r in data["inspectors"]}
    reporter, checker = people["cm_insp"], people["cm_insp2"]
    assert (reporter["reported"], reporter["valid"], reporter["score"]) == (3, 3, 100.0)
    # November's checks: A and C, both within 2 working hours of the feedback
    assert (checker["checked"], checker["check_on_time_rate"]) == (2, 1.0)
    assert (checker["score"], checker["grade"]) == (100.0, "A")
    # December: B's check (Tue 10:00 → 14:30, due 12:00) is late
    december = {r["name"]: r for r in citymgmt_indicators(month["leader"], "2026-12")["inspectors"]}
    assert (december["cm_insp2"]["checked"], december["cm_insp2"]["check_on_time_rate"]) == (1, 0.0)
    assert december["cm_insp2"]["score"] == 80.0 and december["cm_insp2"]["grade"] == "B"


def test_what_another_person_sees_and_the_weights(month: dict[str, Any]) -> None:
    # an inspector of another street sees none of these cases: nothing to count
    data = citymgmt_indicators(month["inspector_other_street"], "2026-11")
    assert data["departments"] == [] and data["regions"] == [] and data["inspectors"] == []
    from chuangcheng.core.settings_store import setting_set

    setting_set(
        actor=None,
        key="citymgmt.dept_weights",
        value={"filed": 0.0, "closed": 0.5, "ontime": 0.5, "rework": 0.0},
    )
    (dept,) = citymgmt_indicators(month["leader"], "2026-11")["departments"]
    assert dept["score"] == 50.0  # 66.67×50% + 33.33×50%


def test_grades() -> None:
    assert [grade(s) for s in (95, 90, 89.9, 75, 60, 40, 39.9)] == [
        "A",
        "A",
        "B",
        "B",
        "C",
        "D",
        "E",
    ]


def test_the_leaders_page_and_export(month: dict[str, Any]) -> None:
    leader = login("cm_ld")
    page = leader.get("/citymgmt/indicators/?month=2026-11")
    assert page.status_code == 200
    html = page.content.decode()
    assert "市环境卫生管理处" in html and "cm-chart-data" in html
    xlsx = leader.get("/citymgmt/indicators.xlsx?month=2026-11&level=grid")
    assert xlsx.status_code == 200
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["专业部门", "区域（单元网格）", "监督员"]
    assert wb["专业部门"]["B2"].value == "市环境卫生管理处" and wb["专业部门"]["M2"].value == 60.0
    bad = leader.get("/citymgmt/indicators/?month=2026-13")
    assert bad.status_code == 400 and "月份格式" in bad.content.decode()
    assert login("cm_hw").get("/citymgmt/indicators/").status_code == 403
    assert login("dispatcher").get("/citymgmt/indicators.xlsx").status_code == 403

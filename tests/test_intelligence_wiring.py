"""Routing suggestions and repeat lookups wired into the 12345 loop, on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from chuangcheng.cases.models import Case
from chuangcheng.cases.services import case_transition
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.hotline.services import hotline_intake
from chuangcheng.intelligence import services as intel
from chuangcheng.intelligence.models import RouterModel
from chuangcheng.intelligence.selectors import intake_repeats, likely_repeats, rising_issues
from tests.conftest import INTAKE, actor

HEATING = ["小区暖气不热，室温只有十五度", "家里暖气片冰凉，供暖不达标", "暖气不热老人孩子受冻"]
NOISE = ["楼下烧烤店夜间噪音扰民", "广场舞音响声音太大噪音扰民", "工地夜间施工噪音很大"]


def _intake(who: str, title: str, content: str, **extra: Any) -> Case:
    data = {**INTAKE, "title": title, "content": content, **extra}
    case, _ = hotline_intake(actor=actor(who), data=data)
    return case


def _close(case: Case, category: str, unit_id: int) -> None:
    d = actor("dispatcher")
    case_transition(case_id=case.pk, action="review", actor=d, data={"category": category})
    case_transition(case_id=case.pk, action="dispatch", actor=d, data={"lead_unit": unit_id})
    Case.objects.filter(pk=case.pk).update(status="closed", closed_at=timezone.now())


@pytest.fixture
def trained(city: Any) -> None:
    intel.clear_cache()
    heat, hb = city.units["U-GR"].pk, city.units["D-HB"].pk
    for i in range(40):
        _close(
            _intake("operator", HEATING[i % 3][:8], HEATING[i % 3] + f"，第{i}号楼"), "080101", heat
        )
        _close(_intake("operator", NOISE[i % 3][:8], NOISE[i % 3] + f"，第{i}号楼"), "020101", hb)
    call_command("train_router", "--no-eval")


def test_no_model_means_no_suggestion(city: Any) -> None:
    intel.clear_cache()
    assert intel.suggest("暖气不热", "家里暖气不热") == {
        "categories": [],
        "units": [],
        "confident": {},
    }


def test_training_needs_enough_orders(city: Any) -> None:
    with pytest.raises(ValidationFailed, match="已结案工单不足"):
        intel.router_train(target="category")


def test_suggestions_after_training(trained: None, city: Any, api: Any) -> None:
    assert RouterModel.objects.filter(active=True).count() == 2
    out = intel.suggest("暖气片不热", "我家暖气一直不热，室温太低")
    assert out["categories"][0]["value"] == "080101"
    assert out["units"][0]["label"] == city.units["U-GR"].name
    assert len(out["categories"]) <= 3
    assert out["categories"][0]["confidence"] >= out["categories"][-1]["confidence"]
    case = _intake("operator", "楼下噪音扰民", "楼下烧烤店每天夜里噪音扰民")
    body = api("dispatcher").get(f"/api/v1/cases/{case.pk}/suggestions").json()
    assert body["categories"][0]["value"] == "020101"
    # a retrain makes a new version and keeps one active per target
    call_command("train_router", "--target", "unit", "--no-eval")
    assert list(
        RouterModel.objects.filter(target="unit")
        .values_list("version", "active")
        .order_by("version")
    ) == [(1, False), (2, True)]


def test_likely_repeats_same_street_only(city: Any, api: Any) -> None:
    first = _intake("operator", "海亮广场北门占道经营", "海亮广场北门每天晚上流动摊贩占道经营")
    again = _intake("operator", "海亮广场北门摊贩占道", "海亮广场北门晚上又有摊贩占道经营，油烟大")
    _intake("operator", "暖气不热", "家里暖气不热已经三天了，请供热公司处理")
    elsewhere = _intake(
        "operator",
        "海亮广场北门占道经营",
        "海亮广场北门每天晚上流动摊贩占道经营",
        lat=40.76,
        lng=111.67,
        address="玉泉区小召前街",
    )
    found = likely_repeats(again, actor("dispatcher"))
    assert [r.case.pk for r in found] == [first.pk]
    assert found[0].reasons[0].startswith("内容相似度")
    assert "同一社区" in found[0].reasons
    assert elsewhere.street_id != first.street_id
    # the API shows the same, scoped to what the caller may see
    body = api("dispatcher").get(f"/api/v1/cases/{again.pk}/suggestions").json()
    assert [r["number"] for r in body["repeats"]] == [first.number]
    # while typing at intake, before the order exists
    typed = intake_repeats(
        actor("operator"),
        title="北门摊贩占道经营",
        content="海亮广场北门每天晚上流动摊贩占道经营",
        lat=INTAKE["lat"],
        lng=INTAKE["lng"],
    )
    assert {r.case.pk for r in typed} == {first.pk, again.pk}
    # a handler of another unit sees none of them
    cg = actor("handler_cg")
    assert likely_repeats(again, cg) == []


def test_merge_counts_reporters_and_callbacks_every_caller(city: Any) -> None:
    d = actor("dispatcher")
    first = _intake("operator", "海亮广场北门占道经营", "海亮广场北门每天晚上流动摊贩占道经营")
    again = _intake("operator", "海亮广场北门摊贩占道", "海亮广场北门晚上又有摊贩占道经营")
    case_transition(case_id=again.pk, action="merge", actor=d, data={"into": first.number})
    first.refresh_from_db()
    assert first.hotline.reporter_count == 2
    assert likely_repeats(first, d) == []  # merged orders are no longer open
    zsxl = city.units["S-150103004"].pk
    case_transition(case_id=first.pk, action="review", actor=d, data={})
    case_transition(case_id=first.pk, action="dispatch", actor=d, data={"lead_unit": zsxl})
    h = actor("handler_zsxl")
    for action, data in [("accept", {}), ("contact", {}), ("feedback", {"result": "已清理摊贩"})]:
        case_transition(case_id=first.pk, action=action, actor=h, data=data)
    case_transition(case_id=first.pk, action="approve_feedback", actor=d, data={})
    cb = actor("callback")
    ok = {"contacted": "true", "resolution": "resolved", "satisfaction": "satisfied"}
    case_transition(case_id=again.pk, action="callback", actor=cb, data=ok)
    again.refresh_from_db()
    assert again.status == "merged" and again.hotline.callback_at is not None


def test_rising_issues_flags_a_spike(city: Any) -> None:
    now = timezone.now()
    cat = city.categories["090103"]
    normal = _intake("operator", "飞线充电", "楼道里有人飞线充电，很危险")
    Case.objects.filter(pk=normal.pk).update(category=cat, created_at=now - dt.timedelta(days=20))
    for i in range(8):
        c = _intake("operator", "飞线充电", f"小区{i}号楼楼道飞线充电，存在火灾隐患")
        Case.objects.filter(pk=c.pk).update(category=cat, created_at=now - dt.timedelta(hours=i))
    found = rising_issues(actor("dispatcher"), now=now)
    assert found and found[0]["category"] == "飞线充电"
    assert found[0]["street"] == "中山西路街道" and found[0]["count"] == 8

from __future__ import annotations

from datetime import datetime

from chuangcheng.intelligence.duplicates import explain_match, normalise_for_match, similarity
from chuangcheng.intelligence.hotspots import extract_places, heat_index, rising_clusters


def test_extract_places() -> None:
    places = extract_places("A市伊景园滨河苑协商要求购房同时必须购买车位")
    assert {"伊景园", "滨河苑", "伊景园滨河苑"} <= places.names
    a3 = extract_places("A3区幸福路路灯不亮")
    assert a3.districts == {"A3区"} and "幸福路" in a3.names


def test_heat_index_orders_sensibly() -> None:
    many = heat_index(10, 10, 5, 3)
    assert many > heat_index(10, 1, 5, 3)  # distinct people weigh more than repeats
    assert heat_index(3, 3, 500, 1) > heat_index(3, 3, 0, 1)
    assert heat_index(10, 10, 5, 120) > many  # an issue that persists is hotter, not staler


def test_rising_clusters_flags_spike_only() -> None:
    baseline = {("A3区", "噪音"): [2, 3, 1, 2, 2, 3, 2], ("A1区", "路灯"): [10, 12, 9, 11, 10]}
    current = {("A3区", "噪音"): 14, ("A1区", "路灯"): 12, ("A9区", "井盖"): 2}
    flagged = rising_clusters(current, baseline)
    assert [(f["region"], f["category"]) for f in flagged] == [("A3区", "噪音")]
    assert flagged[0]["z"] >= 3 and "本时段 14 件" in flagged[0]["reason"]
    new = rising_clusters({("A2区", "燃气"): 6}, {})
    assert new and new[0]["ratio"] is None
    assert rising_clusters({("A2区", "燃气"): 4}, {}) == []


def test_duplicate_helpers() -> None:
    assert normalise_for_match("尊敬的领导：幸福路 井盖丢失！") == "幸福路井盖丢失"
    assert similarity("幸福路井盖丢失", "幸福路的井盖丢失了") > 0.9
    assert similarity("幸福路井盖丢失", "学校补课收费") < 0.1
    reasons = explain_match(
        "幸福路井盖丢失",
        "幸福路的井盖丢失了",
        same_community=True,
        distance_m=123,
        time_a=datetime(2024, 5, 1),
        time_b=datetime(2024, 5, 3, 12),
    )
    assert reasons[0].startswith("内容相似度 ") and "同一社区" in reasons
    assert "相距 120 米" in reasons and "3 天内" in reasons

from __future__ import annotations

import pickle

import numpy as np
import pytest

from chuangcheng.intelligence.routing import Router, RouterLoadError, read_labelled_csv
from chuangcheng.intelligence.text import (
    _segmenter,
    is_pretokenised,
    join_tokens,
    normalise,
    segment,
    tokenize,
)

from .conftest import write_csv


def test_user_dictionary_keeps_domain_terms_whole() -> None:
    tokens = tokenize("楼道里有人飞线充电，还有占道经营和小广告")
    assert {"飞线充电", "占道经营", "小广告"} <= set(tokens)
    assert "的" not in tokenize("小区的路灯不亮了")  # stop word removed


def test_pretokenised_text_is_split_not_resegmented() -> None:
    text = "投诉 市 盛世 耀凯 小区 物业 无故 停水 的"
    assert is_pretokenised(text)
    assert not is_pretokenised("投诉小区物业无故停水")
    assert tokenize(text) == ["投诉", "市", "盛世", "耀凯", "小区", "物业", "无故", "停水"]


def test_normalise_removes_spreadsheet_markers_and_cjk_spaces() -> None:
    assert normalise("小区 停水_x000D_\n 三天") == "小区停水三天"
    assert join_tokens("") == ""


def test_router_learns_and_ranks(labelled_rows) -> None:
    train, test = labelled_rows
    router = Router().fit([r["text"] for r in train], [r["label"] for r in train])
    predicted = router.predict([r["text"] for r in test])
    accuracy = np.mean([p == r["label"] for p, r in zip(predicted, test, strict=True)])
    assert accuracy >= 0.9
    top = router.predict_top("东风村农民工被拖欠工资半年，社保也没交", k=3)
    assert len(top) == 3
    assert top[0][0] == "劳动和社会保障"
    confidences = [c for _, c in top]
    assert confidences == sorted(confidences, reverse=True)
    assert 0 < sum(confidences) <= 1.0 + 1e-6
    assert top[0][1] > 0.5
    proba = router.predict_proba(["噪音扰民"])
    assert proba.shape == (1, 4) and abs(proba.sum() - 1) < 1e-6


def test_fast_scores_equal_sklearn(labelled_rows) -> None:
    train, test = labelled_rows
    router = Router().fit([r["text"] for r in train], [r["label"] for r in train])
    docs = [router.prepare(r["text"]) for r in test]
    assert np.allclose(router.decision(docs, prepared=True), router.decision_sklearn(docs))


def test_fast_segment_equals_jieba() -> None:
    texts = [
        "投诉A3区盛世耀凯小区物业无故停水，已经三天了！请尽快处理。",
        "西地省A市魅力之城小区临街门面烧烤夜宵摊油烟扰民，2019年5月起每晚到凌晨2点",
        "K9县宁乡市某某路口红绿灯坏了abc-123.5% 请修复\r\n谢谢",
        "",
    ]
    for user_dict in (False, True):
        seg = _segmenter(user_dict)
        for text in texts:
            assert segment(text, user_dict=user_dict) == seg.lcut(text)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"char_max": 4},  # glued 4-grams: string path instead of integer codes
        {"blocks": ("words", "wb_chars", "head_words", "head_wb_chars", "head_chars")},
    ],
)
def test_fast_scores_equal_sklearn_all_paths(labelled_rows, kwargs) -> None:
    train, test = labelled_rows
    router = Router(min_df=1, **kwargs).fit([r["text"] for r in train], [r["label"] for r in train])
    docs = [router.prepare(r["text"]) for r in test] + ["", "噪音", "完全没有见过的词"]
    assert np.allclose(router.decision(docs, prepared=True), router.decision_sklearn(docs))
    clone = pickle.loads(pickle.dumps(router))  # services.py pickles Router objects whole
    assert np.allclose(clone.decision(docs, prepared=True), router.decision(docs, prepared=True))


def test_save_load_round_trip(tmp_path, labelled_rows) -> None:
    train, test = labelled_rows
    router = Router().fit([r["text"] for r in train], [r["label"] for r in train])
    router.metadata["metrics"] = {"macro_f1": 0.5}
    path = router.save(tmp_path / "m" / "router.pkl")
    header = Router.read_header(path)
    assert header["labels"] == router.labels
    assert header["n_train"] == router.metadata["n_train"] > 0
    assert header["metrics"] == {"macro_f1": 0.5} and "trained_at" in header
    loaded = Router.load(path)
    texts = [r["text"] for r in test]
    assert loaded.predict(texts) == router.predict(texts)
    bad = tmp_path / "bad.pkl"
    bad.write_bytes(pickle.dumps({"magic": "other"}))
    with pytest.raises(RouterLoadError):
        Router.load(bad)


def test_read_labelled_csv_columns(tmp_path, labelled_rows) -> None:
    train, _ = labelled_rows
    path = write_csv(tmp_path / "sb.csv", train, ["subject", "body", "label"])
    data = read_labelled_csv(path)
    assert len(data.texts) == len(train) and data.texts[0].startswith(train[0]["subject"])
    with pytest.raises(ValueError, match="label"):
        read_labelled_csv(write_csv(tmp_path / "nolabel.csv", train, ["text"]))
    with pytest.raises(FileNotFoundError):
        read_labelled_csv(tmp_path / "missing.csv")

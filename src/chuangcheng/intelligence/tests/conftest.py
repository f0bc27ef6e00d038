from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

TOPICS: dict[str, list[str]] = {
    "城乡建设": [
        "小区物业费",
        "违章建筑拆除",
        "路灯不亮",
        "井盖丢失",
        "停车位捆绑销售",
        "二次供水",
    ],
    "教育文体": ["学位不足", "幼儿园收费", "学校补课", "中考招生", "教师编制", "校车安全"],
    "劳动和社会保障": ["拖欠工资", "社保缴费", "农民工讨薪", "养老保险", "工伤认定", "公积金提取"],
    "环境保护": ["噪音扰民", "油烟扰民", "污水直排", "焚烧垃圾", "扬尘污染", "养猪场臭气"],
}
FILLERS = ["请领导尽快处理", "已经很久了", "希望有关部门重视", "影响居民生活", "多次反映无果"]
PLACES = ["阳光小区", "幸福路", "东风村", "实验学校", "新华街", "金桥公司"]


def make_rows(n_per_label: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for label, topics in TOPICS.items():
        for _ in range(n_per_label):
            topic = rng.choice(topics)
            place = rng.choice(PLACES)
            subject = f"A{rng.randint(1, 9)}区{place}{topic}问题"
            body = f"{place}{topic}，{rng.choice(FILLERS)}，{topic}{rng.choice(FILLERS)}。"
            rows.append({"subject": subject, "body": body, "text": subject + body, "label": label})
    rng.shuffle(rows)
    return rows


def write_csv(path: Path, rows: list[dict[str, str]], fields: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def labelled_rows() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    return make_rows(25, seed=1), make_rows(8, seed=2)

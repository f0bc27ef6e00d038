"""Hot issues on small handcrafted message sets: one problem at one place is one group (however
many messages, and when the place is only in the body), different problems at one place stay
apart, the ranking does not punish an issue for being older than the file's newest message,
and the result is the same on every run (hash seeds)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from chuangcheng.intelligence.hotspots import (
    Message,
    extract_places,
    find_hot_issues,
    rising_clusters,
)

from .conftest import make_rows

# other people's messages: the background any real board has
BACKGROUND = [
    ("A9区桂花路路灯不亮", "桂花路的路灯坏了一个月，晚上出行很不安全。"),
    ("A8县实验中学周末补课收费", "实验中学老师周末组织有偿补课，每人收费两千元。"),
    ("A6区东风村自来水浑浊", "东风村的自来水最近发黄浑浊，无法饮用。"),
    ("咨询公积金提取流程", "想咨询一下离职后公积金怎么提取，需要哪些材料。"),
    ("A4区新华街占道经营", "新华街每天晚上摊贩占道经营，车辆无法通行。"),
    ("A5区金桥公司拖欠工资", "金桥公司拖欠我们三个月工资，老板一直推脱。"),
    ("养老保险缴费年限问题", "请问养老保险缴满十五年后还需要继续缴纳吗。"),
    ("A3区幸福路井盖丢失", "幸福路与人民路交叉口的井盖丢失，非常危险。"),
    ("A7县青山镇垃圾焚烧", "青山镇有人每天焚烧垃圾，烟雾很大。"),
    ("A2区儿童公园设施损坏", "儿童公园的滑梯坏了很久，孩子容易受伤。"),
]


class Board:
    """Builds a message set on a background of 210 other people's messages (a board's
    vocabulary: a problem word is rare on a real board); times are days after 2019-01-01."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        background = BACKGROUND + [(r["subject"], r["body"]) for r in make_rows(50, seed=3)]
        for k, (subject, body) in enumerate(background):
            self.add(subject, body, day=20 + k * 0.25, user=f"bg{k}")

    def add(self, subject: str, body: str, *, day: float, user: str = "", likes: int = 0) -> str:
        msg_id = str(5000 + len(self.messages))
        self.messages.append(
            Message(
                msg_id=msg_id,
                user=user or f"u{msg_id}",
                subject=subject,
                body=body,
                time=datetime(2019, 1, 1) + timedelta(days=day),
                likes=likes,
                places=extract_places(subject, body),
            )
        )
        return msg_id

    def groups(self) -> list[set[str]]:
        return [set(i.msg_ids) for i in find_hot_issues(self.messages, top=10_000)]


def group_of(groups: list[set[str]], msg_id: str) -> set[str]:
    return next(g for g in groups if msg_id in g)


# one problem (a mixing plant's noise and dust) at one estate, worded as people word it
MIXING_PLANT = [
    ("投诉A2区丽发新城附近建搅拌站噪音扰民", "小区附近新建的搅拌站日夜施工，噪音很大。"),
    ("丽发新城小区旁边的搅拌厂严重扰民", "搅拌厂离住户不到一百米，晚上机器轰鸣睡不着觉。"),
    ("A市丽发新城违建搅拌站，彻夜施工污染环境", "搅拌站没有任何手续，粉尘满天飞。"),
    ("A2区丽发新城小区附近搅拌站粉尘大，无法呼吸", "每天家里阳台都是一层灰，孩子咳嗽不止。"),
    ("丽发新城小区遭混凝土搅拌站严重污染", "混凝土罐车进进出出，道路全是泥浆和灰尘。"),
    ("黑心搅拌厂建在A市丽发新城小区附近", "开发商在小区旁边建搅拌厂，业主多次投诉无果。"),
    ("丽发新城搅拌站噪音、灰尘污染何时能解决", "环保部门来看过一次，之后搅拌站照常生产。"),
    ("A2区丽发新城附近无资质搅拌站为何禁而不止", "这个搅拌站没有环评，为什么还能继续经营。"),
    ("丽发新城社区附近搅拌站修建严重影响居民生活", "老人和孩子都受不了噪音，请求拆除搅拌站。"),
    ("请求撤走丽发新城小区旁的搅拌站", "搅拌站的噪音和粉尘已经持续两个月了。"),
    ("丽发新城小区附近搅拌厂夜间施工", "夜里十二点还在施工，严重影响休息。"),
    ("A市丽发新城小区侧面建设水泥搅拌站，粉尘和噪音污染严重", "希望有关部门尽快处理。"),
]


def test_one_problem_at_one_place_is_one_group_however_many_and_worded() -> None:
    board = Board()
    plant = [board.add(s, b, day=300 + k) for k, (s, b) in enumerate(MIXING_PLANT)]
    # no place in the subject: the estate is named in the body only, after the first sentence
    body_only = board.add(
        "环境污染太严重了",
        "实在忍无可忍了。我们丽发新城小区旁边的搅拌站日夜生产，粉尘和噪音让人无法生活。",
        day=313,
    )
    # other problems at the same estate
    road = board.add(
        "A2区丽发新城小区道路坑坑洼洼", "二期和三期中间的道路一下雨全是泥坑。", day=305
    )
    smell = board.add("丽发新城小区垃圾站散发严重臭味", "垃圾站离住户太近，夏天臭气熏天。", day=306)
    groups = board.groups()
    assert group_of(groups, plant[0]) == {*plant, body_only}
    assert group_of(groups, road) == {road}
    assert group_of(groups, smell) == {smell}


def test_same_estate_or_company_named_only_in_the_body_joins_its_group() -> None:
    board = Board()
    estate = [
        board.add("A1区A2小区停车位被物业占用收费", "物业把公共停车位圈起来收费。", day=200),
        board.add(
            "A1区A2小区物业占用公共停车位收费", "公共车位被物业出租，业主没处停车。", day=203
        ),
        board.add("A2小区物业圈占公共停车位", "物业圈占小区公共停车位出租收费。", day=207),
    ]
    estate_body = board.add(
        "物业圈占公共停车位收费",
        "业主们已经忍了很久。我们A1区A2小区的公共停车位被物业圈起来收费出租。",
        day=210,
    )
    other_estate = [
        board.add("A1区A3小区停车位被物业占用收费", "物业把公共停车位圈起来收费。", day=201),
        board.add(
            "A1区A3小区物业占用公共停车位收费", "公共车位被物业出租，业主没处停车。", day=204
        ),
    ]
    company = [
        board.add("A市某某公司拖欠农民工工资", "某某公司承包的工程拖欠我们半年工资。", day=220),
        board.add("举报某某有限公司拖欠工资", "某某有限公司欠薪半年，老板避而不见。", day=225),
    ]
    company_body = board.add(
        "农民工讨薪无门", "过年回不了家。某某公司拖欠我们的工资已经半年了。", day=228
    )
    groups = board.groups()
    assert group_of(groups, estate[0]) == {*estate, estate_body}
    assert group_of(groups, other_estate[0]) == set(other_estate)
    assert group_of(groups, company[0]) == {*company, company_body}


def test_different_problems_at_one_estate_are_not_lumped() -> None:
    board = Board()
    fumes = [
        board.add(
            "A市万科魅力之城商铺无排烟管道，小区油烟扰民", "底层餐馆油烟直排，满楼油烟味。", day=100
        ),
        board.add("A5区魅力之城小区油烟扰民", "临街门面餐馆油烟直排，窗户都不敢开。", day=104),
        board.add(
            "魅力之城小区临街门面油烟直排扰民", "烧烤店快餐店油烟熏人，请关闭处理。", day=109
        ),
    ]
    cracks = [
        board.add("A市万科魅力之城近百户楼板开裂墙面开裂", "交房一年半，承重墙楼板开裂。", day=102),
        board.add("万科魅力之城房屋楼板、墙面开裂", "近百户房屋楼板开裂，开发商不作为。", day=107),
    ]
    groups = board.groups()
    assert group_of(groups, fumes[0]) == set(fumes)
    assert group_of(groups, cracks[0]) == set(cracks)


def test_long_running_issue_is_not_pushed_down_by_the_files_newest_message() -> None:
    board = Board()
    # six people over half a year about one road; the last message is months before the end
    road = [
        board.add(
            f"A7县凉塘路旧城改造何时启动{'？' * (k % 2)}",
            "凉塘路旧城改造拖了很多年，房子漏水，居民盼望早日改造。",
            day=10 + 30 * k,
        )
        for k in range(6)
    ]
    # three people in the file's last days about another problem
    late = [
        board.add("A9区东湖公园厕所堵塞", "东湖公园公共厕所堵塞几天了，臭气熏天。", day=360 + k)
        for k in range(3)
    ]
    issues = find_hot_issues(board.messages, top=10_000)
    assert set(issues[0].msg_ids) == set(road)
    later = next(i for i in issues if set(i.msg_ids) == set(late))
    assert issues[0].heat > later.heat


def _tie_csv(path: Path) -> Path:
    """Groups whose place label is a tie: two districts and two names, equally often."""
    rows = []
    spots = [
        ("A3区、A5区交界处，", "幸福路与平安路路口"),
        ("A1区、A4区交界处，", "朝阳路与建设路路口"),
        ("A6区、A8区交界处，", "东风路与人民路路口"),
    ]
    problems = ["红绿灯坏了", "井盖丢失", "积水严重"]
    for g, ((districts, crossing), problem) in enumerate(zip(spots, problems, strict=True)):
        for k in range(3):
            rows.append(
                {
                    "msg_id": str(7000 + 10 * g + k),
                    "user": f"p{g}{k}",
                    "subject": f"{districts}{crossing}{problem}",
                    "body": f"{crossing}{problem}已经很多天了，请尽快处理。",
                    "time": f"2019/5/{1 + g + k} 10:00:00",
                    "likes": 0,
                    "dislikes": 0,
                }
            )
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.slow
def test_hot_issues_command_gives_the_same_result_under_every_hash_seed(tmp_path) -> None:
    data = _tie_csv(tmp_path / "ties.csv")
    command = [sys.executable, "manage.py", "hot_issues", "--input", str(data), "--top", "5"]
    runs = [
        subprocess.Popen(
            [*command, "--format", "json"],
            cwd=settings.BASE_DIR,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2, 3)
    ]
    outputs = []
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        outputs.append(json.loads(out))
    assert len(outputs[0]) == 3
    assert all(o == outputs[0] for o in outputs[1:])
    # the tie is broken the documented way: districts and names in code-point order
    places = sorted(i["place"] for i in outputs[0])
    assert places == ["A1区 建设路", "A3区 平安路", "A6区 东风路"], places


def test_rising_clusters_order_does_not_depend_on_input_order() -> None:
    counts = {("A3区", "噪音"): 10, ("A1区", "路灯"): 10, ("A2区", "井盖"): 10}
    baseline = {key: [1, 1, 1, 1] for key in counts}
    forward = rising_clusters(counts, baseline)
    backward = rising_clusters(dict(reversed(list(counts.items()))), baseline)
    assert [(f["region"], f["category"]) for f in forward] == [
        ("A1区", "路灯"),
        ("A2区", "井盖"),
        ("A3区", "噪音"),
    ]
    assert forward == backward

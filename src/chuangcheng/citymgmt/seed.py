"""The catalogue a new installation starts from (plain data, read by a data migration).

Classes and subclasses: the category list of a Beijing (朝阳) city-management app, numbered per
CJ/T 214 (DOMAIN-LOOPS.md §1.2, corrected event class order of §0.1). Only the subclasses the
source lists are seeded; cities edit the list in the admin or import their own (docs/citymgmt.md).

Standards: the real 立案/结案 rows of DOMAIN-LOOPS.md §1.6. The source table gives one limit per
row, not one per zone class, so the same limit is stored for A, B and C and the note says so.
"""

from __future__ import annotations

from typing import Any

# family, class code, class name, [(subclass code, subclass name)]
CLASSES: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    (
        "component",
        "01",
        "公用设施",
        [
            ("01", "上水井盖"),
            ("02", "污水井盖"),
            ("03", "雨水井盖"),
            ("04", "雨水箅子"),
            ("05", "电力井盖"),
            ("06", "路灯井盖"),
            ("07", "电信井盖"),
            ("08", "有线电视井盖"),
            ("09", "网络井盖"),
            ("10", "热力井盖"),
            ("11", "燃气井盖"),
            ("12", "公安井盖"),
            ("13", "消防设施"),
            ("14", "不明井盖"),
            ("15", "电信交接箱"),
            ("16", "电力设施"),
            ("17", "电杆"),
            ("18", "路灯"),
            ("19", "地灯"),
            ("20", "射灯"),
            ("21", "报刊亭"),
            ("22", "电话亭"),
            ("23", "邮筒"),
            ("24", "信息亭"),
            ("25", "自动售货亭"),
            ("26", "健身设施"),
            ("27", "中水井盖"),
            ("28", "输油(气)井盖"),
            ("29", "园林井盖"),
            ("30", "环卫设施井盖"),
            ("31", "沟槽厕所盖板"),
            ("32", "空气质量和噪声显示屏"),
            ("33", "燃气调压站(箱)"),
            ("34", "电视箱体"),
            ("36", "供水器"),
            ("37", "输油(气)标志桩"),
            ("38", "标石"),
            ("39", "铁塔"),
            ("40", "无轨电车井盖"),
        ],
    ),
    (
        "component",
        "02",
        "道路交通",
        [
            ("01", "停车场"),
            ("02", "停车咪表"),
            ("03", "公交站亭"),
            ("04", "出租车站牌"),
            ("05", "过街天桥"),
            ("06", "地下通道"),
            ("07", "高架立交桥"),
            ("08", "跨河桥"),
            ("09", "交通标志牌"),
            ("10", "交通控制箱"),
            ("11", "交通护栏"),
            ("12", "存车支架"),
            ("13", "路名牌"),
            ("14", "交通信号灯"),
            ("15", "路边停车场"),
            ("16", "交通涵洞"),
            ("17", "道路信息显示屏"),
            ("18", "道路隔音屏"),
            ("19", "交通岗亭"),
            ("92", "消能桶"),
            ("93", "安全岛"),
            ("94", "人行横道桩"),
            ("95", "便道桩"),
            ("96", "柔性隔离体"),
            ("97", "信号灯电源井盖"),
            ("98", "其它"),
        ],
    ),
    (
        "component",
        "03",
        "市容环境",
        [
            ("01", "公共厕所"),
            ("02", "公厕化粪池"),
            ("03", "公厕指示牌"),
            ("04", "垃圾间"),
            ("05", "垃圾箱"),
            ("06", "灯箱霓虹灯"),
            ("07", "广告牌匾"),
            ("08", "环境监测塔"),
            ("09", "融雪剂溶解池"),
            ("10", "融雪剂自动喷洒系统"),
            ("11", "环卫管理用房"),
            ("12", "餐厨垃圾处理机"),
            ("17", "移动厕所"),
        ],
    ),
    (
        "component",
        "04",
        "园林绿化",
        [
            ("01", "古树名木"),
            ("02", "行道树"),
            ("03", "树池箅子"),
            ("04", "花架花钵"),
            ("05", "绿地"),
            ("06", "雕塑"),
            ("07", "街头座椅"),
            ("09", "绿地维护设施"),
            ("98", "生态林"),
        ],
    ),
    ("component", "05", "房屋土地", [("01", "宣传栏"), ("02", "人防工事"), ("03", "公房地下室")]),
    (
        "event",
        "01",
        "市容环境",
        [
            ("01", "私搭乱建"),
            ("02", "暴露垃圾"),
            ("03", "积存垃圾渣土"),
            ("04", "道路不洁"),
            ("05", "河道不洁"),
            ("06", "绿地脏乱"),
            ("07", "废弃车辆"),
            ("08", "废弃家具设备"),
            ("09", "非装饰性树挂"),
            ("10", "清扫作业二次污染"),
            ("11", "道路积水"),
            ("12", "除雪后积雪结冰"),
            ("13", "蚊蝇超标"),
            ("14", "有明显臭味"),
            ("15", "乱倒乱排污水"),
            ("16", "医疗废物流失"),
            ("27", "焚烧垃圾树叶"),
            ("40", "擅自饲养家禽家畜"),
            ("41", "油烟污染"),
            ("42", "道路破损"),
        ],
    ),
    (
        "event",
        "02",
        "宣传广告",
        [
            ("01", "非法小广告"),
            ("02", "违章张贴悬挂广告牌匾"),
            ("03", "占道广告牌"),
            ("04", "街头散发小广告"),
            ("05", "临时性标语宣传品损毁"),
        ],
    ),
    (
        "event",
        "03",
        "施工管理",
        [
            ("01", "施工扰民"),
            ("02", "工地扬尘"),
            ("03", "无证消纳渣土"),
            ("04", "道路遗撒"),
            ("05", "施工废弃料"),
            ("06", "道路破损"),
            ("07", "施工工地未围挡"),
            ("12", "渣土运输车辆未密闭"),
            ("13", "车轮带泥"),
        ],
    ),
    (
        "event",
        "04",
        "突发事件",
        [
            ("01", "路面塌陷"),
            ("02", "自来水管破裂"),
            ("03", "燃气管道破裂"),
            ("04", "下水道堵塞"),
            ("06", "架空线缆不规范"),
            ("07", "集体性事件"),
            ("08", "喷灌跑冒滴漏"),
            ("09", "病虫害"),
            ("10", "伐树举报"),
            ("11", "火灾"),
        ],
    ),
    (
        "event",
        "05",
        "街面秩序",
        [
            ("01", "无照经营游商"),
            ("02", "流浪乞讨"),
            ("03", "占道废品收购"),
            ("04", "店外经营"),
            ("05", "机动车乱停放"),
            ("06", "非机动车乱停放"),
            ("07", "乱堆物堆料"),
            ("08", "商业噪音"),
            ("09", "黑车拉客"),
            ("10", "露天烧烤"),
            ("12", "非法出版物销售"),
            ("98", "占压盲道"),
            ("99", "其它"),
        ],
    ),
    ("event", "06", "其他事件", []),
]

SAME_FOR_ALL_ZONES = "来源表未按区域类别区分时限，A/B/C 类暂用同一时限"

# family, class, subclass, seq, 立案条件, 结案条件, amount, counting, note
STANDARDS: list[tuple[str, str, str, str, str, str, int, str, str]] = [
    (
        "event",
        "01",
        "01",
        "01",
        "未经审批私自搭建；超出规划许可；逾期未拆除的临时建设（责令停工）",
        "停工",
        4,
        "work_hours",
        "责任单位：城管执法、街道。" + SAME_FOR_ALL_ZONES,
    ),
    (
        "event",
        "01",
        "01",
        "02",
        "未经审批私自搭建；超出规划许可；逾期未拆除的临时建设（依法处罚）",
        "依法处罚",
        7,
        "workdays",
        "责任单位：城管执法、街道。" + SAME_FOR_ALL_ZONES,
    ),
    (
        "event",
        "01",
        "01",
        "03",
        "未经审批私自搭建；超出规划许可；逾期未拆除的临时建设（拆除）",
        "彻底拆除",
        20,
        "workdays",
        "责任单位：城管执法、街道。" + SAME_FOR_ALL_ZONES,
    ),
    (
        "event",
        "01",
        "02",
        "01",
        "主次干道成堆成片、公共场所未入容器的生活垃圾",
        "彻底清理",
        4,
        "work_hours",
        "责任单位：市容环卫。" + SAME_FOR_ALL_ZONES,
    ),
    (
        "event",
        "01",
        "03",
        "01",
        "存在建筑垃圾",
        "清理，依法查处",
        4,
        "work_hours",
        "责任单位：市容环卫、执法。" + SAME_FOR_ALL_ZONES,
    ),
    (
        "event",
        "01",
        "03",
        "02",
        "存在堆积渣土",
        "清理，依法查处",
        2,
        "workdays",
        "责任单位：市容环卫、执法。" + SAME_FOR_ALL_ZONES,
    ),
    (
        "event",
        "01",
        "04",
        "01",
        "每天 8:00 后公共场所环境脏乱",
        "路面整洁",
        2,
        "work_hours",
        "责任单位：环卫。" + SAME_FOR_ALL_ZONES,
    ),
    (
        "event",
        "01",
        "06",
        "01",
        "绿地内有垃圾杂物",
        "彻底清除",
        4,
        "work_hours",
        "责任单位：园林。" + SAME_FOR_ALL_ZONES,
    ),
    (
        "event",
        "01",
        "11",
        "01",
        "路面积水（非降雪）影响通行",
        "清除积水",
        4,
        "work_hours",
        "责任单位：环卫。" + SAME_FOR_ALL_ZONES,
    ),
] + [
    (
        "component",
        "01",
        sub,
        "01",
        "井盖缺失、破损、松动、盖或框不平整、锁具缺损",
        "井盖完好、平整、锁具齐全",
        3,
        "workdays",
        "处置类型：单一部门处置；整体时限 5。来源未注明时限单位，暂按工作日。" + SAME_FOR_ALL_ZONES,
    )
    for sub in ("01", "02", "03")
]


def load(
    catalogue_class: Any,
    subclass: Any,
    standard: Any,
    handling_limit: Any,
    grid_index_state: Any,
) -> None:
    """Create what is missing of the seed (idempotent). Takes the model classes so the data
    migration can pass its historical models."""
    grid_index_state.objects.get_or_create(pk=1, defaults={"token": "initial"})
    subs = {}
    for family, code, name, subclasses in CLASSES:
        klass, _ = catalogue_class.objects.get_or_create(
            family=family, code=code, defaults={"name": name}
        )
        for scode, sname in subclasses:
            sub, _ = subclass.objects.get_or_create(
                klass=klass, code=scode, defaults={"name": sname}
            )
            subs[(family, code, scode)] = sub
    for family, code, scode, seq, filing, closing, amount, counting, note in STANDARDS:
        row, created = standard.objects.get_or_create(
            subclass=subs[(family, code, scode)],
            seq=seq,
            defaults={"filing_condition": filing, "closing_condition": closing, "note": note},
        )
        if created:
            for zone in "ABC":
                handling_limit.objects.create(
                    standard=row, zone_class=zone, amount=amount, counting=counting
                )


def ensure_seeded() -> None:
    """The seed, if the catalogue is empty (a flushed test database, a demo)."""
    from chuangcheng.citymgmt.models import (
        CatalogueClass,
        GridIndexState,
        HandlingLimit,
        Standard,
        Subclass,
    )

    if not CatalogueClass.objects.exists():
        load(CatalogueClass, Subclass, Standard, HandlingLimit, GridIndexState)

"""The demo city (呼和浩特-shaped): regions with real district codes, units, catalogue, 派单目录,
time limits and one user per role. Idempotent: running it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import get_hasher, make_password
from django.db import transaction

from chuangcheng.cases.models import Category, RoutingRule, TimeLimit
from chuangcheng.hotline.roles import (
    CALLBACK,
    CITIZEN,
    DISPATCHER,
    HANDLER,
    LEADER,
    OPERATOR,
    SUPERVISOR,
)
from chuangcheng.org.models import Membership, Region, Unit

DISTRICTS = [
    ("150102", "新城区", 40.858, 111.690),
    ("150103", "回民区", 40.815, 111.625),
    ("150104", "玉泉区", 40.760, 111.670),
    ("150105", "赛罕区", 40.800, 111.735),
]
# street code, name, district code, communities
STREETS = [
    ("150102001", "海拉尔东路街道", "150102", ["新春", "丽苑", "光华"]),
    ("150102002", "锡林路街道", "150102", ["北垣", "锡林"]),
    ("150102003", "中山东路街道", "150102", ["东风", "团结", "苗圃"]),
    ("150103001", "环河街街道", "150103", ["牛街", "西河沿"]),
    ("150103002", "新华西路街道", "150103", ["新华", "西落凤"]),
    ("150103004", "中山西路街道", "150103", ["海亮", "公园东路", "中山西路", "吕祖庙", "贝尔路"]),
    ("150104001", "小召前街街道", "150104", ["小召", "大召"]),
    ("150104002", "兴隆巷街道", "150104", ["兴隆", "石羊桥"]),
    ("150104003", "长和廊街道", "150104", ["长和", "南茶坊"]),
    ("150105001", "人民路街道", "150105", ["仕奇", "人民路", "东达"]),
    ("150105002", "昭乌达路街道", "150105", ["昭乌达", "西把栅"]),
    ("150105003", "大学西路街道", "150105", ["大学西路", "鄂尔多斯"]),
]
DEPARTMENTS = [
    ("D-CG", "市城市管理综合执法局", "城管局"),
    ("D-SJ", "市市场监督管理局", "市场监管局"),
    ("D-ZJ", "市住房和城乡建设局", "住建局"),
    ("D-JG", "市公安局交通管理支队", "交管大队"),
    ("D-HB", "市生态环境局", "生态环境局"),
    ("D-RS", "市人力资源和社会保障局", "人社局"),
    ("D-JY", "市教育局", "教育局"),
    ("D-WJ", "市卫生健康委员会", "卫健委"),
    ("D-SW", "市商务局", "商务局"),
    ("D-WL", "市文化旅游广电局", "文旅局"),
]
# other names people use for a unit (别名), found by the unit pickers
ALIASES = {
    "D-CG": "城管 城管委 综合执法",
    "D-SJ": "市监 工商 食药监",
    "D-JG": "交警 交警队",
    "D-WJ": "卫生 卫健",
    "U-GR": "暖气 供暖",
    "U-GS": "自来水 水务",
}
UTILITIES = [
    ("U-GR", "市热力集团有限责任公司", "供热公司"),
    ("U-GS", "市供水有限责任公司", "供水公司"),
    ("U-RQ", "市燃气有限责任公司", "燃气公司"),
]
# top code, name, [(code, name, unit code or "STREET")]
CATALOGUE = [
    (
        "01",
        "城乡建设",
        [
            ("010101", "物业管理", "STREET"),
            ("010102", "老旧小区改造", "D-ZJ"),
            ("010103", "违章建筑", "D-CG"),
            ("010104", "房屋质量与产权", "D-ZJ"),
            ("010105", "道路与市政设施", "D-ZJ"),
        ],
    ),
    (
        "02",
        "环境保护",
        [
            ("020101", "噪音扰民", "D-HB"),
            ("020102", "油烟污染", "D-HB"),
            ("020103", "垃圾清运", "D-CG"),
            ("020104", "水体与大气污染", "D-HB"),
        ],
    ),
    (
        "03",
        "交通运输",
        [
            ("030101", "乱停乱放", "D-JG"),
            ("030102", "公交出租", "D-JG"),
            ("030103", "道路拥堵与信号灯", "D-JG"),
            ("030104", "共享单车", "D-CG"),
        ],
    ),
    (
        "04",
        "教育文体",
        [
            ("040101", "入学与学位", "D-JY"),
            ("040102", "校外培训", "D-JY"),
            ("040103", "文体设施", "D-WL"),
        ],
    ),
    (
        "05",
        "劳动和社会保障",
        [
            ("050101", "拖欠工资", "D-RS"),
            ("050102", "社保与医保", "D-RS"),
            ("050103", "就业与培训", "D-RS"),
        ],
    ),
    (
        "06",
        "商贸旅游",
        [
            ("060101", "消费纠纷", "D-SJ"),
            ("060102", "食品安全", "D-SJ"),
            ("060103", "占道经营", "D-CG"),
            ("060104", "景区与旅游", "D-WL"),
        ],
    ),
    (
        "07",
        "卫生计生",
        [
            ("070101", "医疗服务", "D-WJ"),
            ("070102", "疫苗与防疫", "D-WJ"),
            ("070103", "生育服务", "D-WJ"),
        ],
    ),
    (
        "08",
        "公用事业",
        [
            ("080101", "供暖", "U-GR"),
            ("080102", "供水", "U-GS"),
            ("080103", "燃气", "U-RQ"),
        ],
    ),
    (
        "09",
        "市容城管",
        [
            ("090101", "小广告与乱张贴", "D-CG"),
            ("090102", "井盖与路灯", "D-CG"),
            ("090103", "飞线充电", "STREET"),
            ("090104", "邻里纠纷", "STREET"),
        ],
    ),
]
TIME_LIMITS = [
    # clock, urgency, amount, unit
    ("sign", "", 2, "hours"),
    ("sign", "urgent", 1, "hours"),
    ("sign", "emergency", 1, "hours"),
    ("respond", "", 24, "hours"),
    ("respond", "urgent", 4, "hours"),
    ("respond", "emergency", 1, "hours"),
    ("finish", "", 5, "workdays"),
    ("finish", "urgent", 24, "hours"),
    ("finish", "emergency", 2, "hours"),
]

DEMO_PASSWORD = "cc-demo-2026"
DEMO_USERS = [
    # username, the person's name (姓名), role, unit code
    ("operator", "王芳", OPERATOR, "C-12345"),
    ("dispatcher", "李强", DISPATCHER, "C-12345"),
    ("handler_zsxl", "张敏", HANDLER, "S-150103004"),
    ("handler_cg", "赵磊", HANDLER, "D-CG"),
    ("callback", "刘洋", CALLBACK, "C-12345"),
    ("supervisor", "陈静", SUPERVISOR, "C-12345"),
    ("leader", "孙伟", LEADER, "C-12345"),
    ("citizen", "周杰", CITIZEN, None),
]
# Han surnames of one character that the demo's names use; other names (Mongolian names such as
# 乌兰, 苏日娜) are kept whole in first_name
SURNAMES = set("王李张赵刘陈孙周马高郭何冯白曹邓杨黄吴徐朱胡林郑韩梁宋唐许谢罗董萧程袁田于")


def name_fields(name: str) -> dict[str, str]:
    """'王芳' → last_name 王, first_name 芳 (shown as 王芳, see org.people.person_name)."""
    if len(name) in (2, 3) and name[0] in SURNAMES:
        return {"last_name": name[0], "first_name": name[1:]}
    return {"last_name": "", "first_name": name}


@dataclass
class DemoCity:
    city: Region
    units: dict[str, Unit]
    categories: dict[str, Category]
    streets: dict[str, Region]


def _region(
    code: str, name: str, level: int, parent: Region | None, lat: float, lng: float
) -> Region:
    region, created = Region.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "level": level,
            "parent": parent,
            "lat": lat,
            "lng": lng,
            "path": "",
        },
    )
    if created or not region.path:
        region.path = f"{parent.path if parent else '/'}{region.pk}/"
        region.save(update_fields=["path"])
    return region


def _unit(
    code: str, name: str, short: str, kind: str, region: Region, parent: Unit | None = None
) -> Unit:
    unit, _ = Unit.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "short_name": short,
            "aliases": ALIASES.get(code, ""),
            "kind": kind,
            "region": region,
            "parent": parent,
        },
    )
    return unit


@transaction.atomic
def build_demo_city(*, with_users: bool = True, password: str = DEMO_PASSWORD) -> DemoCity:
    city = _region("150100", "呼和浩特市", Region.Level.CITY, None, 40.842, 111.749)
    units: dict[str, Unit] = {}
    streets: dict[str, Region] = {}
    units["C-12345"] = _unit(
        "C-12345", "12345 政务服务便民热线指挥调度中心", "12345中心", Unit.Kind.CENTRE, city
    )
    districts = {}
    for code, name, lat, lng in DISTRICTS:
        districts[code] = _region(code, name, Region.Level.DISTRICT, city, lat, lng)
    for s_index, (code, name, dcode, communities) in enumerate(STREETS):
        district = districts[dcode]
        lat = district.lat + ((s_index % 3) - 1) * 0.012  # type: ignore[operator]
        lng = district.lng + ((s_index % 2) * 2 - 1) * 0.014  # type: ignore[operator]
        street = _region(code, name, Region.Level.STREET, district, lat, lng)
        streets[code] = street
        office = _unit(f"S-{code}", f"{name}办事处", name, Unit.Kind.STREET, street)
        units[office.code] = office
        for c_index, cname in enumerate(communities, start=1):
            ccode = f"{code}{c_index:03d}"
            community = _region(
                ccode,
                f"{cname}社区",
                Region.Level.COMMUNITY,
                street,
                lat + (c_index - 2) * 0.004,
                lng + (c_index % 2) * 0.005,
            )
            cu = _unit(
                f"Q-{ccode}",
                f"{cname}社区居委会",
                f"{cname}社区",
                Unit.Kind.COMMUNITY,
                community,
                parent=office,
            )
            units[cu.code] = cu
            if cname == "仕奇":  # 仕奇社区: 10 grids, one grid worker each
                for g in range(1, 11):
                    _region(
                        f"{ccode}{g:02d}",
                        f"仕奇社区第{g}网格",
                        Region.Level.GRID,
                        community,
                        community.lat + (g - 5) * 0.0008,  # type: ignore[operator]
                        community.lng + (g % 3 - 1) * 0.0008,  # type: ignore[operator]
                    )
    for code, name, short in DEPARTMENTS:
        units[code] = _unit(code, name, short, Unit.Kind.DEPARTMENT, city)
    for code, name, short in UTILITIES:
        units[code] = _unit(code, name, short, Unit.Kind.UTILITY, city)

    categories: dict[str, Category] = {}
    for top_code, top_name, subs in CATALOGUE:
        top, _ = Category.objects.get_or_create(
            code=top_code, defaults={"name": top_name, "kind": "hotline"}
        )
        categories[top_code] = top
        for code, name, unit_code in subs:
            cat, created = Category.objects.get_or_create(
                code=code, defaults={"name": name, "parent": top, "kind": "hotline"}
            )
            categories[code] = cat
            if not created:
                continue
            if unit_code == "STREET":
                for scode, street in streets.items():
                    RoutingRule.objects.create(
                        category=cat, region=street, unit=units[f"S-{scode}"]
                    )
            else:
                RoutingRule.objects.create(category=cat, unit=units[unit_code])
    for clock, urgency, amount, unit in TIME_LIMITS:
        TimeLimit.objects.get_or_create(
            kind="hotline",
            clock=clock,
            urgency=urgency,
            appeal_type="",
            defaults={"amount": amount, "unit": unit},
        )
    if with_users:
        create_demo_users(units, password)
    return DemoCity(city=city, units=units, categories=categories, streets=streets)


def _password_hash(password: str) -> str:
    """The demo accounts share one published password: hash it once per process and hasher (a
    PBKDF2 hash takes most of a second; nine of them made every test that builds the city slow).
    Keyed by the preferred hasher, so a test that switches PASSWORD_HASHERS gets its own."""
    hasher = get_hasher()
    return _hash_with(password, hasher.algorithm, str(getattr(hasher, "iterations", "")))


@lru_cache(maxsize=8)
def _hash_with(password: str, algorithm: str, iterations: str) -> str:
    return make_password(password, hasher=algorithm)


def create_demo_users(units: dict[str, Unit], password: str) -> None:
    User = get_user_model()
    for username, name, role, unit_code in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username, defaults=name_fields(name))
        if created:
            user.password = _password_hash(password)
            user.save()
        Membership.objects.get_or_create(
            user=user, role=role, unit=units[unit_code] if unit_code else None
        )
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={"first_name": "系统管理员", "is_staff": True, "is_superuser": True},
    )
    if created:
        admin.password = _password_hash(password)
        admin.save()

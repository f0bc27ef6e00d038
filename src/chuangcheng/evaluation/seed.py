"""Reference data every installation starts with (the site types), and the demo's standard,
sites and people."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

# (code, name, minors' system): the 2021 handbook's 26 kinds (DOMAIN.md) and the sites of the
# minors' system and of a city's 文明创建 map (DOMAIN-LOOPS.md §4.2) that the 26 lack
SITE_TYPES: list[tuple[str, str, bool]] = [
    ("01", "主次干道", False),
    ("02", "商业大街", False),
    ("03", "背街小巷", False),
    ("04", "主要交通路口", False),
    ("05", "公交站点", False),
    ("06", "公交车", False),
    ("07", "出租车", False),
    ("08", "室外公共厕所", False),
    ("09", "公共广场", False),
    ("10", "公园", False),
    ("11", "景区景点", False),
    ("12", "公共文化设施", False),
    ("13", "新时代文明实践中心", False),
    ("14", "政务大厅", False),
    ("15", "银行网点", False),
    ("16", "窗口单位", False),
    ("17", "宾馆酒店", False),
    ("18", "商场超市", False),
    ("19", "集贸市场", False),
    ("20", "医院", False),
    ("21", "社区", False),
    ("22", "小区", False),
    ("23", "建筑工地", False),
    ("24", "城乡接合部", False),
    ("25", "乡镇", False),
    ("26", "中小学校", True),
    ("27", "街道办事处", False),
    ("28", "街道综合文化站", False),
    ("29", "社区综合文化服务中心", False),
    ("30", "餐馆餐饮店", False),
    ("31", "实体书店", False),
    ("32", "电影院", False),
    ("33", "河道", False),
    ("34", "学校周边环境", True),
    ("35", "校外培训机构", True),
    ("36", "未成年人心理健康辅导站", True),
    ("37", "网吧", True),
]


def seed_site_types(SiteType: Any) -> None:
    for order, (code, name, minors) in enumerate(SITE_TYPES):
        SiteType.objects.update_or_create(
            code=code, defaults={"name": name, "minors": minors, "order": order}
        )


# ---------------------------------------------------------------- demo

DEMO_EDITION = ("2026", "2026年版测评标准（演示）")
ROAD_TYPES = ["主次干道", "商业大街"]
# (project, content, item code, rule, methods, site types, min count, allowed forms,
#  failure examples, points) — measurable rules in the style of the published 测评要点
DEMO_ITEMS: list[tuple[tuple[str, str], tuple[str, str], str, str, str, list[str], int | None, str, str, str]] = [
    (("P1", "公益广告宣传"), ("C1.1", "社会主义核心价值观和公益广告宣传"), "1.1.1",
     "步行 300 米，看到社会主义核心价值观、讲文明树新风等公益广告", "实地考察",
     ["主次干道"], 5, "固定式公益广告、灯杆道旗、电子屏", "横幅、易拉宝、小插件不计入；褪色、污损、被小广告覆盖", "2"),
    (("P1", "公益广告宣传"), ("C1.1", "社会主义核心价值观和公益广告宣传"), "1.1.2",
     "步行 100 米，看到公益广告", "实地考察", ["商业大街", "背街小巷"], 5,
     "固定式公益广告、电子屏", "横幅、易拉宝不计入；内容过期", "2"),
    (("P1", "公益广告宣传"), ("C1.1", "社会主义核心价值观和公益广告宣传"), "1.1.3",
     "醒目位置至少有一处社会主义核心价值观和一处关心关爱未成年人公益广告",
     "实地考察", ["小区", "社区", "公园", "公共广场", "集贸市场", "商场超市", "宾馆酒店", "医院", "政务大厅", "学校周边环境"],
     2, "固定式公益广告", "横幅、易拉宝和小插件不计入；褪色、污损或被小广告覆盖", "2"),
    (("P1", "公益广告宣传"), ("C1.2", "公交站点公益广告"), "1.2.1",
     "乘坐公交 3 条线路、每条至少 5 站，所经 5 个站点至少看到 3 处公益广告", "实地考察",
     ["公交站点", "公交车"], 3, "站台灯箱、车载电子屏", "站台广告全部为商业广告", "2"),
    (("P2", "市容环境"), ("C2.1", "环境卫生"), "2.1.1",
     "路面、绿地干净整洁，无乱扔垃圾、烟头、暴露垃圾", "实地考察",
     ["主次干道", "商业大街", "背街小巷", "公共广场", "公园", "小区", "集贸市场"], None, "",
     "垃圾桶满溢；绿化带内有垃圾；烟头 5 个以上", "3"),
    (("P2", "市容环境"), ("C2.1", "环境卫生"), "2.1.2",
     "无乱张贴、乱涂写、乱刻画（城市“牛皮癣”）", "实地考察",
     ["主次干道", "商业大街", "背街小巷", "小区", "公交站点"], None, "", "电杆、墙面有小广告", "2"),
    (("P2", "市容环境"), ("C2.2", "市容秩序"), "2.2.1",
     "无占道经营、店外经营、流动摊贩", "实地考察",
     ["主次干道", "商业大街", "背街小巷", "集贸市场"], None, "", "门店出店经营；夜市超范围占道", "3"),
    (("P2", "市容环境"), ("C2.2", "市容秩序"), "2.2.2",
     "路面平整，无坑洼、积水；盲道连续、无占用", "实地考察",
     ["主次干道", "商业大街", "背街小巷"], None, "", "盲道被车辆占用或中断", "2"),
    (("P2", "市容环境"), ("C2.3", "背街小巷基础设施"), "2.3.1",
     "路灯装灯率 100%，亮灯率不低于 95%", "实地考察", ["背街小巷"], None, "",
     "夜间有路灯不亮；无路灯路段", "2"),
    (("P2", "市容环境"), ("C2.4", "公共厕所"), "2.4.1",
     "行走 500 米内可见公厕或公厕指示牌；厕所干净无异味、设施完好", "实地考察",
     ["室外公共厕所", "公园", "公共广场", "主次干道"], 1, "公厕、公厕指示牌", "行走500米未发现公厕指示牌或公厕", "2"),
    (("P3", "公共秩序"), ("C3.1", "交通秩序"), "3.1.1",
     "路口有文明交通志愿者或交警；机动车礼让行人，无闯红灯", "实地考察",
     ["主要交通路口"], 1, "", "行人或非机动车闯红灯（经志愿者劝阻的仍计入）", "3"),
    (("P3", "公共秩序"), ("C3.1", "交通秩序"), "3.1.2",
     "非机动车、机动车有序停放，不占用人行道、消防通道", "实地考察",
     ["主次干道", "商业大街", "小区", "医院", "商场超市"], None, "", "车辆占用消防通道", "2"),
    (("P3", "公共秩序"), ("C3.2", "市场秩序"), "3.2.1",
     "农贸市场划行归市，明码标价，有公平秤，无活禽宰杀", "实地考察",
     ["集贸市场"], None, "公平秤、价格牌", "无公平秤；价格牌缺失", "3"),
    (("P4", "公共服务"), ("C4.1", "窗口服务"), "4.1.1",
     "设立便民服务设施（饮水、老花镜、轮椅等）和无障碍通道", "实地考察",
     ["政务大厅", "银行网点", "窗口单位", "医院", "宾馆酒店", "商场超市"], 3, "", "无无障碍通道", "2"),
    (("P4", "公共服务"), ("C4.1", "窗口服务"), "4.1.2",
     "服务人员文明用语，佩戴工牌，无推诿刁难", "实地考察", ["政务大厅", "银行网点", "窗口单位", "医院"],
     None, "", "工作人员玩手机、不理睬群众", "2"),
    (("P4", "公共服务"), ("C4.2", "禁烟控烟"), "4.2.1",
     "室内公共场所有禁烟标识，无人吸烟、无烟头", "实地考察",
     ["宾馆酒店", "商场超市", "医院", "政务大厅", "网吧", "电影院"], 1, "禁烟标识", "室内有人吸烟或有烟头", "2"),
    (("P5", "未成年人思想道德建设"), ("C5.1", "校园周边环境"), "5.1.1",
     "学校周边 200 米内无网吧、娱乐场所、无证摊点", "实地考察",
     ["学校周边环境", "中小学校"], None, "", "周边有向未成年人售烟酒的店铺", "3"),
    (("P5", "未成年人思想道德建设"), ("C5.1", "校园周边环境"), "5.1.2",
     "网吧醒目位置有“未成年人禁止入内”标志，无未成年人上网", "实地考察",
     ["网吧"], 1, "固定标志", "有未成年人在场", "3"),
    (("P6", "志愿服务与文明实践"), ("C6.1", "志愿服务站点"), "6.1.1",
     "设有学雷锋志愿服务站，有人值守，标识统一", "实地考察",
     ["公共广场", "公园", "新时代文明实践中心", "社区", "公交站点"], 1, "", "站点无人或挪作他用", "2"),
    (("P6", "志愿服务与文明实践"), ("C6.2", "工作台账"), "6.2.1",
     "社区建立志愿服务台账、居民公约，按时更新", "材料审核、网上申报",
     ["社区"], None, "纸质台账或平台记录", "台账缺失或半年以上未更新", "2"),
    (("P7", "群众满意度"), ("C7.1", "市民问卷"), "7.1.1",
     "市民对创建工作的知晓率、支持率、满意率", "问卷调查", [], None, "", "", "10"),
]  # fmt: skip

# (site type, per street, responsible unit: "street" = the street office, else a unit code,
#  paired units)
DEMO_SITES: list[tuple[str, int, str, list[str]]] = [
    ("主次干道", 3, "street", ["D-CG"]),
    ("商业大街", 1, "street", ["D-SW", "D-CG"]),
    ("背街小巷", 4, "street", ["D-ZJ"]),
    ("主要交通路口", 2, "D-JG", ["street"]),
    ("公交站点", 2, "D-JG", []),
    ("小区", 6, "street", ["D-ZJ"]),
    ("社区", 2, "street", []),
    ("集贸市场", 1, "D-SJ", ["street"]),
    ("公共广场", 1, "D-CG", ["street"]),
    ("公园", 1, "D-WL", []),
    ("宾馆酒店", 2, "D-SW", []),
    ("商场超市", 2, "D-SW", ["D-SJ"]),
    ("医院", 1, "D-WJ", []),
    ("学校周边环境", 1, "D-JY", ["street"]),
    ("网吧", 1, "D-WL", []),
    ("室外公共厕所", 1, "D-CG", []),
]
SUFFIX = {
    "主次干道": ["大街", "路", "大道"],
    "商业大街": ["步行街"],
    "背街小巷": ["巷", "胡同", "后街", "小巷"],
    "主要交通路口": ["路口"],
    "公交站点": ["公交站"],
    "小区": ["小区", "花园", "家园", "佳苑", "新村", "嘉园"],
    "社区": ["社区"],
    "集贸市场": ["农贸市场"],
    "公共广场": ["广场"],
    "公园": ["公园"],
    "宾馆酒店": ["宾馆", "大酒店"],
    "商场超市": ["超市", "购物中心"],
    "医院": ["医院"],
    "学校周边环境": ["小学周边"],
    "网吧": ["网咖"],
    "室外公共厕所": ["公厕"],
}
# (username, name, role, unit code; "street:<code>" = that street's office)
EV_USERS = [
    ("ev_ccb", "吴文明", "ev_office", "EV-CCB"),
    ("ev_cpy", "孙测评", "ev_evaluator", "EV-CCB"),
    ("ev_sw", "刘商务", "ev_unit", "D-SW"),
    ("ev_zsxl", "马街道", "ev_unit", "S-150103004"),
    ("ev_ld", "周书记", "ev_leader", "EV-CCB"),
]


@transaction.atomic
def build_evaluation_demo(password: str, seed: int = 26) -> dict[str, int]:
    """The demo's 创城办, its people, a published standard and a few hundred sites (once)."""
    from chuangcheng.evaluation.models import CheckItem, Content, Edition, Project, Site, SiteType
    from chuangcheng.org.models import Membership, Region, Unit

    seed_site_types(SiteType)
    city = Region.objects.filter(level=Region.Level.CITY).order_by("pk").first()
    if city is None:
        return {"sites": 0, "items": 0}
    Unit.objects.get_or_create(
        code="EV-CCB",
        defaults={
            "name": "市精神文明建设委员会办公室（创城办）",
            "short_name": "创城办",
            "kind": Unit.Kind.CENTRE,
            "region": city,
        },
    )
    users = get_user_model().objects
    hashed = make_password(password)
    for username, name, role, unit_code in EV_USERS:
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            continue
        user = users.filter(username=username).first()
        if user is None:
            user = users.create(username=username, password=hashed, first_name=name)
        Membership.objects.get_or_create(user=user, role=role, unit=unit)
    if Edition.objects.exists():
        return {"sites": Site.objects.count(), "items": CheckItem.objects.count()}
    types = {t.name: t for t in SiteType.objects.all()}
    edition = Edition.objects.create(
        code=DEMO_EDITION[0],
        name=DEMO_EDITION[1],
        status=Edition.Status.PUBLISHED,
        published_at=None,
        note="按已公开的测评要点整理的演示标准",
    )
    projects: dict[str, Project] = {}
    contents: dict[str, Content] = {}
    labels = {
        "实地考察": "field",
        "材料审核": "material",
        "问卷调查": "survey",
        "网上申报": "online",
    }
    for order, (p, c, code, rule, methods, kinds, count, forms, fails, points) in enumerate(
        DEMO_ITEMS
    ):
        if p[0] not in projects:
            projects[p[0]] = Project.objects.create(
                edition=edition, code=p[0], name=p[1], order=len(projects)
            )
        if c[0] not in contents:
            contents[c[0]] = Content.objects.create(
                project=projects[p[0]], code=c[0], name=c[1], order=len(contents)
            )
        item = CheckItem.objects.create(
            content=contents[c[0]],
            code=code,
            rule=rule,
            methods=[labels[m] for m in methods.split("、")],
            min_count=count,
            allowed_forms=forms,
            failure_examples=fails,
            points=Decimal(points),
            order=order,
        )
        item.site_types.set([types[k] for k in kinds])
    rng = random.Random(seed)
    units = {u.code: u for u in Unit.objects.all()}
    streets = list(Region.objects.filter(level=Region.Level.STREET).order_by("code"))
    communities: dict[int, list[Region]] = {}
    for r in Region.objects.filter(level=Region.Level.COMMUNITY).order_by("code"):
        communities.setdefault(r.parent_id or 0, []).append(r)
    sites = []
    paired_rows = []
    n = 0
    for street in streets:
        office_unit = units.get(f"S-{street.code}")
        comms = communities.get(street.pk, [])
        if office_unit is None or not comms or street.lat is None or street.lng is None:
            continue
        short = street.name.removesuffix("街道")
        for kind, per_street, responsible, paired in DEMO_SITES:
            for i in range(per_street):
                n += 1
                community = comms[(n + i) % len(comms)]
                base = community.name.removesuffix("社区")
                name = f"{base if i % 2 else short}{rng.choice(SUFFIX[kind])}"
                if kind == "社区":
                    name = community.name
                lat = (community.lat or street.lat) + rng.uniform(-0.004, 0.004)
                lng = (community.lng or street.lng) + rng.uniform(-0.004, 0.004)
                unit = office_unit if responsible == "street" else units[responsible]
                site = Site(
                    code=f"{street.code}-{types[kind].code}{i + 1:02d}",
                    name=name,
                    site_type=types[kind],
                    street=street,
                    community=community,
                    address=f"{street.name}{community.name}",
                    lat=round(lat, 6),
                    lng=round(lng, 6),
                    unit=unit,
                )
                sites.append(site)
                for pu in paired:
                    paired_rows.append((site, office_unit if pu == "street" else units[pu]))
    Site.objects.bulk_create(sites)
    through = Site.paired_units.through
    through.objects.bulk_create(
        [through(site_id=s.pk, unit_id=u.pk) for s, u in paired_rows if u.pk != s.unit_id]
    )
    return {"sites": len(sites), "items": len(DEMO_ITEMS)}

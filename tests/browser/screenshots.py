"""Screenshots for the README tour (docs/screenshots/*.png).

The browser tests call `save()` at the interesting moments; it does nothing unless
CC_SCREENSHOTS=1, so ordinary test runs leave docs/ alone:

    CC_SCREENSHOTS=1 CC_TEST_DB_NAME=test_cc_web .venv/bin/python -m pytest tests/browser -q -p no:cacheprovider

Images are palette-compressed to stay small (< 200 KB).

The leader's dashboard, an order at review (suggestions and likely repeats), the 热点 page and
a street office's queue are taken from the running demo instead (a year of history, every unit ranked, a water outage
with nine callers), since the few orders a test makes show little there:

    make demo &   # then, once it serves:
    .venv/bin/python tests/browser/screenshots.py http://127.0.0.1:8000 <demo password>
    .venv/bin/python tests/browser/screenshots.py http://127.0.0.1:8000 <demo password> evaluation
    .venv/bin/python tests/browser/screenshots.py http://127.0.0.1:8000 <demo password> volunteer
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PIL import Image

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MAX_BYTES = 200 * 1024


def enabled() -> bool:
    return os.environ.get("CC_SCREENSHOTS") == "1"


def compress(png: bytes) -> bytes:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    for colors in (256, 128, 64):
        buf = io.BytesIO()
        image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT).save(
            buf, "PNG", optimize=True
        )
        if buf.tell() <= MAX_BYTES:
            break
    return buf.getvalue()


def save(page: Any, name: str, *, full_page: bool = False) -> Path | None:
    if not enabled():
        return None
    OUT.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)
    path = OUT / f"{name}.png"
    path.write_bytes(compress(page.screenshot(full_page=full_page)))
    return path


def seed_history(city: Any, *, months: int = 12, per_month: int = 14, seed: int = 12345) -> None:
    """A year of closed orders across units and streets (backdated through the services), so
    the dashboard has something to show, plus open orders in 中山西路街道's queue."""
    import datetime as dt
    import random

    from django.utils import timezone

    from chuangcheng.cases.services import case_open, case_transition
    from chuangcheng.org.models import Region
    from tests.conftest import actor

    rng = random.Random(seed)
    operator, dispatcher = actor("operator"), actor("dispatcher")
    callback = actor("callback")
    handler_of = {"S-150103004": actor("handler_zsxl"), "D-CG": actor("handler_cg")}
    communities = list(
        Region.objects.filter(level=Region.Level.COMMUNITY).select_related("parent__parent")
    )
    subjects = [
        ("060103", "夜市摊贩占道经营", "D-CG"),
        ("020101", "广场舞噪音扰民", "S-150103004"),
        ("090104", "楼上漏水邻里纠纷", "S-150103004"),
        ("080101", "暖气不热室温偏低", "U-GR"),
        ("030101", "小区门口车辆乱停", "D-JG"),
        ("010101", "物业不作为垃圾堆积", "S-150103004"),
        ("090102", "井盖破损存在隐患", "D-CG"),
        ("050101", "工地拖欠农民工工资", "D-RS"),
        ("060102", "餐馆卫生状况差", "D-SJ"),
        ("080102", "自来水水压不足", "U-GS"),
    ]
    now = timezone.now()
    today = timezone.localdate()

    def open_one(t: dt.datetime, code: str, title: str) -> Any:
        region = rng.choice(communities)
        case, _ = case_open(
            kind="hotline",
            actor=operator,
            now=t,
            region=region,
            fields={
                "source": "hotline",
                "channel": rng.choice(["phone", "phone", "wechat", "web"]),
                "title": title,
                "content": f"{region.name}{title}，希望尽快处理。",
                "address": f"{region.name}",
            },
            detail={  # the order's own row
                "appeal_type": rng.choice(
                    ["help", "help", "complaint", "complaint", "consult", "suggestion", "report"]
                ),
                "urgency": "normal",
            },
            contact={
                "name": "市民",
                "phone": f"139{rng.randrange(10**7, 10**8)}",
                "confidential": False,
            },
        )
        case_transition(
            case_id=case.pk,
            action="review",
            actor=dispatcher,
            data={"category": code},
            now=t + dt.timedelta(minutes=30),
        )
        return case

    for back in range(months, 0, -1):
        first = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        year, mon = first.year, first.month - (back - 1)
        while mon <= 0:
            year, mon = year - 1, mon + 12
        for _ in range(per_month + rng.randrange(0, 8)):
            code, title, unit_code = rng.choice(subjects)
            unit = city.units[unit_code]
            t = timezone.make_aware(
                dt.datetime(
                    year, mon, rng.randrange(1, 25), rng.randrange(8, 18), rng.randrange(0, 60)
                )
            )
            case = open_one(t, code, title)
            handler = handler_of.get(unit_code) or actor(_handler_for(unit_code))
            step = t + dt.timedelta(hours=1)
            case_transition(
                case_id=case.pk,
                action="dispatch",
                actor=dispatcher,
                data={"lead_unit": unit.pk},
                now=step,
            )
            case_transition(
                case_id=case.pk, action="accept", actor=handler, now=step + dt.timedelta(minutes=40)
            )
            late = rng.random() < 0.05
            case_transition(
                case_id=case.pk,
                action="contact",
                actor=handler,
                data={"note": "已联系"},
                now=step + dt.timedelta(hours=30 if late else 3),
            )
            case_transition(
                case_id=case.pk,
                action="feedback",
                actor=handler,
                data={"result": "已现场处置完毕。"},
                now=step + dt.timedelta(days=rng.randrange(1, 5)),
            )
            case_transition(
                case_id=case.pk,
                action="approve_feedback",
                actor=dispatcher,
                now=step + dt.timedelta(days=5),
            )
            r = rng.random()
            resolution = "resolved" if r < 0.86 else ("partly" if r < 0.93 else "unresolved")
            s = rng.random()
            satisfaction = "satisfied" if s < 0.8 else ("basic" if s < 0.9 else "unsatisfied")
            case_transition(
                case_id=case.pk,
                action="callback",
                actor=callback,
                data={
                    "contacted": "true",
                    "resolution": resolution,
                    "satisfaction": satisfaction,
                },
                now=step + dt.timedelta(days=6),
            )
            if case_status(case.pk) == "unsatisfied":
                case_transition(
                    case_id=case.pk,
                    action="close",
                    actor=callback,
                    data={"note": "已解释"},
                    now=step + dt.timedelta(days=7),
                )
    # open orders in 中山西路街道's queue, some close to or past their deadline
    for i, (code, title, _u) in enumerate(subjects[:8]):
        t = now - dt.timedelta(days=[9, 6, 5, 4, 3, 2, 1, 0][i], hours=rng.randrange(0, 6))
        case = open_one(t, code, title)
        case_transition(
            case_id=case.pk,
            action="dispatch",
            actor=dispatcher,
            data={"lead_unit": city.units["S-150103004"].pk},
            now=t + dt.timedelta(hours=1),
        )
        if i % 2:
            case_transition(
                case_id=case.pk,
                action="accept",
                actor=handler_of["S-150103004"],
                now=t + dt.timedelta(hours=2),
            )


def case_status(case_id: int) -> str:
    from chuangcheng.cases.models import Case

    return Case.objects.values_list("status", flat=True).get(pk=case_id)


def _handler_for(unit_code: str) -> str:
    from django.contrib.auth import get_user_model

    from chuangcheng.org.models import Membership, Unit

    name = f"h_{unit_code.lower().replace('-', '_')}"
    user, created = get_user_model().objects.get_or_create(
        username=name, defaults={"first_name": name}
    )
    if created:
        Membership.objects.create(user=user, role="handler", unit=Unit.objects.get(code=unit_code))
    return name


def _demo_page(browser: Any, base_url: str, user: str, password: str, next_url: str) -> Any:
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page.goto(f"{base_url}/login/?next={next_url}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


@contextlib.contextmanager
def _chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            browser.close()


def demo_tour(base_url: str, password: str) -> list[Path]:
    """Log in to a running demo and save the screenshots that need its year of data:
    the leader's dashboard, an order at review with the model's suggestions and its likely
    repeats (the demo's water outage, several callers), and the 热点 page."""
    os.environ["CC_SCREENSHOTS"] = "1"
    saved: list[Path | None] = []
    with _chromium() as browser:
        page = _demo_page(browser, base_url, "leader", password, "/hotline/dashboard/")
        page.wait_for_selector("#chart-trend[data-rendered]")
        saved.append(save(page, "dashboard"))
        page.close()

        page = _demo_page(browser, base_url, "dispatcher", password, "/hotline/dispatch/")
        page.locator("tr", has_text="小区停水没有通知").first.locator("a").first.click()
        page.wait_for_load_state("networkidle")
        page.wait_for_selector("text=疑似重复工单")
        saved.append(save(page, "review", full_page=True))
        page.goto(f"{base_url}/hotline/hot/")
        page.wait_for_load_state("networkidle")
        saved.append(save(page, "hot"))
        page.close()

        page = _demo_page(browser, base_url, "handler_zsxl", password, "/hotline/queue/")
        saved.append(save(page, "queue"))
    return [path for path in saved if path is not None]


def evaluation_tour(base_url: str, password: str) -> list[Path]:
    """创城测评 from the demo's year: the leader's 测评得分, an evaluator's checklist on a phone and
    the 创城办's 报表 page."""
    os.environ["CC_SCREENSHOTS"] = "1"
    saved: list[Path | None] = []
    with _chromium() as browser:
        page = _demo_page(browser, base_url, "ev_ld", password, "/evaluation/scores/")
        page.wait_for_selector("#ev-trend[data-rendered]")
        saved.append(save(page, "evaluation-scores"))
        page.close()
        page = _demo_page(browser, base_url, "ev_cpy", password, "/evaluation/today/")
        page.set_viewport_size({"width": 390, "height": 844})
        page.locator("[data-testid=open] a").first.click()
        page.wait_for_selector("[data-checklist]")
        saved.append(save(page, "evaluation-checklist"))
        page.close()
        page = _demo_page(browser, base_url, "ev_ccb", password, "/reports/")
        page.wait_for_selector("[data-testid=report-archive]")
        saved.append(save(page, "reports"))
    return [path for path in saved if path is not None]


def volunteer_tour(base_url: str, password: str) -> list[Path]:
    """新时代文明实践 from the demo's year: a 站's page on a resident's phone, a volunteer's page
    (hours, star, points), the counter of the 文明团结超市, and the 所's monthly figures of
    last month."""
    os.environ["CC_SCREENSHOTS"] = "1"
    saved: list[Path | None] = []
    phone = {"width": 390, "height": 844}
    with _chromium() as browser:
        page = _demo_page(browser, base_url, "vol_jm", password, "/v/z150103004003/")
        page.set_viewport_size(phone)
        saved.append(save(page, "volunteer-station"))
        page.close()
        page = _demo_page(browser, base_url, "vol_zyz", password, "/volunteer/me/")
        page.set_viewport_size(phone)
        saved.append(save(page, "volunteer-me"))
        page.close()
        page = _demo_page(browser, base_url, "vol_zhan", password, "/volunteer/activities/")
        page.locator("a", has_text="今日：社区环境整治").first.click()
        page.wait_for_load_state("networkidle")
        saved.append(save(page, "volunteer-activity"))
        page.close()
        last = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
        page = _demo_page(browser, base_url, "vol_suo", password, f"/volunteer/stats/?month={last}")
        saved.append(save(page, "volunteer-stats"))
    return [path for path in saved if path is not None]


TOURS = {"evaluation": evaluation_tour, "volunteer": volunteer_tour}

if __name__ == "__main__":
    import sys

    tour = TOURS[sys.argv[3]] if sys.argv[3:] else demo_tour
    for path in tour(sys.argv[1].rstrip("/"), sys.argv[2]):
        print(path)

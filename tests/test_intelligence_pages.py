"""智能辅助 on the pages: 派单建议 and 疑似重复工单 on an order (with 并入此单 through the
ordinary action view), 可能重复的在办工单 while typing at intake, and 热点问题 · 未诉先办."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from chuangcheng.cases.models import Case
from chuangcheng.cases.services import case_transition
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.hotline.selectors import most_reported_open
from chuangcheng.hotline.services import hotline_intake
from chuangcheng.intelligence import services as intel
from tests.conftest import INTAKE, actor

HEATING = ["小区暖气不热，室温只有十五度", "家里暖气片冰凉，供暖不达标", "暖气不热老人孩子受冻"]
NOISE = ["楼下烧烤店夜间噪音扰民", "广场舞音响声音太大噪音扰民", "工地夜间施工噪音很大"]
STALLS = ("海亮广场北门占道经营", "海亮广场北门每天晚上流动摊贩占道经营")
STALLS_AGAIN = ("海亮广场北门摊贩占道", "海亮广场北门晚上又有摊贩占道经营，油烟大")


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    caches["default"].clear()


def login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def intake(title: str, content: str, **extra: Any) -> Case:
    case, _ = hotline_intake(
        actor=actor("operator"), data={**INTAKE, "title": title, "content": content, **extra}
    )
    return case


def close(case: Case, category: str, unit_id: int) -> None:
    d = actor("dispatcher")
    case_transition(case_id=case.pk, action="review", actor=d, data={"category": category})
    case_transition(case_id=case.pk, action="dispatch", actor=d, data={"lead_unit": unit_id})
    Case.objects.filter(pk=case.pk).update(status="closed", closed_at=timezone.now())


@pytest.fixture
def trained(city: Any) -> None:
    """80 closed orders (heating → 供热, noise → 环保), then both routing models."""
    intel.clear_cache()
    heat, hb = city.units["U-GR"].pk, city.units["D-HB"].pk
    for i in range(40):
        close(intake(HEATING[i % 3][:8], HEATING[i % 3] + f"，第{i}号楼"), "080101", heat)
        close(intake(NOISE[i % 3][:8], NOISE[i % 3] + f"，第{i}号楼"), "020101", hb)
    call_command("train_router", "--no-eval")
    intel.clear_cache()


def selected_value(html: str, select_name: str, form_id_prefix: str) -> str | None:
    """The selected option of a <select name=...> whose id starts with form_id_prefix."""
    m = re.search(
        rf'<select name="{select_name}"[^>]*id="{form_id_prefix}[^"]*"[^>]*>(.*?)</select>',
        html,
        re.S,
    )
    assert m, f"no select {select_name} ({form_id_prefix})"
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', m.group(1))
    return chosen.group(1) if chosen else None


# ------------------------------------------------------------------ who may open what
@pytest.mark.parametrize("url", ["/hotline/hot/", "/hotline/intake/repeats/"])
def test_anonymous_is_sent_to_login(city: Any, url: str) -> None:
    resp = Client().get(url)
    assert resp.status_code == 302 and resp["Location"].startswith("/login/?next=")


@pytest.mark.parametrize(
    ("url", "username"),
    [
        ("/hotline/hot/", "handler_zsxl"),
        ("/hotline/hot/", "operator"),
        ("/hotline/hot/", "callback"),
        ("/hotline/intake/repeats/", "handler_zsxl"),
    ],
)
def test_wrong_role_gets_a_chinese_403(city: Any, url: str, username: str) -> None:
    resp = login(username).get(url)
    assert resp.status_code == 403 and "无权访问" in resp.content.decode()


@pytest.mark.parametrize("username", ["dispatcher", "supervisor", "leader"])
def test_hot_page_roles_and_nav_link(city: Any, username: str) -> None:
    resp = login(username).get("/hotline/hot/")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "热点问题 · 未诉先办" in html
    assert re.search(r'<a href="/hotline/hot/" class="active"[^>]*>热点</a>', html)
    assert "本周暂无明显上升的问题" in html and "暂无多人反映的在办工单" in html


def test_nav_link_hidden_from_other_roles(city: Any) -> None:
    html = login("operator").get("/hotline/intake/").content.decode()
    assert 'href="/hotline/hot/"' not in html


# ------------------------------------------------------------------ 智能派单建议
def test_no_model_shows_a_quiet_note(city: Any) -> None:
    intel.clear_cache()
    case = intake("暖气不热", "家里暖气不热已经三天了")
    html = login("dispatcher").get(f"/hotline/cases/{case.pk}/").content.decode()
    assert "智能派单建议" in html and "尚未训练派单模型（manage.py train_router）" in html
    assert "疑似重复工单" in html and "未发现疑似重复的在办工单" in html
    # not for roles that do not sort orders out, nor once an order is dispatched
    assert (
        "智能派单建议" not in login("operator").get(f"/hotline/cases/{case.pk}/").content.decode()
    )
    d = actor("dispatcher")
    case_transition(case_id=case.pk, action="review", actor=d, data={"category": "080101"})
    case_transition(
        case_id=case.pk, action="dispatch", actor=d, data={"lead_unit": city.units["U-GR"].pk}
    )
    assert (
        "智能派单建议" not in login("dispatcher").get(f"/hotline/cases/{case.pk}/").content.decode()
    )


def test_suggestions_prefill_review_and_dispatch(trained: None, city: Any) -> None:
    case = intake("暖气片不热", "我家暖气一直不热，室温太低，第99号楼")
    out = intel.suggest(case.title, case.content)
    assert out["confident"] == {"categories": "080101", "units": str(city.units["U-GR"].pk)}
    client = login("dispatcher")
    html = client.get(f"/hotline/cases/{case.pk}/").content.decode()
    assert "尚未训练派单模型" not in html
    assert 'data-testid="suggest-categories"' in html and 'data-testid="suggest-units"' in html
    pct = round(100 * out["categories"][0]["confidence"])
    assert f"模型建议 {pct}%" in html and out["categories"][0]["label"] in html
    assert out["units"][0]["label"] in html
    assert selected_value(html, "category", f"id_review_{case.pk}_") == "080101"
    assert "已按模型建议预选" in html
    # reviewed into a category: the dispatch form takes the model's unit; 派单目录 shown too
    case_transition(
        case_id=case.pk, action="review", actor=actor("dispatcher"), data={"category": "080101"}
    )
    html = client.get(f"/hotline/cases/{case.pk}/").content.decode()
    assert selected_value(html, "lead_unit", f"id_dispatch_{case.pk}_") == str(
        city.units["U-GR"].pk
    )
    assert "派单目录" in html
    # a supervisor sees the suggestions, read-only
    html = login("supervisor").get(f"/hotline/cases/{case.pk}/").content.decode()
    assert 'data-testid="suggest-units"' in html and "并入此单" not in html


def test_an_unconfident_model_leaves_the_catalogue_choice(trained: None, city: Any) -> None:
    case = intake("咨询社保卡补办", "社保卡丢了怎么补办，需要带什么材料")
    out = intel.suggest(case.title, case.content)
    if out["confident"].get("units"):
        pytest.skip("the model happens to be confident about this text")
    d = actor("dispatcher")
    case_transition(case_id=case.pk, action="review", actor=d, data={"category": "060103"})
    html = login("dispatcher").get(f"/hotline/cases/{case.pk}/").content.decode()
    chosen = selected_value(html, "lead_unit", f"id_dispatch_{case.pk}_")
    from chuangcheng.hotline.selectors import suggest_unit

    unit = suggest_unit(Case.objects.get(pk=case.pk))
    assert chosen == (str(unit.pk) if unit else None)


# ------------------------------------------------------------------ 疑似重复工单 and 并入此单
def test_repeats_panel_and_merge_button(city: Any) -> None:
    first = intake(*STALLS)
    again = intake(*STALLS_AGAIN)
    intake("暖气不热", "家里暖气不热已经三天了，请供热公司处理")
    client = login("dispatcher")
    html = client.get(f"/hotline/cases/{again.pk}/").content.decode()
    panel = html[html.index('data-testid="intel-repeats"') :]
    assert f'data-repeat="{first.number}"' in panel
    assert f'href="/hotline/cases/{first.pk}/"' in panel
    assert re.search(r'<span class="tag strong">内容相似度 \d+%</span>', panel)
    assert "同一社区" in panel and "小时内" in panel
    assert f'data-merge-into="{first.number}"' in panel
    assert f'action="/hotline/cases/{again.pk}/do/merge/"' in panel
    # a supervisor sees the same list but no button
    html = login("supervisor").get(f"/hotline/cases/{again.pk}/").content.decode()
    assert f'data-repeat="{first.number}"' in html and "data-merge-into" not in html
    # the button posts the ordinary merge action
    resp = client.post(
        f"/hotline/cases/{again.pk}/do/merge/", {"into": first.number, "note": "疑似重复工单"}
    )
    assert resp.status_code == 302
    first.refresh_from_db()
    again.refresh_from_db()
    assert first.hotline.reporter_count == 2 and again.status == "merged"
    assert again.merged_into_id == first.pk
    html = client.get(f"/hotline/cases/{first.pk}/").content.decode()
    assert re.search(r'data-testid="reporter-count">2 人反映<', html)
    html = client.get(f"/hotline/cases/{again.pk}/").content.decode()
    assert re.search(
        rf'data-testid="merged-into">已并入工单 <a class="mono" '
        rf'href="/hotline/cases/{first.pk}/">{first.number}</a>',
        html,
    )
    assert "智能派单建议" not in html  # merged: nothing left to sort out


def test_a_refused_merge_shows_the_error_as_usual(city: Any) -> None:
    again = intake(*STALLS_AGAIN)
    resp = login("dispatcher").post(
        f"/hotline/cases/{again.pk}/do/merge/", {"into": "20990101000001"}
    )
    assert resp.status_code in (400, 404, 409)
    html = resp.content.decode()
    assert 'data-testid="error"' in html and 'data-testid="intel"' in html
    assert Case.objects.get(pk=again.pk).status == "received"


# ------------------------------------------------------------------ intake: 可能重复的在办工单
def test_intake_repeats_partial(city: Any) -> None:
    first = intake(*STALLS)
    client = login("operator")
    page = client.get("/hotline/intake/").content.decode()
    assert (
        'hx-get="/hotline/intake/repeats/"' in page
        and "input changed delay:600ms from:#id_title" in page
    )
    resp = client.get(
        "/hotline/intake/repeats/",
        {
            "title": "北门摊贩占道经营",
            "content": "海亮广场北门每天晚上流动摊贩占道经营",
            "address": str(INTAKE["address"]),
            "lat": str(INTAKE["lat"]),
            "lng": str(INTAKE["lng"]),
        },
        headers={"HX-Request": "true"},
    )
    html = resp.content.decode()
    assert resp.status_code == 200 and "<html" not in html
    assert "可能重复的在办工单（1）" in html and f'data-repeat="{first.number}"' in html
    assert "内容相似度" in html
    # nothing like it
    html = client.get(
        "/hotline/intake/repeats/",
        {"title": "路灯不亮", "content": "小区门口路灯坏了一个月", "lat": "bad", "lng": ""},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "未发现可能重复的在办工单" in html
    # nothing typed yet: an empty panel
    assert client.get("/hotline/intake/repeats/").content.decode().strip() == ""


# ------------------------------------------------------------------ 热点问题 · 未诉先办
def test_hot_page_lists_a_spike_and_links_to_its_orders(city: Any) -> None:
    now = timezone.now()
    cat = city.categories["090103"]
    normal = intake("飞线充电", "楼道里有人飞线充电，很危险")
    Case.objects.filter(pk=normal.pk).update(category=cat, created_at=now - dt.timedelta(days=20))
    spike = []
    for i in range(8):
        c = intake("飞线充电", f"小区{i}号楼楼道飞线充电，存在火灾隐患")
        Case.objects.filter(pk=c.pk).update(category=cat, created_at=now - dt.timedelta(hours=i))
        spike.append(c)
    client = login("supervisor")
    html = client.get("/hotline/hot/").content.decode()
    card = html[html.index('data-testid="hot-issue"') :]
    assert "中山西路街道" in card and "飞线充电" in card
    assert '<span class="hot-count">8</span>' in card and "常态约" in card
    link = re.search(r'<a class="btn small" href="([^"]+)">查看工单</a>', card)
    assert link
    url = link.group(1).replace("&amp;", "&")
    assert url.startswith("/hotline/cases/?") and "street=" in url and "category=" in url
    listed = client.get(url).content.decode()
    assert 'data-testid="hot-filter"' in listed
    numbers = set(re.findall(r'data-case="(\d+)"', listed))
    assert numbers == {c.number for c in spike}


def test_most_reported_open_orders(city: Any) -> None:
    first = intake(*STALLS)
    again = intake(*STALLS_AGAIN)
    third = intake("海亮广场北门摊贩", "海亮广场北门流动摊贩占道经营，晚上很吵")
    d = actor("dispatcher")
    for other in (again, third):
        case_transition(case_id=other.pk, action="merge", actor=d, data={"into": first.number})
    assert [c.pk for c in most_reported_open(d)] == [first.pk]
    html = login("leader").get("/hotline/hot/").content.decode()
    section = html[html.index('data-testid="clusters"') :]
    assert f'data-case="{first.number}"' in section and "3 人反映" in section
    assert again.number not in section
    # closed orders drop out
    Case.objects.filter(pk=first.pk).update(status="closed")
    assert most_reported_open(d) == []


def test_case_list_filters_street_category_since(city: Any) -> None:
    cat = city.categories["090103"]
    old = intake("飞线充电", "楼道飞线充电")
    new = intake("飞线充电", "楼道又有飞线充电")
    other = intake("飞线充电", "楼道飞线充电", lat=40.76, lng=111.67, address="玉泉区小召前街")
    Case.objects.filter(pk__in=[old.pk, new.pk, other.pk]).update(category=cat)
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    since = (timezone.localdate() - dt.timedelta(days=6)).isoformat()
    client = login("dispatcher")
    html = client.get(
        "/hotline/cases/", {"street": new.street_id, "category": cat.pk, "since": since}
    ).content.decode()
    assert set(re.findall(r'data-case="(\d+)"', html)) == {new.number}
    assert f'name="since" value="{since}"' in html
    # bad values are ignored rather than refused
    html = client.get("/hotline/cases/", {"street": "x", "since": "not-a-date"}).content.decode()
    assert {old.number, new.number, other.number} <= set(re.findall(r'data-case="(\d+)"', html))

"""People are shown by name, not username (histories, the page shell, the admin's lists); the
admin speaks Chinese and is one click from the pages for an administrator, and back."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.utils import translation

from chuangcheng.cases.models import CaseEvent
from chuangcheng.cases.services import case_transition, contact_reveal
from chuangcheng.core.models import CalendarOverride, Setting
from chuangcheng.demo.city import DEMO_PASSWORD, DemoCity
from tests.conftest import actor
from tests.test_engine import client_for, new_case

CJK = re.compile(r"[\u4e00-\u9fff]")
USERNAMES = {"operator", "dispatcher", "handler_zsxl", "callback", "admin"}


def login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def test_a_person_is_their_name() -> None:
    from chuangcheng.org.people import person_name

    User = get_user_model()
    assert person_name(User(username="op7", last_name="王", first_name="芳")) == "王芳"
    assert person_name(User(username="op8", first_name="苏日娜")) == "苏日娜"
    assert person_name(User(username="guest", first_name="Anna", last_name="Schmidt")) == (
        "Anna Schmidt"
    )
    assert person_name(User(username="op9")) == "op9"  # no name: the username is all there is
    assert person_name(None) == ""


def test_the_demo_people_have_chinese_names(city: DemoCity) -> None:
    from chuangcheng.org.people import person_name

    users = {u.username: u for u in get_user_model().objects.all()}
    assert (users["operator"].last_name, users["operator"].first_name) == ("王", "芳")
    assert person_name(users["handler_zsxl"]) == "张敏"
    assert person_name(users["leader"]) == "孙伟"


@pytest.fixture
def dispatched(city: DemoCity) -> Any:
    case = new_case()
    for action, who, data in [
        ("review", "dispatcher", {}),
        ("dispatch", "dispatcher", {"lead_unit": city.units["S-150103004"].pk}),
        ("accept", "handler_zsxl", {}),
    ]:
        case = case_transition(case_id=case.pk, action=action, actor=actor(who), data=data)
    return case


def test_the_history_names_people(dispatched: Any) -> None:
    page = login("dispatcher").get(f"/hotline/cases/{dispatched.pk}/").content.decode()
    who = [w.split("·")[0].strip() for w in re.findall(r'class="ev-who[^"]*">([^<]*)<', page)]
    assert who == ["王芳", "李强", "李强", "张敏"]  # 受理, 复核, 派单, 签收
    assert not USERNAMES & set(who)
    events = client_for("dispatcher").get(f"/api/v1/cases/{dispatched.pk}").json()["events"]
    assert [e["actor"] for e in events] == ["王芳", "李强", "李强", "张敏"]


def test_an_event_of_someone_without_a_name_shows_their_username(dispatched: Any) -> None:
    get_user_model().objects.filter(username="handler_zsxl").update(first_name="", last_name="")
    page = login("dispatcher").get(f"/hotline/cases/{dispatched.pk}/").content.decode()
    assert "handler_zsxl" in page


def test_the_shell_shows_the_name(city: DemoCity) -> None:
    page = login("dispatcher").get("/hotline/dispatch/").content.decode()
    assert re.search(r'data-testid="display-name">李强<', page)
    page = login("citizen").get("/m/").content.decode()
    assert "周杰" in page
    get_user_model().objects.filter(username="citizen").update(first_name="", last_name="")
    page = login("citizen").get("/m/").content.decode()
    assert "我的账户" in page and ">citizen<" not in page and "citizen " not in page


def test_the_admin_is_one_click_away_for_administrators(city: DemoCity) -> None:
    page = login("admin").get("/hotline/dashboard/").content.decode()
    assert re.search(r'<a class="admin-link" href="/admin/"[^>]*>管理后台</a>', page)
    for username in ("leader", "dispatcher"):
        assert "管理后台" not in login(username).get("/").content.decode()
        page = login(username).get("/", follow=True).content.decode()
        assert 'href="/admin/"' not in page
    index = login("admin").get("/admin/").content.decode()
    assert "创城 · 管理后台" in index
    assert re.search(r'<a href="/">查看站点</a>', index)  # and back to the pages


def test_the_admin_speaks_chinese(city: DemoCity) -> None:
    with translation.override("zh-hans"):
        for model in admin.site._registry:
            meta = model._meta
            names = [str(meta.app_config.verbose_name), str(meta.verbose_name)]
            names += [str(meta.verbose_name_plural)]
            if meta.concrete_model.__module__.startswith("chuangcheng."):
                names += [
                    str(f.verbose_name)
                    for f in meta.get_fields()
                    if hasattr(f, "verbose_name") and not f.auto_created and not f.primary_key
                ]
            else:  # a library's model: the labels its admin form shows
                model_admin = admin.site._registry[model]
                form = model_admin.get_form(RequestFactory().get("/"), None)
                names += [str(field.label) for field in form.base_fields.values()]
            assert all(CJK.search(n) for n in names), (meta.label, names)


def test_every_admin_list_has_chinese_columns_and_names_people(dispatched: Any) -> None:
    from chuangcheng.hotline.tasks import warm_dashboards

    # a row in every list: 后台任务, 用户组, 工作日调整, 参数, 号码查看记录
    warm_dashboards.enqueue()
    Group.objects.create(name="值班长")
    CalendarOverride.objects.create(day=dt.date(2026, 12, 31), is_workday=False, note="演示")
    Setting.objects.create(key="hotline.basic_satisfaction_factor", value=0.9)
    contact_reveal(actor=actor("dispatcher"), case_id=dispatched.pk, reason="回拨")
    client = login("admin")
    for model, model_admin in admin.site._registry.items():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        page = client.get(url).content.decode()
        assert "<h1>" in page, url
        table = re.search(r'<table id="result_list">(.*?)</thead>', page, re.S)
        if table is not None:  # a list with rows: the rendered column headers
            headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table.group(1), re.S)
            texts = [re.sub(r"<[^>]+>|\s+", "", h) for h in headers]
        else:  # an empty list shows no table: the headers it would show
            with translation.override("zh-hans"):
                texts = [
                    str(label_for_field(name, model, model_admin))
                    for name in model_admin.list_display
                    if name != "action_checkbox"
                ]
        texts = [t for t in texts if t]  # the select-all checkbox has no text
        assert texts and all(CJK.search(t) for t in texts), (url, texts)
    events = client.get("/admin/cases/caseevent/").content.decode()
    assert "王芳" in events and "张敏" in events
    assert not re.search(r'class="field-person">(operator|dispatcher|handler_zsxl)<', events)
    assert CaseEvent.objects.filter(actor_name="operator").exists()  # history is not rewritten
    reveals = client.get("/admin/cases/contactreveal/").content.decode()
    assert '<td class="field-person">李强</td>' in reveals

"""The citizen's phone pages as a citizen uses them (issue 9, item 22): their name and phone
filled in, a numeric keypad for phone numbers, newest appeals first, their rating comment
shown after rating."""

from __future__ import annotations

import re

from django.test import Client

from chuangcheng.cases.models import Case
from chuangcheng.demo.city import DEMO_PASSWORD, DemoCity
from tests.test_engine import _fast_password_hashing, drive, new_case

__all__ = ["_fast_password_hashing"]


def citizen() -> Client:
    client = Client()
    assert client.login(username="citizen", password=DEMO_PASSWORD)
    return client


def _input(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, name
    return match.group(0)


def test_signed_in_citizen_finds_name_and_phone_filled_in(city: DemoCity) -> None:
    new_case(by="citizen", citizen_name="周杰", citizen_phone="13900001111")
    html = citizen().get("/m/submit/").content.decode()
    assert 'value="周杰"' in _input(html, "citizen_name")
    assert 'value="13900001111"' in _input(html, "citizen_phone")


def test_a_new_citizen_gets_their_account_name(city: DemoCity) -> None:
    html = citizen().get("/m/submit/").content.decode()
    assert 'value="周杰"' in _input(html, "citizen_name")


def test_phone_fields_open_the_numeric_keypad(city: DemoCity) -> None:
    submit = _input(citizen().get("/m/submit/").content.decode(), "citizen_phone")
    track = _input(Client().get("/m/track/").content.decode(), "phone")
    for tag in (submit, track):
        assert 'type="tel"' in tag and 'inputmode="numeric"' in tag, tag


def test_newest_appeals_first(city: DemoCity) -> None:
    cases = [new_case(by="citizen", title=f"第{i}件诉求") for i in range(7)]
    newest_first = [c.number for c in reversed(cases)]
    home = citizen().get("/m/").content.decode()
    shown = re.findall(r'<span class="mono">(\d+)</span>', home)
    assert shown == newest_first[:5]
    listed = citizen().get("/m/cases/").content.decode()
    assert re.findall(r'<span class="mono">(\d+)</span>', listed) == newest_first


def test_rating_comment_is_shown_after_rating(city: DemoCity) -> None:
    case = drive(city, new_case(by="citizen"), "closed")
    client = citizen()
    resp = client.post(f"/m/cases/{case.pk}/rate/", {"rating": "4", "comment": "师傅很负责，谢谢"})
    assert resp.status_code == 302
    html = client.get(f"/m/cases/{case.pk}/").content.decode()
    assert "师傅很负责，谢谢" in html and 'data-testid="rate-form"' not in html
    assert Case.objects.get(pk=case.pk).hotline.citizen_rating == 4

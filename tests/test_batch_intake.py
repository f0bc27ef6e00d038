"""Batch intake for integrations: POST /api/v1/cases/batch (hotline_intake_many / case_open_many)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connections

from chuangcheng.cases.models import Case, CaseContact, CaseEvent, RepeatKey
from chuangcheng.cases.selectors import verify_chain
from chuangcheng.cases.services import repeat_keys_for
from chuangcheng.core.models import DailySequence
from chuangcheng.demo.city import DemoCity
from chuangcheng.hotline.services import hotline_intake
from tests.conftest import INTAKE, actor
from tests.test_engine import _fast_password_hashing, client_for

__all__ = ["_fast_password_hashing"]

URL = "/api/v1/cases/batch"


def item(n: int, **over: Any) -> dict[str, Any]:
    return {
        **INTAKE,
        "title": f"批量工单第{n}号",
        "content": f"第{n}号楼门口占道经营，影响通行。",
        **over,
    }


def post(client: Any, cases: Any) -> Any:
    return client.post(URL, {"cases": cases}, format="json")


def test_valid_and_invalid_items_in_order(city: DemoCity) -> None:
    client = client_for("operator")
    cases = [
        item(0),
        item(1, title=""),  # 400: title required
        item(2, category="020101"),
        item(3, citizen_phone="12"),  # 400: phone
        item(4, lat=10.0, lng=10.0),  # 400: outside the city
        "not an object",  # 400
        item(6, external_id="EXT-6"),
    ]
    resp = post(client, cases)
    assert resp.status_code == 200, resp.content
    results = resp.json()["results"]
    assert [r["index"] for r in results] == list(range(7))
    assert [r["status"] for r in results] == [201, 400, 201, 400, 400, 400, 201]
    assert results[1]["detail"] == "输入有误：请填写标题"
    assert results[1]["errors"] == {"title": ["请填写标题"]}
    assert "电话号码格式不正确" in results[3]["detail"]
    assert "坐标不在本市范围内" in results[4]["detail"]
    assert "JSON 对象" in results[5]["detail"]
    ok = [r for r in results if r["status"] == 201]
    assert all(r["status_label"] == "已受理" and r["status"] == 201 for r in ok)
    assert Case.objects.count() == 3
    for r in ok:
        case = Case.objects.get(pk=r["id"])
        assert case.number == r["number"]
        assert case.status == "received"
        assert case.source == "api:operator"
        assert case.street is not None  # region lookup as in single intake
        assert verify_chain(case)
        assert case.event_count == 1
        assert CaseContact.objects.get(case=case).phone == "13812341234"
        assert set(RepeatKey.objects.filter(case_id=case.pk).values_list("key", flat=True)) == {
            k.key for k in repeat_keys_for(case)
        }
    assert Case.objects.get(pk=results[2]["id"]).category.code == "020101"  # type: ignore[union-attr]
    ext = Case.objects.get(pk=results[6]["id"])
    assert (ext.external_source, ext.external_id) == ("api:operator", "EXT-6")


def test_batch_rows_equal_single_intake_rows(city: DemoCity) -> None:
    """Every rule lives once: a batch item is stored exactly as POST /api/v1/cases stores it."""
    client = client_for("operator")
    body = item(1, anonymous=True, citizen_name="李四", confidential=False)
    single = client.post("/api/v1/cases", body, format="json").json()
    batch = post(client, [body]).json()["results"][0]
    skip = {"id", "number", "created_at", "updated_at", "last_hash"}
    a, b = (Case.objects.filter(pk=x["id"]).values().get() for x in (single, batch))
    assert {k: v for k, v in a.items() if k not in skip} == {
        k: v for k, v in b.items() if k not in skip
    }
    ca, cb = (
        CaseContact.objects.filter(case_id=x["id"]).values("name", "phone", "confidential").get()
        for x in (single, batch)
    )
    assert ca == cb == {"name": "", "phone": "13812341234", "confidential": True}


def test_idempotent_within_and_across_batches(city: DemoCity) -> None:
    client = client_for("operator")
    first = post(
        client,
        [item(0, external_id="A"), item(1, external_id="B"), item(2, external_id="A"), item(3)],
    ).json()["results"]
    assert [r["status"] for r in first] == [201, 201, 200, 201]
    assert first[2]["id"] == first[0]["id"] and first[2]["number"] == first[0]["number"]
    again = post(
        client, [item(9, external_id="B"), item(10, external_id="C"), item(11, external_id="A")]
    ).json()["results"]
    assert [r["status"] for r in again] == [200, 201, 200]
    assert again[0]["id"] == first[1]["id"]
    assert again[2]["id"] == first[0]["id"]
    # and across the single endpoint (same source: api:<username>)
    single = client.post("/api/v1/cases", item(12, external_id="C"), format="json")
    assert single.status_code == 200 and single.json()["id"] == again[1]["id"]
    assert Case.objects.count() == 4
    assert CaseEvent.objects.count() == 4


def test_numbers_unique_and_consecutive(city: DemoCity) -> None:
    client = client_for("operator")
    hotline_intake(actor=actor("operator"), data=INTAKE)
    r1 = post(client, [item(i) for i in range(5)]).json()["results"]
    r2 = post(client, [item(i) for i in range(5, 8)]).json()["results"]
    numbers = [r["number"] for r in r1 + r2]
    assert len(set(numbers)) == 8
    assert [int(n[-6:]) for n in numbers] == list(range(2, 10))  # one counter per day
    assert len({n[:8] for n in numbers}) == 1
    assert DailySequence.objects.get(series="hotline").last == 9
    ids = [r["id"] for r in r1 + r2]
    assert ids == sorted(ids)
    assert all(verify_chain(Case.objects.get(pk=i)) for i in ids)


def test_permissions_and_limits(city: DemoCity) -> None:
    anonymous = client_for(None)
    resp = post(anonymous, [item(0)])
    assert resp.status_code == 401
    assert "请先登录" in resp.json()["detail"]
    for who in ("handler_zsxl", "citizen"):
        resp = post(client_for(who), [item(0)])
        assert resp.status_code == 403, (who, resp.content)
        assert resp.json()["code"] == "forbidden"
    operator = client_for("operator")
    resp = post(operator, [item(i) for i in range(501)])
    assert resp.status_code == 400
    assert resp.json()["detail"] == "一次最多提交 500 条工单，本次 501 条，请分批提交。"
    bad: Any
    for bad in ([], "x", None):
        resp = post(operator, bad)
        assert resp.status_code == 400
        assert "cases" in resp.json()["detail"]
    assert Case.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_with_overlapping_external_ids(city: DemoCity) -> None:
    """Two integrations push overlapping orders at the same moment (and a single intake of
    one of them): never two orders for one external_id, never a server error."""
    clients = [client_for("operator") for _ in range(3)]
    operator = actor("operator")
    batches = [
        [item(i, external_id=f"X-{i}") for i in range(0, 60)],
        [item(i, external_id=f"X-{i}") for i in range(30, 90)][::-1],  # reverse order too
    ]
    barrier = threading.Barrier(3)
    out: list[Any] = [None] * 3

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            if i < 2:
                out[i] = post(clients[i], batches[i])
            else:  # a single intake racing for one of the shared ids
                out[i] = hotline_intake(
                    actor=operator, data=item(45, external_id="X-45"), source="api:operator"
                )
        except BaseException as exc:
            out[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not any(isinstance(o, BaseException) for o in out), out
    assert [o.status_code for o in out[:2]] == [200, 200]
    results = out[0].json()["results"] + out[1].json()["results"]
    assert {r["status"] for r in results} <= {200, 201}
    assert Counter(r["status"] for r in results)[201] + (1 if out[2][1] else 0) == 90
    assert Case.objects.count() == 90
    assert (
        Case.objects.filter(external_id__startswith="X-").values("external_id").distinct().count()
        == 90
    )
    by_ext = {f"X-{i}": r["id"] for i, r in zip(range(60), out[0].json()["results"], strict=True)}
    for i, r in zip(range(89, 29, -1), out[1].json()["results"], strict=True):
        assert by_ext.setdefault(f"X-{i}", r["id"]) == r["id"]
    assert by_ext["X-45"] == out[2][0].pk
    assert CaseEvent.objects.count() == 90
    assert len(set(Case.objects.values_list("number", flat=True))) == 90

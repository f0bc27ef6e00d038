"""History that even the database owner cannot rewrite unseen (issue 9, item 7).

The owner of the tables can lift the append-only trigger, so these tests play the owner
(`ALTER TABLE cases_caseevent DISABLE TRIGGER …`) and check that `verify_history` reports each rewrite: an edited event whose chain was
recomputed without the key, an edited case row, a history cut back to a valid earlier state.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from chuangcheng.cases.anchors import anchor_now
from chuangcheng.cases.history import RECORDED_FIELDS, replay
from chuangcheng.cases.models import Case, CaseEvent, ContactReveal
from chuangcheng.cases.selectors import history_problems, verify_chain
from chuangcheng.cases.services import contact_reveal
from chuangcheng.core.hashing import GENESIS, chain_hash
from chuangcheng.demo.city import DemoCity
from chuangcheng.hotline.models import HotlineOrder
from chuangcheng.hotline.workflow import HOTLINE
from tests.conftest import actor
from tests.test_engine import PATHS, city_grids, drive, new_case


@pytest.fixture(autouse=True)
def _anchor_file(settings: Any, tmp_path: Path) -> Path:
    settings.CC_HISTORY_ANCHOR_FILE = str(tmp_path / "anchors" / "heads.jsonl")
    return Path(settings.CC_HISTORY_ANCHOR_FILE)


def verify(*args: str) -> tuple[bool, str]:
    """Run verify_history: (passed, what it printed)."""
    out = StringIO()
    try:
        call_command("verify_history", *args, stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


def as_owner(sql: str, params: list[Any]) -> None:
    """Write as the tables' owner may: switch the append-only trigger off, write, switch it on."""
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE wants no pending checks
        cur.execute("ALTER TABLE cases_caseevent DISABLE TRIGGER cases_caseevent_no_update")
        try:
            cur.execute(sql, params)
        finally:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
            cur.execute("ALTER TABLE cases_caseevent ENABLE TRIGGER cases_caseevent_no_update")


def plain_sha256(prev: str, payload: dict[str, Any]) -> str:
    """The unkeyed chain hash of earlier releases, which anyone could recompute."""
    body = json.dumps(
        payload, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":")
    )
    return hashlib.sha256((prev + body).encode()).hexdigest()


def reseal(case: Case, hasher: Any) -> None:
    """Recompute a case's whole chain with `hasher` and write it back, as an owner would."""
    prev = GENESIS
    for event in CaseEvent.objects.filter(case=case).order_by("seq"):
        digest = hasher(prev, event.hash_payload())
        as_owner(
            "UPDATE cases_caseevent SET prev_hash = %s, hash = %s WHERE id = %s",
            [prev, digest, event.pk],
        )
        prev = digest
    as_owner("UPDATE cases_case SET last_hash = %s WHERE id = %s", [prev, case.pk])


# ---------------------------------------------------------------- clean history passes
@pytest.mark.parametrize("state", sorted(PATHS))
def test_untouched_histories_verify(city: DemoCity, state: str) -> None:
    city_grids()  # 转数字城管 needs the 城管 grids and the category table
    case = drive(city, new_case(), state)
    assert history_problems(Case.objects.get(pk=case.pk)) == []
    anchor_now(margin=dt.timedelta(0))
    ok, out = verify()
    assert ok, out


def test_every_recorded_field_is_replayed_from_events(city: DemoCity) -> None:
    case = drive(city, new_case(), "closed")
    state, status, count = replay(CaseEvent.objects.filter(case=case).order_by("seq"), case.kind)
    case.refresh_from_db()
    assert status == "closed" and count == case.event_count
    assert state["satisfaction"] == "satisfied" and state["resolution"] == "resolved"
    assert state["contacted"] is True and state["lead_unit_id"] == case.lead_unit_id
    assert state["closed_at"] is not None and set(state) == set(RECORDED_FIELDS) | set(
        HOTLINE.recorded
    )


# ---------------------------------------------------------------- an edited event
def test_edited_event_with_recomputed_plain_chain_is_reported(city: DemoCity) -> None:
    case = drive(city, new_case(), "handling")
    as_owner("UPDATE cases_caseevent SET note = '未联系' WHERE case_id = %s AND seq = 2", [case.pk])
    reseal(case, plain_sha256)  # the old chain: recomputable by whoever can write the table
    ok, out = verify()
    assert not ok
    assert f"工单 {case.number}: 第 1 条记录的内容与其哈希不符" in out
    assert not verify_chain(Case.objects.get(pk=case.pk))


def test_chain_recomputed_with_a_guessed_key_is_reported(city: DemoCity) -> None:
    case = drive(city, new_case(), "dispatched")
    as_owner("UPDATE cases_caseevent SET note = 'x' WHERE case_id = %s AND seq = 3", [case.pk])
    reseal(case, lambda prev, payload: chain_hash(prev, payload, key=b"k" * 48))
    ok, out = verify(case.number)
    assert not ok and f"工单 {case.number}" in out


def test_the_chain_is_keyed() -> None:
    payload = {"case": 1, "seq": 1}
    assert chain_hash(GENESIS, payload) != plain_sha256(GENESIS, payload)
    assert chain_hash(GENESIS, payload, key=b"a" * 32) != chain_hash(
        GENESIS, payload, key=b"b" * 32
    )


# ---------------------------------------------------------------- an edited case row
@pytest.mark.parametrize(
    ("column", "value", "state"),
    [
        ("status", "closed", "unsatisfied"),
        ("satisfaction", "satisfied", "unsatisfied"),
        ("resolution", "resolved", "unsatisfied"),
        ("contacted", None, "closed"),
        ("excluded_from_scoring", True, "closed"),
        ("closed_at", None, "closed"),
        ("finish_at", None, "closed"),
        ("respond_at", None, "closed"),
        ("created_at", "2020-01-01T00:00:00+00:00", "closed"),
        ("lead_unit_id", None, "handling"),
        ("return_count", 3, "handling"),
    ],
)
def test_edited_case_row_is_reported(city: DemoCity, column: str, value: Any, state: str) -> None:
    case = drive(city, new_case(), state)
    assert verify(case.number)[0]
    own = {f.attname for f in HotlineOrder._meta.concrete_fields}  # the order's own row
    if column in own:
        HotlineOrder.objects.filter(case=case).update(**{column: value})
    else:
        Case.objects.filter(pk=case.pk).update(**{column: value})  # no trigger guards the row
    ok, out = verify(case.number)
    assert not ok
    assert f"工单 {case.number}: {column}:" in out, out


# ---------------------------------------------------------------- a history cut back
def test_history_cut_back_to_a_valid_prefix_is_caught_by_the_anchor(
    city: DemoCity, _anchor_file: Path
) -> None:
    case = drive(city, new_case(), "closed")
    anchor_now(margin=dt.timedelta(0))
    assert verify()[0]
    # the owner deletes the last event (回访满意) and puts the row back as the rest describe
    events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    kept = events[:-1]
    state, status, count = replay(kept, case.kind)
    as_owner("DELETE FROM cases_caseevent WHERE id = %s", [events[-1].pk])
    row = {k: v for k, v in state.items() if k != "kind" and k not in HOTLINE.recorded}
    Case.objects.filter(pk=case.pk).update(
        status=status, event_count=count, last_hash=kept[-1].hash, **row
    )
    HotlineOrder.objects.filter(case=case).update(
        **{k: v for k, v in state.items() if k in HOTLINE.recorded}
    )
    # chain and row agree: only the anchor outside the database shows it
    assert history_problems(Case.objects.get(pk=case.pk)) == []
    assert verify("--anchors", "none")[0]
    ok, out = verify()
    assert not ok
    assert "链头摘要不一致" in out and "办理记录数不一致" in out


def test_anchor_file_is_appended(city: DemoCity, _anchor_file: Path) -> None:
    new_case()
    first = anchor_now(margin=dt.timedelta(0))
    new_case()
    second = anchor_now(margin=dt.timedelta(0))
    lines = [json.loads(x) for x in _anchor_file.read_text().splitlines()]
    assert [a["events"] for a in lines] == [first["events"], second["events"]]
    assert second["events"] == first["events"] + 1 and second["cases"] == first["cases"] + 1


def test_unreadable_anchor_line_is_reported(city: DemoCity, _anchor_file: Path) -> None:
    _anchor_file.parent.mkdir(parents=True, exist_ok=True)
    _anchor_file.write_text("not json\n")
    ok, out = verify()
    assert not ok and "锚定文件第 1 行无法解析" in out


# ---------------------------------------------------------------- phone reveals
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE cases_contactreveal SET reason = 'x' WHERE case_id = %s",
        "DELETE FROM cases_contactreveal WHERE case_id = %s",
    ],
)
def test_phone_reveal_audit_is_append_only(city: DemoCity, sql: str) -> None:
    case = new_case()
    contact_reveal(actor=actor("dispatcher"), case_id=case.pk, reason="回访")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(sql, [case.pk])
    row = ContactReveal.objects.get(case=case)
    assert row.reason == "回访"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ContactReveal.objects.filter(case=case).delete()
    assert ContactReveal.objects.filter(case=case).count() == 1


# ---------------------------------------------------------------- rekeying old chains
def legacy_hash(prev: str, payload: dict[str, Any]) -> str:
    """What earlier releases wrote: plain SHA-256 of a payload without `changes` (their events
    have none; the ones built here do, and keep them under the old hash)."""
    return plain_sha256(prev, {k: v for k, v in payload.items() if k != "changes" or v})


def test_rekey_seals_a_plain_chain_and_refuses_a_tampered_one(city: DemoCity) -> None:
    good, bad = drive(city, new_case(), "handling"), drive(city, new_case(), "handling")
    for case in (good, bad):  # chains as earlier releases wrote them (no `changes` then)
        reseal(
            case,
            lambda prev, payload: plain_sha256(
                prev, {k: v for k, v in payload.items() if not (k == "changes" and not v)}
            ),
        )
    as_owner("UPDATE cases_caseevent SET note = 'x' WHERE case_id = %s AND seq = 2", [bad.pk])
    assert not verify_chain(Case.objects.get(pk=good.pk))
    with pytest.raises(CommandError):
        call_command("rekey_history", "--from", "plain", stdout=StringIO())
    assert verify_chain(Case.objects.get(pk=good.pk))
    assert not verify_chain(Case.objects.get(pk=bad.pk))
    # the trigger is back
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CaseEvent.objects.filter(case=good).update(note="y")


# ---------------------------------------------------------------- the app as a non-owner role
def test_app_role_that_does_not_own_the_tables(city: DemoCity) -> None:
    """The deployment guide's two roles: the owner migrates, the app role only reads and
    writes data. As the app role the normal work goes through; switching the trigger off,
    rewriting an event or a reveal, or turning triggers off for the session are refused."""
    from django.db import ProgrammingError

    from chuangcheng.core.management.commands.app_role_sql import app_role_sql

    role = f"cc_app_{connection.settings_dict['NAME']}"
    with connection.cursor() as cur:  # inside the test's transaction: rolled back with it
        cur.execute(f'CREATE ROLE "{role}" NOLOGIN')
        for sql in app_role_sql(role, database=str(connection.settings_dict["NAME"])):
            cur.execute(sql)
        cur.execute(f'SET ROLE "{role}"')
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT current_user")
            assert cur.fetchone() == (role,)
        case = drive(city, new_case(), "handling")  # intake, review, dispatch, accept
        contact_reveal(actor=actor("dispatcher"), case_id=case.pk, reason="回访")
        before = list(CaseEvent.objects.filter(case=case).order_by("seq").values())
        refused = [
            "ALTER TABLE cases_caseevent DISABLE TRIGGER cases_caseevent_no_update",
            "ALTER TABLE cases_caseevent DISABLE TRIGGER ALL",
            "SET session_replication_role = replica",
            f"UPDATE cases_caseevent SET note = 'x' WHERE case_id = {case.pk}",
            f"DELETE FROM cases_caseevent WHERE case_id = {case.pk}",
            f"UPDATE cases_contactreveal SET reason = 'x' WHERE case_id = {case.pk}",
            "TRUNCATE cases_contactreveal",
        ]
        for sql in refused:
            with (
                pytest.raises((ProgrammingError, DatabaseError)) as exc,
                transaction.atomic(),
                connection.cursor() as cur,
            ):
                cur.execute(sql)
            assert "permission denied" in str(exc.value) or "must be owner" in str(exc.value)
        assert list(CaseEvent.objects.filter(case=case).order_by("seq").values()) == before
        assert ContactReveal.objects.get(case=case).reason == "回访"
        assert history_problems(Case.objects.get(pk=case.pk)) == []
    finally:
        with connection.cursor() as cur:
            cur.execute("RESET ROLE")

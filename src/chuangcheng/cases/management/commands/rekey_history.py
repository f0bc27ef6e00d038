"""Seal existing case histories with the history key (core/hashing.py), for a deployment whose
chains were written with the unkeyed SHA-256 of earlier releases (`--from plain`) or with
another key (`--from-key-file`). Every chain is first checked under the old scheme: a chain
that does not verify is reported and left as it is (re-sealing it would hide the tampering).

Run it as the tables' OWNER (it lifts the append-only trigger for its own transaction), once,
in a maintenance window; then take a fresh anchor. The anchor file gets a line saying the chains
were re-sealed, and `verify_history` compares only the anchors after it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from chuangcheng.cases.anchors import anchor_now, mark_rekeyed
from chuangcheng.cases.models import Case, CaseEvent
from chuangcheng.core.hashing import GENESIS, chain_hash, plain_chain_hash, same_digest

TRIGGERS = ("cases_caseevent_no_update", "cases_caseevent_no_delete")


def _old_hash(prev: str, event: CaseEvent, key: bytes | None) -> str:
    payload = event.hash_payload()
    if not payload["changes"]:
        payload.pop("changes")  # events written before they recorded their changes
    return chain_hash(prev, payload, key=key) if key else plain_chain_hash(prev, payload)


class Command(BaseCommand):
    help = "用当前的历史密钥重新封存工单办理记录的哈希链（先按旧算法校验）"

    def add_arguments(self, parser: CommandParser) -> None:
        old = parser.add_mutually_exclusive_group(required=True)
        old.add_argument(
            "--from", dest="scheme", choices=["plain"], help="旧链为不带密钥的 SHA-256"
        )
        old.add_argument("--from-key-file", help="旧链所用密钥的文件")

    def handle(self, *args: Any, **opts: Any) -> None:
        key = Path(opts["from_key_file"]).read_bytes().strip() if opts["from_key_file"] else None
        sealed, refused = 0, []
        with transaction.atomic():
            self._lift_trigger()
            for case in Case.objects.order_by("id").iterator(chunk_size=500):
                events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
                if not self._old_chain_holds(case, events, key):
                    refused.append(case.number)
                    continue
                prev = GENESIS
                for event in events:
                    event.prev_hash = prev
                    event.hash = chain_hash(prev, event.hash_payload())
                    prev = event.hash
                CaseEvent.objects.bulk_update(events, ["prev_hash", "hash"])
                Case.objects.filter(pk=case.pk).update(last_hash=prev)
                sealed += 1
            self._restore_trigger()
        mark_rekeyed()
        anchor_now()
        for number in refused:
            self.stdout.write(f"旧哈希链不一致，未重新封存: {number}")
        self.stdout.write(f"已重新封存 {sealed} 件，未封存 {len(refused)} 件")
        if refused:
            raise CommandError("部分工单的旧哈希链不一致，请先查明原因")

    @staticmethod
    def _old_chain_holds(case: Case, events: list[CaseEvent], key: bytes | None) -> bool:
        prev = GENESIS
        for seq, event in enumerate(events, start=1):
            if event.seq != seq or event.prev_hash != prev:
                return False
            if not same_digest(_old_hash(prev, event, key), event.hash):
                return False
            prev = event.hash
        return prev == (case.last_hash or GENESIS)

    @staticmethod
    def _lift_trigger() -> None:
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":  # only the owner may; for this transaction
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending
                cur.execute("ALTER TABLE cases_caseevent DISABLE TRIGGER cases_caseevent_no_update")
            else:
                for name in TRIGGERS:
                    cur.execute(f"DROP TRIGGER IF EXISTS {name}")

    @staticmethod
    def _restore_trigger() -> None:
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cur.execute("SET CONSTRAINTS ALL DEFERRED")
                cur.execute("ALTER TABLE cases_caseevent ENABLE TRIGGER cases_caseevent_no_update")
            else:
                for op, name in (("UPDATE", TRIGGERS[0]), ("DELETE", TRIGGERS[1])):
                    cur.execute(
                        f"CREATE TRIGGER {name} BEFORE {op} ON cases_caseevent BEGIN SELECT "
                        f"RAISE(ABORT, 'cases_caseevent rows are append-only ({op} refused)'); END"
                    )

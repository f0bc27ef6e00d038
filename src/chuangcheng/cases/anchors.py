"""Chain anchors (链头锚定): the heads of all case histories, written regularly OUTSIDE the
database, so that history cut back to an earlier, still validly keyed state (trailing events
deleted, a whole case removed, a backup restored over newer history) shows.

An anchor is one JSON line appended to `CC_HISTORY_ANCHOR_FILE` (and logged to the
`chuangcheng.anchors` logger, which a deployment can ship to a remote syslog):

    {"at": "...", "upto": <highest event id covered>, "cases": n, "events": n, "digest": "<hex>"}

It covers the events whose id is at most `upto` — chosen among events older than a margin, so
a transaction still in flight when the anchor is taken is not half in it. `digest` is the
SHA-256 of one line `case_id:seq:hash` per case, for the last of its events within `upto`;
since each event's keyed hash covers all before it, the digest covers every event anchored.
`verify_history` recomputes the latest anchor (or every one) and reports any difference.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from chuangcheng.cases.models import CaseEvent

logger = logging.getLogger("chuangcheng.anchors")

MARGIN = dt.timedelta(minutes=5)


def anchor_path() -> Path:
    return Path(settings.CC_HISTORY_ANCHOR_FILE)


def heads_digest(upto: int) -> dict[str, Any]:
    """The number of cases and events with event id ≤ upto, and the digest of their heads."""
    events = CaseEvent.objects.filter(id__lte=upto)
    digest = hashlib.sha256()
    cases = 0
    if connection.vendor == "postgresql":
        heads = (
            events.order_by("case_id", "-seq")
            .distinct("case_id")
            .values_list("case_id", "seq", "hash")
        )
        rows = heads.iterator(chunk_size=5000)
    else:  # no DISTINCT ON: every event in order, keep each case's last
        rows = _last_per_case(
            events.order_by("case_id", "seq").values_list("case_id", "seq", "hash")
        )
    for case_id, seq, digest_hex in rows:
        digest.update(f"{case_id}:{seq}:{digest_hex}\n".encode())
        cases += 1
    return {"upto": upto, "cases": cases, "events": events.count(), "digest": digest.hexdigest()}


def _last_per_case(rows: Any) -> Any:
    last = None
    for row in rows.iterator(chunk_size=5000):
        if last is not None and row[0] != last[0]:
            yield last
        last = row
    if last is not None:
        yield last


def anchor_now(*, now: dt.datetime | None = None, margin: dt.timedelta = MARGIN) -> dict[str, Any]:
    """Compute an anchor of the history older than `margin` and append it to the anchor file."""
    now = now or timezone.now()
    upto = CaseEvent.objects.filter(created_at__lt=now - margin).aggregate(m=Max("id"))["m"] or 0
    anchor = {"at": now.isoformat(), **heads_digest(upto)}
    _append(anchor)
    return anchor


def mark_rekeyed(*, now: dt.datetime | None = None) -> None:
    """Note in the anchor file that the chains were re-sealed with a new key (rekey_history):
    the anchors before this line describe hashes that no longer exist."""
    _append({"rekeyed_at": (now or timezone.now()).isoformat()})


def _append(record: dict[str, Any]) -> None:
    line = json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n"
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: each line is added at the end in one write, never over what is there
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    logger.info("history anchor %s", line.strip())


def read_anchors(path: Path | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """The anchors in the file, and a problem for every line that is not one."""
    path = path or anchor_path()
    anchors: list[dict[str, Any]] = []
    problems: list[str] = []
    if not path.exists():
        return anchors, problems
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            anchor = json.loads(line)
            if "rekeyed_at" in anchor:  # the chains were sealed anew: older anchors no longer apply
                anchors = []
                continue
            int(anchor["upto"]), anchor["digest"], anchor["cases"], anchor["events"]
        except (ValueError, KeyError, TypeError):
            problems.append(f"锚定文件第 {number} 行无法解析")
            continue
        anchors.append(anchor)
    return anchors, problems


def check_anchor(anchor: dict[str, Any]) -> list[str]:
    """What differs between an anchor and the history in the database now."""
    now = heads_digest(int(anchor["upto"]))
    out = []
    for key, label in (("cases", "工单数"), ("events", "办理记录数"), ("digest", "链头摘要")):
        if now[key] != anchor[key]:
            out.append(
                f"锚定 {anchor.get('at', '?')}（记录 id ≤ {anchor['upto']}）{label}不一致："
                f"锚定为 {anchor[key]}，数据库为 {now[key]}"
            )
    return out

"""Generated documents (报表): a loop declares the kinds it offers, a person asks for one, the
task worker builds it with its progress recorded, and the archive keeps it (ADR 0021).

A loop lists its kinds on its AppConfig, by dotted path:

    reports = ["chuangcheng.<loop>.reports.WEEKLY"]          # ReportKind objects

A kind says who may ask for it (`may_request`), which data the asker's document holds
(`scope_key`: two people with the same key would get the same document, so both see it in the
archive), the inputs of its form, how to check them (`clean` → params and a title) and how to
build it (`build` → the file's bytes and its name), reporting progress as it goes. The document
is built under the asker's scope, as the asker's pages would read it.

Asking twice for the same document while it is being built joins the first build (a partial
unique constraint); a build whose worker died is run again by the worker's reclaiming
(core/worker.py) and starts over."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.tasks import task
from django.utils import timezone
from django.utils.module_loading import import_string

from chuangcheng.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from chuangcheng.core.models import ReportFile
from chuangcheng.org.access import Actor

logger = logging.getLogger("chuangcheng.reports")

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class Input:
    """One input of a kind's request form: `type` is an HTML input type (week, month, date,
    text) or "select" with `choices`; `default` gives its initial value."""

    name: str
    label: str
    type: str = "text"
    default: Callable[[], str] = lambda: ""
    choices: tuple[tuple[str, str], ...] = ()


class Progress:
    """What a build reports as it goes: a fraction done (0–1) and the step it is on. Written
    to the report's row at most every `every` seconds (and on every new step), each write
    committed at once so the page's progress bar moves."""

    def __init__(self, report_id: int, every: float = 0.5) -> None:
        self.report_id = report_id
        self.every = every
        self._last = 0.0
        self._stage = ""
        self._percent = -1

    def __call__(self, fraction: float, stage: str = "") -> None:
        percent = max(0, min(99, int(fraction * 100)))
        now = time.monotonic()
        if stage == self._stage and (percent == self._percent or now - self._last < self.every):
            return
        self._last, self._stage, self._percent = now, stage, percent
        ReportFile.objects.filter(pk=self.report_id, status=ReportFile.Status.RUNNING).update(
            progress=percent, stage=stage[:100]
        )


@dataclass(frozen=True)
class ReportKind:
    key: str
    label: str
    extension: str
    may_request: Callable[[Actor], bool]
    scope_key: Callable[[Actor], str]
    clean: Callable[[Mapping[str, str]], tuple[dict[str, Any], str]]
    build: Callable[[Actor, dict[str, Any], Progress], tuple[bytes, str]]
    description: str = ""
    inputs: tuple[Input, ...] = field(default_factory=tuple)


@cache
def kinds() -> dict[str, ReportKind]:
    """Every kind the installed loops declare, by key."""
    out: dict[str, ReportKind] = {}
    for config in apps.get_app_configs():
        for path in getattr(config, "reports", ()):
            kind: ReportKind = import_string(path)
            if kind.key in out:
                raise RuntimeError(f"two report kinds named {kind.key}")
            out[kind.key] = kind
    return out


def kinds_for(actor: Actor) -> list[ReportKind]:
    if actor.user_id is None:
        return []
    return [k for k in kinds().values() if k.may_request(actor)]


def reports_visible_to(actor: Actor) -> QuerySet[ReportFile]:
    """The archive a person sees: of each kind they may ask for, the documents built for the
    same scope as theirs. Nothing else, not even their own of a kind they may no longer ask for."""
    allowed = Q(pk__in=[])
    for kind in kinds_for(actor):
        allowed |= Q(kind=kind.key, scope_key=kind.scope_key(actor))
    return ReportFile.objects.filter(allowed)


def report_for(actor: Actor, pk: int) -> ReportFile:
    found = reports_visible_to(actor).filter(pk=pk).first()
    if found is None:
        raise NotFound("报表不存在，或您无权查看。")
    return refresh(found)


def _params_key(params: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(params, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def report_request(
    actor: Actor, key: str, raw: Mapping[str, str], *, _again: bool = True
) -> tuple[ReportFile, bool]:
    """Ask for a document. Returns the report and whether this call queued it (False: the same
    document was already being built, and this joins it)."""
    kind = kinds().get(key)
    if kind is None or actor.user_id is None:
        raise ValidationFailed("没有这种报表。")
    if not kind.may_request(actor):
        raise PermissionDenied("您的角色无权生成此报表。")
    params, title = kind.clean(raw)
    scope = kind.scope_key(actor)
    pkey = _params_key(params)
    try:
        with transaction.atomic():
            report = ReportFile.objects.create(
                kind=kind.key,
                title=title[:200],
                params=params,
                params_key=pkey,
                scope_key=scope,
                requested_by_id=actor.user_id,
                requested_at=timezone.now(),
            )
            report_id = report.pk
            transaction.on_commit(lambda: build_report.enqueue(report_id))
    except IntegrityError:
        running = ReportFile.objects.filter(
            kind=kind.key,
            scope_key=scope,
            params_key=pkey,
            status__in=[ReportFile.Status.QUEUED, ReportFile.Status.RUNNING],
        ).first()
        if running is None and _again:  # finished between the insert and this read: ask again
            return report_request(actor, key, raw, _again=False)
        if running is None:
            raise
        return running, False
    return report, True


def refresh(report: ReportFile) -> ReportFile:
    """A report whose build the worker gave up on (its process died every time: core/worker.py
    marks the task FAILED) is shown as failed, not as building for ever."""
    if report.status not in (ReportFile.Status.QUEUED, ReportFile.Status.RUNNING):
        return report
    from django_tasks_db.models import DBTaskResult

    gave_up = DBTaskResult.objects.filter(
        status="FAILED",
        task_path=build_report.module_path,
        args_kwargs__args=[report.pk],
    ).exists()
    if gave_up:
        _fail(report.pk, "后台任务多次中断，未能生成，请重新生成。")
        report.refresh_from_db()
    return report


def _fail(report_id: int, message: str) -> None:
    ReportFile.objects.filter(pk=report_id).update(
        status=ReportFile.Status.FAILED, error=message[:500], finished_at=timezone.now()
    )


def run_build(report_id: int) -> str:
    """The build itself (the task's body). Safe to run again: a finished report is left as it is;
    a report left RUNNING by a worker that died is built again from the start."""
    from django.contrib.auth import get_user_model

    from chuangcheng.org.access import actor_for

    with transaction.atomic():
        report = (
            ReportFile.objects.select_for_update()
            .filter(pk=report_id, status__in=[ReportFile.Status.QUEUED, ReportFile.Status.RUNNING])
            .first()
        )
        if report is None:
            return "skipped"
        report.status = ReportFile.Status.RUNNING
        report.attempts += 1
        report.started_at = timezone.now()
        report.progress, report.stage = 0, "开始生成"
        report.save(update_fields=["status", "attempts", "started_at", "progress", "stage"])
    kind = kinds().get(report.kind)
    user = get_user_model().objects.filter(pk=report.requested_by_id, is_active=True).first()
    actor = actor_for(user) if user is not None else None
    if kind is None or actor is None or not kind.may_request(actor):
        _fail(report_id, "申请人已无权生成此报表。")
        return "failed"
    if kind.scope_key(actor) != report.scope_key:
        _fail(report_id, "申请人的数据范围已变化，请重新生成。")
        return "failed"
    try:
        content, filename = kind.build(actor, report.params, Progress(report_id))
    except DomainError as exc:
        _fail(report_id, exc.message)
        return "failed"
    except Exception as exc:
        logger.exception("report %s (%s) failed", report_id, report.kind)
        _fail(report_id, f"生成时出错：{type(exc).__name__}。请联系管理员。")
        return "failed"
    report.file.save(f"{report_id}.{kind.extension}", ContentFile(content), save=False)
    ReportFile.objects.filter(pk=report_id).update(
        status=ReportFile.Status.DONE,
        progress=100,
        stage="已完成",
        file=report.file.name,
        filename=filename[:200],
        content_type=CONTENT_TYPES.get(kind.extension, "application/octet-stream"),
        size=len(content),
        finished_at=timezone.now(),
    )
    return "done"


@task()
def build_report(report_id: int) -> str:
    return run_build(report_id)

"""Where a step's rows come from and go to: the seam between the engine's one code path for a
step (`cases.services.run_step`) and storage.

`DatabaseStore` is what `case_transition` uses: the rows of the locked case, read and written
with the same queries as ever. `cases.replay.MemoryStore` keeps the same rows in memory, so that
thousands of cases are replayed through the same step without a query per step, then written in
bulk. A loop's `apply` never writes through the ORM: it asks the `Step` (assign, end the
assignments, find another case) and the engine hands that to the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from chuangcheng.cases.clocks import CaseClocks
    from chuangcheng.cases.models import Assignment, Case, CaseEvent, CaseRequest
    from chuangcheng.cases.workflow import Workflow
    from chuangcheng.org.access import Actor

Assigned = tuple[int | None, int | None, str]  # (unit id, user id, role) of an active assignment


class CaseStore(Protocol):
    """What one step reads and writes besides the case row it was given."""

    def active_assignments(self, case: Case) -> list[Assigned]: ...

    def pending_requests(self, case: Case) -> dict[str, CaseRequest]: ...

    def clocks(self, workflow: Workflow, case: Case) -> CaseClocks: ...

    def detail(self, workflow: Workflow, case: Case) -> Any: ...

    def save_detail(self, detail: Any) -> None: ...

    def save_related_detail(self, detail: Any, fields: Sequence[str]) -> None: ...

    def save_clocks(self, case_clocks: CaseClocks) -> None: ...

    def end_assignments(self, case: Case, now: dt.datetime) -> None: ...

    def add_assignments(self, case: Case, rows: Sequence[Assignment]) -> None: ...

    def append_event(self, event: CaseEvent) -> None: ...

    def save_case(self, case: Case) -> None: ...

    def save_related(self, case: Case, fields: Sequence[str]) -> None: ...

    def drop_repeat_keys(self, case: Case) -> None: ...

    def save_files(
        self, case: Case, event: CaseEvent, files: Sequence[tuple[Any, str]], now: dt.datetime
    ) -> None: ...

    def decide_request(
        self, request: CaseRequest, *, status: str, seq: int, by: int | None, at: dt.datetime
    ) -> None: ...

    def lapse_requests(
        self, case: Case, kinds: Sequence[str] | None, *, seq: int, at: dt.datetime
    ) -> None: ...

    def open_request(self, request: CaseRequest) -> None: ...

    def find_case(self, actor: Actor, kind: str, number: str) -> Case | None: ...

    def on_commit(self, callback: Callable[[], None]) -> None: ...


class DatabaseStore:
    """The rows of a case locked by `case_transition`, in its transaction."""

    def active_assignments(self, case: Case) -> list[Assigned]:
        """Read once per case instance (the rules of one step may ask more than once)."""
        cached: list[Assigned] | None = getattr(case, "_cc_assigned", None)
        if cached is None:
            cached = list(
                case.assignments.filter(active=True).values_list("unit_id", "user_id", "role")
            )
            case._cc_assigned = cached  # type: ignore[attr-defined]
        return cached

    def pending_requests(self, case: Case) -> dict[str, CaseRequest]:
        from chuangcheng.cases.models import CaseRequest

        cached: dict[str, CaseRequest] | None = getattr(case, "_cc_pending", None)
        if cached is None:
            cached = {
                r.kind: r for r in CaseRequest.objects.filter(case_id=case.pk, status="pending")
            }
            case._cc_pending = cached  # type: ignore[attr-defined]
        return cached

    def clocks(self, workflow: Workflow, case: Case) -> CaseClocks:
        from chuangcheng.cases.clocks import CaseClocks

        return CaseClocks(workflow, case)  # rows loaded on first use

    def save_clocks(self, case_clocks: CaseClocks) -> None:
        case_clocks.save()

    def detail(self, workflow: Workflow, case: Case) -> Any:
        """The loop's own row, loaded with the locked case (`services._locked_case`): no
        query. With the snapshot of its values `save_detail` compares against."""
        detail = workflow.detail_of(case)
        if detail is not None:
            detail._cc_before = _detail_values(detail)
        return detail

    def save_detail(self, detail: Any) -> None:
        """Write the fields of the loop's own row that the step changed (none: no query)."""
        if detail is None:
            return
        before: dict[str, Any] = getattr(detail, "_cc_before", {})
        after = _detail_values(detail)
        changed = [
            f.name
            for f in detail._meta.concrete_fields
            if not f.primary_key and before.get(f.attname) != after[f.attname]
        ]
        if changed:
            detail.save(update_fields=changed)
        detail._cc_before = after

    def save_related_detail(self, detail: Any, fields: Sequence[str]) -> None:
        detail.save(update_fields=list(fields))

    def end_assignments(self, case: Case, now: dt.datetime) -> None:
        from chuangcheng.cases.models import Assignment

        Assignment.objects.filter(case=case, active=True).update(active=False, ended_at=now)
        case._cc_assigned = None  # type: ignore[attr-defined]

    def add_assignments(self, case: Case, rows: Sequence[Assignment]) -> None:
        from chuangcheng.cases.models import Assignment

        Assignment.objects.bulk_create(rows)
        case._cc_assigned = None  # type: ignore[attr-defined]

    def append_event(self, event: CaseEvent) -> None:
        event.save(force_insert=True)

    def save_case(self, case: Case) -> None:
        case.save()

    def save_related(self, case: Case, fields: Sequence[str]) -> None:
        case.save(update_fields=[*fields, "last_hash", "event_count", "updated_at"])

    def drop_repeat_keys(self, case: Case) -> None:
        from chuangcheng.cases.models import RepeatKey

        RepeatKey.objects.filter(case_id=case.pk).delete()

    def save_files(
        self, case: Case, event: CaseEvent, files: Sequence[tuple[Any, str]], now: dt.datetime
    ) -> None:
        from chuangcheng.cases.services import save_files

        save_files(case, event, files, now)

    def decide_request(
        self, request: CaseRequest, *, status: str, seq: int, by: int | None, at: dt.datetime
    ) -> None:
        from chuangcheng.cases.models import CaseRequest

        CaseRequest.objects.filter(pk=request.pk).update(
            status=status, decided_seq=seq, decided_by=by, decided_at=at
        )

    def lapse_requests(
        self, case: Case, kinds: Sequence[str] | None, *, seq: int, at: dt.datetime
    ) -> None:
        from chuangcheng.cases.models import CaseRequest

        qs = CaseRequest.objects.filter(case_id=case.pk, status="pending")
        if kinds is not None:
            qs = qs.filter(kind__in=kinds)
        qs.update(status=CaseRequest.Status.LAPSED, decided_seq=seq, decided_at=at)

    def open_request(self, request: CaseRequest) -> None:
        request.save(force_insert=True)

    def find_case(self, actor: Actor, kind: str, number: str) -> Case | None:
        """Another case, by number, among those the actor may see, locked. Locking a second
        case while one is locked may deadlock with someone doing the reverse: PostgreSQL then
        aborts one of them; say so (409) instead of failing with a 500."""
        from django.db import OperationalError, transaction

        from chuangcheng.cases.selectors import cases_visible_to
        from chuangcheng.core.errors import Conflict

        try:
            with transaction.atomic():
                return (
                    cases_visible_to(actor)
                    .select_for_update()
                    .filter(number=number, kind=kind)
                    .first()
                )
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != "40P01":  # deadlock_detected
                raise
            raise Conflict("目标工单正在被他人同时操作，请刷新后重试。") from exc

    def on_commit(self, callback: Callable[[], None]) -> None:
        from django.db import transaction

        transaction.on_commit(callback)


def _detail_values(detail: Any) -> dict[str, Any]:
    return {f.attname: getattr(detail, f.attname) for f in detail._meta.concrete_fields}


DATABASE = DatabaseStore()

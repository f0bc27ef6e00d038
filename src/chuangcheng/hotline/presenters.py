"""The 12345 loop's own fields of an order (`HotlineOrder`) in the generic case views
(cases.presenters), under the names the API has always used: the workflow's `summary`,
`overview`, `public_summary` and `public_detail` hooks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from chuangcheng.cases.models import Case
from chuangcheng.cases.presenters import iso
from chuangcheng.hotline.models import HotlineOrder


def order_of(case: Case) -> HotlineOrder:
    """The order's own row (`case.hotline`, loaded with the case by the lists and the engine);
    a case without one (never, once opened by the engine) reads as a new order."""
    try:
        return case.hotline
    except HotlineOrder.DoesNotExist:
        return HotlineOrder(case=case)


def is_overdue(case: Case, now: dt.datetime | None = None) -> bool:
    order = order_of(case)
    now = now or timezone.now()
    return bool(
        order.finish_due
        and order.finish_at is None
        and case.closed_at is None
        and order.finish_due < now
    )


def summary(case: Case, now: dt.datetime | None = None) -> dict[str, Any]:
    order = order_of(case)
    return {
        "appeal_type": order.appeal_type,
        "urgency": order.urgency,
        "finish_due": iso(order.finish_due),
        "overdue": is_overdue(case, now),
        "supervision_level": order.supervision_level,
        "reporter_count": order.reporter_count,
    }


def overview(case: Case) -> dict[str, Any]:
    order = order_of(case)
    return {
        "deadlines": {
            "sign_due": iso(order.sign_due),
            "respond_due": iso(order.respond_due),
            "finish_due": iso(order.finish_due),
        },
        "clocks": {
            "sign_at": iso(order.sign_at),
            "respond_at": iso(order.respond_at),
            "finish_at": iso(order.finish_at),
            "callback_at": iso(order.callback_at),
        },
        "result": order.result,
        "contacted": order.contacted,
        "resolution": order.resolution,
        "satisfaction": order.satisfaction,
        "citizen_rating": order.citizen_rating,
        "reopen_count": order.reopen_count,
        "return_count": order.return_count,
        "supervision_due": iso(order.supervision_due),
    }


def public_result(case: Case) -> str:
    """The handling result, as the caller is shown it: only once it was approved for callback."""
    from chuangcheng.cases.workflow import workflow_for

    if case.status not in workflow_for(case.kind).public_result_states:
        return ""
    return order_of(case).result


def public_summary(case: Case) -> dict[str, Any]:
    return {"appeal_type": order_of(case).appeal_type}


def public_detail(case: Case) -> dict[str, Any]:
    return {"result": public_result(case), "citizen_rating": order_of(case).citizen_rating}

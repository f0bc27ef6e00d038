"""Plain-dict views of a case for one actor (masking included), shared by API and pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from chuangcheng.cases.models import Assignment, Case, CaseContact
from chuangcheng.cases.workflow import workflow_for
from chuangcheng.core.privacy import mask_name, mask_phone
from chuangcheng.org.access import Actor
from chuangcheng.org.people import person_name


def iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def contact_view(contact: CaseContact | None, actor: Actor) -> dict[str, Any]:
    if contact is None:
        return {"name": "", "phone": "", "confidential": False}
    name = "保密" if contact.confidential and not actor.is_centre else mask_name(contact.name)
    if not contact.name and not contact.phone:
        name = "匿名"
    return {"name": name, "phone": mask_phone(contact.phone), "confidential": contact.confidential}


def is_overdue(case: Case, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return bool(
        case.finish_due
        and case.finish_at is None
        and case.closed_at is None
        and case.finish_due < now
    )


def case_summary(case: Case, now: dt.datetime | None = None) -> dict[str, Any]:
    wf = workflow_for(case.kind)
    return {
        "id": case.pk,
        "number": case.number,
        "kind": case.kind,
        "status": case.status,
        "status_label": wf.state_label(case.status),
        "title": case.title,
        "appeal_type": case.appeal_type,
        "urgency": case.urgency,
        "channel": case.channel,
        "category": case.category.code if case.category_id and case.category else None,
        "category_name": case.category.name if case.category_id and case.category else None,
        "lead_unit": case.lead_unit_id,
        "lead_unit_name": case.lead_unit.name if case.lead_unit_id and case.lead_unit else None,
        "created_at": iso(case.created_at),
        "finish_due": iso(case.finish_due),
        "overdue": is_overdue(case, now),
        "supervision_level": case.supervision_level,
        "reporter_count": case.reporter_count,
    }


def case_detail(case: Case, actor: Actor, allowed: list[Any]) -> dict[str, Any]:
    from chuangcheng.cases.selectors import case_events

    data = case_summary(case)
    contact = CaseContact.objects.filter(case=case).first()
    assignments = (
        Assignment.objects.filter(case=case).select_related("unit").order_by("assigned_at", "id")
    )
    data.update(
        {
            "content": case.content,
            "address": case.address,
            "lat": case.lat,
            "lng": case.lng,
            "source": case.source,
            "external_id": case.external_id,
            "region": case.region.name if case.region_id and case.region else None,
            "street": case.street.name if case.street_id and case.street else None,
            "citizen": contact_view(contact, actor),
            "deadlines": {
                "sign_due": iso(case.sign_due),
                "respond_due": iso(case.respond_due),
                "finish_due": iso(case.finish_due),
            },
            "clocks": {
                "dispatched_at": iso(case.dispatched_at),
                "sign_at": iso(case.sign_at),
                "respond_at": iso(case.respond_at),
                "finish_at": iso(case.finish_at),
                "callback_at": iso(case.callback_at),
                "closed_at": iso(case.closed_at),
            },
            "result": case.result,
            "contacted": case.contacted,
            "resolution": case.resolution,
            "satisfaction": case.satisfaction,
            "citizen_rating": case.citizen_rating,
            "pending": case.pending,
            "pending_data": case.pending_data,
            "merged_into": case.merged_into.number
            if case.merged_into_id and case.merged_into
            else None,
            "reopen_count": case.reopen_count,
            "return_count": case.return_count,
            "supervision_due": iso(case.supervision_due),
            "assignments": [
                {
                    "unit": a.unit_id,
                    "unit_name": a.unit.name,
                    "role": a.role,
                    "active": a.active,
                    "assigned_at": iso(a.assigned_at),
                    "ended_at": iso(a.ended_at),
                }
                for a in assignments
            ],
            "allowed_actions": [{"name": a.name, "label": a.label} for a in allowed],
            "events": [
                {
                    "seq": e.seq,
                    "action": e.action,
                    "from": e.from_status,
                    "to": e.to_status,
                    # the person by name (their username was written into older events)
                    "actor": person_name(e.actor) if e.actor_id else e.actor_name,
                    "unit": e.unit.name if e.unit else None,
                    "note": e.note,
                    "data": e.data,
                    "at": iso(e.created_at),
                    "hash": e.hash,
                    "attachments": [
                        {
                            "name": a.name,
                            "url": f"/attachments/{a.token}",
                            "content_type": a.content_type,
                            "label": a.label,
                        }
                        for a in e.attachments.all()
                    ],
                }
                for e in case_events(case)
            ],
        }
    )
    return data

"""Plain-dict views of a case for one actor (masking included), shared by API and pages.

Staff get `case_summary` / `case_detail`; a citizen gets `citizen_summary` /
`citizen_detail`: exactly what their phone pages show (the loop's public steps, the result
once it is public, their rating), never staff names, internal notes or other units' work.
The loop's own fields (its one-to-one row) come from its workflow's hooks (`summary`,
`overview`, `public_summary`, `public_detail`), at the same level as the engine's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from chuangcheng.cases.handover import links_of
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


def case_summary(case: Case, now: dt.datetime | None = None) -> dict[str, Any]:
    """One case in a staff list: the engine's fields and its loop's (`Workflow.summary`)."""
    wf = workflow_for(case.kind)
    data = {
        "id": case.pk,
        "number": case.number,
        "kind": case.kind,
        "status": case.status,
        "status_label": wf.state_label(case.status),
        "title": case.title,
        "channel": case.channel,
        "category": case.category.code if case.category_id and case.category else None,
        "category_name": case.category.name if case.category_id and case.category else None,
        "lead_unit": case.lead_unit_id,
        "lead_unit_name": case.lead_unit.name if case.lead_unit_id and case.lead_unit else None,
        "created_at": iso(case.created_at),
    }
    if wf.summary is not None:
        data.update(wf.summary(case, now))
    return data


def case_detail(case: Case, actor: Actor, allowed: list[Any]) -> dict[str, Any]:
    from chuangcheng.cases.selectors import case_events, pending_requests_of

    workflow = workflow_for(case.kind)
    data = case_summary(case)
    contact = CaseContact.objects.filter(case=case).first()
    assignments = (
        Assignment.objects.filter(case=case)
        .select_related("unit", "user")
        .order_by("assigned_at", "id")
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
            # when it was dispatched and closed; a loop adds its own times (`overview`)
            "clocks": {
                "dispatched_at": iso(case.dispatched_at),
                "closed_at": iso(case.closed_at),
            },
            "requests": [
                {
                    "kind": r.kind,
                    "label": workflow.request_label(r.kind),
                    "data": r.data,
                    "opened_at": iso(r.opened_at),
                }
                for r in pending_requests_of(case)
            ],
            "merged_into": case.merged_into.number
            if case.merged_into_id and case.merged_into
            else None,
            "assignments": [
                {
                    "unit": a.unit_id,
                    "unit_name": a.unit.name if a.unit is not None else None,
                    "person": (a.user.first_name or a.user.get_username()) if a.user else None,
                    "role": a.role,
                    "active": a.active,
                    "assigned_at": iso(a.assigned_at),
                    "ended_at": iso(a.ended_at),
                }
                for a in assignments
            ],
            "allowed_actions": [{"name": a.name, "label": a.label} for a in allowed],
            "loop": workflow.present(case) if workflow.present is not None else None,
            # links to cases of other loops (转办…), both directions, within the person's scope
            "links": links_of(case, actor),
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
    if workflow.overview is not None:
        own = workflow.overview(case)
        if "clocks" in own:
            own = {**own, "clocks": {**data["clocks"], **own["clocks"]}}
        data.update(own)
    return data


def sees_as_citizen(actor: Actor) -> bool:
    """A person who holds no staff role sees orders as the caller does."""
    return actor.is_citizen_only and not actor.is_superuser


def public_progress(case: Case) -> list[dict[str, Any]]:
    """The steps of an order as its caller is told them (the loop's `public_steps`)."""
    from chuangcheng.cases.selectors import case_events

    wf = workflow_for(case.kind)
    steps = []
    for event in case_events(case):
        text = wf.public_steps.get(event.action)
        if text is None:
            continue
        text = text.format(unit=(event.data or {}).get("lead_unit_name") or "承办单位")
        if event.to_status in wf.final and event.from_status != event.to_status:
            label = wf.state_label(event.to_status)  # 已办结: "…，工单已办结"
            if label[-2:] not in text:
                text += f"，工单{label}"
        steps.append(
            {
                "at": event.created_at,
                "action": event.action,
                "text": text,
                "status": event.to_status,
                "status_label": wf.state_label(event.to_status),
                "data": event.data or {},
            }
        )
    return steps


def rating_comment(steps: list[dict[str, Any]]) -> str:
    """The comment of the reporter's latest rating (the step whose data carries a rating)."""
    rated = [s for s in steps if s["data"].get("rating") is not None]
    return str(rated[-1]["data"].get("comment") or "") if rated else ""


def citizen_summary(case: Case) -> dict[str, Any]:
    """One order in a citizen's list (what their 我的诉求 page shows)."""
    wf = workflow_for(case.kind)
    data = {
        "id": case.pk,
        "number": case.number,
        "kind": case.kind,
        "status": case.status,
        "status_label": wf.state_label(case.status),
        "title": case.title,
        "created_at": iso(case.created_at),
    }
    if wf.public_summary is not None:
        data.update(wf.public_summary(case))
    return data


def citizen_detail(case: Case, allowed: list[Any]) -> dict[str, Any]:
    """One order as its caller sees it on the phone pages."""
    steps = public_progress(case)
    data = citizen_summary(case)
    data.update(
        {
            "content": case.content,
            "address": case.address,
            "lead_unit_name": case.lead_unit.name if case.lead_unit_id and case.lead_unit else None,
            "rating_comment": rating_comment(steps),
            "progress": [
                {"at": iso(s["at"]), "text": s["text"], "status_label": s["status_label"]}
                for s in steps
            ],
            "allowed_actions": [{"name": a.name, "label": a.label} for a in allowed],
        }
    )
    wf = workflow_for(case.kind)
    if wf.public_detail is not None:  # what the caller may know of the loop's fields
        data.update(wf.public_detail(case))
    return data


def case_summary_for(case: Case, actor: Actor) -> dict[str, Any]:
    return citizen_summary(case) if sees_as_citizen(actor) else case_summary(case)


def case_detail_for(case: Case, actor: Actor, allowed: list[Any]) -> dict[str, Any]:
    if sees_as_citizen(actor):
        return citizen_detail(case, allowed)
    return case_detail(case, actor, allowed)

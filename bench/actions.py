"""(b) Server time of each workflow action of the 12345 loop, on the 1M-order database.

Fresh orders are opened with the intake service, then driven through the seven steps
(review, dispatch, accept, contact, feedback, approve_feedback, callback), each timed:

  api      the whole request in-process through Django's test client (token auth, DRF,
           the service, and the case detail the endpoint returns), i.e. server time without
           the network and without a WSGI server;
  service  `case_transition` alone.

    .venv/bin/python bench/actions.py [--cases 120]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ServerTimer, percentiles, record, say, setup_django

TARGET_MS = 50.0
STEPS = [
    # action, who, data
    ("review", "dispatcher", {"category": "060103", "note": "复核通过"}),
    ("dispatch", "dispatcher", None),  # lead unit filled in below
    ("accept", "handler_cg", {}),
    ("contact", "handler_cg", {"note": "已电话联系诉求人"}),
    ("feedback", "handler_cg", {"result": "已联合执法队清理摊贩，设置禁停标识。"}),
    ("approve_feedback", "dispatcher", {}),
    (
        "callback",
        "callback",
        {"contacted": "true", "resolution": "resolved", "satisfaction": "satisfied"},
    ),
]
INTAKE = {
    "channel": "phone",
    "appeal_type": "help",
    "title": "小区门口占道经营",
    "content": "海亮广场北门每天晚上有流动摊贩占道经营，油烟很大，影响通行。",
    "citizen_name": "王先生",
    "citizen_phone": "13812341234",
    "address": "回民区中山西路海亮广场北门",
    "lat": 40.8146,
    "lng": 111.6389,
    "urgency": "normal",
}


def client_for(username: str) -> Any:
    from rest_framework.test import APIClient

    from chuangcheng.demo.city import DEMO_PASSWORD

    client = APIClient(HTTP_HOST="127.0.0.1")
    resp = client.post(
        "/api/v1/auth/token", {"username": username, "password": DEMO_PASSWORD}, format="json"
    )
    assert resp.status_code == 200, resp.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {resp.json()['token']}")
    return client


def run(cases: int) -> dict[str, dict[str, float]]:
    from django.contrib.auth import get_user_model

    from chuangcheng.cases.services import case_transition
    from chuangcheng.hotline.services import hotline_intake
    from chuangcheng.org.access import actor_for
    from chuangcheng.org.models import Unit

    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=["operator", "dispatcher", "handler_cg", "callback"]
        )
    }
    cg = Unit.objects.get(code="D-CG")
    clients = {name: client_for(name) for name in ("dispatcher", "handler_cg", "callback")}
    operator = actor_for(users["operator"])

    def data_for(action: str, data: dict[str, Any] | None) -> dict[str, Any]:
        return (
            {"lead_unit": cg.pk, "note": "派至城管局"} if action == "dispatch" else dict(data or {})
        )

    timings: dict[str, dict[str, list[float]]] = {"api": {}, "service": {}}
    cpu: dict[str, dict[str, list[float]]] = {"api": {}, "service": {}}
    timer = ServerTimer()
    for i in range(cases):
        mode = "api" if i % 2 == 0 else "service"
        case, _ = hotline_intake(actor=operator, data=INTAKE, source="bench")
        for action, who, data in STEPS:
            payload = data_for(action, data)
            if mode == "api":
                with timer:
                    resp = clients[who].post(
                        f"/api/v1/cases/{case.pk}/actions/{action}", payload, format="json"
                    )
                assert resp.status_code == 200, (action, resp.status_code, resp.content[:300])
            else:
                actor = actor_for(users[who])  # cached per user object, as in a request
                with timer:
                    case_transition(case_id=case.pk, action=action, actor=actor, data=payload)
            if i >= 2:  # the first two orders warm caches and connections
                timings[mode].setdefault(action, []).append(timer.wall_ms)
                cpu[mode].setdefault(action, []).append(timer.cpu_ms)
    out = {}
    say(
        f"{'action':18} {'mode':8} {'n':>4} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}  "
        f"{'cpu p50':>7} {'cpu p95':>7}  (ms)"
    )
    for mode in ("api", "service"):
        for action, _, _ in STEPS:
            p = percentiles(timings[mode][action])
            c = percentiles(cpu[mode][action])
            out[f"{mode}:{action}"] = p
            say(
                f"{action:18} {mode:8} {p['n']:>4} {p['p50']:7.1f} {p['p95']:7.1f} "
                f"{p['p99']:7.1f} {p['max']:7.1f}  {c['p50']:7.1f} {c['p95']:7.1f}"
            )
            record(
                f"(b) action {action} [{'API request' if mode == 'api' else 'service call'}]",
                target=f"p95 ≤ {TARGET_MS:.0f} ms",
                metric="p95",
                value=p["p95"],
                passed=p["p95"] <= TARGET_MS,
                stats=p,
                cpu=c,
                group="b" if mode == "api" else "b-ref",
            )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=120)
    args = ap.parse_args()
    setup_django()
    run(args.cases)


if __name__ == "__main__":
    main()

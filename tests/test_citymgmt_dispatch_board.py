"""The dispatcher's board (派遣员): cases waiting for 派遣, the 回退/延期/缓办 requests awaiting a
decision, the cases in 缓办 — and nothing else (a case being handled with no request, one
closed, one waiting for 立案, a request already decided). The board is read as a union of
indexed parts; it shows exactly what the single OR over the open cases showed, in the same
order, and only what the person may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from chuangcheng.cases.models import Case
from chuangcheng.cases.selectors import pending_request_q
from chuangcheng.citymgmt.selectors import _by_due, _open, dispatch_board
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Unit
from tests.test_citymgmt_loop import SH, go, loop, png, report  # noqa: F401  (fixture)
from tests.test_citymgmt_pages import login


def board_as_one_or(actor: Actor) -> list[int]:
    """The board as it was read before (one OR over the open cases)."""
    qs = _open(actor).filter(
        Q(status="dispatching")
        | pending_request_q("return")
        | pending_request_q("extension")
        | pending_request_q("suspend")
        | Q(status="handling", citycase__suspended=True)
    )
    return list(_by_due(qs).values_list("id", flat=True))


def test_the_board_shows_what_waits_for_the_dispatcher(loop: dict[str, Any]) -> None:  # noqa: F811
    mon = dt.datetime(2026, 11, 30, 9, tzinfo=SH)
    hw = Unit.objects.get(code="D-HW").pk
    made: dict[str, Case] = {}

    def case(name: str, *steps: tuple[str, str, dict[str, Any]]) -> None:
        c, _ = report(loop, key=f"board-key-{name}")
        for i, (action, who, data) in enumerate(steps):
            go(c, action, loop[who], mon + dt.timedelta(minutes=10 * i), **data)
        made[name] = c

    filed = ("file_case", "shift", {})
    sent = ("dispatch", "dispatcher", {"unit": hw})
    case("waiting_for_filing")
    case("to_dispatch", filed)
    case("handling", filed, sent)
    case("return_asked", filed, sent, ("request_return", "hw", {"reason": "非本单位职责"}))
    case(
        "extension_asked",
        filed,
        sent,
        ("request_extension", "hw", {"amount": 2, "reason": "需协调"}),
    )
    case("suspend_asked", filed, sent, ("request_suspend", "hw", {"reason": "需协调产权单位"}))
    case(
        "suspended",
        filed,
        sent,
        ("request_suspend", "hw", {"reason": "需协调产权单位"}),
        ("approve_suspend", "dispatcher", {}),
    )
    case(
        "extension_decided",
        filed,
        sent,
        ("request_extension", "hw", {"amount": 2, "reason": "需协调"}),
        ("approve_extension", "dispatcher", {}),
    )
    case(
        "closed",
        filed,
        sent,
        ("feedback", "hw", {"files": [(png(), "处置后")]}),
        ("check_pass", "inspector2", {}),
        ("close", "shift", {"close_type": "normal"}),
    )
    expected = {
        made[n].pk
        for n in ("to_dispatch", "return_asked", "extension_asked", "suspend_asked", "suspended")
    }
    shown = list(dispatch_board(loop["dispatcher"]).values_list("id", flat=True))
    assert set(shown) == expected
    assert shown == board_as_one_or(loop["dispatcher"])  # the same rows in the same order
    # someone who sees none of these cases gets none of them (the board keeps the scope)
    assert list(dispatch_board(loop["inspector_other_street"])) == []
    page = login("cm_dp").get("/citymgmt/dispatch/")
    assert page.status_code == 200
    html = page.content.decode()
    for name, c in made.items():
        assert (c.number in html) == (c.pk in expected), name

"""The visit plan as it was before issue 12's speed work (commit 00576e6), kept verbatim for
bench/grid.py to time the pages with it and with the current one in the same run: every
residence of the grids loaded with its home, building and grid, then every visit of the care
register's people."""

from __future__ import annotations

from typing import Any

from chuangcheng.grid.ledgers import visible_grids
from chuangcheng.grid.models import CareEntry, Visit
from chuangcheng.grid.registers import Due, _living_in, next_visit


def visit_plan(actor: Any, *, grid: Any = None) -> list[Due]:
    grids = visible_grids(actor)
    if grid is not None:
        grids = grids.filter(pk=grid.pk)
    living = {
        r.person_id: r.home.building.grid
        for r in _living_in(grids).select_related("home__building__grid")
    }
    entries: dict[int, list[CareEntry]] = {}
    for e in CareEntry.objects.filter(person_id__in=living, until__isnull=True).select_related(
        "person"
    ):
        entries.setdefault(e.person_id, []).append(e)
    visits: dict[int, list[Visit]] = {}
    for v in Visit.objects.filter(person_id__in=entries).only("person_id", "at", "method"):
        visits.setdefault(v.person_id, []).append(v)
    out = []
    for person_id, mine in entries.items():
        tier, due, last, reason = next_visit(mine, visits.get(person_id, []))
        out.append(
            Due(
                person=mine[0].person,
                grid=living[person_id],
                tier=tier,
                categories=[e.get_category_display() for e in mine],
                last=last,
                due=due,
                reason=reason,
            )
        )
    out.sort(key=lambda d: (d.due, d.person.name))
    return out

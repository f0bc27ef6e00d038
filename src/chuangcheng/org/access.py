"""Who someone is in the organisation: their roles, units and jurisdiction (data scope).

`Actor` is computed once per request from the person's memberships and passed to services and
selectors, so no domain code re-reads memberships in a loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from chuangcheng.org.models import Membership, Region
from chuangcheng.org.roles import CENTRE, PUBLIC, role_group


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    roles: frozenset[str]
    # role -> unit ids where the person holds that role
    units_by_role: dict[str, frozenset[int]] = field(default_factory=dict)
    # region paths of the units in which the person holds a centre role
    centre_paths: tuple[str, ...] = ()
    # unit ids a handler acts for, and units whose orders they may see (their own + sub-units)
    handler_units: frozenset[int] = frozenset()
    visible_units: frozenset[int] = frozenset()
    is_superuser: bool = False
    # role -> region paths of the units where the person holds it ("/" for no unit: the city)
    paths_by_role: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # unit -> the units directly under it (a street office's communities), for every unit the
    # person is a member of
    children: dict[int, frozenset[int]] = field(default_factory=dict)

    def units_with_children(self, role: str) -> frozenset[int]:
        """The units where the person holds `role`, and the units directly under them."""
        units = self.units_by_role.get(role, frozenset())
        out = set(units)
        for unit in units:
            out |= self.children.get(unit, frozenset())
        return frozenset(out)

    def has(self, role: str) -> bool:
        return role in self.roles

    def in_unit(self, role: str, unit_id: int | None) -> bool:
        return unit_id is not None and unit_id in self.units_by_role.get(role, frozenset())

    @property
    def is_centre(self) -> bool:
        return bool(self.roles & role_group(CENTRE)) or self.is_superuser

    @property
    def is_citizen_only(self) -> bool:
        return bool(self.roles) and self.roles <= role_group(PUBLIC)


ANONYMOUS = Actor(user_id=None, username="", roles=frozenset())
# The engine itself, taking a workflow's `system` actions (e.g. the origin's step when a case it
# handed over to another loop is done): sees every case, holds no role, is never a request's user.
SYSTEM = Actor(user_id=None, username="系统", roles=frozenset(), is_superuser=True)


def actor_for(user: Any) -> Actor:
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached: Actor | None = getattr(user, "_cc_actor", None)
    if cached is not None:
        return cached
    rows = list(
        Membership.objects.filter(user_id=user.pk).values_list(
            "role", "unit_id", "unit__region__path"
        )
    )
    return _actor_from(user, rows, None)


def actor_prefetched(
    user: Any, memberships: list[dict[str, Any]], sub_units: list[tuple[int, int]]
) -> Actor:
    """The Actor from membership rows fetched elsewhere (the API token lookup brings them
    along: role, unit id, the unit's region path) and the (parent, unit) pairs of the units
    under the person's units; the same result as actor_for without its queries."""
    rows = [(m["role"], m["unit"], m["path"]) for m in memberships]
    return _actor_from(user, rows, [(int(p), int(u)) for p, u in sub_units])


def _actor_from(
    user: Any,
    rows: Sequence[tuple[str, int | None, str | None]],
    sub_units: list[tuple[int, int]] | None,
) -> Actor:
    roles = frozenset(r for r, _, _ in rows)
    units_by_role: dict[str, set[int]] = {}
    paths_by_role: dict[str, set[str]] = {}
    centre_paths: list[str] = []
    centre_roles = role_group(CENTRE)
    for role, unit_id, path in rows:
        if unit_id is not None:
            units_by_role.setdefault(role, set()).add(unit_id)
        paths_by_role.setdefault(role, set()).add(path or "/")
        if role in centre_roles:
            centre_paths.append(path or "/")
    member_units = {u for units in units_by_role.values() for u in units}
    if sub_units is None:
        sub_units = []
        if member_units:
            from chuangcheng.org.models import Unit

            sub_units = list(
                Unit.objects.filter(parent_id__in=member_units).values_list("parent_id", "pk")
            )
    children: dict[int, set[int]] = {}
    for parent, unit in sub_units:
        children.setdefault(parent, set()).add(unit)
    handler_units = frozenset(units_by_role.get("handler", set()))
    visible = set(handler_units)
    for unit in handler_units:  # a street office also sees the orders of its communities
        visible |= children.get(unit, set())
    if user.is_superuser:
        centre_paths.append("/")
    actor = Actor(
        user_id=user.pk,
        username=user.get_username(),
        roles=roles,
        units_by_role={k: frozenset(v) for k, v in units_by_role.items()},
        centre_paths=tuple(sorted(set(centre_paths))),
        handler_units=handler_units,
        visible_units=frozenset(visible),
        is_superuser=bool(user.is_superuser),
        paths_by_role={k: tuple(sorted(v)) for k, v in paths_by_role.items()},
        children={k: frozenset(v) for k, v in children.items()},
    )
    user._cc_actor = actor
    return actor


def region_subtree_ids(region: Region) -> list[int]:
    return list(Region.objects.filter(path__startswith=region.path).values_list("pk", flat=True))

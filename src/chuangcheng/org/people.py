"""How a person is shown: by name (姓名), not by their login (用户名).

A Chinese name is 姓 + 名 written together (last_name then first_name: 王 + 芳 → 王芳); a name in
Latin letters keeps its order and its space (Anna Schmidt). With no name at all, the username is
what there is, and pages for citizens show neither (see `citizen_facing_name`)."""

from __future__ import annotations

from typing import Any


def person_name(user: Any) -> str:
    """The person's full name, else their username; '' for no one."""
    if user is None:
        return ""
    first = (getattr(user, "first_name", "") or "").strip()
    last = (getattr(user, "last_name", "") or "").strip()
    if first and last:
        if (first + last).isascii():
            return f"{first} {last}"
        return f"{last}{first}"
    return first or last or user.get_username()


def citizen_facing_name(user: Any) -> str:
    """What a page for citizens calls its signed-in person: their name, never a username."""
    first = (getattr(user, "first_name", "") or "").strip()
    last = (getattr(user, "last_name", "") or "").strip()
    return person_name(user) if first or last else "我的账户"

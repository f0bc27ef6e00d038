"""What each loop app adds to the shell: its navigation links, where `/` sends its people, and
its panels and template on the generic case page.

A loop declares these on its AppConfig (see hotline.apps), so web/ names no loop's pages:

    nav = [("hotline:intake", "受理", frozenset({OPERATOR})), ...]   # url name, label, roles
    home_by_role = [(OPERATOR, "hotline:intake"), ...]               # first matching role wins
    public_nav = [("hotline:m_home", "首页"), ...]  # the phone layout's tab bar (url name, label)
    public_brand = "12345 市民诉求"             # the phone layout's title on this loop's pages
    public_track_page = "hotline:m_track"       # follow a case by its number (sign-in page)
    superuser_home = "hotline:case_list"        # an administrator without a role
    no_role_home = "hotline:m_home"             # a signed-in person with no role at all
    public_case_page = "hotline:m_case"         # a member of the public's page of one case (of
                                                # this loop's kinds; the first loop's for others)
    case_detail_extras = "dotted.path.to.function"   # (actor, case, forms) -> extra context

A loop's own case page is the template `<kind>/case_detail.html`, extending
web/case_detail.html; a loop without one gets the generic page."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.apps import AppConfig, apps
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils.module_loading import import_string

GENERIC_CASE_TEMPLATE = "web/case_detail.html"


def loop_apps() -> list[AppConfig]:
    """The installed apps that add pages to the shell, in INSTALLED_APPS order."""
    return [c for c in apps.get_app_configs() if hasattr(c, "nav")]


def nav_links() -> list[tuple[str, str, frozenset[str]]]:
    return [link for c in loop_apps() for link in getattr(c, "nav", [])]


def home_by_role() -> list[tuple[str, str]]:
    return [pair for c in loop_apps() for pair in getattr(c, "home_by_role", [])]


def _first(attribute: str) -> str | None:
    """The first loop's url name for `attribute` (None if no loop names one)."""
    return next((v for c in loop_apps() if (v := getattr(c, attribute, ""))), None)


def loop_of(request: Any) -> AppConfig | None:
    """The loop app whose page answers `request` (its URL namespace is the app's label)."""
    match = getattr(request, "resolver_match", None)
    namespace = getattr(match, "app_name", "") or ""
    return next((c for c in loop_apps() if c.label == namespace), None)


def _public_loop(request: Any) -> AppConfig | None:
    """The loop whose phone layout a page wears: its own loop's; on a page of no loop (sign-in,
    messages) the first loop with public pages."""
    own = loop_of(request)
    if own is not None:
        return own
    return next((c for c in loop_apps() if getattr(c, "public_nav", None)), None)


def public_links(request: Any = None) -> list[dict[str, str]]:
    """The phone layout's tab bar: the public pages of the loop the page belongs to (a grid
    worker's page shows none of a resident's 12345 tabs)."""
    loop = _public_loop(request)
    return [
        {"url": reverse(name), "label": label} for name, label in getattr(loop, "public_nav", [])
    ]


def public_brand(request: Any = None) -> str:
    return str(getattr(_public_loop(request), "public_brand", "") or "创城")


def public_track_url() -> str:
    name = _first("public_track_page")
    return reverse(name) if name else ""


def superuser_home() -> str | None:
    return _first("superuser_home")


def no_role_home() -> str | None:
    return _first("no_role_home")


def public_case_url(case_id: int, kind: str | None = None) -> str | None:
    """Where a member of the public follows one of their cases: the page of the loop whose
    workflow the case is (its `detail` model's app), else the first loop's (None: no loop has
    such a page)."""
    name = _own("public_case_page", kind) if kind else None
    name = name or _first("public_case_page")
    return reverse(name, args=[case_id]) if name else None


def _own(attribute: str, kind: str) -> str | None:
    """The url name for `attribute` of the loop app that declares the workflow `kind`."""
    from chuangcheng.cases.workflow import workflow_for

    try:
        detail = workflow_for(kind).detail
    except LookupError:
        return None
    if detail is None:
        return None
    label = detail._meta.app_label
    return next(
        (v for c in loop_apps() if c.label == label and (v := getattr(c, attribute, ""))), None
    )


@cache
def _extras() -> tuple[Callable[..., dict[str, Any]], ...]:
    return tuple(
        import_string(path) for c in loop_apps() if (path := getattr(c, "case_detail_extras", ""))
    )


def case_detail_extras(actor: Any, case: Any, forms: list[Any]) -> dict[str, Any]:
    """The context every loop adds to a case's page (each hook answers for its own kind)."""
    out: dict[str, Any] = {}
    for hook in _extras():
        out.update(hook(actor, case, forms))
    return out


@cache
def case_detail_template(kind: str) -> str:
    name = f"{kind}/case_detail.html"
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return GENERIC_CASE_TEMPLATE
    return name

"""A loop lives in one place: its pages, templates and API in its own app; web/ and api/ hold the
shell and what every loop shares, and name no loop.

The forbidden words come from the workflows the loop apps declare (their kinds, states and
actions), so a new loop's words are forbidden as soon as its workflow exists."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from types import ModuleType

import pytest
from django.apps import AppConfig, apps

from chuangcheng.cases.workflow import Workflow

SRC = Path(__file__).resolve().parents[1] / "src" / "chuangcheng"
ENGINE_APPS = {"core", "org", "cases"}  # their workflow module is the engine's, not a loop's

# Generic words that are also the name of some loop's state or action: the shell may say them.
ALLOWED = frozenset(
    {
        # 12345's action "contact" (the unit got in touch), and the engine's CaseContact: the
        # reporter's contact details that the shared case endpoints reveal (audited)
        "contact",
    }
)

# The shell (web/views) and the shared API (api/views.py): what must name no loop.
SHELL_FILES = [*sorted((SRC / "web" / "views").glob("*.py")), SRC / "api" / "views.py"]


def _workflow_module(config: AppConfig) -> ModuleType | None:
    try:
        return importlib.import_module(f"{config.name}.workflow")
    except ModuleNotFoundError:
        return None


def loop_apps() -> list[AppConfig]:
    """The installed apps of this project that declare a workflow of their own."""
    return [
        c
        for c in apps.get_app_configs()
        if c.name.startswith("chuangcheng.")
        and c.label not in ENGINE_APPS
        and _workflow_module(c) is not None
    ]


def loop_workflows() -> list[Workflow]:
    out = []
    for config in loop_apps():
        module = _workflow_module(config)
        out += [v for v in vars(module).values() if isinstance(v, Workflow)]
    return out


def forbidden_words() -> frozenset[str]:
    words: set[str] = set()
    for w in loop_workflows():
        words.add(w.kind)
        words |= set(w.states)
        words |= {a.name for a in w.actions}
    return frozenset(words) - ALLOWED


def named_words(text: str, words: frozenset[str]) -> set[str]:
    """The words of `words` that appear in `text` as a word of their own (an identifier, a
    string, a dotted module path or a URL part; `closed_at` does not name `closed`)."""
    return {
        w for w in words if re.search(rf"(?<![A-Za-z0-9_]){re.escape(w)}(?![A-Za-z0-9_])", text)
    }


def test_the_loop_words_are_derived_from_the_declared_workflows() -> None:
    words = forbidden_words()
    # the 12345 loop's kind, a state and an action, stated here rather than read from the code
    assert {"hotline", "received", "dispatch", "callback", "return_requested"} <= words
    assert not ALLOWED & words


def test_the_check_finds_a_loop_named_in_code() -> None:
    words = forbidden_words()
    assert named_words(
        'from chuangcheng.hotline import selectors\nQ(status="received")', words
    ) >= {
        "hotline",
        "received",
    }
    assert named_words("case.closed_at, reverse('web:case_detail')", words) == set()


@pytest.mark.parametrize("path", SHELL_FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_the_shell_names_no_loop(path: Path) -> None:
    found = named_words(path.read_text(encoding="utf-8"), forbidden_words())
    assert not found, f"{path.relative_to(SRC)} names a loop's kind/state/action: {sorted(found)}"


@pytest.mark.parametrize("path", SHELL_FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_the_shell_imports_no_loop_app(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for config in loop_apps():
        assert not re.search(rf"\b{re.escape(config.name)}\b", text), (
            f"{path.relative_to(SRC)} imports {config.name}"
        )


def test_each_loop_app_carries_its_pages_urls_api_and_templates() -> None:
    found = loop_apps()
    assert "hotline" in {c.label for c in found}
    for config in found:
        root = Path(config.path)
        missing = []
        if not ((root / "views.py").is_file() or (root / "views" / "__init__.py").is_file()):
            missing.append("views")
        if not (root / "urls.py").is_file():
            missing.append("urls.py")
        if not ((root / "api.py").is_file() or (root / "api" / "__init__.py").is_file()):
            missing.append("api")
        if not (root / "templates" / config.label).is_dir():
            missing.append(f"templates/{config.label}/")
        assert not missing, f"{config.label} lacks {missing}"


def test_the_loop_pages_keep_their_paths_and_answer_from_the_loop_app() -> None:
    from django.urls import resolve, reverse

    for name, path in [
        ("hotline:intake", "/hotline/intake/"),
        ("hotline:dispatch", "/hotline/dispatch/"),
        ("hotline:queue", "/hotline/queue/"),
        ("hotline:callbacks", "/hotline/callbacks/"),
        ("hotline:supervision", "/hotline/supervision/"),
        ("hotline:dashboard", "/hotline/dashboard/"),
        ("hotline:hot", "/hotline/hot/"),
        ("hotline:case_list", "/hotline/cases/"),
        ("hotline:m_home", "/m/"),
        ("hotline:m_track", "/m/track/"),
        ("api-cases", "/api/v1/cases"),
        ("api-callers", "/api/v1/callers"),
        ("api-indicators", "/api/v1/indicators/hotline"),
    ]:
        assert reverse(name) == path
        view = resolve(path).func
        assert view.__module__.startswith("chuangcheng.hotline."), (path, view.__module__)
    # the generic case pages stay in the shell, at the paths people bookmarked
    assert reverse("web:case_detail", args=[7]) == "/hotline/cases/7/"
    assert resolve("/hotline/cases/7/").func.__module__ == "chuangcheng.web.views.cases"
    assert resolve("/api/v1/cases/7").func.__module__ == "chuangcheng.api.views"


def test_the_engine_asks_role_groups_that_the_loop_fills() -> None:
    """org names no loop's role; 12345 puts its roles in the groups the engine asks about."""
    from chuangcheng.org.roles import CENTRE, PUBLIC, REVEAL_PHONE, declare_role_group, role_group

    assert {"operator", "dispatcher", "callback", "handler"} <= role_group(REVEAL_PHONE)
    assert not {"leader", "supervisor", "citizen"} & role_group(REVEAL_PHONE)
    assert role_group(PUBLIC) >= {"citizen"} and "handler" not in role_group(PUBLIC)
    assert {"operator", "dispatcher", "callback", "supervisor", "leader"} <= role_group(CENTRE)
    assert "handler" not in role_group(CENTRE)
    with pytest.raises(ValueError):
        declare_role_group("everyone", {"operator"})
    org_roles = (SRC / "org" / "roles.py").read_text(encoding="utf-8")
    for code in ("operator", "dispatcher", "handler", "callback", "citizen"):  # as a role code
        assert f'"{code}"' not in org_roles and f"'{code}'" not in org_roles


@pytest.mark.django_db
def test_the_phone_layout_and_sign_in_link_the_public_pages_the_loop_adds() -> None:
    from django.test import Client

    html = Client().get("/m/track/").content.decode()
    for href, label in [
        ("/m/", "首页"),
        ("/m/submit/", "我要反映"),
        ("/m/track/", "进度查询"),
        ("/m/cases/", "我的诉求"),
    ]:
        assert f'<a href="{href}">{label}</a>' in html
    assert (
        '<a href="/m/track/">凭工单编号查询办理进度</a>' in Client().get("/login/").content.decode()
    )


@pytest.mark.parametrize("app", ["core", "org", "cases"])
def test_the_engine_names_no_loop_kind_or_action(app: str) -> None:
    """No quoted kind or action name of any registered workflow in the engine's code (its
    migrations are history and are left out); a loop's own index or rule lives in its app."""
    workflows = loop_workflows()
    words = {w.kind for w in workflows} | {a.name for w in workflows for a in w.actions}
    words -= ALLOWED
    found = []
    for path in Path("src/chuangcheng", app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in re.finditer(r"[\"']([a-z_]+)[\"']", line):
                if match.group(1) in words:
                    found.append(f"{path}:{number} {match.group(1)}")
    assert found == []


STATE_COPY = re.compile(
    r"""(\.status\s*=[^=]|\[["']status["']\]\s*=[^=]|add_duration|add_working_days)"""
)


def test_the_demo_history_copies_no_state_machine() -> None:
    """The demo decides what happens and when; states, clocks and fields come from the
    workflows (cases.replay): nothing in demo/ sets a status or computes a due."""
    for path in (SRC / "demo").rglob("*.py"):
        found = STATE_COPY.findall(path.read_text(encoding="utf-8"))
        assert not found, f"{path}: {found}"


def test_loop_actions_write_nothing_through_the_orm_for_the_engine() -> None:
    """A loop's `apply` assigns through the Step (the engine writes to the database or to a
    bulk replay), never `Assignment.objects…`."""
    for workflow in loop_workflows():
        for action in workflow.actions:
            if action.apply is None:
                continue
            source = inspect.getsource(action.apply)
            assert "Assignment.objects" not in source, f"{workflow.kind}.{action.name}"


# What every loop may use with the same meaning stays on the engine's Case; a loop's own
# fields live in its own table, one-to-one with the case (`Workflow.detail`, ADR 0017).
CASE_SHARED_FIELDS = {
    "id", "number", "kind", "status", "source", "channel", "title", "content", "category",
    "address", "lat", "lng", "region", "street", "region_path", "lead_unit", "external_source",
    "external_id", "citizen_user", "created_by", "created_at", "updated_at", "dispatched_at",
    "closed_at", "next_due", "merged_into", "match_text", "last_hash", "event_count",
}  # fmt: skip


def test_the_engines_case_keeps_only_what_every_loop_shares() -> None:
    from chuangcheng.cases.models import Case

    assert {f.name for f in Case._meta.concrete_fields} == CASE_SHARED_FIELDS
    # a loop's own fields are in its own table, named by its workflow
    for workflow in loop_workflows():
        if workflow.detail is not None:
            own = {f.name for f in workflow.detail._meta.concrete_fields} - {"case"}
            assert not own & CASE_SHARED_FIELDS - {"source"}, workflow.kind


def test_no_index_of_the_engines_case_names_a_loops_state() -> None:
    from chuangcheng.cases.models import Case

    states = {s for w in loop_workflows() for s in w.states}
    for index in Case._meta.indexes:
        condition = str(index.condition or "")
        assert "status" not in condition, (index.name, condition)
        assert not any(f"'{s}'" in condition for s in states), index.name

"""The README's "API in one minute" on the SQLite demo: a token, then POST /api/v1/cases with
it. The requests are read from the README itself, so the example and the test cannot drift
apart; they run in a subprocess on a fresh SQLite database, as `make demo` runs them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from chuangcheng.demo.city import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import json, os
from django.test import Client
from chuangcheng.demo.city import build_demo_city

build_demo_city()
steps = json.loads(os.environ["CC_README_STEPS"])
client = Client()
token = None
for path, body in steps:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    resp = client.post(path, json.dumps(body), content_type="application/json", **headers)
    print("STEP", path, resp.status_code, resp.content.decode()[:300])
    assert resp.status_code in (200, 201), resp.content
    token = resp.json().get("token", token)
print("README-API-OK")
"""


def readme_api_steps() -> list[tuple[str, dict[str, object]]]:
    """The POSTs of the README's API section: (path, JSON body), in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## API in one minute", 1)[1].split("\n## ", 1)[0]
    steps = []
    for path, body in re.findall(
        r"curl -s -X POST localhost:\d+(/api/\S+).*?-d '(\{.*?\})'", section, flags=re.S
    ):
        data = json.loads(body.replace("<printed by make demo>", DEMO_PASSWORD))
        steps.append((path, data))
    return steps


def test_the_readme_has_the_two_steps() -> None:
    assert [p for p, _ in readme_api_steps()] == ["/api/v1/auth/token", "/api/v1/cases"]


@pytest.mark.slow
def test_the_readme_api_example_runs_on_sqlite(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CC_ENV": "demo",
        "CC_DATA_DIR": str(tmp_path),
        "CC_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "CC_ALLOWED_HOSTS": "testserver,localhost",
        "CC_README_STEPS": json.dumps(readme_api_steps()),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    migrated = subprocess.run(
        [*manage, "migrate", "--no-input"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    ran = subprocess.run(
        [*manage, "shell", "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert "README-API-OK" in ran.stdout, (ran.stdout[-2000:], ran.stderr[-3000:])

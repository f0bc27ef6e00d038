"""The demo runs on SQLite: build it in a subprocess and drive the loop there, so code that
only works on PostgreSQL cannot break the README's first command unnoticed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
from django.contrib.auth import get_user_model
from chuangcheng.cases.models import Case
from chuangcheng.cases.selectors import verify_chain
from chuangcheng.cases.services import case_transition
from chuangcheng.hotline.services import hotline_intake, hotline_intake_many
from chuangcheng.intelligence.selectors import likely_repeats
from chuangcheng.org.access import actor_for

def who(name):
    return actor_for(get_user_model().objects.get(username=name))

data = {"channel": "phone", "appeal_type": "help", "title": "海亮广场北门井盖缺失",
        "content": "海亮广场北门井盖缺失，夜里很危险", "citizen_phone": "13812341234",
        "lat": 40.8146, "lng": 111.6389, "external_id": "SQLITE-1"}
first, created = hotline_intake(actor=who("operator"), data=data)
again, created_again = hotline_intake(actor=who("operator"), data=data)
assert created and not created_again and again.pk == first.pk
batch = hotline_intake_many(actor=who("operator"), items=[
    {**data, "external_id": "SQLITE-2"}, {**data, "external_id": "SQLITE-1"}])
assert [c[1] for c in batch] == [True, False], batch
second = batch[0][0]
d = who("dispatcher")
assert [r.case.pk for r in likely_repeats(second, d)][:1] == [first.pk]
zsxl = get_user_model().objects.get(username="handler_zsxl").memberships.first().unit_id
case_transition(case_id=first.pk, action="review", actor=d, data={})
case_transition(case_id=first.pk, action="dispatch", actor=d, data={"lead_unit": zsxl})
case_transition(case_id=first.pk, action="accept", actor=who("handler_zsxl"), data={})
first.refresh_from_db()
assert first.status == "handling" and verify_chain(first) and verify_chain(second)
# 城管考核: on PostgreSQL in SQL, here in Python (citymgmt.indicators_python)
from django.utils import timezone
from chuangcheng.citymgmt.indicators import citymgmt_indicators
months = {c.created_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m")
          for c in Case.objects.filter(kind="citymgmt")}
assert months
figures = [citymgmt_indicators(who("cm_ld"), m, level="grid") for m in sorted(months)]
assert any(f["regions"] for f in figures) and any(f["departments"] for f in figures)
print("SQLITE-DEMO-OK", first.number)
"""


@pytest.mark.slow
def test_demo_builds_and_the_loop_runs_on_sqlite(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CC_ENV": "demo",
        "CC_DATA_DIR": str(tmp_path),
        "CC_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    built = subprocess.run(
        [*manage, "demo", "--no-serve", "--orders", "300", "--citymgmt-cases", "60"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    assert "handler_zsxl" in built.stdout and "已生成" in built.stdout
    ran = subprocess.run(
        [*manage, "shell", "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert "SQLITE-DEMO-OK" in ran.stdout, ran.stderr[-3000:]

"""The weekly 督查通报 (Word) and the 整改台账 (Excel) at the size the issue names: 200 problems
found this week, each with the evaluator's phone photo, half of them rectified and struck off
with before/after photos. In a database of its own (`cc_bench_report`; CC_DATABASE_URL
overrides) and a media folder of its own (var/bench/data):

    .venv/bin/python bench/report_bulletin.py [--problems 200] [--rounds 3] [--reload]

The problems are made through the loop's own services (plan, answers with photos, submit,
交办, 整改反馈 with photos, 复查通过), so the documents read what a real week leaves. Photos are
phone-sized JPEGs (4032 × 3024, about 3.5 MB each, textured so they weigh what real ones do). Then, per round, the whole build as the
task runs it (core.reports.run_build: queries, photo scaling, the document, saving it), wall and
CPU (this process + its PostgreSQL backend); calibration rows at the start and the end.
Target: the 督查通报 ≤ 60 s.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("CC_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cc_bench_report")
from citymgmt import calibrate
from common import ServerTimer, record, say, setup_django
from evaluation import ensure_database


def phone_photos(n: int) -> list[bytes]:
    """n distinct phone-sized JPEGs with texture (noise), so they weigh what real ones do."""
    from PIL import Image

    out = []
    for i in range(n):
        noise = Image.effect_noise((4032, 3024), 40 + 5 * i).convert("RGB")
        tint = Image.new("RGB", noise.size, (60 + 20 * i, 120, 200 - 15 * i))
        buf = io.BytesIO()
        Image.blend(noise, tint, 0.8).save(buf, "JPEG", quality=88)
        out.append(buf.getvalue())
    return out


def load(problems: int, reload: bool) -> None:
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.utils import timezone

    from chuangcheng.cases.models import Case
    from chuangcheng.cases.services import case_transition
    from chuangcheng.demo.city import DEMO_PASSWORD, build_demo_city
    from chuangcheng.evaluation import services
    from chuangcheng.evaluation.models import Problem, SiteType
    from chuangcheng.evaluation.seed import build_evaluation_demo
    from chuangcheng.org.access import actor_for

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    build_demo_city()
    build_evaluation_demo(DEMO_PASSWORD)
    have = Case.objects.filter(kind="rectify").count()
    if have >= problems and not reload:
        say(f"database: {have} problems (reused; --reload to make them again)")
        return
    if have:
        raise SystemExit("the bench database has a few problems already: drop it to --reload")
    from chuangcheng.evaluation.demo_history import _unit_people

    unit_people = _unit_people(DEMO_PASSWORD)  # a 责任单位 login for every unit with sites
    users = get_user_model().objects
    office, evaluator = (
        actor_for(users.get(username="ev_ccb")),
        actor_for(users.get(username="ev_cpy")),
    )
    photos = phone_photos(6)
    say(
        f"photos: {len(photos)} distinct, {sum(map(len, photos)) / len(photos) / 1e6:.1f} MB each on average"
    )

    def upload(i: int) -> SimpleUploadedFile:
        return SimpleUploadedFile(
            f"IMG_{i:04d}.jpg", photos[i % len(photos)], content_type="image/jpeg"
        )

    t0 = time.perf_counter()
    plan = services.plan_create(
        actor=office,
        name="本周督查",
        planned_on=timezone.localdate(),
        evaluator_id=evaluator.user_id or 0,
        announced=True,
        site_type_ids=list(SiteType.objects.values_list("pk", flat=True)),
    )
    made = 0
    for inspection in plan.inspections.all().order_by("pk"):
        if made >= problems:
            break
        checklist = services.checklist(inspection)
        if not checklist:
            continue
        for n, item in enumerate(checklist):
            fail = n == 0
            services.answer_record(
                actor=evaluator,
                inspection_id=inspection.pk,
                item_id=item.pk,
                result="fail" if fail else "pass",
                client_key=f"bench-{inspection.pk}-{item.pk}",
                note="现场发现问题" if fail else "",
                photo=upload(made) if fail else None,
            )
        services.inspection_submit(actor=evaluator, inspection_id=inspection.pk)
        made += 1
    say(f"{made} problems found with photos in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    for n, problem in enumerate(Problem.objects.select_related("site").order_by("pk")):
        case_transition(case_id=problem.case_id, action="assign", actor=office, data={"unit": problem.site.unit_id, "severity": "minor"})  # fmt: skip
        if n % 2:
            continue
        case_transition(
            case_id=problem.case_id,
            action="report",
            actor=unit_people[problem.site.unit_id],
            data={"note": "已整改"},
            attachments=[(upload(n + 1), "before"), (upload(n + 2), "after")],
        )
        case_transition(case_id=problem.case_id, action="review_pass", actor=evaluator, data={"note": "复查合格"})  # fmt: skip
    closed = Case.objects.filter(kind="rectify", status="closed").count()
    say(f"{closed} struck off with before/after photos in {time.perf_counter() - t0:.0f} s")


def measure(rounds: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db.models import Max
    from django.utils import timezone

    from chuangcheng.cases.models import Case
    from chuangcheng.core import reports
    from chuangcheng.core.models import ReportFile
    from chuangcheng.org.access import actor_for

    office = actor_for(get_user_model().objects.get(username="ev_ccb"))
    # the week the problems were made in (the database may be reused days later)
    made = Case.objects.filter(kind="rectify").aggregate(last=Max("created_at"))["last"]
    y, w, _ = timezone.localdate(made).isocalendar()
    for key, params, label, target in (
        ("evaluation.bulletin", {"week": f"{y}-W{w:02d}"}, "督查通报 (Word) of the week", 60_000),
        ("evaluation.ledger", {"which": "open"}, "整改台账 (Excel), all open problems", None),
    ):
        walls, cpus = [], []
        for _ in range(rounds):
            report, _queued = reports.report_request(office, key, params)
            with ServerTimer() as timer:
                assert reports.run_build(report.pk) == "done"
            report.refresh_from_db()
            walls.append(timer.wall_ms)
            cpus.append(timer.cpu_ms)
            size = report.size
        best = min(walls)
        say(
            f"{label}: wall {', '.join(f'{w / 1000:.1f}' for w in walls)} s; "
            f"cpu {', '.join(f'{c / 1000:.1f}' for c in cpus)} s; file {size / 1e6:.1f} MB"
            + (
                f"; target ≤ {target / 1000:.0f} s {'PASS' if max(walls) <= target else 'FAIL'}"
                if target
                else ""
            )
        )
        record(label, target=f"≤ {target} ms" if target else "-", metric="wall max", value=max(walls), passed=(max(walls) <= target) if target else None, stats={"min": best}, group="reports")  # fmt: skip
    say(f"archive: {ReportFile.objects.count()} documents")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args()
    ensure_database()
    setup_django()
    load(args.problems, args.reload)
    calibrate("start")
    measure(args.rounds)
    calibrate("end")


if __name__ == "__main__":
    main()

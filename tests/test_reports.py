"""报表: the weekly 督查通报 (Word) and the 整改台账 (Excel) of 创城测评, asked for on the 报表
page, built by the task with its progress recorded, kept in the archive; who may ask for and
read which; bad input; a second click joins the first build; failures and a worker that died."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook
from PIL import Image

from chuangcheng.cases.services import case_transition
from chuangcheng.core import reports
from chuangcheng.core.models import ReportFile
from chuangcheng.demo.city import DEMO_PASSWORD
from chuangcheng.evaluation.models import Problem, Site
from chuangcheng.evaluation.seed import build_evaluation_demo
from chuangcheng.org.models import Membership, Unit
from tests.conftest import actor
from tests.test_evaluation_loop import answer_all, login, plan_for


def jpeg(colour: tuple[int, int, int]) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    buf = io.BytesIO()
    Image.new("RGB", (1600, 1200), colour).save(buf, format="JPEG")
    return SimpleUploadedFile("p.jpg", buf.getvalue(), content_type="image/jpeg")


def this_week() -> str:
    y, w, _ = timezone.localdate().isocalendar()
    return f"{y}-W{w:02d}"


@pytest.fixture
def world(city: Any) -> dict[str, Any]:
    """Two problems found this week: the hotel's (商务局), rectified with photos and struck off;
    one at a site of another unit, still open."""
    build_evaluation_demo(DEMO_PASSWORD)
    hotel = Site.objects.filter(site_type__name="宾馆酒店", street__code="150103004").first()
    other = (
        Site.objects.filter(street__code="150102001")
        .exclude(unit__code="D-SW")
        .exclude(site_type__name="宾馆酒店")
        .first()
    )
    assert hotel is not None and other is not None
    found = []
    for site in (hotel, other):
        inspection = plan_for(site, announced=True)
        from chuangcheng.evaluation import services

        first = services.checklist(inspection)[0].code
        answer_all(inspection, fails={first})
        services.inspection_submit(actor=actor("ev_cpy"), inspection_id=inspection.pk)
        found.append(Problem.objects.get(inspection=inspection).case)
    done, still_open = found
    sw = Unit.objects.get(code="D-SW")
    case_transition(case_id=done.pk, action="assign", actor=actor("ev_ccb"), data={"unit": sw.pk, "severity": "minor"})  # fmt: skip
    case_transition(
        case_id=done.pk,
        action="report",
        actor=actor("ev_sw"),
        data={"note": "已清理小广告"},
        attachments=[(jpeg((200, 40, 40)), "before"), (jpeg((40, 200, 40)), "after")],
    )
    case_transition(case_id=done.pk, action="review_pass", actor=actor("ev_cpy"), data={"note": "复查合格"})  # fmt: skip
    case_transition(case_id=still_open.pk, action="assign", actor=actor("ev_ccb"), data={"unit": other.unit_id, "severity": "major"})  # fmt: skip
    done.refresh_from_db()
    assert done.status == "closed"
    # a street-level 创城 leader (中山西路街道办事处): reads its street only
    street_leader = get_user_model().objects.create_user("ev_street_ld", password=DEMO_PASSWORD)
    Membership.objects.create(
        user=street_leader, role="ev_leader", unit=Unit.objects.get(code="S-150103004")
    )
    return {"hotel": hotel, "other": other, "done": done, "open": still_open}


def ask(who: str, kind: str, **params: str) -> Any:
    return login(who).post("/reports/new/", {"kind": kind, **params})


def built(who: str, kind: str, **params: str) -> ReportFile:
    before = ReportFile.objects.count()
    resp = ask(who, kind, **params)
    assert resp.status_code == 302, resp.content.decode()[:300]
    assert ReportFile.objects.count() == before + 1
    report = ReportFile.objects.latest("pk")
    assert report.status == "queued" and report.progress == 0
    assert reports.run_build(report.pk) == "done"
    report.refresh_from_db()
    return report


def download(who: str, report: ReportFile) -> bytes:
    resp = login(who).get(f"/reports/{report.pk}/download/")
    assert resp.status_code == 200
    assert "attachment" in resp["Content-Disposition"]
    return b"".join(resp.streaming_content)  # type: ignore[attr-defined]


def docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_weekly_bulletin_holds_the_weeks_problems_photos_and_ranking(
    world: dict[str, Any],
) -> None:
    report = built("ev_ccb", "evaluation.bulletin", week=this_week())
    assert report.status == "done" and report.progress == 100 and report.attempts == 1
    assert report.filename == f"创城督查通报_{this_week()}.docx" and report.size > 0
    content = download("ev_ccb", report)
    text = docx_text(content)
    done, still_open = world["done"], world["open"]
    assert "创建全国文明城市工作督查通报" in text
    assert "发现问题 2 个" in text and "销号 1 个" in text
    for case in (done, still_open):
        assert case.number in text
    assert world["hotel"].name in text and world["other"].name in text
    assert "商务局" in text and "整改前" in text and "整改后" in text
    # the found photos of both problems and the before/after of the struck-off one
    assert len(Document(io.BytesIO(content)).inline_shapes) == 4
    # the ranking table: every unit visited this week, with its 得分率
    assert "责任单位得分率排名" in text and "街道得分率排名" in text


def test_the_ledger_has_one_row_per_problem_and_a_unit_gets_only_its_own(
    world: dict[str, Any],
) -> None:
    month = f"{timezone.localdate():%Y-%m}"
    office = built("ev_ccb", "evaluation.ledger", month=month, which="found")
    wb = load_workbook(io.BytesIO(download("ev_ccb", office)))
    rows = list(wb["整改台账"].iter_rows(min_row=2, values_only=True))
    numbers = {r[1] for r in rows}
    assert numbers == {world["done"].number, world["open"].number}
    by_number = {r[1]: r for r in rows}
    assert by_number[world["done"].number][14] == "已销号"
    assert by_number[world["done"].number][17] == "是"  # struck off on time
    assert by_number[world["open"].number][11] == "较重"
    assert "按单位汇总" in wb.sheetnames
    # 商务局's own 台账: its problem only, and the office's document is not in its archive
    unit = built("ev_sw", "evaluation.ledger", month=month, which="found")
    rows = list(load_workbook(io.BytesIO(download("ev_sw", unit)))["整改台账"].iter_rows(min_row=2, values_only=True))  # fmt: skip
    assert [r[1] for r in rows] == [world["done"].number]
    assert login("ev_sw").get(f"/reports/{office.pk}/download/").status_code == 404
    assert login("ev_sw").get(f"/reports/{office.pk}/status/").status_code == 404
    page = login("ev_sw").get("/reports/").content.decode()
    assert f'data-report="{unit.pk}"' in page and f'data-report="{office.pk}"' not in page
    # the open-only ledger
    still = built("ev_ccb", "evaluation.ledger", which="open")
    rows = list(load_workbook(io.BytesIO(download("ev_ccb", still)))["整改台账"].iter_rows(min_row=2, values_only=True))  # fmt: skip
    assert [r[1] for r in rows] == [world["open"].number]


# who may open the 报表 page, and which kinds each is offered (stated here, not read from code)
PAGE = {
    "ev_ccb": {"evaluation.bulletin", "evaluation.ledger"},
    "ev_ld": {"evaluation.bulletin", "evaluation.ledger"},
    "ev_street_ld": {"evaluation.bulletin", "evaluation.ledger"},
    "ev_sw": {"evaluation.ledger"},
    "ev_zsxl": {"evaluation.ledger"},
    "ev_cpy": None,
    "dispatcher": None,
    "handler_zsxl": None,
    "leader": None,
    "citizen": None,
}


@pytest.mark.parametrize("who", list(PAGE))
def test_the_reports_page_matrix(world: dict[str, Any], who: str) -> None:
    resp = login(who).get("/reports/")
    expected = PAGE[who]
    if expected is None:
        assert resp.status_code == 403
        assert "报表" not in [link["label"] for link in resp.context["nav_links"]]
    else:
        assert resp.status_code == 200
        offered = {f["kind"].key for f in resp.context["forms"]}
        assert offered == expected
        assert "报表" in [link["label"] for link in resp.context["nav_links"]]


@pytest.mark.parametrize("who", ["ev_sw", "ev_zsxl", "ev_cpy", "dispatcher", "citizen", "leader"])
def test_who_may_not_ask_for_the_bulletin_changes_nothing(world: dict[str, Any], who: str) -> None:
    resp = ask(who, "evaluation.bulletin", week=this_week())
    assert resp.status_code == 403
    assert ReportFile.objects.count() == 0


def test_anonymous_is_sent_to_sign_in(world: dict[str, Any]) -> None:
    resp = Client().post("/reports/new/", {"kind": "evaluation.bulletin", "week": this_week()})
    assert resp.status_code == 302 and "/login/" in resp["Location"]
    assert Client().get("/reports/").status_code == 302
    assert ReportFile.objects.count() == 0


def test_the_archive_is_shared_by_scope(world: dict[str, Any]) -> None:
    city = built("ev_ccb", "evaluation.bulletin", week=this_week())
    # the city's leader reads the same data as the 创城办: same archive
    assert login("ev_ld").get(f"/reports/{city.pk}/download/").status_code == 200
    # the street's leader does not; their own bulletin holds their street only
    assert login("ev_street_ld").get(f"/reports/{city.pk}/download/").status_code == 404
    street = built("ev_street_ld", "evaluation.bulletin", week=this_week())
    text = docx_text(download("ev_street_ld", street))
    assert world["done"].number in text  # the hotel is in 中山西路街道
    assert world["open"].number not in text
    assert login("ev_ccb").get(f"/reports/{street.pk}/download/").status_code == 404


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"kind": "evaluation.bulletin", "week": "2026-W99"}, "期间应为"),
        ({"kind": "evaluation.bulletin", "week": ""}, "请选择周次"),
        ({"kind": "evaluation.bulletin", "week": "2026-11"}, "请选择周次"),
        ({"kind": "evaluation.ledger", "month": "十一月", "which": "found"}, "期间应为"),
        ({"kind": "evaluation.ledger", "month": "2026-11", "which": "all"}, "台账范围"),
        ({"kind": "no.such", "week": "2026-W48"}, "没有这种报表"),
    ],
)
def test_bad_input_is_a_clear_400_and_queues_nothing(
    world: dict[str, Any], params: dict[str, str], message: str
) -> None:
    resp = login("ev_ccb").post("/reports/new/", params)
    assert resp.status_code == 400
    assert message in resp.content.decode()
    assert ReportFile.objects.count() == 0


def test_a_second_click_joins_the_build_and_a_finished_one_can_be_asked_again(
    world: dict[str, Any],
) -> None:
    first, queued = reports.report_request(actor("ev_ccb"), "evaluation.bulletin", {"week": this_week()})  # fmt: skip
    again, queued_again = reports.report_request(actor("ev_ld"), "evaluation.bulletin", {"week": this_week()})  # fmt: skip
    assert queued and not queued_again and again.pk == first.pk
    assert ReportFile.objects.count() == 1
    reports.run_build(first.pk)
    assert reports.run_build(first.pk) == "skipped"  # a resent task does nothing twice
    later, queued_later = reports.report_request(actor("ev_ccb"), "evaluation.bulletin", {"week": this_week()})  # fmt: skip
    assert queued_later and later.pk != first.pk


def test_status_reports_progress_and_the_download_waits_for_the_end(world: dict[str, Any]) -> None:
    report, _ = reports.report_request(actor("ev_ccb"), "evaluation.ledger", {"which": "open"})
    client = login("ev_ccb")
    assert client.get(f"/reports/{report.pk}/download/").status_code == 404
    status = client.get(f"/reports/{report.pk}/status/").json()
    assert status["status"] == "queued" and status["download"] == ""
    page = client.get("/reports/").content.decode()
    assert "<progress" in page and f"/reports/{report.pk}/status/" in page
    reports.run_build(report.pk)
    status = client.get(f"/reports/{report.pk}/status/").json()
    assert status["status"] == "done" and status["progress"] == 100
    assert status["download"] == f"/reports/{report.pk}/download/"


def test_a_build_that_fails_says_why_and_one_whose_asker_lost_the_role_is_refused(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    report, _ = reports.report_request(actor("ev_ccb"), "evaluation.ledger", {"which": "open"})
    kind = reports.kinds()["evaluation.ledger"]

    def broken(*_args: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setitem(
        reports.kinds(),
        "evaluation.ledger",
        reports.ReportKind(**{**kind.__dict__, "build": broken}),
    )
    assert reports.run_build(report.pk) == "failed"
    report.refresh_from_db()
    assert report.status == "failed" and "生成时出错" in report.error and not report.file
    page = login("ev_ccb").get("/reports/").content.decode()
    assert "生成失败" in page
    monkeypatch.undo()
    # the asker is no longer 创城办 when the worker gets to it
    second, _ = reports.report_request(actor("ev_ccb"), "evaluation.bulletin", {"week": this_week()})  # fmt: skip
    Membership.objects.filter(user__username="ev_ccb", role="ev_office").delete()
    assert reports.run_build(second.pk) == "failed"
    second.refresh_from_db()
    assert second.error == "申请人已无权生成此报表。" and not second.file


def test_a_build_left_running_by_a_dead_worker_is_built_again(world: dict[str, Any]) -> None:
    from django_tasks_db.models import DBTaskResult

    report, _ = reports.report_request(actor("ev_ccb"), "evaluation.ledger", {"which": "open"})
    # the worker took it and died half-way
    ReportFile.objects.filter(pk=report.pk).update(status="running", progress=40, attempts=1)
    assert reports.run_build(report.pk) == "done"
    report.refresh_from_db()
    assert report.status == "done" and report.attempts == 2 and report.file
    # a build the worker gave up on (its process died every time) shows as failed
    stuck, _ = reports.report_request(actor("ev_ccb"), "evaluation.bulletin", {"week": this_week()})  # fmt: skip
    ReportFile.objects.filter(pk=stuck.pk).update(status="running")
    # (the queue entry is written on commit, which a test's transaction never reaches)
    reports.build_report.enqueue(stuck.pk)
    assert login("ev_ccb").get(f"/reports/{stuck.pk}/status/").json()["status"] == "running"
    DBTaskResult.objects.filter(args_kwargs__args=[stuck.pk]).update(status="FAILED")
    assert DBTaskResult.objects.filter(args_kwargs__args=[stuck.pk], status="FAILED").exists()
    status = login("ev_ccb").get(f"/reports/{stuck.pk}/status/").json()
    assert status["status"] == "failed" and "多次中断" in status["error"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_opens_both_documents(world: dict[str, Any], tmp_path: Path) -> None:
    """What people forward must open elsewhere than Word: LibreOffice converts both, and the
    text it reads back holds what matters."""
    bulletin = built("ev_ccb", "evaluation.bulletin", week=this_week())
    ledger = built("ev_ccb", "evaluation.ledger", which="open")
    (tmp_path / "b.docx").write_bytes(download("ev_ccb", bulletin))
    (tmp_path / "l.xlsx").write_bytes(download("ev_ccb", ledger))
    for name, target in (("b.docx", "txt:Text (encoded):UTF8"), ("l.xlsx", "csv:Text - txt - csv (StarCalc):44,34,76")):  # fmt: skip
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{tmp_path}/profile",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                str(tmp_path),
                str(tmp_path / name),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    text = (tmp_path / "b.txt").read_text(encoding="utf-8")
    assert "创建全国文明城市工作督查通报" in text and world["done"].number in text
    assert world["hotel"].name in text
    csv = (tmp_path / "l.csv").read_text(encoding="utf-8")
    assert world["open"].number in csv and world["other"].name in csv
    assert world["done"].number not in csv


@pytest.mark.django_db(transaction=True)
def test_two_people_asking_at_the_same_moment_get_one_build(world: dict[str, Any]) -> None:
    from tests.test_concurrency import race

    who = ["ev_ccb", "ev_ld", "ev_ccb", "ev_ld"]
    results = race(
        4,
        lambda i: reports.report_request(
            actor(who[i]), "evaluation.bulletin", {"week": this_week()}
        ),
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert len({r[0].pk for r in results}) == 1
    assert sum(1 for r in results if r[1]) == 1  # one queued it, the others joined
    assert ReportFile.objects.count() == 1

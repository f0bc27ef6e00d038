"""`make demo`: migrate, build the demo city, generate a year of 12345 history the first time,
print how to log in, then run the web server (gunicorn) and the task worker (task_worker) until
Ctrl-C or SIGTERM stops both; a child that exits is started again (`Supervisor`).

    CC_ENV=demo CC_DATABASE_URL=sqlite:///…/var/demo.sqlite3 python manage.py demo --port 8000
    python manage.py demo --no-serve --orders 600      # only build the data (tests, CI)
    python manage.py demo --reset                       # start again from an empty SQLite file
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils import timezone

from chuangcheng.citymgmt.demo_data import build_citymgmt_demo
from chuangcheng.demo.city import DEMO_PASSWORD, DEMO_USERS, build_demo_city
from chuangcheng.evaluation.seed import build_evaluation_demo
from chuangcheng.grid.demo_handover import build_grid_handovers
from chuangcheng.grid.seed import build_grid_demo
from chuangcheng.org.roles import role_label
from chuangcheng.volunteer.seed import VOL_BANNER, build_volunteer_demo
from chuangcheng.volunteer.seed_campaigns import build_campaign_demo
from chuangcheng.volunteer.seed_needs import build_needs_demo
from chuangcheng.volunteer.seed_orders import build_order_history, order_history_line
from chuangcheng.volunteer.seed_stars import build_star_demo

ROOT = Path(settings.BASE_DIR)
STOP_TIMEOUT = 15.0


class Command(BaseCommand):
    help = "构建演示城市与一年的 12345 工单数据，并启动网站和后台任务进程。"
    requires_system_checks: list[str] = []  # migrate runs the checks

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="网站端口（默认 8000）")
        parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
        parser.add_argument(
            "--orders",
            type=int,
            default=36000,
            help="首次生成的历史工单数（默认 36000，从上年同月 1 日至今）",
        )
        parser.add_argument(
            "--seed", type=int, default=None, help="随机种子（同一种子生成相同数据）"
        )
        parser.add_argument(
            "--reset", action="store_true", help="先删除 SQLite 演示数据库，重新生成全部数据"
        )
        parser.add_argument(
            "--citymgmt-cases",
            type=int,
            default=1354,
            help="首次生成的数字城管案卷数（默认 1354，近一年，中山西路街道）",
        )
        parser.add_argument(
            "--transfers",
            type=int,
            default=36,
            help="首次生成时转数字城管的 12345 工单数（默认 36，在 --orders 之外，近两个月）",
        )
        parser.add_argument("--no-serve", action="store_true", help="只构建数据，不启动服务")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn 工作进程数（默认 2）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            self._reset()
        self.stdout.write("正在准备数据库……")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)  # the "shared" database cache
        build_demo_city()
        self._reseal_old_history()
        build_citymgmt_demo()  # 数字城管: unit grids and the component registry, once
        build_evaluation_demo(DEMO_PASSWORD)  # 创城测评: the standard, the sites, its people
        # 网格化: 仕奇社区's grids, their people, the ledgers, a year of patrols and events
        started = time.monotonic()
        grid = build_grid_demo(DEMO_PASSWORD, full=True)
        if "patrols" in grid:  # built now (not there already)
            self.stdout.write(
                f"已生成网格化演示数据：仕奇社区 {grid['homes']:,} 户 {grid['people']:,} 人，"
                f"关爱对象 {grid['care']} 人、探访 {grid['visits']:,} 次，巡查 {grid['patrols']:,} 次，"
                f"网格事件 {grid['events'] + grid['events_year']} 件，"
                f"必报事项 {grid['must_reports']} 件，用时 {time.monotonic() - started:.0f} 秒。"
            )
        vol = build_volunteer_demo(DEMO_PASSWORD)  # 文明实践: 中心/所/站, teams, volunteers, orders
        build_star_demo()  # 文明实践: hours, stars (some in notice), one certificate
        if "volunteers" in vol:
            self.stdout.write(
                f"已生成新时代文明实践：{vol['stations']} 个文明实践站，"
                f"{vol['volunteers']} 名志愿者，各状态的服务订单，"
                f"{vol.get('activities', 0)} 场文明实践活动（含今日一场可扫码签到）。"
            )
        started = time.monotonic()
        orders = build_order_history()  # 文明实践: a year of orders at the six 站, once
        if orders:
            self.stdout.write(order_history_line(orders, time.monotonic() - started))
        build_campaign_demo(DEMO_PASSWORD)  # 文明实践: the running 百日打卡 campaign
        build_needs_demo(DEMO_PASSWORD)  # 登记群众需求 and a visit's need → the 站 (ADR 0032)
        self._history(options)
        self._citymgmt_history(options)
        # 网格化 ↔ 12345/城管 hand-overs: after their histories (they load only into a database
        # without cases of their loop), so not in build_grid_demo
        build_grid_handovers(now=timezone.now(), password=DEMO_PASSWORD)
        self._evaluation_history()
        if not options["no_serve"]:
            self._routing_models()
        self._banner(options["host"], options["port"], serve=not options["no_serve"])
        if not options["no_serve"]:
            connections.close_all()
            raise SystemExit(self._serve(options["host"], options["port"], options["workers"]))

    # ---------------------------------------------------------------- data
    def _reset(self) -> None:
        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.sqlite3":
            raise CommandError("--reset 只用于 SQLite 演示数据库；PostgreSQL 请自行删除数据库。")
        connections.close_all()
        path = Path(str(db["NAME"]))
        for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            file.unlink(missing_ok=True)
        self.stdout.write(f"已删除 /{str(path).lstrip('/')}")

    def _history(self, options: dict[str, Any]) -> None:
        from tqdm import tqdm

        from chuangcheng.demo.loader import DEFAULT_SEED, has_history, load_history

        if has_history():
            self.stdout.write("数据库中已有工单历史，跳过生成（要重新生成请加 --reset）。")
            return
        orders = max(int(options["orders"]), 0)
        started = time.monotonic()
        with tqdm(
            total=orders,
            desc="生成演示数据",
            unit="件",
            file=sys.stderr,
            disable=orders == 0 or options["verbosity"] == 0,
        ) as bar:
            stats = load_history(
                orders=orders,
                seed=options["seed"] or DEFAULT_SEED,
                now=timezone.now(),
                progress=bar.update,
            )
        from chuangcheng.cases.services import repeat_keys_rebuild

        repeat_keys_rebuild()  # the bulk load bypasses case_open: give open orders their keys
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成 {stats['orders']:,} 件工单、{stats['events']:,} 条办理记录"
                f"（在办 {stats['open']:,} 件），用时 {time.monotonic() - started:.0f} 秒。"
            )
        )

    def _evaluation_history(self) -> None:
        """创城测评: a year of monthly mock evaluations and their rectification, walked through
        the loop (evaluation.demo_history), once."""
        from chuangcheng.evaluation.demo_history import build_evaluation_history

        started = time.monotonic()
        stats = build_evaluation_history(now=timezone.now(), password=DEMO_PASSWORD)
        if stats["visits"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"已生成创城测评 {stats['visits']:,} 个点位次、问题 {stats['problems']:,} 个，"
                    f"用时 {time.monotonic() - started:.0f} 秒。"
                )
            )
            from chuangcheng.evaluation.demo_history import build_evaluation_reports

            made = build_evaluation_reports()
            self.stdout.write(f"已生成创城督查通报与整改台账 {made} 份（报表归档）。")

    def _citymgmt_history(self, options: dict[str, Any]) -> None:
        """数字城管: the loop's posts with logins and a year of cases, walked through its
        workflow (citymgmt.demo_cases), once."""
        from tqdm import tqdm

        from chuangcheng.citymgmt.demo_cases import build_citymgmt_history

        total = max(int(options["citymgmt_cases"]), 0)
        started = time.monotonic()
        with tqdm(
            total=total,
            desc="生成数字城管案卷",
            unit="件",
            file=sys.stderr,
            disable=total == 0 or options["verbosity"] == 0,
        ) as bar:
            stats = build_citymgmt_history(
                now=timezone.now(), password=DEMO_PASSWORD, cases=total, progress=bar.update
            )
        if stats["cases"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"已生成 {stats['cases']:,} 件数字城管案卷（结案 {stats['closed']:,} 件），"
                    f"用时 {time.monotonic() - started:.0f} 秒。"
                )
            )
        from chuangcheng.citymgmt.demo_cases import build_citymgmt_transfers

        moved = build_citymgmt_transfers(
            now=timezone.now(), password=DEMO_PASSWORD, count=max(int(options["transfers"]), 0)
        )
        if moved["transferred"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"已将 {moved['transferred']} 件 12345 工单转数字城管"
                    f"（城管结案并回访 {moved['closed']} 件）。"
                )
            )

    def _reseal_old_history(self) -> None:
        """A demo database built by a release before the keyed chain (ADR 0008): seal its
        history with this machine's key once, so that verify_history checks it."""
        from chuangcheng.cases.models import Case
        from chuangcheng.cases.selectors import verify_chain

        first = Case.objects.order_by("id").first()
        if first is None or verify_chain(first):
            return
        self.stdout.write("演示数据库的办理记录为旧版哈希链，正在用本机密钥重新封存……")
        try:
            call_command("rekey_history", "--from", "plain", stdout=self.stdout)
        except CommandError as exc:
            self.stderr.write(f"部分办理记录未能重新封存：{exc}")

    def _routing_models(self) -> None:
        """Have the worker train the 智能派单 models on the history if there are none yet (it then
        re-queues itself every night), else make sure the nightly retraining is queued."""
        try:
            from django_tasks_db.models import DBTaskResult

            from chuangcheng.core.periodic import schedule_once
            from chuangcheng.intelligence.models import RouterModel
            from chuangcheng.intelligence.tasks import retrain_routers, schedule_retraining
        except ImportError:  # pragma: no cover - the intelligence app is optional here
            return
        if RouterModel.objects.filter(active=True).exists():
            schedule_retraining()
            return
        # train now: bring a pending nightly run forward, or queue one (one pending run at most;
        # a run killed mid-way by Ctrl-C is reclaimed by the worker, core/worker.py)
        DBTaskResult.objects.filter(task_path=retrain_routers.module_path, status="READY").update(
            run_after=timezone.now()
        )
        schedule_once(retrain_routers, run_after=None)
        self.stdout.write("智能派单模型正由后台任务进程训练（需几分钟），完成前暂无派单建议。")

    def _banner(self, host: str, port: int, *, serve: bool) -> None:
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
        lines = ["", "创城 · 12345 接诉即办 演示系统"]
        if serve:
            lines.append(
                f"  网址：http://{shown}:{port}/    （管理后台 /admin/；登录后可看接口文档 /api/docs/）"
            )
        lines.append("  演示账号（密码均为 " + DEMO_PASSWORD + "）：")
        for username, name, role, _unit in DEMO_USERS:
            lines.append(f"    {username:<14}{role_label(role):<6}{name}")
        from chuangcheng.citymgmt.demo_cases import CM_USERS

        for username, name, role, _unit in CM_USERS:
            if username in ("cm_jdy01", "cm_zbz", "cm_pqy", "cm_hw", "cm_ld"):
                lines.append(f"    {username:<14}{role_label(role):<6}{name}（数字城管）")
        from chuangcheng.evaluation.seed import EV_USERS

        for username, name, role, _unit in EV_USERS:
            lines.append(f"    {username:<14}{role_label(role):<6}{name}（创城测评）")
        from chuangcheng.grid.seed import GRID_BANNER

        for username, name, role in GRID_BANNER:
            lines.append(f"    {username:<14}{role_label(role):<6} {name}（网格化管理）")
        for username, name, role in VOL_BANNER:
            lines.append(f"    {username:<14}{role_label(role):<6} {name}（新时代文明实践）")
        lines.append(f"    {'admin':<14}{'管理员':<6}系统管理员（可进入管理后台）")
        if serve:
            lines.append("  按 Ctrl-C 停止网站和后台任务进程。")
        self.stdout.write("\n".join(lines) + "\n")

    # ---------------------------------------------------------------- processes
    def _serve(self, host: str, port: int, workers: int) -> int:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
        }
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")) if p
        )
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # whitenoise wants it
        commands = {
            "网站": [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
                "--pythonpath",
                f"{ROOT / 'src'},{ROOT}",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
                "--timeout",
                "120",
            ],
            "后台任务": [
                sys.executable,
                str(ROOT / "manage.py"),
                "task_worker",
                "--queue-name",
                "*",
                "--interval",
                "2",
            ],
        }
        supervisor = Supervisor(commands, cwd=ROOT, env=env, log=self.stderr.write)
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            gave_up = supervisor.run(lambda: stopping)
        finally:
            self.stdout.write("\n正在停止网站和后台任务进程……")
            supervisor.stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("已停止。")
        return 1 if gave_up else 0


class Supervisor:
    """Keeps the demo's children running: a child that exits is started again (after 1 s,
    then 2, 4 … up to 30 s while it keeps failing quickly); one that fails `MAX_QUICK_FAILS`
    times in a row within a minute of its start each time (a taken port, a broken install) is
    given up, and then everything stops."""

    MAX_QUICK_FAILS = 5
    QUICK = 60.0

    def __init__(
        self,
        commands: dict[str, list[str]],
        *,
        cwd: Path,
        env: dict[str, str],
        log: Any,
        poll: float = 0.3,
    ) -> None:
        self.commands, self.cwd, self.env, self.log, self.poll = commands, cwd, env, log, poll
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.started: dict[str, float] = {}
        self.quick_fails: dict[str, int] = dict.fromkeys(commands, 0)
        self.restart_at: dict[str, float] = {}
        self.restarts: dict[str, int] = dict.fromkeys(commands, 0)

    def _start(self, name: str) -> None:
        # own process group: a Ctrl-C reaches us once and we stop the children in order
        self.children[name] = subprocess.Popen(
            self.commands[name], cwd=self.cwd, env=self.env, start_new_session=True
        )
        self.started[name] = time.monotonic()

    def run(self, stopping: Any) -> bool:
        """Run until `stopping()` is true. True when a child was given up."""
        for name in self.commands:
            self._start(name)
        while not stopping():
            now = time.monotonic()
            for name, child in list(self.children.items()):
                if name in self.restart_at:
                    if now >= self.restart_at[name]:
                        del self.restart_at[name]
                        self.restarts[name] += 1
                        self._start(name)
                    continue
                if child.poll() is None:
                    continue
                quick = now - self.started[name] < self.QUICK
                self.quick_fails[name] = self.quick_fails[name] + 1 if quick else 1
                if self.quick_fails[name] >= self.MAX_QUICK_FAILS:
                    self.log(
                        f"{name}进程连续 {self.quick_fails[name]} 次启动后很快退出"
                        f"（返回码 {child.returncode}），不再重启，正在停止其余进程。"
                    )
                    return True
                delay = min(2.0 ** (self.quick_fails[name] - 1), 30.0)
                self.log(f"{name}进程意外退出（返回码 {child.returncode}），{delay:.0f} 秒后重启。")
                self.restart_at[name] = now + delay
            time.sleep(self.poll)
        return False

    def stop_all(self) -> None:
        children = [c for n, c in self.children.items() if n not in self.restart_at]
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in children:
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)  # its own group: worker children go too
                child.wait()

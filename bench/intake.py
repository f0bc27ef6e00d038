"""(a) Intake throughput through the HTTP API under gunicorn: POST /api/v1/cases, ≥ 1,000/s,
and the batch endpoint for integrations, POST /api/v1/cases/batch (100 and 500 per request).

Starts gunicorn (production settings, DEBUG off, no HTTPS redirect) on the bench database for
each worker configuration, logs in once through POST /api/v1/auth/token, then drives
POST /api/v1/cases from wrk on loopback with a Lua script (a mix of bodies: with a map pin,
with an address only, with a category, with an external id). Each run is bounded in time
(--seconds) and therefore in count. CPU time of gunicorn, PostgreSQL and wrk is read from
/proc during each run, to show where the two cores go.

    .venv/bin/python bench/intake.py [--seconds 12] [--configs sync:2,sync:3,gthread:2x4]
    .venv/bin/python bench/intake.py --configs none --batches 100,500 --batch-config sync:2
    .venv/bin/python bench/intake.py --profile 300     # pyinstrument over in-process intakes
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    BENCH_OPERATOR,
    RESULTS_DIR,
    ROOT,
    ServerTimer,
    bench_env,
    percentiles,
    record,
    say,
    setup_django,
)

TARGET_RPS = 1000.0
PORT = int(os.environ.get("BENCH_PORT", "8765"))
BODIES: list[dict[str, Any]] = [
    {
        "channel": "phone",
        "appeal_type": "help",
        "title": "小区门口占道经营",
        "content": "海亮广场北门每天晚上有流动摊贩占道经营，油烟很大，影响通行。",
        "citizen_name": "王先生",
        "citizen_phone": "13812341234",
        "address": "回民区中山西路海亮广场北门",
        "lat": 40.8146,
        "lng": 111.6389,
    },
    {
        "channel": "phone",
        "appeal_type": "complaint",
        "title": "夜间施工噪音扰民",
        "content": "锡林路附近工地每天夜里十二点后还在施工，噪音很大，无法休息。",
        "citizen_name": "李女士",
        "citizen_phone": "13912345678",
        "address": "新城区锡林路街道锡林社区12号楼",
        "category": "020101",
    },
    {
        "channel": "wechat",
        "appeal_type": "help",
        "title": "家中暖气不热",
        "content": "大学西路小区家中暖气温度只有十五度，请供热公司尽快处理。",
        "citizen_phone": "0471-6612345",
        "address": "赛罕区大学西路街道鄂尔多斯社区",
        "lat": 40.8012,
        "lng": 111.7213,
        "urgency": "urgent",
        "external_id": "%EXT%",
    },
    {
        "channel": "app",
        "appeal_type": "consult",
        "title": "入学学位咨询",
        "content": "孩子明年上小学，想咨询一下划片入学的具体政策和报名时间。",
        "citizen_name": "赵先生",
        "citizen_phone": "15012345678",
        "anonymous": False,
        "address": "玉泉区小召前街街道大召社区",
    },
]

LUA = r"""
local bodies = %(bodies)s
local counter = 0
local threads = {}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  ok, bad = 0, 0
end
local batch = %(batch)d
function request()
  counter = counter + 1
  local body = bodies[(counter %% #bodies) + 1]
  local n = 0
  body = string.gsub(body, "%%%%EXT%%%%", function()
    n = n + 1
    return "%(prefix)s-" .. id .. "-" .. counter .. "-" .. n
  end)
  return wrk.format(nil, nil, nil, body)
end
function response(status, headers, body)
  if batch == 0 then
    if status == 201 then ok = ok + 1 else bad = bad + 1 end
  elseif status == 200 then
    local _, created = string.gsub(body, '"status":201', "")
    ok = ok + created
    bad = bad + batch - created
  else
    bad = bad + batch
  end
end
function done(summary, latency, requests)
  local ok_all, bad_all = 0, 0
  for _, t in ipairs(threads) do
    ok_all = ok_all + t:get("ok")
    bad_all = bad_all + t:get("bad")
  end
  io.write(string.format(
    "JSON{\"requests\":%%d,\"duration_us\":%%d,\"ok\":%%d,\"bad\":%%d,\"errors\":%%d," ..
    "\"p50\":%%.3f,\"p95\":%%.3f,\"p99\":%%.3f,\"max\":%%.3f,\"mean\":%%.3f}\n",
    summary.requests, summary.duration, ok_all, bad_all,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000))
end
"""


# ---------------------------------------------------------------- CPU accounting from /proc
def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def _pids_named(name: str) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if (p / "comm").read_text().strip() == name:
                    out.append(int(p.name))
            except OSError:
                pass
    return out


def _bench_backends() -> list[int]:
    """PostgreSQL processes working for the bench database, plus the shared ones (WAL writer,
    checkpointer, …): other databases on the same server (other people's tests) are left out."""
    try:
        out = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-Atc",
                "SELECT pid FROM pg_stat_activity WHERE datname = '"
                + bench_env()["CC_DATABASE_URL"].rsplit("/", 1)[-1]
                + "' "
                "OR backend_type <> 'client backend'",
            ],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return [int(x) for x in out.stdout.split()]
    except (subprocess.SubprocessError, ValueError):
        return _pids_named("postgres")


def _children(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                ppid = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                out.append(int(p.name))
    return out


class CpuMeter:
    """CPU seconds used by groups of processes between start() and stop()."""

    def __init__(self, groups: dict[str, Any]) -> None:
        self.groups = groups  # name -> callable returning pids
        self.hz = os.sysconf("SC_CLK_TCK")

    def snapshot(self) -> dict[str, dict[int, int]]:
        snap = {g: {p: _ticks(p) for p in f()} for g, f in self.groups.items()}
        # whole machine: busy jiffies from /proc/stat (everything but idle and iowait)
        cpu = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        snap["_busy"] = {0: sum(cpu) - cpu[3] - cpu[4]}
        return snap

    def start(self) -> None:
        self.t0, self.s0 = time.perf_counter(), self.snapshot()

    def stop(self) -> dict[str, float]:
        s1, wall = self.snapshot(), time.perf_counter() - self.t0
        out = {"wall": wall}
        for g in self.groups:
            used = sum(t - self.s0[g].get(p, 0) for p, t in s1[g].items())
            out[g] = used / self.hz
        busy = (s1["_busy"][0] - self.s0["_busy"][0]) / self.hz
        out["other"] = max(0.0, busy - sum(out[g] for g in self.groups))
        return out


# ---------------------------------------------------------------- gunicorn + wrk
def start_gunicorn(worker_class: str, workers: int, threads: int) -> subprocess.Popen[bytes]:
    try:  # something else on the port (a demo, say) would answer in gunicorn's place
        socket.create_connection(("127.0.0.1", PORT), timeout=0.5).close()
    except OSError:
        pass
    else:
        raise RuntimeError(f"port {PORT} is in use: stop what listens there, or set BENCH_PORT")
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi",
        "-w",
        str(workers),
        "--pythonpath",
        "src",
        "-b",
        f"127.0.0.1:{PORT}",
        "--worker-class",
        worker_class,
        "--log-level",
        "warning",
        "--backlog",
        "2048",
    ]
    if worker_class == "gthread":
        cmd += ["--threads", str(threads)]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=bench_env(),
        stdout=subprocess.DEVNULL,
        stderr=open(RESULTS_DIR / "gunicorn.log", "ab"),  # noqa: SIM115
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("gunicorn did not start (see var/bench/gunicorn.log)")
    return proc


def stop_gunicorn(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _post(path: str, payload: dict[str, Any], token: str | None = None) -> tuple[int, Any]:
    req = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}",
        method="POST",
        data=json.dumps(payload).encode(),
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()[:300]


def login() -> str:
    from chuangcheng.demo.city import DEMO_PASSWORD

    status, body = _post(
        "/api/v1/auth/token", {"username": BENCH_OPERATOR, "password": DEMO_PASSWORD}
    )
    assert status == 200, (status, body)
    return str(body["token"])


def run_wrk(
    token: str, connections: int, seconds: float, wrk_threads: int = 1, batch: int = 0
) -> dict[str, Any]:
    """wrk posting single orders (batch=0: each request one of BODIES) or batches of `batch`
    orders (the four bodies in turn, each external id unique). `ok`/`bad` count orders."""
    if batch:
        items = [BODIES[i % len(BODIES)] for i in range(batch)]
        texts = [json.dumps({"cases": items}, ensure_ascii=False, separators=(",", ":"))]
    else:
        texts = [json.dumps(b, ensure_ascii=False) for b in BODIES]
    bodies = "{" + ",".join("[==[" + t + "]==]" for t in texts) + "}"
    script = LUA % {
        "bodies": bodies,
        "token": token,
        "prefix": f"bench{time.time_ns()}",
        "batch": batch,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t",
                str(wrk_threads),
                "-c",
                str(connections),
                "-d",
                f"{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                f.name,
                f"http://127.0.0.1:{PORT}/api/v1/cases" + ("/batch" if batch else ""),
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    finally:
        os.unlink(f.name)
    m = re.search(r"JSON(\{.*\})", out.stdout)
    if not m:
        raise RuntimeError(f"wrk failed: {out.stdout}\n{out.stderr}")
    res = json.loads(m.group(1))
    res["rps"] = res["requests"] / (res["duration_us"] / 1e6)
    res["ok_rps"] = res["ok"] / (res["duration_us"] / 1e6)
    return res


def run_config(spec: str, seconds: float, batch: int = 0) -> dict[str, Any]:
    kind, _, size = spec.partition(":")
    workers, _, threads = size.partition("x")
    w, t = int(workers), int(threads or 1)
    connections = w * t * 2 if kind == "gthread" else w * 2
    proc = start_gunicorn(kind, w, t)
    try:
        token = login()
        if batch:  # warm-up with small batches: a cut-off 500-order request would tie up a worker
            for _ in range(2 * w * t):
                status, _body = _post("/api/v1/cases/batch", {"cases": BODIES[:2]}, token)
                assert status == 200, (status, _body)
        else:
            run_wrk(token, connections, 2)  # warm-up: imports, connections, caches
        backends = _bench_backends()  # gunicorn's connections persist (CONN_MAX_AGE)
        meter = CpuMeter(
            {
                "gunicorn": lambda: [proc.pid, *_children(proc.pid)],
                "postgres": lambda: backends,
            }
        )
        meter.start()
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk is a child that exits
        res = run_wrk(token, connections, seconds, batch=batch)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = meter.stop()
        cpu["wrk"] = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        cpu["other"] = max(0.0, cpu["other"] - cpu["wrk"])
    finally:
        stop_gunicorn(proc)
    n = max(res["ok"] + res["bad"], 1)  # orders posted (= requests for single intake)
    res.update(
        {
            "batch": batch,
            "config": f"{kind} -w {w}" + (f" --threads {t}" if kind == "gthread" else ""),
            "connections": connections,
            "cpu_ms_per_req": {k: 1000 * v / n for k, v in cpu.items() if k != "wall"},
            "cpu_util": {k: v / cpu["wall"] for k, v in cpu.items() if k != "wall"},
        }
    )
    c = res["cpu_ms_per_req"]
    say(
        f"  {'batch of ' + str(batch) + ', ' if batch else ''}{res['config']:28} c={connections:<3} "
        f"{res['ok_rps']:7.0f} orders/s ({res['rps']:.1f} req/s)  "
        f"p50 {res['p50']:6.1f}  p95 {res['p95']:6.1f}  p99 {res['p99']:6.1f}  "
        f"max {res['max']:6.1f} ms  ok {res['ok']} bad {res['bad']} err {res['errors']}  "
        f"CPU ms/order: django {c['gunicorn']:.2f} pg {c['postgres']:.2f} wrk {c['wrk']:.2f} "
        f"other processes {res['cpu_util']['other']:.2f} cores"
    )
    return res


def in_process(n: int) -> tuple[dict[str, float], dict[str, float]]:
    """Per-request server time of one intake through the test client (no concurrency)."""
    from rest_framework.test import APIClient

    from chuangcheng.demo.city import DEMO_PASSWORD

    client = APIClient(HTTP_HOST="127.0.0.1")
    resp = client.post(
        "/api/v1/auth/token", {"username": BENCH_OPERATOR, "password": DEMO_PASSWORD}, format="json"
    )
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {resp.json()['token']}")
    samples, cpu = [], []
    timer = ServerTimer()
    for i in range(n + 5):
        body = dict(BODIES[i % len(BODIES)])
        if body.get("external_id"):
            body["external_id"] = f"inproc-{time.time_ns()}"
        with timer:
            r = client.post("/api/v1/cases", body, format="json")
        assert r.status_code == 201, r.content[:300]
        if i >= 5:
            samples.append(timer.wall_ms)
            cpu.append(timer.cpu_ms)
    return percentiles(samples), percentiles(cpu)


def profile(n: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler
    from rest_framework.test import APIClient

    from chuangcheng.demo.city import DEMO_PASSWORD

    client = APIClient(HTTP_HOST="127.0.0.1")
    resp = client.post(
        "/api/v1/auth/token", {"username": BENCH_OPERATOR, "password": DEMO_PASSWORD}, format="json"
    )
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {resp.json()['token']}")
    for i in range(4):  # show the queries of one request of each body
        with CaptureQueriesContext(connection) as ctx:
            client.post("/api/v1/cases", {**BODIES[i], "external_id": ""}, format="json")
        say(f"body {i}: {len(ctx.captured_queries)} queries")
        for q in ctx.captured_queries:
            say(f"    {q['time']}s  {q['sql'][:150]}")
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for i in range(n):
        client.post("/api/v1/cases", {**BODIES[i % len(BODIES)], "external_id": ""}, format="json")
    profiler.stop()
    out = RESULTS_DIR / "intake_profile.txt"
    out.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    (RESULTS_DIR / "intake_profile.html").write_text(profiler.output_html())
    say(profiler.output_text(unicode=True, color=False))
    say(f"profile written to {out}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=12)
    ap.add_argument("--configs", default="sync:2,sync:3,sync:4,gthread:2x4,gthread:3x3")
    ap.add_argument("--batches", default="100,500", help="batch sizes for /cases/batch ('' = none)")
    ap.add_argument("--batch-config", default="sync:2", help="gunicorn configuration for batches")
    ap.add_argument("--profile", type=int, default=0, help="profile N in-process intakes")
    args = ap.parse_args()
    setup_django()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    if args.profile:
        profile(args.profile)
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    p, c = in_process(200)
    say(
        f"in-process server time of one intake (no concurrency): p50 {p['p50']:.1f}  "
        f"p95 {p['p95']:.1f}  max {p['max']:.1f} ms; CPU (python + postgres) p50 "
        f"{c['p50']:.1f} ms -> at most {2000 / c['p50']:.0f} orders/s on 2 cores"
    )
    record(
        "(a) intake server time, in-process test client, one at a time",
        target="-",
        metric="p50",
        value=p["p50"],
        passed=None,
        stats=p,
        cpu=c,
        group="a-ref",
    )
    say(f"gunicorn + wrk on loopback, {args.seconds:.0f}s per configuration:")
    specs = [s for s in args.configs.split(",") if s and s != "none"]
    results = [run_config(spec, args.seconds) for spec in specs]
    best = max(results, key=lambda r: r["ok_rps"]) if results else None
    for r in results:
        record(
            f"(a) intake POST /api/v1/cases, gunicorn {r['config']}, c={r['connections']}",
            target=f"≥ {TARGET_RPS:.0f}/s",
            metric="orders/s",
            value=r["ok_rps"],
            passed=r["ok_rps"] >= TARGET_RPS and r["bad"] == 0,
            stats={k: r[k] for k in ("p50", "p95", "p99", "max", "mean")},
            group="a" if r is best else "a-ref",
            cpu_ms_per_req=r["cpu_ms_per_req"],
            cpu_util=r["cpu_util"],
            ok=r["ok"],
            bad=r["bad"],
            errors=r["errors"],
        )
    sizes = [int(b) for b in args.batches.split(",") if b.strip()]
    # a request of 500 takes seconds: run longer so the cut-off at the end matters less
    batched = [run_config(args.batch_config, max(args.seconds, 20), batch=b) for b in sizes]
    best_batch = max(batched, key=lambda r: r["ok_rps"]) if batched else None
    for r in batched:
        record(
            f"(a) batch intake POST /api/v1/cases/batch, {r['batch']} per request, "
            f"gunicorn {r['config']}, c={r['connections']}",
            target=f"≥ {TARGET_RPS:.0f}/s",
            metric="orders/s",
            value=r["ok_rps"],
            passed=r["ok_rps"] >= TARGET_RPS and r["bad"] == 0,
            stats={k: r[k] for k in ("p50", "p95", "p99", "max", "mean")},
            group="a" if r is best_batch else "a-ref",
            cpu_ms_per_req=r["cpu_ms_per_req"],
            cpu_util=r["cpu_util"],
            ok=r["ok"],
            bad=r["bad"],
            errors=r["errors"],
        )


if __name__ == "__main__":
    main()

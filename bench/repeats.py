"""(e) Repeated-appeal lookup (并单) with 1,000,000 OPEN orders: target ≤ 20 ms per lookup.

Loads its own database (default cc_bench_repeats) with one million open hotline orders whose
`match_text` is built from realistic place × problem phrases, spread over every street of the
demo city and the last 30 days, then times `intelligence.selectors.find_repeats` for probes
that do and do not have repeats. Server time = this process + its PostgreSQL backend.

    .venv/bin/python bench/repeats.py [--reload] [--orders N] [--probes N]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("CC_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cc_bench_repeats")
from common import ServerTimer, percentiles, record, say, setup_django

PLACES = [
    "海亮广场",
    "公园东路",
    "吕祖庙",
    "贝尔路",
    "仕奇小区",
    "大学西路",
    "昭乌达路",
    "锡林路",
    "新华广场",
    "兴隆巷",
    "南茶坊",
    "东达城市广场",
    "满达商城",
    "维多利商厦",
    "丽苑小区",
    "光华街",
    "苗圃小区",
    "团结小区",
    "石羊桥",
    "大召寺",
]
SPOTS = [
    "北门",
    "南门",
    "东侧",
    "西侧",
    "3号楼",
    "5号楼",
    "12号楼",
    "地下车库",
    "十字路口",
    "公交站",
]
PROBLEMS = [
    "占道经营",
    "暖气不热",
    "噪音扰民",
    "油烟扰民",
    "井盖缺失",
    "路灯不亮",
    "垃圾清运不及时",
    "飞线充电",
    "乱停乱放",
    "小广告乱张贴",
    "下水道堵塞",
    "停水",
    "燃气异味",
    "违章建筑",
    "共享单车乱停",
    "拖欠工资",
    "物业不作为",
    "广场舞噪音",
    "施工扰民",
    "积水严重",
]
TAILS = [
    "希望尽快处理",
    "已经持续一周",
    "影响居民出行",
    "存在安全隐患",
    "多次反映未解决",
    "请相关部门管理",
    "老人孩子受影响",
    "晚上十点以后更严重",
]


def load(n: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from chuangcheng.demo.city import build_demo_city

    call_command("migrate", verbosity=0)
    build_demo_city(with_users=True)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_case")
        if cur.fetchone()[0] >= n:
            say(f"already loaded ({n:,} open orders)")
            load_keys()
            return
        cur.execute("SELECT id, path FROM org_region WHERE level = 3 ORDER BY id")
        streets = cur.fetchall()
    say(f"loading {n:,} open orders into {connection.settings_dict['NAME']} …")
    started = time.monotonic()
    rnd = random.Random(42)
    with (
        connection.cursor() as cur,
        cur.copy(
            "COPY cases_case (number, kind, status, source, channel, title, content,"
            " address, street_id, region_path, external_source, external_id, created_at, updated_at,"
            " match_text, last_hash, event_count) FROM STDIN"
        ) as copy,
    ):
        now = time.time()
        for i in range(n):
            street_id, path = streets[i % len(streets)]
            title = f"{rnd.choice(PLACES)}{rnd.choice(SPOTS)}{rnd.choice(PROBLEMS)}"
            content = f"{title}，{rnd.choice(TAILS)}，{rnd.choice(TAILS)}"
            at = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(now - rnd.random() * 30 * 86400))
            copy.write_row(
                (
                    f"B{i:013d}",
                    "hotline",
                    rnd.choice(["received", "reviewed", "handling", "dispatched"]),
                    "bench",
                    "phone",
                    title,
                    content,
                    "",
                    street_id,
                    path,
                    "",
                    "",
                    at,
                    at,
                    (title + content.replace("，", ""))[:160],
                    "",
                    0,
                )
            )
            if i and i % 200_000 == 0:
                say(f"  {i:,} …")
    with connection.cursor() as cur:
        # each order's own row (hotline_hotlineorder): a 求助, normal urgency, the rest defaults
        cur.execute(
            "INSERT INTO hotline_hotlineorder (case_id, appeal_type, urgency, result, resolution,"
            " satisfaction, supervision_level, reporter_count, reopen_count, return_count,"
            " extension_workdays, excluded_from_scoring)"
            " SELECT id, 'help', 'normal', '', '', '', '', 1, 0, 0, 0, false FROM cases_case c"
            " WHERE source = 'bench'"
            " AND NOT EXISTS (SELECT 1 FROM hotline_hotlineorder h WHERE h.case_id = c.id)"
        )
        cur.execute("VACUUM ANALYZE cases_case")
        cur.execute("VACUUM ANALYZE hotline_hotlineorder")
    say(f"loaded in {time.monotonic() - started:.0f} s")
    load_keys()


def load_keys() -> None:
    """The MinHash keys every open order gets at intake (cases.services.repeat_keys_for)."""
    from django.db import connection

    from chuangcheng.cases.services import repeat_scope
    from chuangcheng.core.minhash import band_keys

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_repeatkey")
        if cur.fetchone()[0]:
            return
    say("computing and loading the MinHash keys of the open orders …")
    started = time.monotonic()
    with connection.cursor() as cur:
        cur.execute("SELECT min(id), max(id) FROM cases_case")
        low, high = cur.fetchone()
        step = 50_000
        for start in range(low, high + 1, step):
            cur.execute(
                "SELECT id, kind, street_id, match_text FROM cases_case WHERE id >= %s AND id < %s",
                [start, start + step],
            )
            rows = cur.fetchall()
            with cur.copy("COPY cases_repeatkey (key, case_id) FROM STDIN") as copy:
                for pk, kind, street_id, text in rows:
                    for key in set(band_keys(text, repeat_scope(kind, street_id))):
                        copy.write_row((key, pk))
            if (start - low) % 200_000 < step:
                say(f"  {start - low + len(rows):,} …")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE cases_repeatkey")
    say(f"keys loaded in {time.monotonic() - started:.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--probes", type=int, default=300)
    ap.add_argument("--reload", action="store_true")
    args = ap.parse_args()
    if args.reload:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS cc_bench_repeats")
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname='cc_bench_repeats'").fetchone():
            c.execute("CREATE DATABASE cc_bench_repeats")
    setup_django()
    load(args.orders)

    from django.contrib.auth import get_user_model
    from django.db import connection

    from chuangcheng.cases.services import match_text_for
    from chuangcheng.intelligence.selectors import Probe, find_repeats
    from chuangcheng.org.access import actor_for

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_case WHERE status NOT IN ('closed','merged')")
        open_count = cur.fetchone()[0]
        cur.execute("SELECT id FROM org_region WHERE level = 3")
        street_ids = [r[0] for r in cur.fetchall()]
    dispatcher = actor_for(get_user_model().objects.get(username="dispatcher"))
    rnd = random.Random(7)
    timings, cpu, hits = [], [], 0
    timer = ServerTimer()
    for i in range(args.probes):
        if i % 2 == 0:  # a repeat of a typical appeal: many similar ones exist
            title = f"{rnd.choice(PLACES)}{rnd.choice(SPOTS)}{rnd.choice(PROBLEMS)}"
            content = f"{title}，{rnd.choice(TAILS)}"
        else:  # an unusual appeal: few or no candidates
            title = f"{rnd.choice(PLACES)}附近新开的健身房虚假宣传办卡后跑路"
            content = "办了年卡两个月后门店关闭，老板联系不上，要求退费"
        probe = Probe("hotline", match_text_for(title, content), rnd.choice(street_ids))
        with timer:
            found = find_repeats(probe, dispatcher)
        timings.append(timer.wall_ms)
        cpu.append(timer.cpu_ms)
        hits += bool(found)
    stats, cpu_stats = percentiles(timings), percentiles(cpu)
    say(f"open orders: {open_count:,}; probes: {args.probes}; probes with repeats found: {hits}")
    say(
        f"lookup ms: p50 {stats['p50']:.1f}  p95 {stats['p95']:.1f}  p99 {stats['p99']:.1f}  max {stats['max']:.1f}"
    )
    say(
        f"lookup CPU ms (process + its PostgreSQL backend): p50 {cpu_stats['p50']:.1f}  p95 {cpu_stats['p95']:.1f}"
    )
    record(
        f"(e) repeat lookup (并单) with {open_count:,} open orders, find_repeats incl. reranking",
        target="p95 ≤ 20 ms",
        metric="p95",
        value=stats["p95"],
        passed=stats["p95"] <= 20,
        stats=stats,
        cpu=cpu_stats,
        group="e",
    )


if __name__ == "__main__":
    main()

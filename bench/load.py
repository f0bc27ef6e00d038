"""Prepare the bench database: create `cc_bench`, migrate, build the demo city, bulk-load
1,000,000 hotline orders (12 months, every unit and street, realistic status mix) with their
contacts, assignments and full event histories, then VACUUM ANALYZE.

    .venv/bin/python bench/load.py [--orders 1000000] [--reload]

Loading is skipped when the database already holds the requested number of bulk orders
(`--reload` truncates the case tables and loads again).

How: everything is generated inside PostgreSQL with INSERT … SELECT generate_series (no rows
cross the wire). During the load the session runs with session_replication_role=replica
(foreign-key and append-only triggers do not fire: the rows are consistent by construction and
only INSERTed) and the secondary indexes of the four big tables are dropped and rebuilt after
the load (their definitions are saved in bench_meta first, so an interrupted load restores them
on the next run).

Bulk-loaded history is synthetic: the event hash chain of a bulk-loaded case is
hash(case, seq) = sha256("bench:<case>:<seq>") with prev_hash linking the previous seq, so it
is well-formed (64 hex digits, linked) but `verify_chain` does not hold for these rows; deadlines
are computed with calendar days, not the working-day calendar. Orders opened by the
benchmarks themselves go through the real services and have real chains.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BENCH_OPERATOR, ROOT, bench_env, say, setup_django

BIG_TABLES = (
    "cases_case",
    "hotline_hotlineorder",  # the 12345 order's own row, one per case (ADR 0017)
    "cases_caseevent",
    "cases_casecontact",
    "cases_assignment",
    "cases_caseclock",
    "cases_clockstop",
)

TITLES = {
    "010101": ["小区物业不作为，楼道垃圾长期无人清理", "物业擅自提高停车费"],
    "010102": ["老旧小区改造施工进度缓慢", "改造后楼道扶手未恢复"],
    "010103": ["楼顶私搭乱建彩钢房", "一楼住户私自扩建院墙"],
    "010104": ["新房墙体开裂渗水", "房产证迟迟办不下来"],
    "010105": ["人行道地砖破损塌陷", "路面坑洼积水严重"],
    "020101": ["夜间施工噪音扰民", "楼下商铺音响声音过大"],
    "020102": ["烧烤店油烟直排居民楼", "餐馆油烟净化器未开启"],
    "020103": ["垃圾桶满溢无人清运", "小区建筑垃圾堆放多日"],
    "020104": ["河道有异味漂浮物", "工厂夜间排放刺鼻气体"],
    "030101": ["车辆乱停占用消防通道", "小区门口车辆堵塞"],
    "030102": ["公交车不按站停靠", "出租车拒载绕路"],
    "030103": ["路口信号灯故障", "早晚高峰拥堵严重"],
    "030104": ["共享单车堆放占道", "共享单车乱停影响通行"],
    "040101": ["孩子入学学位咨询", "划片入学政策不清楚"],
    "040102": ["校外培训机构退费难", "无证培训机构招生"],
    "040103": ["社区健身器材损坏", "体育馆开放时间咨询"],
    "050101": ["工地拖欠农民工工资", "公司拖欠三个月工资"],
    "050102": ["医保报销进度咨询", "社保转移手续办理难"],
    "050103": ["就业补贴申请咨询", "职业培训报名咨询"],
    "060101": ["商家拒绝退货", "预付卡商家跑路"],
    "060102": ["超市出售过期食品", "外卖餐品发现异物"],
    "060103": ["流动摊贩占道经营", "商铺出店经营堵塞人行道"],
    "060104": ["景区门票价格不合理", "旅行团强制购物"],
    "070101": ["医院挂号难", "医生服务态度差"],
    "070102": ["疫苗接种预约咨询", "防疫物资发放咨询"],
    "070103": ["生育津贴申领咨询", "出生证明办理咨询"],
    "080101": ["家中暖气不热", "供暖管道漏水"],
    "080102": ["小区停水无通知", "自来水发黄有异味"],
    "080103": ["燃气表故障", "燃气管道异味"],
    "090101": ["楼道小广告泛滥", "电线杆乱张贴"],
    "090102": ["井盖缺失存在安全隐患", "路灯不亮"],
    "090103": ["楼道飞线充电电动车", "电动车室内充电隐患"],
    "090104": ["邻居占用公共楼道", "楼上漏水邻里纠纷"],
}


def _psql(sql: str, db: str = "postgres") -> str:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-Atqc", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def ensure_database() -> None:
    url = bench_env()["CC_DATABASE_URL"]
    name = url.rsplit("/", 1)[-1]
    if not _psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
        say(f"creating database {name}")
        _psql(f'CREATE DATABASE "{name}"')


def migrate() -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0", "--no-input", "--skip-checks"],
        check=True,
        env=bench_env(),
        cwd=ROOT,
    )


def _meta_get(cur, key: str):  # type: ignore[no-untyped-def]
    cur.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb)")
    cur.execute("SELECT value FROM bench_meta WHERE key = %s", [key])
    row = cur.fetchone()
    if row is None:
        return None
    return row[0] if not isinstance(row[0], str) else json.loads(row[0])


def _meta_set(cur, key: str, value) -> None:  # type: ignore[no-untyped-def]
    cur.execute(
        "INSERT INTO bench_meta (key, value) VALUES (%s, %s::jsonb) ON CONFLICT (key) "
        "DO UPDATE SET value = EXCLUDED.value",
        [key, json.dumps(value)],
    )


def _drop_secondary_indexes(cur, tables=BIG_TABLES) -> None:  # type: ignore[no-untyped-def]
    """Drop the indexes not backing a constraint (saved first, restored by _restore_indexes)."""
    cur.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                             WHERE c.conindid = (quote_ident(i.indexname))::regclass)""",
        [list(tables)],
    )
    defs = [[n, d] for n, d in cur.fetchall()]
    saved = _meta_get(cur, "dropped_indexes") or []
    _meta_set(cur, "dropped_indexes", saved + defs)
    for name, _ in defs:
        cur.execute(f'DROP INDEX IF EXISTS "{name}"')


def _restore_indexes(cur) -> None:  # type: ignore[no-untyped-def]
    defs = _meta_get(cur, "dropped_indexes") or []
    for name, definition in defs:
        t0 = time.perf_counter()
        cur.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(definition)
            say(f"  index {name}: {time.perf_counter() - t0:.1f}s")
    _meta_set(cur, "dropped_indexes", [])


def cleanup_bench_rows() -> int:
    """Remove the orders the benchmarks themselves opened (keeps the database at the loaded
    size run after run). Case events are append-only, so this runs in replica mode, which
    skips the trigger: for the bench database only."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(
            "CREATE TEMP TABLE bench_gone ON COMMIT DROP AS SELECT id FROM cases_case "
            "WHERE source IN ('bench', %s)",
            [f"api:{BENCH_OPERATOR}"],
        )
        cur.execute("SELECT count(*) FROM bench_gone")
        (n,) = cur.fetchone()
        if n:
            # every table with a foreign key to a case (attachments, events, contacts, …)
            cur.execute(
                """SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                   WHERE c.contype = 'f' AND c.confrelid = 'cases_case'::regclass
                     AND c.conrelid <> 'cases_case'::regclass"""
            )
            for table, column in cur.fetchall():
                cur.execute(f'DELETE FROM {table} WHERE "{column}" IN (SELECT id FROM bench_gone)')
            cur.execute("DELETE FROM cases_case WHERE id IN (SELECT id FROM bench_gone)")
        cur.execute(
            "DELETE FROM api_apitoken WHERE user_id IN (SELECT id FROM auth_user "
            "WHERE username LIKE 'bench%%')"
        )
    return int(n)


def ensure_bench_users() -> None:
    """The demo users plus `bench_operator` (an operator of the centre, for intake)."""
    from django.contrib.auth import get_user_model

    from chuangcheng.demo.city import DEMO_PASSWORD
    from chuangcheng.hotline.roles import OPERATOR
    from chuangcheng.org.models import Membership, Unit

    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=BENCH_OPERATOR, defaults={"first_name": "压测受理员"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    Membership.objects.get_or_create(
        user=user, role=OPERATOR, unit=Unit.objects.get(code="C-12345")
    )


CASE_SQL = """
CREATE UNLOGGED TABLE bench_stage AS
WITH base AS (
    SELECT i, random() AS r_open, random() AS r_state, random() AS r_time, random() AS r_cat,
           random() AS r_comm, random() AS r_a, random() AS r_b, random() AS r_c, random() AS r_d,
           random() AS r_e, random() AS r_f
    FROM generate_series(1, %(n)s) AS i
), picked AS (
    SELECT b.*,
        1 + floor(r_cat * %(n_cat)s)::int AS cat,
        1 + floor(r_comm * %(n_comm)s)::int AS comm,
        CASE WHEN r_open < %(open_frac)s THEN
            CASE WHEN r_state < 0.08 THEN 'received' WHEN r_state < 0.13 THEN 'reviewed'
                 WHEN r_state < 0.25 THEN 'dispatched' WHEN r_state < 0.70 THEN 'handling'
                 WHEN r_state < 0.73 THEN 'return_requested' WHEN r_state < 0.83 THEN 'fed_back'
                 WHEN r_state < 0.95 THEN 'callback' ELSE 'unsatisfied' END
        ELSE CASE WHEN r_state < 0.005 THEN 'merged' ELSE 'closed' END END AS status,
        CASE WHEN r_open < %(open_frac)s
             -- open orders are recent (skewed to the last days; some weeks old, overdue)
             THEN %(now)s::timestamptz - (r_time * r_time * 30) * interval '1 day'
             -- closed orders: spread evenly over 12 months, up to 3 days ago
             ELSE %(now)s::timestamptz - (3 + r_time * 362) * interval '1 day' END AS created_at,
        CASE WHEN r_c < 0.95 THEN 'normal' WHEN r_c < 0.99 THEN 'urgent' ELSE 'emergency' END
            AS urgency
    FROM base b
)
-- ids follow created_at, as in real life (rows of one month sit together in the heap)
SELECT row_number() OVER (ORDER BY created_at, i) AS id, status, created_at, urgency, cat, comm, r_a, r_b, r_d, r_e, r_f,
    (status = 'closed' AND r_e < 0.02) OR status = 'return_requested' AS ret,
    (%(cat_unit)s::bigint[])[cat] AS cat_unit,
    row_number() OVER (PARTITION BY (created_at AT TIME ZONE 'Asia/Shanghai')::date
                       ORDER BY created_at, i) AS day_seq
FROM picked;

ALTER TABLE bench_stage ADD PRIMARY KEY (id);

CREATE UNLOGGED TABLE bench_times AS
SELECT s.*,
    CASE WHEN status IN ('received', 'reviewed', 'merged') THEN NULL
         WHEN cat_unit = 0 AND r_f < 0.03 THEN (%(comm_unit)s::bigint[])[comm]
         WHEN cat_unit = 0 THEN (%(comm_office)s::bigint[])[comm]
         ELSE cat_unit END AS lead_unit,
    (%(depts)s::bigint[])[1 + floor(r_f * %(n_depts)s)::int] AS first_unit,
    CASE WHEN status IN ('received', 'reviewed', 'merged') THEN NULL
         WHEN ret THEN created_at + interval '190 minutes'
         ELSE created_at + interval '10 minutes' END AS dispatched_at,
    CASE urgency WHEN 'normal' THEN interval '2 hours' ELSE interval '1 hour' END AS sign_len,
    CASE urgency WHEN 'normal' THEN interval '24 hours' WHEN 'urgent' THEN interval '4 hours'
         ELSE interval '1 hour' END AS respond_len,
    CASE urgency WHEN 'normal' THEN interval '7 days' WHEN 'urgent' THEN interval '24 hours'
         ELSE interval '2 hours' END AS finish_len
FROM bench_stage s;

ALTER TABLE bench_times ADD PRIMARY KEY (id);

CREATE UNLOGGED TABLE bench_clocks AS
SELECT t.*,
    dispatched_at + sign_len AS sign_due,
    dispatched_at + respond_len AS respond_due,
    dispatched_at + finish_len AS finish_due,
    CASE WHEN status IN ('received', 'reviewed', 'merged', 'dispatched', 'return_requested')
         THEN NULL ELSE least(%(now)s::timestamptz, dispatched_at + sign_len * (0.1 + r_a * 1.05)) END
        AS sign_at,
    CASE WHEN status IN ('received', 'reviewed', 'merged', 'dispatched', 'return_requested')
              OR (status = 'handling' AND r_b < 0.4) THEN NULL
         ELSE least(%(now)s::timestamptz, dispatched_at + respond_len * (0.15 + r_b * 0.95)) END
        AS respond_at,
    CASE WHEN status IN ('fed_back', 'callback', 'unsatisfied', 'closed')
         THEN least(%(now)s::timestamptz, dispatched_at + finish_len * (0.1 + r_d * 0.98)) END
        AS finish_at
FROM bench_times t;

ALTER TABLE bench_clocks ADD PRIMARY KEY (id);
ALTER TABLE bench_clocks ADD COLUMN steps int[];
-- the workflow steps each order went through (see EVENT_SQL for what each number is)
UPDATE bench_clocks c SET steps = CASE
    WHEN c.status = 'merged' THEN ARRAY[1, 12]
    WHEN c.status = 'received' THEN ARRAY[1]
    WHEN c.status = 'reviewed' THEN ARRAY[1, 2]
    WHEN c.status = 'dispatched' THEN ARRAY[1, 2, 3]
    WHEN c.status = 'return_requested' THEN ARRAY[1, 2, 3, 4]
    WHEN c.status = 'handling' AND c.respond_at IS NULL THEN ARRAY[1, 2, 3, 7]
    WHEN c.status = 'handling' THEN ARRAY[1, 2, 3, 7, 8]
    WHEN c.status = 'fed_back' THEN ARRAY[1, 2, 3, 7, 8, 9]
    WHEN c.status = 'callback' THEN ARRAY[1, 2, 3, 7, 8, 9, 10]
    WHEN c.ret THEN ARRAY[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    ELSE ARRAY[1, 2, 3, 7, 8, 9, 10, 11] END;

INSERT INTO cases_case ({columns})
SELECT {values}
FROM bench_clocks c ORDER BY c.id;

INSERT INTO hotline_hotlineorder ({own_columns})
SELECT {own_values}
FROM bench_clocks c ORDER BY c.id;
"""

# The columns of the case and of the 12345 order's own row (hotline_hotlineorder), by name.
CASE_VALUES = {
    "id": "c.id",
    "case_id": "c.id",
    "number": "to_char(c.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') "
    "|| lpad(c.day_seq::text, 6, '0')",
    "kind": "'hotline'",
    "status": "c.status",
    "source": "'hotline'",
    "channel": "CASE WHEN c.r_a < 0.72 THEN 'phone' WHEN c.r_a < 0.85 THEN 'wechat' "
    "WHEN c.r_a < 0.93 THEN 'app' WHEN c.r_a < 0.98 THEN 'web' ELSE 'mailbox' END",
    "appeal_type": "CASE WHEN c.r_b < 0.10 THEN 'consult' WHEN c.r_b < 0.60 THEN 'help' "
    "WHEN c.r_b < 0.88 THEN 'complaint' WHEN c.r_b < 0.94 THEN 'report' "
    "WHEN c.r_b < 0.99 THEN 'suggestion' ELSE 'other' END",
    "urgency": "c.urgency",
    "title": "(%(cat_title)s::text[])[c.cat]",
    "content": "(%(comm_addr)s::text[])[c.comm] || '，' || (%(cat_title)s::text[])[c.cat] "
    "|| '，已经持续' || (1 + c.id %% 20) || '天，希望有关部门尽快处理。'",
    "category_id": "(%(cat_id)s::bigint[])[c.cat]",
    "address": "(%(comm_addr)s::text[])[c.comm] || (1 + c.id %% 40) || '号楼'",
    "lat": "(%(comm_lat)s::float8[])[c.comm] + (c.r_d - 0.5) * 0.004",
    "lng": "(%(comm_lng)s::float8[])[c.comm] + (c.r_e - 0.5) * 0.004",
    "region_id": "(%(comm_id)s::bigint[])[c.comm]",
    "street_id": "(%(comm_street)s::bigint[])[c.comm]",
    "region_path": "(%(comm_path)s::text[])[c.comm]",
    "lead_unit_id": "c.lead_unit",
    "external_source": "''",
    "external_id": "''",
    "citizen_user_id": "NULL",
    "created_by_id": "%(operator)s",
    "created_at": "c.created_at",
    "updated_at": "coalesce(c.finish_at + interval '26 hours', c.finish_at, c.respond_at, "
    "c.sign_at, c.dispatched_at, c.created_at)",
    "dispatched_at": "c.dispatched_at",
    "sign_due": "c.sign_due",
    "sign_at": "c.sign_at",
    "respond_due": "c.respond_due",
    "respond_at": "c.respond_at",
    "finish_due": "c.finish_due",
    "finish_at": "c.finish_at",
    # cases.clocks.next_due: the earliest running clock (none once final); LEAST skips NULLs
    "next_due": "CASE WHEN c.status NOT IN ('closed', 'merged') THEN LEAST("
    "CASE WHEN c.sign_at IS NULL THEN c.sign_due END, "
    "CASE WHEN c.respond_at IS NULL THEN c.respond_due END, "
    "CASE WHEN c.finish_at IS NULL THEN c.finish_due END) END",
    "closed_at": "CASE WHEN c.status = 'closed' THEN c.finish_at + interval '26 hours' "
    "WHEN c.status = 'merged' THEN c.created_at + interval '1 hour' END",
    "result": "CASE WHEN c.finish_at IS NOT NULL THEN '已现场核实并处理完毕，已向诉求人说明情况。' "
    "ELSE '' END",
    "callback_at": "CASE WHEN c.status IN ('closed', 'unsatisfied') "
    "THEN c.finish_at + interval '26 hours' END",
    "contacted": "CASE WHEN c.status = 'unsatisfied' THEN true "
    "WHEN c.status = 'closed' THEN c.r_f < 0.95 END",
    "resolution": "CASE WHEN c.status = 'unsatisfied' THEN 'partly' "
    "WHEN c.status = 'closed' AND c.r_f < 0.95 THEN "
    "CASE WHEN c.r_a < 0.85 THEN 'resolved' WHEN c.r_a < 0.95 THEN 'partly' "
    "ELSE 'unresolved' END ELSE '' END",
    "satisfaction": "CASE WHEN c.status = 'unsatisfied' THEN 'unsatisfied' "
    "WHEN c.status = 'closed' AND c.r_f < 0.95 THEN "
    "CASE WHEN c.r_d < 0.78 THEN 'satisfied' WHEN c.r_d < 0.90 THEN 'basic' "
    "WHEN c.r_d < 0.96 THEN 'unsatisfied' ELSE 'none' END ELSE '' END",
    "citizen_rating": "NULL",
    "supervision_level": "CASE WHEN c.status IN ('dispatched', 'handling') "
    "AND c.finish_due < %(now)s::timestamptz AND c.r_e < 0.3 "
    "THEN 'general' ELSE '' END",
    "supervision_due": "NULL",
    "merged_into_id": "CASE WHEN c.status = 'merged' AND c.id > 1 THEN c.id - 1 END",
    "reporter_count": "1",
    "reopen_count": "0",
    "return_count": "CASE WHEN c.ret AND c.status <> 'return_requested' THEN 1 ELSE 0 END",
    "extension_workdays": "0",
    "excluded_from_scoring": "c.r_e > 0.99",
    "match_text": "left(lower((%(cat_title)s::text[])[c.cat] || ' ' || (%(comm_addr)s::text[])[c.comm]), 160)",
    # the head of the synthetic chain (see EVENT_SQL)
    "last_hash": "encode(sha256(convert_to('bench:' || c.id || ':' || cardinality(c.steps), "
    "'UTF8')), 'hex')",
    "event_count": "cardinality(c.steps)",
}

# One row per workflow step the bulk history knows: (step, action, from, to, time, actor, unit,
# data). Each case gets the steps listed in bench_clocks.steps (by its status).
EVENT_SQL = """
INSERT INTO cases_caseevent (case_id, seq, action, from_status, to_status, actor_id, actor_name,
                             unit_id, note, data, changes, created_at, prev_hash, hash)
SELECT c.id, e.seq, d.action, d.from_s, d.to_s, d.actor, d.actor_name, d.unit, d.note, d.data,
       '{}'::jsonb, d.at,
       CASE WHEN e.seq = 1 THEN repeat('0', 64)
            ELSE encode(sha256(convert_to('bench:' || c.id || ':' || (e.seq - 1), 'UTF8')), 'hex') END,
       encode(sha256(convert_to('bench:' || c.id || ':' || e.seq, 'UTF8')), 'hex')
FROM bench_clocks c
CROSS JOIN LATERAL unnest(c.steps) WITH ORDINALITY AS e(step, seq)
CROSS JOIN LATERAL (
    SELECT * FROM (VALUES
        (1, 'open', '', 'received', c.created_at, %(operator)s, '受理员', NULL::bigint, '',
         '{}'::jsonb),
        (2, 'review', 'received', 'reviewed', c.created_at + interval '5 minutes',
         %(dispatcher)s, '派单员', NULL, '', '{"changes": {}}'::jsonb),
        (3, 'dispatch', 'reviewed', 'dispatched', c.created_at + interval '10 minutes',
         %(dispatcher)s, '派单员', NULL, '派单',
         jsonb_build_object('lead_unit', CASE WHEN c.ret THEN c.first_unit ELSE c.lead_unit END,
                            'co_units', '[]'::jsonb)),
        (4, 'request_return', 'dispatched', 'return_requested', c.created_at + interval '2 hours',
         %(handler)s, '承办人', c.first_unit, '不属于本单位职责', '{}'::jsonb),
        (5, 'approve_return', 'return_requested', 'reviewed', c.created_at + interval '3 hours',
         %(dispatcher)s, '派单员', NULL, '同意退单',
         jsonb_build_object('returned_by', c.first_unit)),
        (6, 'dispatch', 'reviewed', 'dispatched', c.dispatched_at, %(dispatcher)s, '派单员',
         NULL, '改派', jsonb_build_object('lead_unit', c.lead_unit, 'co_units', '[]'::jsonb)),
        (7, 'accept', 'dispatched', 'handling', c.sign_at, %(handler)s, '承办人', c.lead_unit,
         '', '{}'::jsonb),
        (8, 'contact', 'handling', 'handling', c.respond_at, %(handler)s, '承办人', c.lead_unit,
         '已电话联系诉求人', '{}'::jsonb),
        (9, 'feedback', 'handling', 'fed_back', c.finish_at, %(handler)s, '承办人', c.lead_unit,
         '已现场核实并处理完毕', '{}'::jsonb),
        (10, 'approve_feedback', 'fed_back', 'callback', c.finish_at + interval '2 hours',
         %(dispatcher)s, '派单员', NULL, '', '{}'::jsonb),
        (11, 'callback', 'callback', c.status, c.finish_at + interval '26 hours', %(callback)s,
         '回访员', NULL, '', jsonb_build_object('contacted', c.status = 'unsatisfied' OR c.r_f < 0.95)),
        (12, 'merge', 'received', 'merged', c.created_at + interval '1 hour', %(dispatcher)s,
         '派单员', NULL, '并单', '{}'::jsonb)
    ) AS v(step, action, from_s, to_s, at, actor, actor_name, unit, note, data)
    WHERE v.step = e.step
) AS d;
"""

CONTACT_SQL = """
INSERT INTO cases_casecontact (case_id, name, phone, confidential)
SELECT c.id,
    CASE WHEN c.r_a < 0.03 THEN '' ELSE
        (ARRAY['王','李','张','刘','陈','杨','赵','黄','周','吴','徐','孙','马','胡','郭','何'])
            [1 + (c.id %% 16)] || CASE WHEN c.r_b < 0.5 THEN '先生' ELSE '女士' END END,
    '1' || (ARRAY['38','39','35','36','37','50','51','52','58','59','86','87','88','89'])
        [1 + (c.id %% 14)] || lpad(((c.id * 7919) %% 100000000)::text, 8, '0'),
    c.r_e < 0.02
FROM bench_clocks c;
"""

ASSIGNMENT_SQL = """
INSERT INTO cases_assignment (case_id, unit_id, role, active, assigned_at, ended_at)
SELECT c.id, c.lead_unit, 'lead', true, c.dispatched_at, NULL
FROM bench_clocks c WHERE c.lead_unit IS NOT NULL
UNION ALL
SELECT c.id, c.first_unit, 'lead', false, c.created_at + interval '10 minutes',
       c.created_at + interval '3 hours'
FROM bench_clocks c WHERE c.ret AND c.status <> 'return_requested'
UNION ALL  -- about 5%% of dispatched orders have a co-handling unit (协办)
SELECT c.id, c.first_unit, 'co', true, c.dispatched_at, NULL
FROM bench_clocks c WHERE c.lead_unit IS NOT NULL AND c.r_a > 0.95 AND c.first_unit <> c.lead_unit;
"""


# the 退单 requests still waiting for a decision (step 4 of EVENT_SQL opened them)
REQUEST_SQL = """
INSERT INTO cases_caserequest (case_id, kind, status, data, from_status, opened_seq, opened_by_id,
                               opened_unit_id, opened_at)
SELECT c.id, 'return', 'pending', '{}'::jsonb, 'dispatched', 4, %(handler)s, c.first_unit,
       c.created_at + interval '2 hours'
FROM bench_clocks c WHERE c.status = 'return_requested';
"""

# one CaseClock row per clock that ran (签收, 响应, 办结), as the engine writes them: started at
# dispatch, the limit in hours, stopped when met or when the order ended (final states)
CLOCK_SQL = """
INSERT INTO cases_caseclock (case_id, name, started_at, due_at, stopped_at, paused_at,
                             limit_amount, limit_unit, extended)
SELECT c.id, k.name, c.dispatched_at, k.due,
       coalesce(k.at, CASE WHEN c.status = 'closed' THEN c.finish_at + interval '26 hours' END),
       NULL, (extract(epoch FROM k.len) / 3600)::int, 'hours', 0
FROM bench_clocks c
CROSS JOIN LATERAL (VALUES ('sign', c.sign_due, c.sign_at, c.sign_len),
                           ('respond', c.respond_due, c.respond_at, c.respond_len),
                           ('finish', c.finish_due, c.finish_at, c.finish_len)) AS k(name, due, at, len)
WHERE k.due IS NOT NULL OR k.at IS NOT NULL
ORDER BY c.id;
"""


def _lookups() -> dict[str, object]:
    from django.contrib.auth import get_user_model

    from chuangcheng.cases.models import Category, RoutingRule
    from chuangcheng.org.models import Region, Unit

    users = dict(get_user_model().objects.values_list("username", "pk"))
    units = {u.code: u for u in Unit.objects.all()}
    office_by_street = {u.region_id: u.pk for u in units.values() if u.kind == "street"}
    unit_by_region = {u.region_id: u.pk for u in units.values() if u.kind == "community"}
    regions = {r.pk: r for r in Region.objects.all()}
    comms = [r for r in regions.values() if r.level == Region.Level.COMMUNITY]
    comm_addr, comm_street = [], []
    for c in comms:
        street = regions[c.parent_id]
        district = regions[street.parent_id]
        comm_addr.append(f"{district.name}{street.name}{c.name}")
        comm_street.append(street.pk)
    rules = {}
    for rule in RoutingRule.objects.filter(region__isnull=True):
        rules[rule.category_id] = rule.unit_id
    cats = list(Category.objects.filter(parent__isnull=False).order_by("code"))
    depts = [u.pk for u in units.values() if u.kind in ("department", "utility")]
    return {
        "comm_id": [c.pk for c in comms],
        "comm_street": comm_street,
        "comm_path": [c.path for c in comms],
        "comm_lat": [c.lat for c in comms],
        "comm_lng": [c.lng for c in comms],
        "comm_addr": comm_addr,
        "comm_unit": [unit_by_region[c.pk] for c in comms],
        "comm_office": [office_by_street[s] for s in comm_street],
        "n_comm": len(comms),
        "cat_id": [c.pk for c in cats],
        "cat_unit": [rules.get(c.pk, 0) for c in cats],
        "cat_title": [TITLES.get(c.code, [c.name])[0] for c in cats],
        "n_cat": len(cats),
        "depts": depts,
        "n_depts": len(depts),
        "operator": users["operator"],
        "dispatcher": users["dispatcher"],
        "handler": users["handler_cg"],
        "callback": users["callback"],
    }


def bulk_load(n: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from chuangcheng.cases.models import Case
    from chuangcheng.core.models import DailySequence
    from chuangcheng.hotline.models import HotlineOrder

    seq_table = DailySequence._meta.db_table
    params = _lookups()
    params.update({"n": n, "open_frac": 0.03, "now": timezone.now()})

    def columns_of(model: type) -> tuple[str, str]:
        columns, values = [], []
        for f in model._meta.concrete_fields:  # type: ignore[attr-defined]
            expr = CASE_VALUES.get(f.column)
            if expr is None:  # a column added after this loader was written: use its default
                default = f.get_default()
                if default is None:
                    expr = "NULL"
                elif isinstance(default, bool):
                    expr = "true" if default else "false"
                elif isinstance(default, (int, float)):
                    expr = str(default)
                elif isinstance(default, (dict, list)):
                    expr = "'" + json.dumps(default) + "'::jsonb"
                else:
                    expr = "'" + str(default).replace("'", "''") + "'"
                say(f"  (column {f.column} not known to the loader: filled with {expr})")
            columns.append(f.column)
            values.append(expr)
        return ", ".join(columns), ",\n       ".join(values)

    columns, values = columns_of(Case)
    own_columns, own_values = columns_of(HotlineOrder)
    case_sql = CASE_SQL.format(
        columns=columns, values=values, own_columns=own_columns, own_values=own_values
    )
    steps = [
        ("stage + cases", case_sql),
        ("contacts", CONTACT_SQL),
        ("assignments", ASSIGNMENT_SQL),
        ("events", EVENT_SQL),
        ("requests", REQUEST_SQL),
        ("clocks", CLOCK_SQL),
    ]
    t_all = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("SET work_mem = '256MB'")
        cur.execute("SET max_parallel_maintenance_workers = 2")
        with transaction.atomic():
            cur.execute("SET LOCAL session_replication_role = replica")
            cur.execute(
                "TRUNCATE cases_caseevent, cases_casecontact, cases_assignment, cases_caseclock, "
                "cases_attachment, cases_contactreveal, cases_case RESTART IDENTITY CASCADE"
            )
            cur.execute(f"DELETE FROM {seq_table} WHERE series = 'hotline'")
            cur.execute("DROP TABLE IF EXISTS bench_stage, bench_times, bench_clocks")
            _meta_set(cur, "bulk", None)
            _drop_secondary_indexes(cur)
        cur.execute("SET session_replication_role = replica")
        try:
            for label, sql in steps:
                t0 = time.perf_counter()
                cur.execute("SELECT setseed(0.4242)")
                cur.execute(sql, params)
                say(f"  {label}: {time.perf_counter() - t0:.1f}s")
            cur.execute(
                f"INSERT INTO {seq_table} (series, day, last) "
                "SELECT 'hotline', (created_at AT TIME ZONE 'Asia/Shanghai')::date, max(day_seq) "
                "FROM bench_stage GROUP BY 2 ON CONFLICT (series, day) "
                f"DO UPDATE SET last = greatest({seq_table}.last, EXCLUDED.last)"
            )
            for table in BIG_TABLES:
                if table == HotlineOrder._meta.db_table:
                    continue  # keyed by its case: no sequence of its own
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table}), 1))"
                )
        finally:
            cur.execute("SET session_replication_role = origin")
            say("  rebuilding secondary indexes")
            _restore_indexes(cur)
        cur.execute("DROP TABLE IF EXISTS bench_stage, bench_times, bench_clocks")
        _meta_set(cur, "bulk", {"orders": n, "loaded_at": timezone.now().isoformat()})
    say(f"  bulk load total: {time.perf_counter() - t_all:.1f}s")


def fill_rank_keys() -> None:
    """The ranking's keys on each order's row (what the engine's `on_save` hook writes in every
    step): the same UPDATE as hotline migration 0005."""
    import importlib

    from django.db import connection

    migration = importlib.import_module("chuangcheng.hotline.migrations.0005_rank_keys")
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(migration.BACKFILL)
    say(f"  ranking keys on the order rows: {time.perf_counter() - t0:.1f}s")


def backfill_clock_stops() -> None:
    """The engine's record of each clock stop (`cases.ClockStop`, ADR 0023) for the cases just
    loaded in SQL: the same backfill as cases migration 0024, from the events and clock rows."""
    from chuangcheng.cases.clock_stops import backfill

    t0 = time.perf_counter()
    n = backfill()
    say(f"  clock stops (cases.clock_stops.backfill): {n:,} rows, {time.perf_counter() - t0:.1f}s")


def vacuum_analyze() -> None:
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for table in (*BIG_TABLES, "org_unit", "org_region", "org_membership", "cases_category"):
            cur.execute(f"VACUUM ANALYZE {table}")
    say(f"  VACUUM ANALYZE: {time.perf_counter() - t0:.1f}s")


def prepare(orders: int = 1_000_000, reload: bool = False) -> dict[str, object]:
    ensure_database()
    migrate()
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from chuangcheng.demo.city import build_demo_city

    call_command("createcachetable", verbosity=0)  # production settings use the database cache
    try:  # manifest static files, for pages rendered under production settings
        call_command("collectstatic", interactive=False, verbosity=0)
    except Exception as exc:
        say(f"collectstatic failed: {exc}")

    build_demo_city()
    ensure_bench_users()
    with connection.cursor() as cur:
        _restore_indexes(cur)  # after an interrupted load
        meta = _meta_get(cur, "bulk")
    removed = cleanup_bench_rows()
    if removed:
        say(f"removed {removed} orders left by earlier benchmark runs")
    if reload or not meta or meta.get("orders") != orders:
        say(f"bulk-loading {orders:,} hotline orders into {connection.settings_dict['NAME']} …")
        bulk_load(orders)
        fill_rank_keys()
        backfill_clock_stops()
        vacuum_analyze()
    else:
        say(
            f"bench database already holds {meta['orders']:,} bulk orders "
            f"(loaded {meta['loaded_at']}); --reload to load again"
        )
        # as autovacuum would have by now: fresh statistics and visibility map (index-only
        # scans), also after the clean-up of the previous run's orders
        vacuum_analyze()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE status NOT IN ('closed', 'merged')) "
            "FROM cases_case"
        )
        total, open_ = cur.fetchone()
        cur.execute("SELECT count(*) FROM cases_caseevent")
        (events,) = cur.fetchone()
    info = {"orders": total, "open": open_, "events": events}
    say(f"database: {total:,} orders ({open_:,} open), {events:,} events")
    return info


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=int(os.environ.get("BENCH_ORDERS", 1_000_000)))
    ap.add_argument("--reload", action="store_true")
    ap.add_argument(
        "--cleanup", action="store_true", help="only remove the orders the benchmarks opened"
    )
    args = ap.parse_args()
    if args.cleanup:
        setup_django()
        say(f"removed {cleanup_bench_rows()} orders opened by the benchmarks")
        return
    prepare(args.orders, args.reload)


if __name__ == "__main__":
    main()

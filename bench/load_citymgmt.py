"""Bulk-load 数字城管 cases into the bench database next to the 12345 orders of bench/load.py.

    .venv/bin/python bench/load_citymgmt.py [--cases 1000000] [--reload] [--cleanup]

Run after bench/load.py (bench/run.py does, with `--city-cases N`). First the loop's reference
data as the demo builds it: the catalogue seed, unit grids for EVERY street of the demo city
(the demo street's as `citymgmt.demo_data` makes them, the same 4 x 6 grids per community for the
other streets), the demo's component registry, posts and 权责清单 (`citymgmt.demo_cases`). Then
N cases of kind `citymgmt` over the last 12 months, generated inside PostgreSQL with
INSERT … SELECT generate_series like the 12345 loader:

- only the Case columns the engine shares between loops (number CG…, status, title, place,
  region/street/path, lead unit, dispatched/closed, next_due, chain head); every other column
  gets its model default (no 12345 column is written for a 城管 case);
- the loop's own row (`citymgmt_citycase`: subclass, grid, zone class, source, verify/check
  results, close type, 返工/回退/缓办 counts);
- the full event history of each case (open, [send_verify, verify], file_case, [dispatch,
  request_return, approve_return], dispatch, feedback, [check_fail, feedback], check_pass,
  close; or reject, request_void/approve_void, self_handle/approve_self), with the synthetic
  hash chain of load.py (sha256("bench:<case>:<seq>"), linked, `verify_chain` does not hold);
- the engine's clock rows (核实, 立案, 派遣, 处置, 核查) as the engine writes them: started by a
  step, due after the limit (处置: the subclass's 立案标准 limit for the grid's 区域类别), stopped
  when met or when the case ended, 处置 paused while 缓办; `next_due` = the earliest running one;
- the 考核键 on the loop's row (`CityCase.eval_*`, ADR 0026), after the load, by the backfill
  of citymgmt migration 0008;
- the lead assignments of dispatched cases (a returned first department's inactive one), the
  回退/延期/缓办/作废 requests (pending or decided);
- status mix (DOMAIN-LOOPS §1.7 天门 figures, demo_cases.MIX subclasses): ~97 % events; 4.3 %
  from the public (核实 first); ~2.7 % open (待立案 … 待结案, created over the last 10 days, so
  some clocks are red), 2 % 不予立案, 3 % 作废, the rest closed (2 % 自处理, 6 % 返工, 1.5 % 回退);
  open cases in 处置 have pending 回退 requests (4 %), 缓办 (3 %), 督办 when overdue (10 %).

Synthetic parts besides the chain: work hours and working days are counted on the calendar
(1 work hour = 3 h, 1 working day = 1.4 days); no repeat keys (并单 lookups) for open city
cases. Cases opened by the benchmarks (external_source 'bench') go through the real services
and are removed by `--cleanup`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import say, setup_django
from load import _drop_secondary_indexes, _meta_get, _meta_set, _restore_indexes

CITY_TABLES = ("citymgmt_citycase", "cases_caserequest")
BENCH_SOURCE = "bench"  # Case.external_source of the 城管 cases the benchmarks open

STAGE_SQL = """
DROP TABLE IF EXISTS city_stage;
CREATE UNLOGGED TABLE city_stage AS
WITH base AS (
    SELECT i, random() AS r_open, random() AS r_state, random() AS r_time, random() AS r_sub,
           random() AS r_grid, random() AS r_a, random() AS r_b, random() AS r_c,
           random() AS r_d, random() AS r_e, random() AS r_f
    FROM generate_series(1, %(n)s) AS i
), picked AS (
    SELECT b.*,
        -- subclass by the demo's weights (cumulative shares in %(sub_cum)s)
        (SELECT min(k) FROM generate_subscripts(%(sub_cum)s::float8[], 1) AS k
          WHERE (%(sub_cum)s::float8[])[k] >= r_sub) AS sub,
        1 + floor(r_grid * %(n_grid)s)::int AS grid,
        CASE WHEN r_open < %(open_frac)s THEN
            CASE WHEN r_state < 0.05 THEN 'filing' WHEN r_state < 0.08 THEN 'verifying'
                 WHEN r_state < 0.13 THEN 'dispatching' WHEN r_state < 0.73 THEN 'handling'
                 WHEN r_state < 0.90 THEN 'checking' ELSE 'closing' END
        ELSE CASE WHEN r_state < 0.02 THEN 'rejected' WHEN r_state < 0.05 THEN 'void'
                  ELSE 'closed' END END AS status,
        CASE WHEN r_open < %(open_frac)s
             THEN %(now)s::timestamptz - interval '2 hours' - (r_time * r_time * 10) * interval '1 day'
             ELSE %(now)s::timestamptz - (10 + r_time * 355) * interval '1 day' END AS created_at
    FROM base b
)
SELECT %(id0)s + row_number() OVER (ORDER BY created_at, i) AS id, p.*,
    row_number() OVER (PARTITION BY (created_at AT TIME ZONE 'Asia/Shanghai')::date
                       ORDER BY created_at, i) AS day_seq
FROM picked p;
ALTER TABLE city_stage ADD PRIMARY KEY (id);

DROP TABLE IF EXISTS city_flags;
CREATE UNLOGGED TABLE city_flags AS
SELECT s.*,
    (status = 'verifying' OR (status <> 'closed' AND r_c < 0.043)
        OR (status = 'closed' AND r_c < 0.043 AND r_e >= 0.02)) AS pub,
    status = 'closed' AND r_e < 0.02 AND r_c >= 0.043 AS selfh,
    status = 'closed' AND r_e >= 0.02 AND r_d < 0.06 AS rew,
    status = 'closed' AND r_e >= 0.02 AND r_d >= 0.94 AND r_d < 0.955 AS ret,
    status = 'handling' AND r_d < 0.04 AS preq,
    status = 'handling' AND r_d >= 0.04 AND r_d < 0.07 AS susp,
    (%(grid_zone)s::text[])[grid] AS zone,
    (%(sub_dept)s::bigint[])[sub] AS dept,
    (%(sub_wrong)s::bigint[])[sub] AS wrong_dept,
    (%(sub_handler)s::bigint[])[sub] AS handler,
    (%(inspectors)s::bigint[])[1 + floor(r_f * %(n_insp)s)::int] AS inspector,
    -- 处置时限 of the subclass in the grid's zone class: amount, engine unit, calendar span
    (%(lim_amount)s::int[])[(sub - 1) * 3 + strpos('ABC', (%(grid_zone)s::text[])[grid])]
        AS h_amount,
    (%(lim_unit)s::text[])[(sub - 1) * 3 + strpos('ABC', (%(grid_zone)s::text[])[grid])]
        AS h_unit
FROM city_stage s;

DROP TABLE IF EXISTS city_times;
CREATE UNLOGGED TABLE city_times AS
WITH f AS (
    SELECT f.*,
        CASE h_unit WHEN 'hours' THEN h_amount * interval '1 hour'
                    WHEN 'workdays' THEN h_amount * interval '1.4 days'
                    WHEN 'days' THEN h_amount * interval '1 day'
                    ELSE h_amount * interval '3 hours' END AS hlen,
        %(now)s::timestamptz - created_at AS span
    FROM city_flags f
), t AS (
    SELECT f.*,
        -- open cases: each step a fraction of the way from created_at to now (all in the past)
        CASE WHEN status IN ('closed', 'rejected', 'void') THEN created_at + interval '10 minutes'
             ELSE created_at + span * 0.05 END AS t_sv,
        CASE WHEN status IN ('closed', 'rejected', 'void') THEN created_at + interval '40 minutes'
             ELSE created_at + span * 0.10 END AS t_v,
        CASE WHEN status IN ('closed', 'rejected', 'void')
             THEN created_at + CASE WHEN pub THEN interval '70 minutes' ELSE interval '30 minutes' END
             ELSE created_at + span * 0.15 END AS t_file
    FROM f
), u AS (
    SELECT t.*,
        CASE WHEN status IN ('closed', 'rejected', 'void')
             THEN t_file + CASE WHEN ret THEN interval '200 minutes' ELSE interval '20 minutes' END
             ELSE created_at + span * 0.20 END AS t_disp
    FROM t
), v AS (
    SELECT u.*,
        CASE WHEN status = 'closed' THEN t_disp + hlen * (0.2 + r_a) ELSE created_at + span * 0.70 END
            AS t_fb1
    FROM u
), w AS (
    SELECT v.*, t_fb1 + interval '1 hour' AS t_cf,
        CASE WHEN rew THEN t_fb1 + interval '1 hour' + hlen * (0.1 + r_b * 0.6) ELSE t_fb1 END AS t_fb
    FROM v
)
SELECT w.*,
    CASE WHEN status = 'closed' THEN t_fb + interval '1 hour' * (0.3 + r_b * 6.5)
         ELSE created_at + span * 0.85 END AS t_cp,
    CASE WHEN rew THEN t_cf ELSE t_disp END AS h_start
FROM w;
ALTER TABLE city_times ADD PRIMARY KEY (id);

DROP TABLE IF EXISTS city_cases;
CREATE UNLOGGED TABLE city_cases AS
SELECT t.*,
    t_cp + interval '30 minutes' AS t_close,
    h_start + hlen AS h_due,
    CASE WHEN status IN ('checking', 'closing', 'closed') AND NOT selfh THEN t_fb END AS h_stop,
    CASE WHEN susp THEN created_at + span * 0.4 END AS h_pause,
    status = 'handling' AND NOT susp AND h_start + hlen < %(now)s::timestamptz AND r_e < 0.10
        AS sup,
    CASE WHEN status IN ('handling', 'checking', 'closing') OR (status = 'closed' AND NOT selfh)
         THEN dept END AS lead,
    CASE
        WHEN selfh THEN ARRAY[1, 17, 18]
        WHEN status = 'verifying' THEN ARRAY[1, 2]
        ELSE (CASE WHEN pub THEN ARRAY[1, 2, 3] ELSE ARRAY[1] END) || CASE status
            WHEN 'filing' THEN ARRAY[]::int[]
            WHEN 'rejected' THEN ARRAY[14]
            WHEN 'void' THEN ARRAY[4, 15, 16]
            WHEN 'dispatching' THEN ARRAY[4]
            WHEN 'handling' THEN ARRAY[4, 8]
                || CASE WHEN r_d < 0.04 THEN ARRAY[19] ELSE ARRAY[]::int[] END
                || CASE WHEN r_d >= 0.04 AND r_d < 0.07 THEN ARRAY[20, 21] ELSE ARRAY[]::int[] END
            WHEN 'checking' THEN ARRAY[4, 8, 9]
            WHEN 'closing' THEN ARRAY[4, 8, 9, 12]
            ELSE ARRAY[4] || CASE WHEN ret THEN ARRAY[5, 6, 7] ELSE ARRAY[]::int[] END || ARRAY[8, 9]
                 || CASE WHEN rew THEN ARRAY[10, 11] ELSE ARRAY[]::int[] END || ARRAY[12, 13]
        END END AS steps0
FROM city_times t;
ALTER TABLE city_cases ADD PRIMARY KEY (id);
ALTER TABLE city_cases ADD COLUMN steps int[];
UPDATE city_cases SET steps = steps0 || CASE WHEN sup THEN ARRAY[22] ELSE ARRAY[]::int[] END;
"""

# the Case columns a 城管 case has (shared by every loop); others get their model default
CASE_VALUES = {
    "id": "c.id",
    "number": "'CG' || to_char(c.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') "
    "|| lpad(c.day_seq::text, 6, '0')",
    "kind": "'citymgmt'",
    "status": "c.status",
    "source": "CASE WHEN c.pub THEN '公众举报' ELSE '监督员上报' END",
    "channel": "CASE WHEN c.pub THEN 'public' ELSE 'inspector' END",
    "title": "(%(sub_name)s::text[])[c.sub] || '（' || (%(grid_comm_name)s::text[])[c.grid] || '）'",
    "content": "(%(sub_name)s::text[])[c.sub] || '，请处理'",
    "address": "(%(grid_addr)s::text[])[c.grid]",
    "lat": "(%(grid_lat)s::float8[])[c.grid]",
    "lng": "(%(grid_lng)s::float8[])[c.grid]",
    "region_id": "(%(grid_comm)s::bigint[])[c.grid]",
    "street_id": "(%(grid_street)s::bigint[])[c.grid]",
    "region_path": "(%(grid_path)s::text[])[c.grid]",
    "lead_unit_id": "c.lead",
    "created_by_id": "CASE WHEN c.pub THEN %(operator)s ELSE c.inspector END",
    "created_at": "c.created_at",
    "updated_at": "%(now)s::timestamptz - interval '1 minute'",
    "dispatched_at": "CASE WHEN c.lead IS NOT NULL THEN c.t_disp END",
    "closed_at": "CASE c.status WHEN 'closed' THEN "
    "CASE WHEN c.selfh THEN c.created_at + interval '2 hours' ELSE c.t_close END "
    "WHEN 'rejected' THEN c.t_file WHEN 'void' THEN c.t_file + interval '2 hours' END",
    # cases.clocks.earliest_due over the running clocks (see CLOCK_SQL)
    "next_due": "CASE c.status "
    "WHEN 'filing' THEN CASE WHEN c.pub THEN c.t_v + interval '3 hours' END "
    "WHEN 'verifying' THEN c.t_sv + interval '3 hours' "
    "WHEN 'dispatching' THEN c.t_file + interval '3 hours' "
    "WHEN 'handling' THEN CASE WHEN NOT c.susp THEN c.h_due END "
    "WHEN 'checking' THEN c.t_fb + interval '6 hours' END",
    "match_text": "left(regexp_replace((%(sub_name)s::text[])[c.sub] || (%(grid_comm_name)s::text[])"
    "[c.grid] || (%(sub_name)s::text[])[c.sub] || '请处理', '[^[:alnum:]]', '', 'g'), 160)",
    "last_hash": "encode(sha256(convert_to('bench:' || c.id || ':' || cardinality(c.steps), "
    "'UTF8')), 'hex')",
    "event_count": "cardinality(c.steps)",
}

EVENT_SQL = """
INSERT INTO cases_caseevent (case_id, seq, action, from_status, to_status, actor_id, actor_name,
                             unit_id, note, data, changes, created_at, prev_hash, hash)
SELECT c.id, e.seq, d.action, d.from_s, d.to_s, d.actor, d.actor_name, d.unit, d.note, d.data,
       '{}'::jsonb, d.at,
       CASE WHEN e.seq = 1 THEN repeat('0', 64)
            ELSE encode(sha256(convert_to('bench:' || c.id || ':' || (e.seq - 1), 'UTF8')), 'hex') END,
       encode(sha256(convert_to('bench:' || c.id || ':' || e.seq, 'UTF8')), 'hex')
FROM city_cases c
CROSS JOIN LATERAL unnest(c.steps) WITH ORDINALITY AS e(step, seq)
CROSS JOIN LATERAL (
    SELECT * FROM (VALUES
        (1, 'open', '', 'filing', c.created_at,
         CASE WHEN c.pub THEN %(operator)s ELSE c.inspector END,
         CASE WHEN c.pub THEN '受理员' ELSE '监督员' END, NULL::bigint, '', '{}'::jsonb),
        (2, 'send_verify', 'filing', 'verifying', c.t_sv, %(operator)s, '受理员', NULL, '',
         '{}'::jsonb),
        (3, 'verify', 'verifying', 'filing', c.t_v, c.inspector, '监督员', NULL, '',
         '{"result": "exists"}'::jsonb),
        (4, 'file_case', 'filing', 'dispatching', c.t_file, %(shift)s, '值班长', NULL, '',
         '{}'::jsonb),
        (5, 'dispatch', 'dispatching', 'handling', c.t_file + interval '20 minutes', %(dispatcher)s,
         '派遣员', NULL, '派遣', jsonb_build_object('unit', c.wrong_dept)),
        (6, 'request_return', 'handling', 'handling', c.t_file + interval '140 minutes',
         %(handler_zj)s, '专业部门', c.wrong_dept, '不属于本单位职责', '{}'::jsonb),
        (7, 'approve_return', 'handling', 'dispatching', c.t_file + interval '200 minutes',
         %(dispatcher)s, '派遣员', NULL, '', jsonb_build_object('returned_by', c.wrong_dept)),
        (8, 'dispatch', 'dispatching', 'handling', c.t_disp, %(dispatcher)s, '派遣员', NULL,
         '派遣', jsonb_build_object('unit', c.dept)),
        (9, 'feedback', 'handling', 'checking', c.t_fb1, c.handler, '专业部门', c.dept,
         '已处置完毕', '{}'::jsonb),
        (10, 'check_fail', 'checking', 'handling', c.t_cf, c.inspector, '监督员', NULL,
         '问题未彻底处置', '{"result": "not_passed", "rework": 1}'::jsonb),
        (11, 'feedback', 'handling', 'checking', c.t_fb, c.handler, '专业部门', c.dept,
         '已返工处置', '{}'::jsonb),
        (12, 'check_pass', 'checking', 'closing', c.t_cp, c.inspector, '监督员', NULL, '',
         '{"result": "passed"}'::jsonb),
        (13, 'close', 'closing', 'closed', c.t_close, %(shift)s, '值班长', NULL, '',
         jsonb_build_object('close_type',
                            CASE WHEN c.t_fb <= c.h_due THEN 'normal' ELSE 'overdue' END)),
        (14, 'reject', 'filing', 'rejected', c.t_file, %(shift)s, '值班长', NULL,
         '不符合立案条件', '{}'::jsonb),
        (15, 'request_void', 'dispatching', 'dispatching', c.t_file + interval '1 hour',
         %(dispatcher)s, '派遣员', NULL, '重复上报', '{}'::jsonb),
        (16, 'approve_void', 'dispatching', 'void', c.t_file + interval '2 hours', %(shift)s,
         '值班长', NULL, '', '{}'::jsonb),
        (17, 'self_handle', 'filing', 'self_review', c.created_at + interval '20 minutes',
         c.inspector, '监督员', NULL, '已自行处置', '{}'::jsonb),
        (18, 'approve_self', 'self_review', 'closed', c.created_at + interval '2 hours',
         %(shift)s, '值班长', NULL, '', '{}'::jsonb),
        (19, 'request_return', 'handling', 'handling', c.created_at + c.span * 0.5, c.handler,
         '专业部门', c.dept, '不属于本单位职责', '{}'::jsonb),
        (20, 'request_suspend', 'handling', 'handling', c.created_at + c.span * 0.3, c.handler,
         '专业部门', c.dept, '需协调产权单位', '{}'::jsonb),
        (21, 'approve_suspend', 'handling', 'handling', c.created_at + c.span * 0.4,
         %(dispatcher)s, '派遣员', NULL, '', '{}'::jsonb),
        (22, 'supervise', 'handling', 'handling', c.created_at + c.span * 0.9, %(leader)s,
         '城管领导', NULL, '超期未处置，请加快', '{}'::jsonb)
    ) AS v(step, action, from_s, to_s, at, actor, actor_name, unit, note, data)
    WHERE v.step = e.step
) AS d;
"""

OWN_SQL = """
INSERT INTO citymgmt_citycase (case_id, family, subclass_id, standard_id, component_id, grid_id,
    zone_class, source, client_key, verify_result, check_result, close_type, rework_count,
    return_count, suspend_count, suspended, self_handled, hotline_case_id)
SELECT c.id, (%(sub_family)s::text[])[c.sub], (%(sub_id)s::bigint[])[c.sub], NULL, NULL,
    (%(grid_id)s::bigint[])[c.grid], c.zone, CASE WHEN c.pub THEN 'public' ELSE 'inspector' END,
    '', CASE WHEN c.pub AND c.status <> 'verifying' THEN 'exists' ELSE '' END,
    CASE WHEN c.status IN ('closing', 'closed') AND NOT c.selfh THEN 'passed' ELSE '' END,
    CASE WHEN c.selfh THEN 'normal' WHEN c.status = 'closed' THEN
         CASE WHEN c.t_fb <= c.h_due THEN 'normal' ELSE 'overdue' END ELSE '' END,
    CASE WHEN c.rew THEN 1 ELSE 0 END, CASE WHEN c.ret THEN 1 ELSE 0 END,
    CASE WHEN c.susp THEN 1 ELSE 0 END, c.susp, c.selfh, NULL
FROM city_cases c ORDER BY c.id;
"""

ASSIGNMENT_SQL = """
INSERT INTO cases_assignment (case_id, unit_id, role, active, assigned_at, ended_at)
SELECT c.id, c.lead, 'lead', true, c.t_disp, NULL FROM city_cases c WHERE c.lead IS NOT NULL
UNION ALL
SELECT c.id, c.wrong_dept, 'lead', false, c.t_file + interval '20 minutes',
       c.t_file + interval '200 minutes'
FROM city_cases c WHERE c.ret;
"""

REQUEST_SQL = """
INSERT INTO cases_caserequest (case_id, kind, status, data, from_status, opened_seq, opened_by_id,
                               opened_unit_id, opened_at, decided_seq, decided_by_id, decided_at)
SELECT c.id, r.kind, r.status, r.data, r.from_s, array_position(c.steps, r.open_step),
       r.opened_by, r.unit, r.opened_at, array_position(c.steps, r.decide_step), r.decided_by,
       r.decided_at
FROM city_cases c
CROSS JOIN LATERAL (VALUES
    (6, 7, 'return', 'approved', '{"reason": "不属于本单位职责"}'::jsonb, 'handling',
     %(handler_zj)s, c.wrong_dept, c.t_file + interval '140 minutes', %(dispatcher)s,
     c.t_file + interval '200 minutes'),
    (19, NULL, 'return', 'pending', '{"reason": "不属于本单位职责"}'::jsonb, 'handling',
     c.handler, c.dept, c.created_at + c.span * 0.5, NULL, NULL),
    (20, 21, 'suspend', 'approved', '{"reason": "需协调产权单位"}'::jsonb, 'handling',
     c.handler, c.dept, c.created_at + c.span * 0.3, %(dispatcher)s, c.created_at + c.span * 0.4),
    (15, 16, 'void', 'approved', '{"reason": "重复上报"}'::jsonb, 'dispatching',
     %(dispatcher)s, NULL::bigint, c.t_file + interval '1 hour', %(shift)s,
     c.t_file + interval '2 hours')
) AS r(open_step, decide_step, kind, status, data, from_s, opened_by, unit, opened_at,
       decided_by, decided_at)
WHERE r.open_step = ANY(c.steps);
"""

# one CaseClock row per clock a case's steps touched, in the state the engine leaves it
CLOCK_SQL = """
INSERT INTO cases_caseclock (case_id, name, started_at, due_at, stopped_at, paused_at,
                             limit_amount, limit_unit, extended)
SELECT c.id, k.name, k.started, k.due, k.stopped, k.paused, k.amount, k.unit, 0
FROM city_cases c
CROSS JOIN LATERAL (VALUES
    -- 核实: send_verify starts it, verify stops it
    ('verify', 2 = ANY(c.steps), c.t_sv, c.t_sv + interval '3 hours',
     CASE WHEN 3 = ANY(c.steps) THEN c.t_v END, NULL::timestamptz, 1, 'workhours'),
    -- 立案: verify starts it (a public report); file_case/reject stop it (an inspector's own
    -- report: recorded as met when filed, never started)
    ('filing', c.pub OR 4 = ANY(c.steps),
     CASE WHEN c.pub THEN c.t_v END, CASE WHEN c.pub THEN c.t_v + interval '3 hours' END,
     CASE WHEN 4 = ANY(c.steps) OR 14 = ANY(c.steps) THEN c.t_file END, NULL,
     CASE WHEN c.pub THEN 1 END, CASE WHEN c.pub THEN 'workhours' ELSE '' END),
    -- 派遣: file_case (or approve_return) starts it, dispatch stops it (作废: when voided)
    ('dispatch', 4 = ANY(c.steps),
     CASE WHEN c.ret THEN c.t_file + interval '200 minutes' ELSE c.t_file END,
     CASE WHEN c.ret THEN c.t_file + interval '380 minutes' ELSE c.t_file + interval '3 hours' END,
     CASE WHEN 8 = ANY(c.steps) THEN c.t_disp
          WHEN 16 = ANY(c.steps) THEN c.t_file + interval '2 hours' END,
     NULL, 1, 'workhours'),
    -- 处置: dispatch (or check_fail) starts it, feedback stops it, 缓办 pauses it
    ('handle', 8 = ANY(c.steps), c.h_start, c.h_due, c.h_stop, c.h_pause, c.h_amount, c.h_unit),
    -- 核查: feedback starts it, check_pass stops it
    ('check', 9 = ANY(c.steps), c.t_fb, c.t_fb + interval '6 hours',
     CASE WHEN 12 = ANY(c.steps) THEN c.t_cp END, NULL, 2, 'workhours')
) AS k(name, present, started, due, stopped, paused, amount, unit)
WHERE k.present
ORDER BY c.id;
"""


def build_reference() -> dict[str, object]:
    """The 城管 reference data and people of the demo, and grids for every street (once)."""
    from django.db import transaction

    from chuangcheng.citymgmt.demo_cases import build_citymgmt_people
    from chuangcheng.citymgmt.demo_data import _grids, build_citymgmt_demo
    from chuangcheng.citymgmt.models import UnitGrid
    from chuangcheng.citymgmt.seed import ensure_seeded
    from chuangcheng.citymgmt.services import grid_index_touch
    from chuangcheng.demo.city import DEMO_PASSWORD
    from chuangcheng.org.models import Region

    ensure_seeded()
    build_citymgmt_demo()
    with transaction.atomic():
        made = 0
        for street in Region.objects.filter(level=Region.Level.STREET).order_by("code"):
            if street.lat is None or street.lng is None:
                continue
            if not UnitGrid.objects.filter(street=street).exists():
                made += len(_grids(street))
        if made:
            grid_index_touch()
    build_citymgmt_people(DEMO_PASSWORD)
    return {"grids": UnitGrid.objects.count()}


def _lookups() -> dict[str, object]:
    from django.contrib.auth import get_user_model

    from chuangcheng.citymgmt.demo_cases import CM_USERS, DEFAULT_DEPT, MIX
    from chuangcheng.citymgmt.models import HandlingLimit, Subclass, UnitGrid
    from chuangcheng.citymgmt.services import suggest_department
    from chuangcheng.citymgmt.workflow import COUNTING_UNITS, INSPECTOR
    from chuangcheng.org.models import Unit

    users = dict(get_user_model().objects.values_list("username", "pk"))
    units = {u.code: u for u in Unit.objects.all()}
    handler_of = {unit: users[u] for u, _n, r, unit in CM_USERS if r == "cm_handler"}
    subs = {s.full_code: s for s in Subclass.objects.select_related("klass")}
    mix = [(subs[code], w) for code, w in MIX if code in subs]
    total = sum(w for _s, w in mix)
    cum, acc = [], 0.0
    for _s, w in mix:
        acc += w / total
        cum.append(acc)
    cum[-1] = 1.0
    sub_dept, sub_wrong, sub_handler, lim_amount, lim_unit = [], [], [], [], []
    for sub, _w in mix:
        dept = suggest_department(sub, None, None) or units[DEFAULT_DEPT]
        if dept.code not in handler_of:
            dept = units[DEFAULT_DEPT]
        sub_dept.append(dept.pk)
        sub_handler.append(handler_of[dept.code])
        sub_wrong.append(units["D-ZJ" if dept.code != "D-ZJ" else "D-CG"].pk)
        for zone in "ABC":
            hit = (
                HandlingLimit.objects.filter(zone_class=zone, standard__subclass=sub)
                .order_by("standard__seq")
                .values_list("amount", "counting")
                .first()
            )
            amount, unit = (
                (hit[0], COUNTING_UNITS.get(hit[1], "workhours")) if hit else (4, "workhours")
            )
            lim_amount.append(amount)
            lim_unit.append(unit)
    grids = list(
        UnitGrid.objects.filter(active=True).select_related("community", "street").order_by("code")
    )
    return {
        "sub_cum": cum,
        "sub_id": [s.pk for s, _w in mix],
        "sub_name": [s.name for s, _w in mix],
        "sub_family": [s.klass.family for s, _w in mix],
        "sub_dept": sub_dept,
        "sub_wrong": sub_wrong,
        "sub_handler": sub_handler,
        "lim_amount": lim_amount,
        "lim_unit": lim_unit,
        "n_grid": len(grids),
        "grid_id": [g.pk for g in grids],
        "grid_zone": [g.zone_class for g in grids],
        "grid_comm": [g.community_id for g in grids],
        "grid_street": [g.street_id for g in grids],
        "grid_path": [g.community.path for g in grids],
        "grid_comm_name": [g.community.name for g in grids],
        "grid_addr": [f"{g.street.name}{g.community.name}{g.name}" for g in grids],
        "grid_lat": [g.center_lat for g in grids],
        "grid_lng": [g.center_lng for g in grids],
        "inspectors": [users[u] for u, _n, r, _c in CM_USERS if r == INSPECTOR],
        "n_insp": sum(1 for *_x, r, _c in CM_USERS if r == INSPECTOR),
        "operator": users["cm_slz"],
        "shift": users["cm_zbz"],
        "dispatcher": users["cm_pqy"],
        "leader": users["cm_ld"],
        "handler_zj": handler_of["D-ZJ"],
    }


def _case_insert_sql() -> str:
    """INSERT INTO cases_case for the 城管 rows: CASE_VALUES, every other column its default."""
    import json

    from chuangcheng.cases.models import Case

    columns, values = [], []
    for f in Case._meta.concrete_fields:
        expr = CASE_VALUES.get(f.column)
        if expr is None:
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
        columns.append(f.column)
        values.append(expr)
    return (
        f"INSERT INTO cases_case ({', '.join(columns)})\nSELECT {', '.join(values)}\n"
        "FROM city_cases c ORDER BY c.id"
    )


def _delete_city_cases(cur, where: str, params: list[object]) -> int:  # type: ignore[no-untyped-def]
    """Delete 城管 cases matching `where` and every row referring to them (replica mode:
    events are append-only)."""
    cur.execute("DROP TABLE IF EXISTS city_gone")
    cur.execute(f"CREATE TEMP TABLE city_gone AS SELECT id FROM cases_case WHERE {where}", params)
    cur.execute("SELECT count(*) FROM city_gone")
    (n,) = cur.fetchone()
    if n:
        cur.execute("ALTER TABLE city_gone ADD PRIMARY KEY (id)")
        cur.execute(
            """SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
               WHERE c.contype = 'f' AND c.confrelid = 'cases_case'::regclass
                 AND c.conrelid <> 'cases_case'::regclass"""
        )
        for table, column in cur.fetchall():
            cur.execute(f'DELETE FROM {table} WHERE "{column}" IN (SELECT id FROM city_gone)')
        cur.execute("DELETE FROM cases_case WHERE id IN (SELECT id FROM city_gone)")
    cur.execute("DROP TABLE city_gone")
    return int(n)


def cleanup_bench_city_cases() -> int:
    """Remove the 城管 cases the benchmarks opened through the services."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        return _delete_city_cases(cur, "kind = 'citymgmt' AND external_source = %s", [BENCH_SOURCE])


def bulk_load_city(n: int, *, progress: bool = True) -> dict[str, float]:
    """Load n 城管 cases (removing earlier 城管 cases first). Returns seconds per step."""
    from django.db import connection, transaction
    from django.utils import timezone

    from chuangcheng.core.models import DailySequence

    seq_table = DailySequence._meta.db_table
    params = _lookups()
    now = timezone.now()
    params.update({"n": n, "open_frac": 0.027, "now": now})
    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    log = say if progress else (lambda *a: None)
    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute("SET work_mem = '256MB'")
        with transaction.atomic():
            cur.execute("SET LOCAL session_replication_role = replica")
            removed = _delete_city_cases(cur, "kind = 'citymgmt'", [])
            if removed:
                log(f"  removed {removed:,} earlier 城管 cases")
            cur.execute(f"DELETE FROM {seq_table} WHERE series = 'citymgmt'")
            _meta_get(cur, "city_bulk")  # creates bench_meta when missing
            _meta_set(cur, "city_bulk", None)
        big = n >= 50_000  # below that, dropping and rebuilding 1M-row indexes costs more
        if big:
            from load import BIG_TABLES

            with transaction.atomic():
                _drop_secondary_indexes(cur, (*BIG_TABLES, *CITY_TABLES))
        cur.execute("SELECT coalesce(max(id), 0) FROM cases_case")
        params["id0"] = cur.fetchone()[0]
        cur.execute("SET session_replication_role = replica")
        steps = [
            ("stage", STAGE_SQL),
            ("cases", _case_insert_sql()),
            ("城管 rows", OWN_SQL),
            ("assignments", ASSIGNMENT_SQL),
            ("events", EVENT_SQL),
            ("requests", REQUEST_SQL),
            ("clocks", CLOCK_SQL),
        ]
        try:
            for label, sql in steps:
                t0 = time.perf_counter()
                cur.execute("SELECT setseed(0.2718)")
                cur.execute(sql, params)
                timings[label] = time.perf_counter() - t0
                log(f"  {label}: {timings[label]:.1f}s")
            cur.execute(
                f"INSERT INTO {seq_table} (series, day, last) "
                "SELECT 'citymgmt', (created_at AT TIME ZONE 'Asia/Shanghai')::date, max(day_seq) "
                "FROM city_stage GROUP BY 2 ON CONFLICT (series, day) "
                f"DO UPDATE SET last = greatest({seq_table}.last, EXCLUDED.last)"
            )
            for table in (
                "cases_case",
                "cases_caseevent",
                "cases_assignment",
                "cases_caseclock",
                "cases_caserequest",
            ):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table}), 1))"
                )
        finally:
            cur.execute("SET session_replication_role = origin")
            if big:
                t0 = time.perf_counter()
                log("  rebuilding secondary indexes")
                _restore_indexes(cur)
                timings["indexes"] = time.perf_counter() - t0
        cur.execute("DROP TABLE IF EXISTS city_stage, city_flags, city_times, city_cases")
    timings["total"] = time.perf_counter() - t_all
    log(f"  城管 bulk load total: {timings['total']:.1f}s")
    return timings


def backfill_eval_keys() -> None:
    """The 考核键 on the loop's rows (ADR 0026) for the cases just loaded in SQL: the same
    statement as citymgmt migration 0008, from the cases, their 处置 clocks and 立案 events."""
    from django.db import transaction

    from chuangcheng.citymgmt.eval_keys import backfill

    t0 = time.perf_counter()
    with transaction.atomic():
        n = backfill()
    say(f"  考核键 (citymgmt.eval_keys.backfill): {n:,} rows, {time.perf_counter() - t0:.1f}s")


def prepare_city(cases: int, reload: bool = False) -> dict[str, object]:
    from django.db import connection
    from load import backfill_clock_stops, vacuum_analyze

    ref = build_reference()
    say(f"城管 reference data: {ref['grids']} unit grids")
    removed = cleanup_bench_city_cases()
    if removed:
        say(f"removed {removed} 城管 cases left by earlier benchmark runs")
    with connection.cursor() as cur:
        _restore_indexes(cur)  # after an interrupted load
        hotline = _meta_get(cur, "bulk") or {}
        meta = _meta_get(cur, "city_bulk") or {}
    # the 12345 loader truncates every case table: a reload there means a reload here
    stale = meta.get("cases") != cases or meta.get("hotline_loaded_at") != hotline.get("loaded_at")
    if reload or stale:
        say(f"bulk-loading {cases:,} 城管 cases into {connection.settings_dict['NAME']} …")
        timings = bulk_load_city(cases)
        backfill_clock_stops()
        backfill_eval_keys()
        with connection.cursor() as cur:
            _meta_set(
                cur,
                "city_bulk",
                {
                    "cases": cases,
                    "hotline_loaded_at": hotline.get("loaded_at"),
                    "seconds": round(timings["total"], 1),
                },
            )
    else:
        say(f"bench database already holds {cases:,} bulk 城管 cases; --reload to load again")
    vacuum_analyze()
    with connection.cursor() as cur:
        for table in (*CITY_TABLES, "citymgmt_unitgrid"):
            cur.execute(f"VACUUM ANALYZE {table}")
        cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE closed_at IS NULL) FROM cases_case "
            "WHERE kind = 'citymgmt'"
        )
        total, open_ = cur.fetchone()
    say(f"database: {total:,} 城管 cases ({open_:,} open)")
    return {"cases": total, "open": open_}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=int(os.environ.get("BENCH_CITY_CASES", 1_000_000)))
    ap.add_argument("--reload", action="store_true")
    ap.add_argument("--cleanup", action="store_true", help="only remove the benchmarks' cases")
    args = ap.parse_args()
    setup_django()
    if args.cleanup:
        say(f"removed {cleanup_bench_city_cases()} 城管 cases opened by the benchmarks")
        return
    prepare_city(args.cases, args.reload)


if __name__ == "__main__":
    main()

"""考核键 on the 城管 loop's own row (ADR 0026): copies of the keys the month's 综合评价
filters and groups by (report time and reporter, 立案 time, dispatch time and lead unit, closed
or not, the 处置 clock's start, stop and due), kept from now on by the loop's hooks in every
step (citymgmt.eval_keys). Filled here with one UPDATE … FROM the cases, their 处置 clock rows
and their 立案 events (the same statement as `citymgmt.eval_keys.BACKFILL`, kept here as it is
today); the three covering indexes are built after it. On PostgreSQL, VACUUM the table after
migrating (autovacuum does it soon after a million updated rows): index-only scans need the
visibility map."""

from django.db import migrations, models

BACKFILL = """
UPDATE citymgmt_citycase SET
  eval_reported_at = c.created_at,
  eval_reporter = c.created_by_id,
  eval_dispatched_at = c.dispatched_at,
  eval_unit = c.lead_unit_id,
  eval_closed = (c.status = 'closed'),
  eval_filed_at = (
    SELECT min(e.created_at) FROM cases_caseevent e
    WHERE e.case_id = c.id AND e.action = 'file_case'
  ),
  eval_handle_started = h.started_at,
  eval_handle_stopped = h.stopped_at,
  eval_handle_due = h.due_at
FROM cases_case c
LEFT JOIN cases_caseclock h ON h.case_id = c.id AND h.name = 'handle'
WHERE c.id = citymgmt_citycase.case_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0024_clock_stops"),
        ("citymgmt", "0007_indicator_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="citycase",
            name="eval_closed",
            field=models.BooleanField(
                db_default=False, default=False, verbose_name="已结案（考核用）"
            ),
        ),
        migrations.AddField(
            model_name="citycase",
            name="eval_dispatched_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="派遣时间（考核用）"),
        ),
        migrations.AddField(
            model_name="citycase",
            name="eval_filed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="立案时间（考核用）"),
        ),
        migrations.AddField(
            model_name="citycase",
            name="eval_handle_due",
            field=models.DateTimeField(blank=True, null=True, verbose_name="处置期限（考核用）"),
        ),
        migrations.AddField(
            model_name="citycase",
            name="eval_handle_started",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="处置计时开始（考核用）"
            ),
        ),
        migrations.AddField(
            model_name="citycase",
            name="eval_handle_stopped",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="处置计时结束（考核用）"
            ),
        ),
        migrations.AddField(
            model_name="citycase",
            name="eval_reported_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="上报时间（考核用）"),
        ),
        migrations.AddField(
            model_name="citycase",
            name="eval_reporter",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="上报人（考核用）"),
        ),
        migrations.AddField(
            model_name="citycase",
            name="eval_unit",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="处置部门（考核用）"),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop, elidable=True),
        migrations.AddIndex(
            model_name="citycase",
            index=models.Index(
                condition=models.Q(("eval_dispatched_at__isnull", False)),
                fields=["eval_dispatched_at"],
                include=(
                    "case",
                    "eval_unit",
                    "eval_closed",
                    "suspend_count",
                    "rework_count",
                    "eval_handle_started",
                    "eval_handle_stopped",
                    "eval_handle_due",
                ),
                name="citycase_eval_dispatched",
            ),
        ),
        migrations.AddIndex(
            model_name="citycase",
            index=models.Index(
                condition=models.Q(("eval_filed_at__isnull", False)),
                fields=["eval_filed_at"],
                include=(
                    "case",
                    "grid",
                    "subclass",
                    "source",
                    "eval_closed",
                    "suspend_count",
                    "eval_handle_stopped",
                    "eval_handle_due",
                ),
                name="citycase_eval_filed",
            ),
        ),
        migrations.AddIndex(
            model_name="citycase",
            index=models.Index(
                fields=["eval_reported_at"],
                include=("case", "eval_reporter", "source", "self_handled", "eval_filed_at"),
                name="citycase_eval_reported",
            ),
        ),
    ]

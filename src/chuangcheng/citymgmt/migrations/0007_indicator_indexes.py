"""Indexes for 城管考核 (citymgmt.indicators: the month's figures in SQL) and the dispatcher's
board at a million cases:

- `citymgmt_case_dispatched`: the departments' table reads the cases dispatched in the month
  (without it, a scan of every case of every loop);
- `citymgmt_event_steps`: the month's 立案, 核实 and 核查 steps (and the 处置反馈 that gave a
  核查) by time, with the columns the figures read (an index-only range scan);
- `citymgmt_event_filed`: whether a report was ever filed (有效上报), one probe per report;
- `citymgmt_case_suspended`: the few cases in 缓办 (the dispatcher's board lists them), without
  reading the loop's whole table.

They name this loop's kind and actions, so they live here, not in the engine's migrations."""

from django.db import migrations

DISPATCHED = (
    "CREATE INDEX IF NOT EXISTS citymgmt_case_dispatched ON cases_case (dispatched_at) "
    "WHERE kind = 'citymgmt'"
)
STEPS = (
    "CREATE INDEX IF NOT EXISTS citymgmt_event_steps ON cases_caseevent (created_at){include} "
    "WHERE action IN ('file_case', 'send_verify', 'verify', 'feedback', 'check_pass', 'check_fail')"
)
FILED = (
    "CREATE INDEX IF NOT EXISTS citymgmt_event_filed ON cases_caseevent (case_id) "
    "WHERE action = 'file_case'"
)

SUSPENDED = (
    "CREATE INDEX IF NOT EXISTS citymgmt_case_suspended ON citymgmt_citycase (case_id) "
    "WHERE suspended"
)


def create_steps(apps, schema_editor):  # type: ignore[no-untyped-def]
    # SQLite (the demo) has no covering indexes: the same key and condition without INCLUDE
    include = (
        " INCLUDE (case_id, seq, action, actor_id)"
        if schema_editor.connection.vendor == "postgresql"
        else ""
    )
    schema_editor.execute(STEPS.format(include=include))


def drop_steps(apps, schema_editor):  # type: ignore[no-untyped-def]
    schema_editor.execute("DROP INDEX IF EXISTS citymgmt_event_steps")


class Migration(migrations.Migration):
    dependencies = [("citymgmt", "0006_open_case_due_index")]

    operations = [
        migrations.RunSQL(DISPATCHED, "DROP INDEX IF EXISTS citymgmt_case_dispatched"),
        migrations.RunPython(create_steps, drop_steps),
        migrations.RunSQL(FILED, "DROP INDEX IF EXISTS citymgmt_event_filed"),
        migrations.RunSQL(SUSPENDED, "DROP INDEX IF EXISTS citymgmt_case_suspended"),
    ]

"""Indexes for the 城管 lists at a million cases (bench/citymgmt.py, 1M 城管 + 1M 12345):

- `citymgmt_case_open_due`: the work lists (a department's queue, the boards, the inspector's
  tasks) read open cases of a state in deadline order (`selectors._by_due`: next_due,
  created_at, id). Without it PostgreSQL collected every case of the state, hash-joined the
  loop's table (all its rows) and sorted: the department queue page took ~2 s. Over the open
  城管 cases only (tens of thousands of rows), it is walked in order and left after a page.
- `citymgmt_case_list`: GET /api/v1/cases?kind=citymgmt (`cases.selectors.cases_of_kind`:
  next_due, newest first) sorted every visible case: ~5 s for the dispatcher, who sees the whole
  city; with the index, tens of ms.

They name this loop's kind and states, so they live here, not in the engine's migrations."""

from django.db import migrations

OPEN_STATES = "'filing', 'verifying', 'dispatching', 'handling', 'checking', 'closing', 'self_review'"
OPEN_DUE = (
    "CREATE INDEX IF NOT EXISTS citymgmt_case_open_due ON cases_case "
    f"(status, next_due, created_at, id) WHERE kind = 'citymgmt' AND status IN ({OPEN_STATES})"
)
LIST = (
    "CREATE INDEX IF NOT EXISTS citymgmt_case_list ON cases_case "
    "(next_due, created_at DESC, id DESC) WHERE kind = 'citymgmt'"
)


class Migration(migrations.Migration):
    dependencies = [("citymgmt", "0005_transfer_categories")]

    operations = [
        migrations.RunSQL(OPEN_DUE, "DROP INDEX IF EXISTS citymgmt_case_open_due"),
        migrations.RunSQL(LIST, "DROP INDEX IF EXISTS citymgmt_case_list"),
    ]

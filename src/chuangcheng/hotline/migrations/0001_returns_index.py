"""The 12345 退回 figure counts approved returns per month: a partial index over the engine's
event table, kept here because it names a 12345 action (the engine's tables name no loop)."""

from django.db import migrations

SQL = (
    "CREATE INDEX IF NOT EXISTS caseevent_returns ON cases_caseevent (created_at) "
    "WHERE action = 'approve_return'"
)


class Migration(migrations.Migration):
    dependencies = [("cases", "0018_event_indexes_belong_to_loops")]

    operations = [migrations.RunSQL(SQL, "DROP INDEX IF EXISTS caseevent_returns")]

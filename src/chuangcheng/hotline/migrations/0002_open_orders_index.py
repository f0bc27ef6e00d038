"""The 12345 "open now" figures (hotline_indicators: orders of a month not closed or merged)
read a covering partial index of the engine's case table. Its condition names 12345 states,
so it is kept here, not in the engine's models (as 0001 does for the 退回 events)."""

from django.db import migrations

NAME = "case_open_created"
WHERE = "WHERE NOT (status IN ('closed', 'merged'))"


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    # SQLite (the demo) has no covering indexes: the same key and condition without INCLUDE
    include = (
        " INCLUDE (id, lead_unit_id, street_id, finish_due)"
        if schema_editor.connection.vendor == "postgresql"
        else ""
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAME} ON cases_case (kind, created_at){include} {WHERE}"
    )


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("hotline", "0001_returns_index"),
        ("cases", "0020_open_created_index_belongs_to_the_hotline"),
    ]

    operations = [migrations.RunPython(create, drop)]

"""The 12345 "open now" index (0002) carried `finish_due` for the 超期 count; that column left the
case (cases/0022), which drops the index on PostgreSQL. It is re-created on the case's columns
only: the open orders' deadlines are read from the order's own table by primary key."""

from django.db import migrations

NAME = "case_open_created"
WHERE = "WHERE NOT (status IN ('closed', 'merged'))"


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    include = (
        " INCLUDE (id, lead_unit_id, street_id)"
        if schema_editor.connection.vendor == "postgresql"
        else ""
    )
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")
    schema_editor.execute(f"CREATE INDEX {NAME} ON cases_case (kind, created_at){include} {WHERE}")


class Migration(migrations.Migration):
    dependencies = [
        ("hotline", "0003_hotline_orders"),
        ("cases", "0022_hotline_fields_moved"),
    ]

    # backwards the index stays as it is (the case's columns come back without it)
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]

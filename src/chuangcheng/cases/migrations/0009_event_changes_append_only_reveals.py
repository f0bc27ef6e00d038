"""Events record the case fields each step changed (cases/history.py); the phone-reveal audit
(查看号码留痕) becomes append-only like the events: the database refuses UPDATE and DELETE."""

import django.db.models.deletion
from django.db import migrations, models

PG_UP = """
CREATE OR REPLACE FUNCTION cases_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%% rows are append-only (%% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_contactreveal_no_update BEFORE UPDATE OR DELETE ON cases_contactreveal
    FOR EACH ROW EXECUTE FUNCTION cases_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS cases_contactreveal_no_update ON cases_contactreveal;
DROP FUNCTION IF EXISTS cases_append_only();
"""


def _sqlite_triggers(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update",
        f"DROP TRIGGER IF EXISTS {table}_no_delete",
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
           BEGIN SELECT RAISE(ABORT, '{table} rows are append-only (UPDATE refused)'); END;""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
           BEGIN SELECT RAISE(ABORT, '{table} rows are append-only (DELETE refused)'); END;""",
    ]


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif schema_editor.connection.vendor == "sqlite":
        # SQLite rebuilt cases_caseevent to add the column, and its triggers went with it
        for table in ("cases_caseevent", "cases_contactreveal"):
            for sql in _sqlite_triggers(table):
                schema_editor.execute(sql)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS cases_contactreveal_no_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS cases_contactreveal_no_delete")


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_repeat_key_case_index")]

    operations = [
        migrations.AddField(
            model_name="caseevent",
            name="changes",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="本步骤改变的工单字段（cases/history.py），用于校验工单表与办理记录一致",
                verbose_name="工单字段变更",
            ),
        ),
        migrations.AlterField(
            model_name="contactreveal",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="cases.case"
            ),
        ),
        migrations.RunPython(up, down),
    ]

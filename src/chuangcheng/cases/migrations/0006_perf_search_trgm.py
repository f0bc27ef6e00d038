"""Text search in order lists (case_list q=…: title or address icontains) used to read the
whole table when few orders match: 2–3.5 s at 1M orders (bench/README.md). Trigram indexes on
the same expressions Django's icontains compiles to (UPPER(col::text) LIKE UPPER('%…%')) let
PostgreSQL find the few matches directly. pg_trgm is created by 0003; PostgreSQL only."""

from django.db import migrations

PG_UP = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS case_title_trgm ON cases_case
    USING gin ((UPPER(title::text)) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS case_address_trgm ON cases_case
    USING gin ((UPPER(address::text)) gin_trgm_ops);
"""
PG_DOWN = "DROP INDEX IF EXISTS case_title_trgm; DROP INDEX IF EXISTS case_address_trgm;"


def _up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP)


def _down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN)


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_perf_indexes")]
    operations = [migrations.RunPython(_up, _down)]

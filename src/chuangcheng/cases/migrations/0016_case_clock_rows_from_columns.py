"""CaseClock rows for the cases that exist, from the clock columns the engine kept until now
(`<clock>_due` / `<clock>_at` on the case, for every clock a registered workflow declares and the
case table has columns for). Batched by id range, one INSERT … SELECT per clock and batch.

What the columns never recorded is filled as the engine would have: `started_at` is the case's
`dispatched_at`, the limit is the clock's declared default; a clock still running on a case in a
final state is stopped at `closed_at` (the engine now stops every clock when a case ends). The
setting `hotline.warn_fraction` (黄灯阈值) becomes the engine's `cases.warn_fraction`."""

from django.db import migrations

BATCH = 50_000


def rows_from_columns(apps, schema_editor):
    from chuangcheng.cases.workflow import registered

    Case = apps.get_model("cases", "Case")
    columns = {f.column for f in Case._meta.concrete_fields}
    table = Case._meta.db_table
    clock_table = apps.get_model("cases", "CaseClock")._meta.db_table
    qn = schema_editor.connection.ops.quote_name
    bounds = Case.objects.order_by("pk").values_list("pk", flat=True)
    first, last = bounds.first(), Case.objects.order_by("-pk").values_list("pk", flat=True).first()
    if first is None:
        return
    with schema_editor.connection.cursor() as cur:
        for workflow in registered():
            final = sorted(workflow.final) or [""]
            marks = ", ".join(["%s"] * len(final))
            for clock in workflow.clocks:
                due, at = f"{clock.name}_due", f"{clock.name}_at"
                if due not in columns or at not in columns:
                    continue
                amount, unit = clock.default
                start = qn("dispatched_at") if "dispatched_at" in columns else "NULL"
                sql = (
                    f"INSERT INTO {qn(clock_table)} (case_id, name, started_at, due_at, "
                    "stopped_at, paused_at, limit_amount, limit_unit, extended) "
                    f"SELECT id, %s, {start}, {qn(due)}, "
                    f"CASE WHEN {qn(at)} IS NULL AND {qn(due)} IS NOT NULL "
                    f"AND status IN ({marks}) THEN COALESCE(closed_at, updated_at) "
                    f"ELSE {qn(at)} END, NULL, %s, %s, 0 FROM {qn(table)} "
                    f"WHERE kind = %s AND id >= %s AND id < %s "
                    f"AND ({qn(due)} IS NOT NULL OR {qn(at)} IS NOT NULL)"
                )
                for low in range(first, last + 1, BATCH):
                    cur.execute(
                        sql, [clock.name, *final, amount, unit, workflow.kind, low, low + BATCH]
                    )
    Setting = apps.get_model("cc_core", "Setting")
    if not Setting.objects.filter(key="cases.warn_fraction").exists():
        Setting.objects.filter(key="hotline.warn_fraction").update(key="cases.warn_fraction")


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0015_case_clock_rows"),
        ("cc_core", "0002_worker_heartbeat"),
    ]

    operations = [migrations.RunPython(rows_from_columns, migrations.RunPython.noop)]

"""The monthly ranking's keys on the order's row (ADR 0017, addendum): the close time unless
merged, the lead unit and the street, copied from the case (the engine's `on_save` hook keeps
them from now on), and the covering index that makes the month's closed orders one index-only
scan. Backfilled with one UPDATE … FROM the cases."""

from django.db import migrations, models

BACKFILL = """
UPDATE hotline_hotlineorder SET
  rank_closed_at = CASE WHEN c.status <> 'merged' THEN c.closed_at END,
  rank_unit = c.lead_unit_id,
  rank_street = c.street_id
FROM cases_case c WHERE c.id = hotline_hotlineorder.case_id
"""



class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0024_clock_stops'),
        ('hotline', '0004_open_orders_index_without_due'),
    ]

    operations = [
        migrations.AddField(
            model_name='hotlineorder',
            name='rank_closed_at',
            field=models.DateTimeField(blank=True, help_text='工单的办结时间；已并单为空', null=True, verbose_name='计入排名的办结时间'),
        ),
        migrations.AddField(
            model_name='hotlineorder',
            name='rank_street',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='街道（排名用）'),
        ),
        migrations.AddField(
            model_name='hotlineorder',
            name='rank_unit',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='主办单位（排名用）'),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop, elidable=True),
        migrations.AddIndex(
            model_name='hotlineorder',
            index=models.Index(condition=models.Q(('rank_closed_at__isnull', False)), fields=['rank_closed_at'], include=('rank_unit', 'rank_street', 'finish_at', 'finish_due', 'respond_at', 'respond_due', 'contacted', 'excluded_from_scoring', 'resolution', 'satisfaction'), name='hotlineorder_rank_month'),
        ),
    ]

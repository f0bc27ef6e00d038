"""The 12345 columns leave the engine's case (ADR 0017): hotline/0003 has copied every order's
values into `hotline_hotlineorder`. The indexes on them go with them (the 三率 ranking's
covering index keeps the case's part; the loop's part is `hotlineorder_scoring`)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0021_case_links'),
        ('hotline', '0003_hotline_orders'),
        ('org', '0004_chinese_verbose_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='case',
            name='case_unit_queue',
        ),
        migrations.RemoveIndex(
            model_name='case',
            name='case_status_due',
        ),
        migrations.RemoveIndex(
            model_name='case',
            name='case_month_closed',
        ),
        migrations.RemoveIndex(
            model_name='case',
            name='case_unfinished_recent',
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['kind', 'closed_at'], include=('id', 'status', 'lead_unit', 'street'), name='case_month_closed'),
        ),
        migrations.RemoveField(
            model_name='case',
            name='appeal_type',
        ),
        migrations.RemoveField(
            model_name='case',
            name='callback_at',
        ),
        migrations.RemoveField(
            model_name='case',
            name='citizen_rating',
        ),
        migrations.RemoveField(
            model_name='case',
            name='contacted',
        ),
        migrations.RemoveField(
            model_name='case',
            name='excluded_from_scoring',
        ),
        migrations.RemoveField(
            model_name='case',
            name='extension_workdays',
        ),
        migrations.RemoveField(
            model_name='case',
            name='finish_at',
        ),
        migrations.RemoveField(
            model_name='case',
            name='finish_due',
        ),
        migrations.RemoveField(
            model_name='case',
            name='reopen_count',
        ),
        migrations.RemoveField(
            model_name='case',
            name='reporter_count',
        ),
        migrations.RemoveField(
            model_name='case',
            name='resolution',
        ),
        migrations.RemoveField(
            model_name='case',
            name='respond_at',
        ),
        migrations.RemoveField(
            model_name='case',
            name='respond_due',
        ),
        migrations.RemoveField(
            model_name='case',
            name='result',
        ),
        migrations.RemoveField(
            model_name='case',
            name='return_count',
        ),
        migrations.RemoveField(
            model_name='case',
            name='satisfaction',
        ),
        migrations.RemoveField(
            model_name='case',
            name='sign_at',
        ),
        migrations.RemoveField(
            model_name='case',
            name='sign_due',
        ),
        migrations.RemoveField(
            model_name='case',
            name='supervision_due',
        ),
        migrations.RemoveField(
            model_name='case',
            name='supervision_level',
        ),
        migrations.RemoveField(
            model_name='case',
            name='urgency',
        ),
    ]

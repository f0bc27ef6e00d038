"""ClockStop: a row per clock stopped by a step, with whether it was met (ADR 0023). The rows of
the steps taken before are filled from each case's events and its workflow's declarations
(`cases.clock_stops.backfill`, the code of this release: a loop's declarations as they are
now; a no-op on an empty database)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def backfill(apps, schema_editor):
    from chuangcheng.cases.clock_stops import backfill as fill

    fill()



class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0023_unit_next_due_by_kind'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ClockStop',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=20, verbose_name='业务')),
                ('seq', models.PositiveIntegerField(help_text='停止时钟的那一步的办理记录序号', verbose_name='记录序号')),
                ('name', models.CharField(max_length=20, verbose_name='时钟')),
                ('action', models.CharField(max_length=30, verbose_name='动作')),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='起算时间')),
                ('due_at', models.DateTimeField(blank=True, null=True, verbose_name='时限')),
                ('stopped_at', models.DateTimeField(verbose_name='停止时间')),
                ('met', models.BooleanField(verbose_name='按时')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人账号')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='clock_stops', to='cases.case', verbose_name='工单')),
            ],
            options={
                'verbose_name': '时钟停止记录',
                'verbose_name_plural': '时钟停止记录',
                'indexes': [models.Index(fields=['kind', 'name', 'stopped_at'], include=('action', 'actor', 'met', 'case'), name='clockstop_kind_name_stopped')],
                'constraints': [models.UniqueConstraint(fields=('case', 'seq', 'name'), name='clockstop_one_per_step')],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]

"""The 12345 loop's own fields move off the engine's case into `hotline.HotlineOrder` (ADR 0017):
the table is created, then every existing 12345 order's values are copied into it with one
INSERT … SELECT (only cases of the 12345 kind: other loops' cases are not orders, whatever
their columns held). cases/0022 then drops the columns from the case. Backwards, the values
are copied back onto the case (whose columns cases/0022 has re-created) before the table goes.

The events are not touched: they record these fields under the same names, so every chain
still verifies against the order's row (cases.history, `Workflow.recorded`)."""

import django.db.models.deletion
from django.db import migrations, models

COLUMNS = [
    "appeal_type",
    "urgency",
    "sign_due",
    "sign_at",
    "respond_due",
    "respond_at",
    "finish_due",
    "finish_at",
    "result",
    "callback_at",
    "contacted",
    "resolution",
    "satisfaction",
    "citizen_rating",
    "supervision_level",
    "supervision_due",
    "reporter_count",
    "reopen_count",
    "return_count",
    "extension_workdays",
    "excluded_from_scoring",
]
KIND = "hotline"  # the 12345 workflow's kind, as stored in cases_case.kind

COPY = (
    f"INSERT INTO hotline_hotlineorder (case_id, {', '.join(COLUMNS)}) "
    f"SELECT id, {', '.join(COLUMNS)} FROM cases_case WHERE kind = '{KIND}'"
)
COPY_BACK = (
    f"UPDATE cases_case SET ({', '.join(COLUMNS)}) = "
    f"(SELECT {', '.join(COLUMNS)} FROM hotline_hotlineorder h WHERE h.case_id = cases_case.id) "
    "WHERE id IN (SELECT case_id FROM hotline_hotlineorder)"
)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0021_case_links'),
        ('hotline', '0002_open_orders_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='HotlineOrder',
            fields=[
                ('case', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='hotline', serialize=False, to='cases.case', verbose_name='工单')),
                ('appeal_type', models.CharField(blank=True, max_length=20, verbose_name='诉求类型')),
                ('urgency', models.CharField(default='normal', max_length=20, verbose_name='紧急程度')),
                ('sign_due', models.DateTimeField(blank=True, null=True, verbose_name='签收时限')),
                ('sign_at', models.DateTimeField(blank=True, null=True, verbose_name='签收时间')),
                ('respond_due', models.DateTimeField(blank=True, null=True, verbose_name='响应时限')),
                ('respond_at', models.DateTimeField(blank=True, null=True, verbose_name='响应时间')),
                ('finish_due', models.DateTimeField(blank=True, null=True, verbose_name='办结时限')),
                ('finish_at', models.DateTimeField(blank=True, null=True, verbose_name='办结时间')),
                ('result', models.TextField(blank=True, verbose_name='办理结果')),
                ('callback_at', models.DateTimeField(blank=True, null=True, verbose_name='回访时间')),
                ('contacted', models.BooleanField(null=True, verbose_name='已联系')),
                ('resolution', models.CharField(blank=True, max_length=20, verbose_name='解决情况')),
                ('satisfaction', models.CharField(blank=True, max_length=20, verbose_name='满意度')),
                ('citizen_rating', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='群众评价')),
                ('supervision_level', models.CharField(blank=True, max_length=20, verbose_name='督办级别')),
                ('supervision_due', models.DateTimeField(blank=True, null=True, verbose_name='督办期限')),
                ('reporter_count', models.PositiveIntegerField(default=1, verbose_name='反映人数')),
                ('reopen_count', models.PositiveSmallIntegerField(default=0, verbose_name='重办次数')),
                ('return_count', models.PositiveSmallIntegerField(default=0, verbose_name='退单次数')),
                ('extension_workdays', models.PositiveSmallIntegerField(default=0, verbose_name='已延期工作日')),
                ('excluded_from_scoring', models.BooleanField(default=False, verbose_name='不计入考核')),
            ],
            options={
                'verbose_name': '12345 工单',
                'verbose_name_plural': '12345 工单',
                'indexes': [models.Index(fields=['case'], include=('finish_at', 'finish_due', 'respond_at', 'respond_due', 'contacted', 'excluded_from_scoring', 'resolution', 'satisfaction'), name='hotlineorder_scoring')],
            },
        ),
        migrations.RunSQL(COPY, COPY_BACK, elidable=False),
    ]

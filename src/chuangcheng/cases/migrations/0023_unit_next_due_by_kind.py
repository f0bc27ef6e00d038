"""case_unit_next_due with kind first: a unit's open cases of one loop in deadline order. Without
it, the 12345 handler queue of 城管局 walked past the unit's open 城管 cases (it leads ~750,000 of
them at the bench's million) filtering kind. The index names the column, not a loop's value."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0022_hotline_fields_moved'),
        ('org', '0004_chinese_verbose_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='case',
            name='case_unit_next_due',
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('closed_at__isnull', True)), fields=['kind', 'lead_unit', 'next_due', 'id'], name='case_unit_next_due'),
        ),
    ]

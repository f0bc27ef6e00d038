from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    from chuangcheng.evaluation.seed import seed_site_types

    seed_site_types(apps.get_model("evaluation", "SiteType"))


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

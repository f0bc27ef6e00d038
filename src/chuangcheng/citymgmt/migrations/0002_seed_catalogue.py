"""Seed the 部件/事件 catalogue (DOMAIN-LOOPS §1.2) and the real 立案/结案 standards (§1.6)."""

from django.db import migrations


def seed(apps, schema_editor):
    from chuangcheng.citymgmt.seed import load

    load(
        apps.get_model("citymgmt", "CatalogueClass"),
        apps.get_model("citymgmt", "Subclass"),
        apps.get_model("citymgmt", "Standard"),
        apps.get_model("citymgmt", "HandlingLimit"),
        apps.get_model("citymgmt", "GridIndexState"),
    )


class Migration(migrations.Migration):
    dependencies = [("citymgmt", "0001_catalogue_grids_components")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

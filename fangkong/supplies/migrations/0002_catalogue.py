"""The starting catalogue; more items are added in the admin."""

from django.db import migrations

CATALOGUE = [
    ("口罩", "只"), ("N95口罩", "只"), ("防护服", "套"), ("隔离衣", "件"), ("医用手套", "副"), ("护目镜", "副"),
    ("消毒液", "升"), ("免洗洗手液", "瓶"), ("测温枪", "把"), ("抗原试剂", "盒"),
]


def add(apps, schema_editor):  # type: ignore[no-untyped-def]
    Item = apps.get_model("supplies", "Item")
    for sort, (name, unit) in enumerate(CATALOGUE, start=1):
        Item.objects.get_or_create(name=name, defaults={"unit": unit, "sort": sort})


class Migration(migrations.Migration):
    dependencies = [("supplies", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]

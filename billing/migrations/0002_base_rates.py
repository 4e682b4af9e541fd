"""Bank of England base rate history (the dated table statutory interest reads). Staff add new rows in the admin."""

from django.db import migrations

RATES = [
    ("2020-03-19", "0.10"), ("2021-12-16", "0.25"), ("2022-02-03", "0.50"), ("2022-03-17", "0.75"),
    ("2022-05-05", "1.00"), ("2022-06-16", "1.25"), ("2022-08-04", "1.75"), ("2022-09-22", "2.25"),
    ("2022-11-03", "3.00"), ("2022-12-15", "3.50"), ("2023-02-02", "4.00"), ("2023-03-23", "4.25"),
    ("2023-05-11", "4.50"), ("2023-06-22", "5.00"), ("2023-08-03", "5.25"), ("2024-08-01", "5.00"),
    ("2024-11-07", "4.75"), ("2025-02-06", "4.50"), ("2025-05-08", "4.25"), ("2025-08-07", "4.00"),
]


def seed(apps, schema_editor):
    BaseRate = apps.get_model("billing", "BaseRate")
    for day, rate in RATES:
        BaseRate.objects.get_or_create(effective_from=day, defaults={"rate_percent": rate})


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

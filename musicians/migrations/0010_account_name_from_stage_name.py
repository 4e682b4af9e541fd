"""Accounts of musicians with a public stage name show that name (see services._use_stage_name)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def use_stage_names(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Profile = apps.get_model("musicians", "MusicianProfile")
    named = Profile.objects.filter(user=OuterRef("pk")).exclude(stage_name="").values("stage_name")[:1]
    User.objects.filter(musician_profile__isnull=False).exclude(musician_profile__stage_name="").update(
        display_name=Subquery(named)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("musicians", "0009_busyinterval_calendar_source"),
        ("accounts", "0002_account_settings"),
    ]

    operations = [migrations.RunPython(use_stage_names, migrations.RunPython.noop)]

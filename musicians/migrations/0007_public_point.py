from django.db import migrations, models

from musicians.geo import public_point


def fill(apps, schema_editor):
    # Search measures reach from the public point now: recompute it and the reach box around it.
    from musicians.models import reach_box

    Profile = apps.get_model("musicians", "MusicianProfile")
    for profile in Profile.objects.exclude(latitude=None).exclude(longitude=None).iterator():
        profile.public_latitude, profile.public_longitude = public_point(profile.latitude, profile.longitude)
        box = reach_box(profile.public_latitude, profile.public_longitude, profile.travel_radius_km)
        profile.reach_lat_min, profile.reach_lat_max, profile.reach_lng_min, profile.reach_lng_max = box
        profile.save(update_fields=["public_latitude", "public_longitude", "reach_lat_min", "reach_lat_max",
                                    "reach_lng_min", "reach_lng_max"])


class Migration(migrations.Migration):
    dependencies = [("musicians", "0006_profile_changes_wait")]

    operations = [
        migrations.AddField(
            model_name="musicianprofile", name="public_latitude",
            field=models.FloatField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="musicianprofile", name="public_longitude",
            field=models.FloatField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]

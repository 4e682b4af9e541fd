"""Venues must have a position: old ones without one are placed first (bookings/venue_positions.py)."""

import django.core.validators
from django.db import migrations, models

from bookings.venue_positions import locate_unplaced_venues


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0002_holds'),
    ]

    operations = [
        migrations.AddField(
            model_name='venue',
            name='place',
            field=models.CharField(blank=True, max_length=120),
        ),
        migrations.RunPython(locate_unplaced_venues, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name='venue',
            name='bookings_venue_lat_lng_valid',
        ),
        migrations.AlterField(
            model_name='venue',
            name='latitude',
            field=models.FloatField(validators=[django.core.validators.MinValueValidator(-90.0), django.core.validators.MaxValueValidator(90.0)]),
        ),
        migrations.AlterField(
            model_name='venue',
            name='longitude',
            field=models.FloatField(validators=[django.core.validators.MinValueValidator(-180.0), django.core.validators.MaxValueValidator(180.0)]),
        ),
        migrations.AddConstraint(
            model_name='venue',
            constraint=models.CheckConstraint(condition=models.Q(('latitude__gte', -90), ('latitude__lte', 90), ('longitude__gte', -180), ('longitude__lte', 180)), name='bookings_venue_position_valid'),
        ),
    ]

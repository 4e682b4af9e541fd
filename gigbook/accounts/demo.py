"""Demo accounts. Everyone's password is settings.DEMO_PASSWORD."""

from django.conf import settings
from django.utils import timezone

from gigbook.accounts.models import User

DEMO_USERS = [
    # email, full name, producer, musician, staff, phone, time zone
    ("admin@gigbook.test", "Ada Admin", False, False, True, "+447911123001", "Europe/London"),
    ("producer@gigbook.test", "Pat Producer", True, False, False, "+447911123002", "Europe/London"),
    ("musician@gigbook.test", "Mia Musician", False, True, False, "+447911123003", "Europe/London"),
    ("studio.manager@gigbook.test", "Sam Studio", True, False, False, "+14155550104", "America/Los_Angeles"),
    ("bandleader@gigbook.test", "Bea Bandleader", True, True, False, "+16155550105", "America/Chicago"),
    ("bass@gigbook.test", "Ben Bass", False, True, False, "+447911123006", "Europe/London"),
    ("drums@gigbook.test", "Dee Drums", False, True, False, "+447911123007", "Europe/London"),
]


def seed(*, stdout=None) -> None:
    for email, name, producer, musician, staff, phone, zone in DEMO_USERS:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "full_name": name,
                "is_producer": producer,
                "is_musician": musician,
                "is_staff": staff,
                "is_superuser": staff,
                "phone": phone,
                "phone_verified_at": timezone.now(),
                "time_zone": zone,
            },
        )
        if created:
            user.set_password(settings.DEMO_PASSWORD)
            user.save(update_fields=["password"])
    if stdout:
        stdout.write(f"accounts: {len(DEMO_USERS)} demo users")

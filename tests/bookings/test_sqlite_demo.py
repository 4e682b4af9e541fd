"""Demo mode (SQLite, no EXCLUDE constraints): the migration applies, the admin's full_clean works, the
service's own overlap check under the musician lock still refuses a double booking, and the confirmations
rendered after commit are stored there too."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json
from datetime import timedelta
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db import connection
from bookings import services
from bookings.models import Booking
from gigbook.notifications.models import Notification
from gigbook.core import clock
from gigbook.core.errors import Conflict
from gigbook.accounts.models import User
from tests.bookings.factories import make_profile, make_venue, offer

producer = User.objects.create_user("p@example.com", "x", full_name="P", is_producer=True)
musician = User.objects.create_user("m@example.com", "x", full_name="M", is_musician=True)
profile = make_profile(musician)
venue = make_venue(producer)
start = clock.now().replace(microsecond=0) + timedelta(days=3)
first = offer(producer, profile, venue=venue, starts_at=start)
second = offer(producer, profile, venue=venue, starts_at=start + timedelta(hours=1))
services.booking_accept(booking_id=first.pk, actor=musician)
try:
    services.booking_accept(booking_id=second.pk, actor=musician)
    outcome = "accepted"
except Conflict as exc:
    outcome = exc.code
Booking.objects.get(pk=first.pk).full_clean()  # would crash on SQLite if the EXCLUDE were validated
print(json.dumps({"vendor": connection.vendor, "second": outcome,
                  "accepted": Booking.objects.filter(status="accepted").count(),
                  "confirmations": sorted((n.render_args is None, n.body.startswith("The booking is confirmed."),
                                           n.attachments[0]["mimetype"])
                                          for n in Notification.objects.filter(kind="booking_accepted"))}))
"""


def test_demo_mode_on_sqlite_refuses_double_booking_without_the_constraint(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY"}}
    env.update({"DJANGO_SETTINGS_MODULE": "gigbook.settings", "GIGBOOK_VAR_DIR": str(tmp_path), "DEBUG": "1",
                "PYTHONPATH": str(ROOT)})
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"vendor": "sqlite", "second": "double_booking",
                                                                   "accepted": 1, "confirmations": [
        [True, True, "text/calendar; method=REQUEST"]] * 2}

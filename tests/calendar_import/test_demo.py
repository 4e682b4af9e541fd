"""Demo mode (SQLite): the seed adds the demo musician's imported calendar with its busy times, and the
out-of-date check (a Coalesce over timestamps) runs there too."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import io, json
from datetime import timedelta
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("seed_demo", stdout=io.StringIO())
from django.db import connection
from gigbook.core import clock
from musicians.calendar_import import selectors
from musicians.calendar_import.models import ImportedCalendar
from musicians.models import BusyInterval
calendar = ImportedCalendar.objects.get(profile__user__email="musician@gigbook.test")
rows = BusyInterval.objects.filter(source="calendar", source_id=str(calendar.pk)).count()
later = clock.now() + timedelta(days=2)
print(json.dumps({"vendor": connection.vendor, "rows": rows, "busy_count": calendar.busy_count,
                  "state": selectors.calendar_state(calendar),
                  "stale_now": sorted(selectors.stale_profile_ids([calendar.profile_id])),
                  "stale_later": sorted(selectors.stale_profile_ids([calendar.profile_id], now=later)) ==
                                 [calendar.profile_id]}))
"""


def test_calendar_import_demo_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY"}}
    env.update({"DJANGO_SETTINGS_MODULE": "gigbook.settings", "GIGBOOK_VAR_DIR": str(tmp_path), "DEBUG": "1",
                "PYTHONPATH": str(ROOT)})
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    # Teaching weekly x 8 with one week excluded (7), the rehearsal, the two-day trip, less one: the fourth
    # teaching morning (day 21) falls inside the trip (days 20-21) and merges with it. The free reminder is not busy.
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "vendor": "sqlite", "rows": 8, "busy_count": 8, "state": "ok", "stale_now": [], "stale_later": True}

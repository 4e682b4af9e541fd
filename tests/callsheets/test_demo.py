"""The demo seed leaves a session whose call sheet changed critically: the demo musician must re-confirm.
On PostgreSQL (here) and SQLite (``make run``), and twice without change."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from bookings.callsheets.models import CallSheet, CallSheetPlayer

ROOT = Path(__file__).resolve().parents[2]


def summary() -> dict:
    players = {p.booking.musician.email: p for p in CallSheetPlayer.objects.select_related("booking__musician")}
    return {
        "sheets": CallSheet.objects.count(),
        "versions": sorted(CallSheet.objects.values_list("current_version", flat=True)),
        "waiting": sorted(email for email, p in players.items() if p.reconfirm_needed),
        "confirmed": sorted(email for email, p in players.items() if p.confirmed_at),
    }


EXPECTED = {"sheets": 1, "versions": [3], "waiting": ["drums@gigbook.test", "musician@gigbook.test"],
            "confirmed": ["bass@gigbook.test"]}


@pytest.mark.django_db
def test_the_demo_session_waits_for_re_confirmation(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    assert summary() == EXPECTED
    call_command("seed_demo", stdout=io.StringIO())
    assert summary() == EXPECTED


SCRIPT = r"""
import io, json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("seed_demo", stdout=io.StringIO())
from django.db import connection
from tests.callsheets.test_demo import summary
print(json.dumps({"vendor": connection.vendor, **summary()}))
"""


def test_the_demo_session_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY"}}
    env.update({"DJANGO_SETTINGS_MODULE": "gigbook.settings", "GIGBOOK_VAR_DIR": str(tmp_path), "DEBUG": "1",
                "PYTHONPATH": str(ROOT)})
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"vendor": "sqlite", **EXPECTED}

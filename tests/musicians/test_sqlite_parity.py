"""The search gives the same answers on the SQLite demo as on PostgreSQL."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.musicians import search_scenario

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def test_search_answers_match_on_sqlite_and_postgresql(frozen_clock, tmp_path):
    frozen_clock.set(search_scenario.NOW)
    search_scenario.build()
    on_postgres = search_scenario.run()
    # Spot-check the scenario itself, so that "same on both" also means "right on both".
    assert on_postgres["flute+clarinet"] == ["Far"]
    assert "Edge" in on_postgres["venue"] and "Far" not in on_postgres["venue"]
    assert "Weekly" not in on_postgres["free tue 23 19:30"] and "Weekly" in on_postgres["free tue 30 19:30"]
    assert "Busy" in on_postgres["free wed 10 touching"] and "Busy" not in on_postgres["free wed 10 overlap"]

    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"DATABASE_URL": "", "REDIS_URL": "", "DEBUG": "1", "GIGBOOK_VAR_DIR": str(tmp_path)})
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=300)
    assert migrate.returncode == 0, migrate.stderr
    script = "from tests.musicians.search_scenario import main; main()"
    result = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    on_sqlite = json.loads(result.stdout.strip().splitlines()[-1])
    assert on_sqlite == on_postgres

"""Running the demo on PostgreSQL: the production guards say how to ask for the demo explicitly."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env_overrides):
    env = {key: value for key, value in os.environ.items()
           if key not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "STAFF_REQUIRE_OTP"}}
    env.update(DJANGO_SETTINGS_MODULE="gigbook.settings", **env_overrides)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_with_a_database_url_and_no_secret_key_the_error_says_how_to_run_the_demo():
    result = _manage("check", DATABASE_URL=os.environ["DATABASE_URL"], REDIS_URL=os.environ["REDIS_URL"])
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert "To run the demo on PostgreSQL/Redis, say so explicitly: DEBUG=1 make run" in result.stderr


def test_seed_demo_with_debug_off_says_how_to_seed_the_demo():
    result = _manage("seed_demo", DATABASE_URL=os.environ["DATABASE_URL"], REDIS_URL=os.environ["REDIS_URL"],
                     SECRET_KEY="x" * 60, DEBUG="0")
    assert result.returncode != 0
    assert "Refusing to create demo accounts with DEBUG off" in result.stderr
    assert "DEBUG=1 make run" in result.stderr


def test_debug_1_with_postgresql_passes_the_guards():
    # The documented way: DEBUG=1 with DATABASE_URL/REDIS_URL starts without a SECRET_KEY.
    result = _manage("check", DATABASE_URL=os.environ["DATABASE_URL"], REDIS_URL=os.environ["REDIS_URL"], DEBUG="1")
    assert result.returncode == 0, result.stderr

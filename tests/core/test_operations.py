import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from openapi_spec_validator import validate

from gigbook.accounts.models import User
from gigbook.notifications.models import Notification

ROOT = Path(__file__).resolve().parents[2]
PROD_SECRET = "k8#Qz!2vLm@9pR%wT4^yU7&iO0*aS3(dF6)gH1_jK5+lZ8-xCbN7mQ2"


def run_manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.django_db
def test_healthz_ok_with_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


@pytest.mark.django_db
def test_healthz_503_names_the_failed_part(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["redis"].startswith("error")


@pytest.mark.django_db
def test_openapi_schema_is_served_and_valid(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    spec = yaml.safe_load(response.content)
    validate(spec)
    for path in ["/api/auth/register/", "/api/auth/token/", "/api/me/", "/api/notifications/"]:
        assert path in spec["paths"]


@pytest.mark.django_db
def test_api_docs_page_is_served_from_own_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr" not in html


@pytest.mark.django_db
def test_unknown_api_path_and_object_get_json_404(client_for, musician):
    response = client_for(musician).get("/api/notifications/999999/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No Notification matches the given query.", "code": "not_found"} or response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_per_user_throttle_answers_429_with_detail(client_for, musician, monkeypatch):
    from rest_framework.throttling import UserRateThrottle

    monkeypatch.setitem(UserRateThrottle.THROTTLE_RATES, "user", "3/min")
    client = client_for(musician)
    codes = [client.get("/api/me/").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    body = client.get("/api/me/").json()
    assert body["code"] == "throttled"
    assert "retry_after_seconds" in body


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_creates_demo_logins(client, settings):
    settings.DEBUG = True  # pytest-django runs tests with DEBUG off; the demo needs it on
    call_command("seed_demo")
    counts = (User.objects.count(), Notification.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Notification.objects.count()) == counts
    for email in ["admin@gigbook.test", "producer@gigbook.test", "musician@gigbook.test"]:
        assert client.login(email=email, password="gigbook-demo"), email
    assert User.objects.get(email="admin@gigbook.test").is_staff


@pytest.mark.django_db
def test_seed_demo_refuses_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")


def test_production_refuses_to_start_without_a_real_secret_key():
    result = run_manage("check", DEBUG="0", DATABASE_URL="postgres://postgres@127.0.0.1:5432/gigbook")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_check_deploy_prints_no_warnings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=PROD_SECRET,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/gigbook",
        REDIS_URL="redis://127.0.0.1:6379/0",
        ALLOWED_HOSTS="gigbook.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_embedded_mode_runs_on_sqlite_with_filesystem_broker(tmp_path):
    env = {"GIGBOOK_VAR_DIR": str(tmp_path)}
    for key in ("DATABASE_URL", "REDIS_URL"):
        env[key] = ""
    script = (
        "from django.conf import settings; from gigbook.celery import app;"
        "print(settings.DATABASES['default']['ENGINE'], app.conf.broker_url, settings.DEBUG)"
    )
    result = run_manage("shell", "--no-imports", "-c", script, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://", "True"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/no-such-thing/", "/api/bookings/-1/", "/api/bookings/abc/accept/"])
def test_any_unrouted_api_url_gets_the_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.django_db
def test_an_api_url_without_its_trailing_slash_still_redirects(client):
    response = client.get("/api/instruments?x=1")
    assert response.status_code == 301 and response["Location"] == "/api/instruments/?x=1"


@pytest.mark.django_db
def test_a_post_to_an_unrouted_api_url_gets_the_json_404_not_a_csrf_page(client):
    csrf_client = type(client)(enforce_csrf_checks=True)
    response = csrf_client.post("/api/bookings/-1/accept/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"

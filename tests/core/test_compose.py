"""docker-compose.yml and the Dockerfile are checked without a Docker engine (none runs here)."""

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load_compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_file_matches_the_official_compose_spec():
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_has_every_service_with_health_checks_and_valid_dependencies():
    services = load_compose()["services"]
    assert set(services) == {"migrate", "web", "worker", "beat", "proxy", "pgbouncer", "db", "redis"}
    assert services["db"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    for name, service in services.items():
        assert "healthcheck" in service, name
        for target in service.get("depends_on", {}):
            assert target in services, f"{name} depends on unknown service {target}"
    assert services["migrate"]["healthcheck"] == {"disable": True} and services["migrate"]["restart"] == "no"
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert "gunicorn" in services["web"]["command"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@pgbouncer:" in env["DATABASE_URL"]
        assert env["DATABASE_POOLER"] == "pgbouncer"
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["DEBUG"] == "0"
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    # Migrations go straight to PostgreSQL, once, before anything else starts.
    assert "@db:5432" in services["migrate"]["environment"]["DATABASE_URL"]
    assert services["pgbouncer"]["environment"]["POOL_MODE"] == "transaction"


def test_compose_scales_web_and_worker_behind_the_proxy():
    """`docker compose up --scale web=3 --scale worker=4` needs replicas without fixed names or host
    ports; only the proxy publishes a port, and it resolves "web" per request (new replicas join)."""
    compose = load_compose()
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        assert "container_name" not in services[name]
        assert "ports" not in services[name], name
    assert services["proxy"]["ports"] == ["${PORT:-8000}:80"]
    nginx = compose["configs"]["nginx"]["content"]
    assert "resolver 127.0.0.11" in nginx
    assert "set $$web http://web:8000;" in nginx and "proxy_pass $$web;" in nginx
    assert "X-Forwarded-For $$proxy_add_x_forwarded_for" in nginx
    # One trusted proxy hop, so rate limits see each client's own address.
    assert services["web"]["environment"]["NUM_PROXIES"] == "${NUM_PROXIES:-1}"


def test_dockerfile_builds_from_python_312_and_runs_gunicorn():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "FROM python:3.12" in dockerfile
    assert "pip install -r requirements.txt" in dockerfile
    assert "collectstatic" in dockerfile
    assert '"gunicorn", "gigbook.wsgi:application"' in dockerfile

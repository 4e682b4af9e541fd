# GigBook: `make run` (demo app on http://127.0.0.1:8000) and `make test` (whole suite).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Prefer an explicit 3.13/3.12 on PATH; fall back to pyenv's or the default python3 if it is new enough.
PYTHON ?= $(shell for p in python3.13 python3.12 python3; do \
	  if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo $$p; break; fi; \
	done)
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/gigbook
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# The suite's second pass goes through a real PgBouncer (transaction pooling) to this database.
PGBOUNCER_DATABASE_URL ?= $(patsubst %/gigbook,%/gigbook_pgbouncer,$(TEST_DATABASE_URL))

.PHONY: help run test venv deps test-deps services lint check-migrations check-schema pytest pytest-pgbouncer bench clean

help:
	@echo "make run    - set up and start the demo app (web + Celery worker + beat) on http://127.0.0.1:$(PORT)"
	@echo "make test   - install test tools, start PostgreSQL/Redis if needed, lint and run the whole suite"

$(VENV)/.created:
	@if [ -z "$(PYTHON)" ]; then echo "Python >= 3.12 is required (python3.12 or python3.13 on PATH)." >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.deps: $(VENV)/.created requirements.txt
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-deps: $(VENV)/.deps requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.deps

# Links in emails and texts point at the port the demo really listens on.
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.deps
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	PORT=$(PORT) $(PY) scripts/run_demo.py

services:
	@bash scripts/ensure-services.sh

test-deps: $(VENV)/.test-deps
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Chromium for the browser tests (apt)"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }
	@ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || { \
	  echo "Installing Pango and fonts for WeasyPrint (invoice PDFs) (apt)"; \
	  pkgs="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs >/dev/null; fi; }
	@command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || { \
	  echo "Installing PgBouncer for the pooled test pass (apt)"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null; fi; }

lint: $(VENV)/.test-deps
	$(VENV)/bin/ruff check .

check-migrations: $(VENV)/.test-deps
	DJANGO_SETTINGS_MODULE=gigbook.settings_test DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) manage.py makemigrations --check --dry-run

check-schema: $(VENV)/.test-deps
	mkdir -p var
	DJANGO_SETTINGS_MODULE=gigbook.settings_test DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) manage.py spectacular --validate --fail-on-warn --file var/openapi.yaml

pytest: $(VENV)/.test-deps
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest $(PYTEST_ARGS)

# The non-browser suite again, every connection (web code, test code, started workers) through a real
# PgBouncer in transaction pooling mode. The test database is made fresh here and kept by pytest
# (--reuse-db): dropping it through the pooler would fail while PgBouncer holds server connections.
pytest-pgbouncer: $(VENV)/.test-deps
	psql "$(patsubst %/gigbook_pgbouncer,%/postgres,$(PGBOUNCER_DATABASE_URL))" -qc "DROP DATABASE IF EXISTS test_gigbook_pgbouncer"
	REDIS_URL=$(TEST_REDIS_URL) scripts/with-pgbouncer.sh $(PGBOUNCER_DATABASE_URL) \
	  $(VENV)/bin/pytest --reuse-db -m "not browser" $(PGBOUNCER_PYTEST_ARGS)

test: test-deps services lint check-migrations check-schema pytest pytest-pgbouncer

bench: $(VENV)/.test-deps services
	@echo "See bench/README.md for each benchmark's command."

clean:
	rm -rf var $(VENV)

#!/usr/bin/env bash
# Make sure the PostgreSQL and Redis the tests use are running; start them when installed but stopped.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_up; then
  echo "Starting PostgreSQL"
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    for version in $(ls /etc/postgresql); do pg_ctlcluster --skip-systemctl-redirect "$version" main start || true; done
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "PostgreSQL is not running on 127.0.0.1:5432 and could not be started." >&2; exit 1; }
fi

if ! redis_up; then
  echo "Starting Redis"
  mkdir -p /tmp/gigbook-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp/gigbook-redis --logfile /tmp/gigbook-redis/redis.log
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  redis_up || { echo "Redis is not running on 127.0.0.1:6379 and could not be started." >&2; exit 1; }
fi

# The database the test settings name; pytest-django creates test_gigbook from it.
psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='gigbook'" | grep -q 1 \
  || createdb -h 127.0.0.1 -U postgres gigbook

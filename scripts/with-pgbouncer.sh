#!/usr/bin/env bash
# Run a command with DATABASE_URL pointing through a real PgBouncer in transaction pooling mode.
# Usage: scripts/with-pgbouncer.sh DATABASE_URL COMMAND...   (PgBouncer listens on PGBOUNCER_PORT, default 6439)
set -euo pipefail

upstream="$1"; shift
port="${PGBOUNCER_PORT:-6439}"
pgbouncer_bin="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
[ -x "$pgbouncer_bin" ] || { echo "pgbouncer is not installed (apt-get install pgbouncer)" >&2; exit 1; }

# postgres://user@host:port/db -> pieces PgBouncer's [databases] section needs.
rest="${upstream#*://}"; userinfo="${rest%%@*}"; hostpart="${rest#*@}"
user="${userinfo%%:*}"; hostport="${hostpart%%/*}"; database="${hostpart#*/}"
host="${hostport%%:*}"; upstream_port="${hostport##*:}"; [ "$upstream_port" = "$hostport" ] && upstream_port=5432

dir="$(mktemp -d /tmp/gigbook-pgbouncer-XXXXXX)"
cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=$host port=$upstream_port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir = $dir
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 40
max_db_connections = 80
ignore_startup_parameters = extra_float_digits,options
server_reset_query =
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
admin_users = $user
INI
printf '"%s" ""\n' "$user" > "$dir/userlist.txt"

as_user=()
if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir"; as_user=(runuser -u postgres --); fi
"${as_user[@]}" "$pgbouncer_bin" -d "$dir/pgbouncer.ini"
trap '"${as_user[@]}" kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true; sleep 0.5; rm -rf "$dir"' EXIT
for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 0.1; done

export DATABASE_URL="postgres://$user@127.0.0.1:$port/$database"
export DATABASE_POOLER=pgbouncer
echo "Through PgBouncer (transaction pooling) on 127.0.0.1:$port -> $host:$upstream_port"
"$@"

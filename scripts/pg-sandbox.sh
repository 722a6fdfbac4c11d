#!/usr/bin/env bash
# Runs one command against a throwaway PostgreSQL and Redis on loopback, then stops them and
# deletes their data, also on failure. The command sees DATABASE_URL and REDIS_URL.
#   bash scripts/pg-sandbox.sh .venv/bin/python manage.py migrate
#   bash scripts/pg-sandbox.sh bash -c '.venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_demo --staff 40000'
# PG_SANDBOX_FAST=1 turns off fsync (as scripts/test.sh does); by default PostgreSQL is durable,
# so timings are what a real server gives.
set -euo pipefail
if [ $# -eq 0 ]; then
  echo "usage: $0 command [args...]" >&2
  exit 2
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

free_port() { "$ROOT/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PG_BIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
WORK=$(mktemp -d /tmp/pmsystem-sandbox.XXXXXX)
chmod 755 "$WORK"
PG_PORT=$(free_port)
REDIS_PORT=$(free_port)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

cleanup() {
  set +e
  [ -f "$WORK/redis.pid" ] && kill "$(cat "$WORK/redis.pid")" 2>/dev/null
  [ -d "$WORK/pg" ] && as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

PG_OPTS="-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK/pg"
if [ "${PG_SANDBOX_FAST:-0}" = 1 ]; then
  PG_OPTS="$PG_OPTS -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
fi
mkdir "$WORK/pg"
[ "$(id -u)" = 0 ] && chown postgres "$WORK/pg"
as_pg "$PG_BIN/initdb" -D "$WORK/pg" -U pmsystem --auth=trust -E UTF8 --no-locale >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w start -o "$PG_OPTS" >/dev/null
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK" --daemonize yes \
  --pidfile "$WORK/redis.pid" --save "" --appendonly no --logfile "$WORK/redis.log"
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U pmsystem pmsystem
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

export DATABASE_URL="postgres://pmsystem@127.0.0.1:$PG_PORT/pmsystem"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
echo "pg-sandbox: DATABASE_URL=$DATABASE_URL REDIS_URL=$REDIS_URL" >&2
set +e
"$@"
status=$?
set -e
exit "$status"

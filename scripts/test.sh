#!/usr/bin/env bash
# `make test`: starts PostgreSQL and Redis on loopback in a throwaway directory, runs lint,
# the deploy check and the whole pytest suite against them, and stops them again, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

bash scripts/system-deps.sh test

free_port() { "$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PG_BIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
WORK=$(mktemp -d /tmp/pmsystem-test.XXXXXX)
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

mkdir "$WORK/pg"
[ "$(id -u)" = 0 ] && chown postgres "$WORK/pg"
as_pg "$PG_BIN/initdb" -D "$WORK/pg" -U pmsystem --auth=trust -E UTF8 --no-locale >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w start -o \
  "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK" --daemonize yes \
  --pidfile "$WORK/redis.pid" --save "" --appendonly no --logfile "$WORK/redis.log"

export DATABASE_URL="postgres://pmsystem@127.0.0.1:$PG_PORT/pmsystem"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export CELERY_TASK_ALWAYS_EAGER=1
export PASSWORD_HASHERS_FAST=1
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U pmsystem pmsystem
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

echo "== lint"
"$BIN/ruff" check .
"$BIN/ruff" format --check .

echo "== deploy check (DJANGO_ENV=production)"
DJANGO_ENV=production SECRET_KEY="$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(60))')" \
  ALLOWED_HOSTS=pmsystem.example.org "$BIN/python" manage.py check --deploy --fail-level WARNING

echo "== migrations are complete"
"$BIN/python" manage.py makemigrations --check --dry-run >/dev/null

echo "== pytest on PostgreSQL $PG_PORT and Redis $REDIS_PORT"
set +e
"$BIN/pytest" "$@"
status=$?
set -e
if [ "$status" = 5 ]; then
  echo "pytest collected no tests: failing." >&2
  exit 1
fi
exit "$status"

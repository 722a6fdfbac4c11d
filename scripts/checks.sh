#!/usr/bin/env bash
# The checks `make test` runs, against the DATABASE_URL and REDIS_URL it is given (normally by
# scripts/pg-sandbox.sh): lint, the production deploy check, complete migrations, the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
: "${DATABASE_URL:?checks.sh needs DATABASE_URL (run it through scripts/test.sh)}"
: "${REDIS_URL:?checks.sh needs REDIS_URL (run it through scripts/test.sh)}"
export CELERY_TASK_ALWAYS_EAGER=1
export PASSWORD_HASHERS_FAST=1

echo "== lint"
"$BIN/ruff" check .
"$BIN/ruff" format --check .
# The typed modules (pyproject.toml [tool.mypy]): about 4 s from cold, under 1 s cached.
"$BIN/mypy"

echo "== deploy check (DJANGO_ENV=production)"
DJANGO_ENV=production SECRET_KEY="$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(60))')" \
  ALLOWED_HOSTS=pmsystem.example.org "$BIN/python" manage.py check --deploy --fail-level WARNING

echo "== migrations are complete"
"$BIN/python" manage.py makemigrations --check --dry-run >/dev/null

echo "== pytest on $DATABASE_URL and $REDIS_URL"
set +e
# A runaway query fails after a minute with its SQL (pmsystem/settings/base.py), and a stuck
# test after pytest-timeout's limit (pyproject.toml), instead of running into CI's time limit.
# Three test processes by default on two cores (pytest-xdist; TEST_PROCESSES=0 runs in this
# one): the request walkers spend most of their time in Python while PostgreSQL waits, and a
# third process fills those gaps (measured on 2 cores: 423 s, against 505-520 s with two).
# Each file runs in one process so that a module's world is built once; each process has
# its own test database and Redis database (pmsystem/settings/base.py).
DB_STATEMENT_TIMEOUT_MS="${DB_STATEMENT_TIMEOUT_MS:-60000}" "$BIN/pytest" \
  -n "${TEST_PROCESSES:-3}" --dist loadfile "$@"
status=$?
set -e
if [ "$status" = 5 ]; then
  echo "pytest collected no tests: failing." >&2
  exit 1
fi
exit "$status"

#!/usr/bin/env bash
# The one place the production processes are started: docker-compose.yml runs every service
# through it, and tests/test_celery_worker.py and tests/test_stack.py start the same commands.
#
#   entrypoint.sh migrate              apply database migrations, then exit
#   entrypoint.sh web                  gunicorn on 0.0.0.0:$PORT with $WEB_CONCURRENCY workers
#   entrypoint.sh worker [celery args] Celery worker (extra arguments are passed to celery)
#   entrypoint.sh beat [celery args]   Celery beat (run exactly one)
#   entrypoint.sh healthcheck web|worker|beat
#   entrypoint.sh manage <command> [args]   any manage.py command (createsuperuser, ...)
#
# Settings come from the environment only (DJANGO_ENV, SECRET_KEY, DATABASE_URL, REDIS_URL, ...);
# the variables below tune the processes themselves.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python}
PORT=${PORT:-8000}
WEB_CONCURRENCY=${WEB_CONCURRENCY:-3}
GUNICORN_TIMEOUT=${GUNICORN_TIMEOUT:-60}
CELERY_WORKER_CONCURRENCY=${CELERY_WORKER_CONCURRENCY:-2}
CELERY_WORKER_POOL=${CELERY_WORKER_POOL:-prefork}
CELERY_LOG_LEVEL=${CELERY_LOG_LEVEL:-INFO}
BEAT_SCHEDULE_FILE=${BEAT_SCHEDULE_FILE:-/tmp/celerybeat-schedule}

command=${1:-web}
[ $# -gt 0 ] && shift

case "$command" in
  migrate)
    exec "$PYTHON" manage.py migrate --noinput "$@"
    ;;
  manage)
    exec "$PYTHON" manage.py "$@"
    ;;
  web)
    # --forwarded-allow-ips: the reverse proxy in front sets X-Forwarded-Proto; gunicorn is
    # only reachable through it (docker network), so its headers are trusted.
    exec "$PYTHON" -m gunicorn pmsystem.wsgi:application \
      --bind "0.0.0.0:$PORT" \
      --workers "$WEB_CONCURRENCY" \
      --timeout "$GUNICORN_TIMEOUT" \
      --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-*}" \
      --access-logfile - \
      --error-logfile - \
      "$@"
    ;;
  worker)
    exec "$PYTHON" -m celery -A pmsystem worker \
      --loglevel "$CELERY_LOG_LEVEL" \
      --pool "$CELERY_WORKER_POOL" \
      --concurrency "$CELERY_WORKER_CONCURRENCY" \
      "$@"
    ;;
  beat)
    exec "$PYTHON" -m celery -A pmsystem beat \
      --loglevel "$CELERY_LOG_LEVEL" \
      --schedule "$BEAT_SCHEDULE_FILE" \
      "$@"
    ;;
  healthcheck)
    case "${1:-}" in
      web)
        # The login page is the one page anonymous users may see. Host must be an allowed
        # host and the request must look like HTTPS, or production settings redirect it.
        exec "$PYTHON" - <<'PY'
import os
import urllib.request

hosts = [h.strip().lstrip(".") for h in os.environ.get("ALLOWED_HOSTS", "").split(",")]
host = next((h for h in hosts if h and h != "*"), "localhost")
request = urllib.request.Request(
    f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/accounts/login/",
    headers={"Host": host, "X-Forwarded-Proto": "https"},
)
with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
    raise SystemExit(0 if response.status == 200 else 1)
PY
        ;;
      worker)
        exec "$PYTHON" -m celery -A pmsystem inspect ping --timeout 5 \
          --destination "celery@$(hostname)"
        ;;
      beat)
        # Beat is healthy while it can reach the broker it publishes to.
        exec "$PYTHON" -c 'import os, redis; redis.Redis.from_url(os.environ["REDIS_URL"]).ping()'
        ;;
      *)
        echo "usage: $0 healthcheck web|worker|beat" >&2
        exit 2
        ;;
    esac
    ;;
  *)
    echo "usage: $0 migrate|web|worker|beat|healthcheck|manage [args...]" >&2
    exit 2
    ;;
esac

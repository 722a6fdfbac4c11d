"""A real Celery worker, started the way docker-compose starts it, runs a task from Redis."""

import os
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from demo import loadtest
from pmsystem import celery_app

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "scripts" / "entrypoint.sh"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require_redis() -> str:
    """The broker; CI must never skip the worker tests for want of one."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        reason = "REDIS_URL is not set: run `bash scripts/test.sh` to start Redis for this test"
        if in_ci():
            pytest.fail(f"{reason} (CI must not skip the worker test)")
        pytest.skip(reason)
    return url


def stop(process: subprocess.Popen) -> None:
    loadtest.stop(process, timeout=20)


def process_env(redis_url: str) -> dict[str, str]:
    """What docker-compose gives the worker: production mode, the same broker and database."""
    env = dict(os.environ)
    env.update(
        {
            "PYTHON": sys.executable,
            "DJANGO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "pm.example.org",
            "REDIS_URL": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
        }
    )
    return env


@pytest.mark.worker
def test_worker_started_by_the_entrypoint_runs_the_health_check(tmp_path):
    redis_url = require_redis()
    # A queue of its own, so no other worker on this Redis takes the task and this worker
    # takes nothing else.
    queue = f"test-{uuid.uuid4().hex}"
    env = process_env(redis_url) | {"CELERY_WORKER_POOL": "solo", "CELERY_WORKER_CONCURRENCY": "1"}
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [str(ENTRYPOINT), *loadtest.worker_arguments(queue)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        # The suite runs tasks eagerly (CELERY_TASK_ALWAYS_EAGER=1); this test needs the broker.
        eager, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, False
        try:
            result = celery_app.send_task("pmsystem.tasks.health_check", queue=queue)
            value = result.get(timeout=60)
        except Exception as error:
            pytest.fail(f"no result from the worker ({error!r}); worker log:\n{log.read_text()}")
        finally:
            celery_app.conf.task_always_eager = eager
        assert value == "ok"
        assert worker.poll() is None, log.read_text()
    finally:
        stop(worker)
    assert "pmsystem.tasks.health_check" in log.read_text()


@pytest.mark.worker
def test_beat_started_by_the_entrypoint_stays_up(tmp_path):
    redis_url = require_redis()
    env = process_env(redis_url) | {"BEAT_SCHEDULE_FILE": str(tmp_path / "beat-schedule")}
    log = tmp_path / "beat.log"
    with log.open("w") as out:
        beat = subprocess.Popen(
            [str(ENTRYPOINT), "beat"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while "beat: Starting" not in log.read_text():
            assert beat.poll() is None, f"beat exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"beat never started:\n{log.read_text()}"
            time.sleep(0.2)
        health = subprocess.run(
            [str(ENTRYPOINT), "healthcheck", "beat"], cwd=ROOT, env=env, timeout=30
        )
        assert health.returncode == 0
    finally:
        stop(beat)


def test_beat_schedule_runs_the_health_check_and_every_task_is_registered():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["health-check"]["task"] == "pmsystem.tasks.health_check"
    celery_app.loader.import_default_modules()
    registered = set(celery_app.tasks)
    missing = {entry["task"] for entry in schedule.values()} - registered
    assert not missing, f"beat schedule names unregistered tasks: {sorted(missing)}"
    assert celery_app.conf.beat_schedule == schedule

"""Exactly-once with a real Celery worker, started through the entrypoint as docker-compose
starts it, against Redis and the test PostgreSQL database: the sweep's batch is sent once, a
duplicated or redelivered task sends nothing more, two copies of a task running at the same
time send each email once, and a worker process killed mid-chunk (Celery redelivers the task:
acks_late and reject_on_worker_lost are on) sends each email at most once.

The worker writes each email as a file named after its reminder (tests.compliance.mail_files),
so a duplicate is a second file. These tests need Redis and PostgreSQL (the worker is another
process: it must see the rows this test commits); without them they are skipped, and in CI
(`CI` set) they fail instead. Run them with `bash scripts/test.sh tests/compliance`.
"""

from __future__ import annotations

import datetime
import os
import re
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from compliance import reminders, tasks
from compliance.models import Reminder
from demo import loadtest
from pmsystem import celery_app
from tests.compliance.mail_files import sent_reminder_ids
from tests.compliance.reminder_helpers import WORKPLAN_DUE, staff_waiting
from tests.test_celery_worker import ENTRYPOINT, ROOT, in_ci, process_env, require_redis, stop

pytestmark = [
    pytest.mark.worker,
    # No serialized_rollback: its flush would skip recreating content types and permissions,
    # which every later transactional test needs. These tests need no migration-seeded data.
    pytest.mark.django_db(transaction=True),
]

DAY = WORKPLAN_DUE - datetime.timedelta(days=7)  # every drafting staff member: one reminder


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor == "postgresql":
        return
    reason = (
        f"The worker is another process and must share the test database: PostgreSQL, not "
        f"{connection.vendor}. Run `bash scripts/test.sh tests/compliance`."
    )
    if in_ci():
        pytest.fail(f"CI must run the worker tests on PostgreSQL. {reason}")
    pytest.skip(reason)


@pytest.fixture
def broker(monkeypatch):
    """Tasks go to Redis (not eagerly), on a queue of this test's own worker."""
    redis_url = require_redis()
    queue = f"test-{uuid.uuid4().hex}"
    monkeypatch.setattr(
        tasks.send_reminders,
        "delay",
        lambda ids: tasks.send_reminders.apply_async(args=[ids], queue=queue),
    )
    eager, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, False
    try:
        yield redis_url, queue
    finally:
        celery_app.conf.task_always_eager = eager


def test_database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


class Worker:
    def __init__(self, tmp_path: Path, broker, *, pool: str, concurrency: int, delay: float):
        redis_url, self.queue = broker
        self.mail = tmp_path / "mail"
        self.mail.mkdir()
        self.log = tmp_path / "worker.log"
        env = process_env(redis_url) | {
            "DATABASE_URL": test_database_url(),
            "EMAIL_HOST": "",
            "EMAIL_BACKEND": "tests.compliance.mail_files.EmailBackend",
            "TEST_MAIL_DIR": str(self.mail),
            "TEST_MAIL_DELAY": str(delay),
            "CELERY_WORKER_POOL": pool,
            "CELERY_WORKER_CONCURRENCY": str(concurrency),
        }
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [str(ENTRYPOINT), *loadtest.worker_arguments(self.queue)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.wait_for(lambda: "ready." in self.log.read_text(), "the worker to start")

    def wait_for(self, condition, what: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.process.poll() is None, f"the worker exited:\n{self.log.read_text()}"
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}; worker log:\n{self.log.read_text()}")
            time.sleep(0.1)

    def sent(self):
        return sent_reminder_ids(self.mail)

    def pool_children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def call(self, ids: list[int]):
        """The email task sent straight to this worker, as a duplicate message would be."""
        return celery_app.send_task("compliance.tasks.send_reminders", args=[ids], queue=self.queue)

    def stop(self) -> None:
        stop(self.process)


@pytest.fixture
def start_worker(tmp_path, broker):
    started: list[Worker] = []

    def start(*, pool: str = "solo", concurrency: int = 1, delay: float = 0.0) -> Worker:
        worker = Worker(tmp_path, broker, pool=pool, concurrency=concurrency, delay=delay)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def pending() -> int:
    return Reminder.objects.filter(status=Reminder.Status.PENDING).count()


def test_the_worker_sends_the_sweeps_batch_once_and_duplicated_tasks_send_nothing(
    start_worker,
):
    staff_waiting(8)
    worker = start_worker()

    first = reminders.run_daily_sweep(DAY)  # commits, then enqueues to Redis

    assert (first.planned, first.tasks) == (8, 1)
    worker.wait_for(lambda: pending() == 0 and len(worker.sent()) == 8, "8 emails")
    ids = sorted(Reminder.objects.values_list("pk", flat=True))
    assert worker.sent() == {pk: 1 for pk in ids}
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == 8

    # The same message delivered twice more (a retry, a redelivery): nothing more is sent.
    duplicates = [worker.call(ids), worker.call(ids)]
    assert [d.get(timeout=60) for d in duplicates] == [{"sent": 0, "skipped": 8, "failed": 0}] * 2
    # And the sweep again the same day plans and enqueues nothing.
    second = reminders.run_daily_sweep(DAY)
    assert (second.planned, second.enqueued, second.tasks) == (0, 0, 0)
    assert worker.sent() == {pk: 1 for pk in ids}


def test_two_copies_of_a_task_running_at_once_on_the_worker_send_each_email_once(
    start_worker, monkeypatch
):
    staff_waiting(12)
    monkeypatch.setattr(reminders, "enqueue_chunks_on_commit", lambda chunks: 0)  # plan only
    reminders.run_daily_sweep(DAY)
    ids = sorted(Reminder.objects.values_list("pk", flat=True))
    worker = start_worker(pool="prefork", concurrency=2, delay=0.1)

    copies = [worker.call(ids), worker.call(ids)]
    results = [c.get(timeout=90) for c in copies]

    assert sum(r["sent"] for r in results) == 12, (results, worker.sent())
    assert sum(r["skipped"] for r in results) == 12
    assert worker.sent() == {pk: 1 for pk in ids}


def test_a_worker_killed_mid_chunk_is_redelivered_and_sends_each_email_at_most_once(
    start_worker,
):
    staff_waiting(15)
    worker = start_worker(pool="prefork", concurrency=1, delay=0.4)

    result = reminders.run_daily_sweep(DAY)
    assert (result.planned, result.tasks) == (15, 1)
    worker.wait_for(lambda: len(worker.sent()) >= 3, "the first emails")
    (child,) = worker.pool_children()
    os.kill(child, signal.SIGKILL)  # the process running the chunk dies mid-run

    # Celery requeues the unacknowledged message; a new pool process runs the chunk again.
    def redelivery_done() -> bool:
        after_kill = worker.log.read_text().partition("WorkerLostError")[2]
        return "compliance.tasks.send_reminders" in after_kill and "succeeded" in after_kill

    worker.wait_for(redelivery_done, "the redelivered chunk to finish", timeout=120)
    assert pending() == 0
    received = re.findall(r"send_reminders\[([0-9a-f-]+)\] received", worker.log.read_text())
    assert len(received) == 2 and received[0] == received[1], "the same message, redelivered"

    sent = worker.sent()
    assert max(sent.values()) == 1, f"an email was sent twice: {sent}"
    statuses = dict(Reminder.objects.values_list("status").annotate(n=Count("pk")))
    # At most once: the chunk was claimed in one statement before its first email; the
    # process died before it marked them (every MARK_EVERY emails), so the redelivered task
    # finds every row claimed and sends nothing. The rows stay "sending": those whose email
    # left (at most MARK_EVERY) and the rest, never sent twice, for HR to release by hand.
    assert statuses == {Reminder.Status.SENDING: 15}, statuses
    assert 3 <= len(sent) < 15 and len(sent) <= reminders.MARK_EVERY

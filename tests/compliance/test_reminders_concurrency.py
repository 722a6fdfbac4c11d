"""Exactly-once under concurrency, on PostgreSQL: two sweeps at once plan each reminder once and
send each email once; two workers running the same chunk of ids send each email once.

Each racer runs in its own thread with its own database connection. Only PostgreSQL gives the
concurrency these tests are about: on SQLite they are skipped, and in CI (the `CI` variable is
set) they fail instead, because CI must run them on PostgreSQL (`bash scripts/test.sh`).
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection

from compliance import reminders
from compliance.models import Reminder
from org.models import User
from tests.compliance.reminder_helpers import WORKPLAN_DUE, make_team
from tests.concurrency import only_on_postgresql
from tests.factories import CycleFactory

# No serialized_rollback: its flush would skip recreating content types and permissions, which
# every later transactional test needs. These tests need no migration-seeded data.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

OVERDUE = WORKPLAN_DUE + datetime.timedelta(days=15)  # the staff member and the HOD
TEAM_SIZE = 12


@pytest.fixture(autouse=True)
def _postgresql_only():
    only_on_postgresql(
        "concurrency tests",
        f"Concurrent sweeps and claims are only meaningful on PostgreSQL; this database is "
        f"{connection.vendor}. Run `bash scripts/test.sh tests/compliance/"
        f"test_reminders_concurrency.py`.",
    )


def race(*calls: Callable[[], object]) -> list:
    """Run the calls at the same moment, each in its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # a crash is a result the test reports
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a racer is still waiting (deadlock?)"
    return results


def make_teams():
    cycle = CycleFactory()
    team = make_team(cycle)
    members = [team.add_member() for _ in range(TEAM_SIZE - 1)]
    return team, [team.staff, *members]


def test_two_concurrent_sweeps_plan_and_send_each_reminder_once(monkeypatch, mailoutbox):
    team, staff = make_teams()
    # One email per row for this test (the HOD's escalations would otherwise come as one
    # digest; the last test races a digest).
    User.objects.filter(pk=team.hod.pk).update(email_preference=User.EmailPreference.IMMEDIATE)
    enqueue = reminders.enqueue_chunks_on_commit

    def enqueue_and_hold(chunks):
        # Inside the sweep's transaction, after its INSERT: hold the rows a moment so the
        # other sweep's INSERT meets them uncommitted.
        tasks = enqueue(chunks)
        time.sleep(0.5)
        return tasks

    monkeypatch.setattr(reminders, "enqueue_chunks_on_commit", enqueue_and_hold)

    results = race(
        lambda: reminders.run_daily_sweep(OVERDUE), lambda: reminders.run_daily_sweep(OVERDUE)
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    expected = 2 * TEAM_SIZE  # each staff member, and the HOD about each of them
    assert Reminder.objects.count() == expected
    # Every row was inserted by exactly one of them, and each enqueued only its own rows.
    assert sum(r.planned for r in results) == expected
    assert [r.enqueued for r in results] == [r.planned for r in results]
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == expected
    assert len(mailoutbox) == expected
    to = sorted(m.to[0] for m in mailoutbox)
    assert to == sorted([s.user.email for s in staff] + [team.hod.email] * TEAM_SIZE)


def test_two_workers_running_the_same_chunk_send_each_email_once(monkeypatch, mailoutbox):
    make_teams()
    with monkeypatch.context() as planning_only:
        planning_only.setattr(reminders, "enqueue_chunks_on_commit", lambda chunks: 0)
        reminders.run_daily_sweep(WORKPLAN_DUE - datetime.timedelta(days=1))
    ids = list(Reminder.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == TEAM_SIZE
    assert mailoutbox == []

    # Both workers have read the chunk (all rows pending) before either claims a row.
    both_read = threading.Barrier(2)
    claim = reminders.claim
    seen: set[int] = set()

    def claim_after_both_read(pk):
        if threading.get_ident() not in seen:
            seen.add(threading.get_ident())
            both_read.wait(timeout=10)
        return claim(pk)

    monkeypatch.setattr(reminders, "claim", claim_after_both_read)

    results = race(
        lambda: reminders.send_reminders(reminder_ids=ids),
        lambda: reminders.send_reminders(reminder_ids=ids),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.sent for r in results) == TEAM_SIZE
    assert sum(r.skipped for r in results) == TEAM_SIZE
    assert len(mailoutbox) == TEAM_SIZE
    assert len({m.extra_headers["X-Pmsystem-Reminder"] for m in mailoutbox}) == TEAM_SIZE


def test_two_workers_running_the_same_digest_list_each_reminder_once(monkeypatch, mailoutbox):
    """The HOD (daily digest, the default) escalated about every staff member: two copies of
    their chunk at once put each escalation in exactly one email, and every row is sent."""
    team, _ = make_teams()
    with monkeypatch.context() as planning_only:
        planning_only.setattr(reminders, "enqueue_chunks_on_commit", lambda chunks: 0)
        reminders.run_daily_sweep(OVERDUE)
    ids = list(
        Reminder.objects.filter(recipient=team.hod).order_by("pk").values_list("pk", flat=True)
    )
    assert len(ids) == TEAM_SIZE
    both_read = threading.Barrier(2)
    claim = reminders.claim
    seen: set[int] = set()

    def claim_after_both_read(pk):
        if threading.get_ident() not in seen:
            seen.add(threading.get_ident())
            both_read.wait(timeout=10)
        return claim(pk)

    monkeypatch.setattr(reminders, "claim", claim_after_both_read)

    results = race(
        lambda: reminders.send_reminders(reminder_ids=ids),
        lambda: reminders.send_reminders(reminder_ids=ids),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.sent for r in results) == TEAM_SIZE
    # Each escalation in exactly one email: a digest lists its rows, a lone row (the other
    # copy claimed the rest first) goes as the ordinary reminder.
    listed = [
        int(pk)
        for m in mailoutbox
        for pk in (
            m.extra_headers.get("X-Pmsystem-Digest") or m.extra_headers["X-Pmsystem-Reminder"]
        ).split(",")
    ]
    assert sorted(listed) == ids
    assert {m.to[0] for m in mailoutbox} == {team.hod.email}
    assert Reminder.objects.filter(pk__in=ids, status=Reminder.Status.SENT).count() == TEAM_SIZE

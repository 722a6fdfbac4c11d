"""docs/rules.md section 6: a reminder is never sent twice for the same key — not by a second sweep,
nor by the email task run twice for one row; tasks are enqueued only after commit."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from compliance import tasks
from compliance.models import Reminder
from compliance.reminders import (
    CHUNK_SIZE,
    STALE_AFTER,
    asynchronous_commit,
    claim,
    claim_rows,
    send_reminders,
)
from tests.compliance.reminder_helpers import WORKPLAN_DUE, at, make_team, staff_waiting, sweep
from tests.factories import WorkPlanFactory

pytestmark = pytest.mark.django_db

D = datetime.timedelta
OVERDUE = WORKPLAN_DUE + D(15)  # week 3: staff member and HOD for each document


def sweep_and_send(day, capture):
    """The sweep with its on-commit callbacks run (Celery is eager in tests)."""
    with capture(execute=True) as callbacks:
        result = sweep(day)
    return result, callbacks


def test_the_unique_key_refuses_a_second_row_for_the_same_reminder():
    team = make_team()
    sweep(WORKPLAN_DUE - D(7))
    row = Reminder.objects.get()
    duplicate = Reminder(
        subject=row.subject,
        stage=row.stage,
        recipient_id=row.recipient_id,
        kind=row.kind,
        due_date=row.due_date,
        recipient_role="staff",
        planned_on=row.planned_on,
        created_at=timezone.now(),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    # Any part of the key differing is another reminder.
    duplicate.kind = "before-1"
    duplicate.save()
    assert Reminder.objects.filter(recipient=team.staff.user).count() == 2


def test_running_the_sweep_twice_sends_each_email_once(
    mailoutbox, django_capture_on_commit_callbacks
):
    team = make_team()
    other = team.add_member()
    WorkPlanFactory(staff=other, cycle=team.cycle)

    first, callbacks = sweep_and_send(OVERDUE, django_capture_on_commit_callbacks)
    assert (first.pending_actions, first.planned, first.enqueued, first.tasks) == (2, 4, 4, 1)
    assert len(callbacks) == 1
    # Four reminders, three emails: the HOD's two escalations come in one digest (their
    # preference by default, tests/compliance/test_reminders_digest.py).
    assert len(mailoutbox) == 3
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [team.staff.user.email, other.user.email, team.hod.email]
    )

    second, callbacks = sweep_and_send(OVERDUE, django_capture_on_commit_callbacks)
    assert (second.planned, second.enqueued, second.tasks) == (0, 0, 0)
    assert callbacks == []
    assert len(mailoutbox) == 3
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}


def test_nothing_is_enqueued_before_the_commit(django_capture_on_commit_callbacks, mailoutbox):
    make_team()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = sweep(OVERDUE)
    assert result.planned == 2
    assert mailoutbox == []  # the rows exist, the email task has not run
    assert Reminder.objects.filter(status=Reminder.Status.PENDING).count() == 2
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 2


def test_calling_the_email_task_twice_for_one_row_sends_once(mailoutbox):
    make_team()
    sweep(WORKPLAN_DUE - D(1))
    row = Reminder.objects.get()

    assert tasks.send_reminders.delay([row.pk]).get() == {"sent": 1, "skipped": 0, "failed": 0}
    assert tasks.send_reminders.delay([row.pk]).get() == {"sent": 0, "skipped": 1, "failed": 0}
    tasks.send_reminders([row.pk, row.pk])

    assert len(mailoutbox) == 1
    row.refresh_from_db()
    assert row.status == Reminder.Status.SENT
    assert row.sent_at is not None and row.claimed_at is not None


def test_a_row_is_claimed_by_exactly_one_caller():
    make_team()
    sweep(WORKPLAN_DUE - D(1))
    row = Reminder.objects.get()
    assert [claim(row.pk), claim(row.pk)] == [True, False]
    row.refresh_from_db()
    assert (row.status, row.sent_at) == (Reminder.Status.SENDING, None)


def test_a_claimed_row_is_never_sent_again_at_most_once(mailoutbox):
    """A worker died after claiming the row: whether its email left is unknown, so it is not
    sent again by a redelivered task."""
    make_team()
    sweep(WORKPLAN_DUE - D(1))
    row = Reminder.objects.get()
    Reminder.objects.filter(pk=row.pk).update(status=Reminder.Status.SENDING)

    assert send_reminders(reminder_ids=[row.pk]).skipped == 1
    assert mailoutbox == []


def test_a_failed_send_is_recorded_and_not_retried(monkeypatch, mailoutbox):
    team = make_team()
    team.add_member()
    sweep(WORKPLAN_DUE - D(1))
    first, second = Reminder.objects.order_by("pk")
    sent = []

    def send(message, fail_silently=False):
        if message.to == [first.recipient.email]:
            raise OSError("SMTP said no")
        sent.append(message)
        return 1

    monkeypatch.setattr("django.core.mail.EmailMessage.send", send)
    result = send_reminders(reminder_ids=[first.pk, second.pk])
    assert (result.sent, result.failed) == (1, 1)
    first.refresh_from_db()
    assert first.status == Reminder.Status.FAILED
    assert "SMTP said no" in first.error
    assert send_reminders(reminder_ids=[first.pk, second.pk]).skipped == 2
    assert len(sent) == 1


def test_rows_still_pending_long_after_planning_are_enqueued_again_once(
    django_capture_on_commit_callbacks, mailoutbox
):
    """The broker lost the task: the next day's sweep hands the row to a task again."""
    make_team()
    with django_capture_on_commit_callbacks(execute=False):
        sweep(WORKPLAN_DUE - D(7))
    assert mailoutbox == []

    result, _ = sweep_and_send(WORKPLAN_DUE - D(6), django_capture_on_commit_callbacks)
    assert (result.planned, result.enqueued) == (0, 1)
    assert len(mailoutbox) == 1

    result, _ = sweep_and_send(WORKPLAN_DUE - D(5), django_capture_on_commit_callbacks)
    assert (result.planned, result.enqueued) == (0, 0)
    assert len(mailoutbox) == 1


def test_a_row_planned_minutes_ago_is_not_enqueued_again(django_capture_on_commit_callbacks):
    make_team()
    with django_capture_on_commit_callbacks(execute=False):
        sweep(WORKPLAN_DUE - D(7))
    with at(WORKPLAN_DUE - D(7)):
        Reminder.objects.update(created_at=timezone.now() - STALE_AFTER + D(minutes=5))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = sweep(WORKPLAN_DUE - D(7))
    assert (result.planned, result.enqueued, callbacks) == (0, 0, [])


def test_the_sending_is_batched_in_chunks_of_ids(django_capture_on_commit_callbacks, monkeypatch):
    team = make_team()
    for _ in range(4):
        team.add_member()
    monkeypatch.setattr("compliance.reminders.CHUNK_SIZE", 2)
    chunks = []
    monkeypatch.setattr(tasks.send_reminders, "delay", lambda ids: chunks.append(ids))
    result, _ = sweep_and_send(WORKPLAN_DUE - D(1), django_capture_on_commit_callbacks)
    assert (result.planned, result.tasks) == (5, 3)
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert sorted(pk for c in chunks for pk in c) == sorted(
        Reminder.objects.values_list("pk", flat=True)
    )
    assert CHUNK_SIZE >= 100  # the real chunk: 40,000 reminders are a few dozen tasks


def test_the_email_says_what_is_due_for_whom_with_a_link(mailoutbox, settings):
    settings.SITE_URL = "https://pm.example.org"
    team = make_team()
    plan = WorkPlanFactory(staff=team.staff, cycle=team.cycle)
    sweep(WORKPLAN_DUE + D(8))  # week 2: the staff member and the SRO
    send_reminders(reminder_ids=list(Reminder.objects.values_list("pk", flat=True)))

    by_recipient = {m.to[0]: m for m in mailoutbox}
    to_staff = by_recipient[team.staff.user.email]
    to_sro = by_recipient[team.sro.user.email]
    assert (
        to_staff.subject
        == "[pmsystem] Overdue since 31 May 2026: Work plan: drafting by the staff member"
    )
    assert f"https://pm.example.org/workplans/{plan.pk}/" in to_staff.body
    assert "Your performance document" in to_staff.body
    assert "waits for you as staff member" in to_staff.body
    assert to_sro.subject.endswith(f"— {team.staff.user}")
    assert f"waits for {team.staff.user} (staff member)" in to_sro.body
    assert "You are told as SRO (week 2 after the deadline)" in to_sro.body
    row = Reminder.objects.get(recipient=team.sro.user)
    assert to_sro.extra_headers["X-Pmsystem-Reminder"] == str(row.pk)


def test_the_before_email_counts_the_days_left(mailoutbox):
    team = make_team()
    sweep(WORKPLAN_DUE - D(7))
    send_reminders(reminder_ids=list(Reminder.objects.values_list("pk", flat=True)))
    (message,) = mailoutbox
    assert message.to == [team.staff.user.email]
    assert message.subject == "[pmsystem] Due 31 May 2026: Work plan: drafting by the staff member"
    assert "It is due on 31 May 2026, in 7 days." in message.body


def test_the_send_reminders_command_sweeps_a_given_date(
    django_capture_on_commit_callbacks, mailoutbox
):
    from io import StringIO

    from django.core.management import call_command

    make_team()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--date", (WORKPLAN_DUE - D(14)).isoformat(), stdout=out)
    assert "1 pending actions, 1 reminders planned, 1 enqueued in 1 tasks" in out.getvalue()
    assert len(mailoutbox) == 1


def test_the_beat_schedule_runs_one_sweep_a_day_and_the_access_check():
    from django.conf import settings

    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].startswith("compliance.")
    ]
    assert [e["task"] for e in entries] == [
        "compliance.tasks.run_daily_sweep",
        "compliance.tasks.check_access",
    ]
    schedule = entries[0]["schedule"]
    assert schedule.hour == {5} and schedule.minute == {0}
    assert schedule.day_of_week == set(range(7))


def test_one_emails_rows_are_claimed_in_one_statement_each_by_one_caller(
    django_assert_num_queries,
):
    make_team()
    sweep(OVERDUE)
    ids = sorted(Reminder.objects.values_list("pk", flat=True))
    assert len(ids) >= 2
    Reminder.objects.filter(pk=ids[0]).update(status=Reminder.Status.SENT)
    with django_assert_num_queries(1):
        taken = claim_rows(ids)
    assert taken == set(ids[1:])  # the row already sent is not taken again
    assert claim_rows(ids) == set()
    assert claim_rows([]) == set()


@pytest.mark.django_db(transaction=True)
def test_the_sending_commits_asynchronously_and_puts_the_setting_back():
    """PostgreSQL only: inside the send loop claims do not wait for the disk; the connection
    is as it was afterwards (it may serve the next task or request)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is a PostgreSQL setting")

    def setting():
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    before = setting()
    with asynchronous_commit():
        assert setting() == "off"
    assert setting() == before
    with transaction.atomic(), asynchronous_commit():  # inside a transaction: left alone
        assert setting() == before


@pytest.mark.parametrize("members", [2, 9])
def test_a_chunk_is_claimed_in_one_statement_and_marked_in_one(
    members, django_assert_num_queries, mailoutbox
):
    """The queries of a task do not grow with its emails (issue 14: two statements per email
    were most of the sending's time): the same four for 2 emails as for 9 (the rows, the
    claim, the stage's note read once, the mark)."""
    staff_waiting(members)
    sweep(WORKPLAN_DUE - D(1))
    ids = list(Reminder.objects.values_list("pk", flat=True))
    assert len(ids) == members
    with django_assert_num_queries(4):
        result = send_reminders(reminder_ids=ids)
    assert (result.sent, result.emails) == (members, members)
    assert len(mailoutbox) == members
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}


def test_the_rows_are_marked_sent_every_mark_every_emails(monkeypatch, mailoutbox):
    """A worker killed mid-chunk leaves at most MARK_EVERY sent emails' rows in "sending"."""
    monkeypatch.setattr("compliance.reminders.MARK_EVERY", 2)
    staff_waiting(5)
    sweep(WORKPLAN_DUE - D(1))
    ids = sorted(Reminder.objects.values_list("pk", flat=True))
    seen = []

    def send(message, fail_silently=False):
        seen.append(dict(Reminder.objects.filter(pk__in=ids).values_list("pk", "status")))
        return 1

    monkeypatch.setattr("django.core.mail.EmailMessage.send", send)
    send_reminders(reminder_ids=ids)
    # Before the third email, the first two are marked; the others are claimed.
    statuses = seen[2]
    assert sorted(statuses.values()).count(Reminder.Status.SENT) == 2
    assert sorted(statuses.values()).count(Reminder.Status.SENDING) == 3


def test_an_exception_stopping_the_loop_marks_what_left_and_releases_the_rest(monkeypatch):
    staff_waiting(4)
    sweep(WORKPLAN_DUE - D(1))
    ids = sorted(Reminder.objects.values_list("pk", flat=True))
    sent = []

    def send(message, fail_silently=False):
        if len(sent) == 2:
            raise KeyboardInterrupt  # not an SMTP failure: it stops the task
        sent.append(int(message.extra_headers["X-Pmsystem-Reminder"]))
        return 1

    monkeypatch.setattr("django.core.mail.EmailMessage.send", send)
    with pytest.raises(KeyboardInterrupt):
        send_reminders(reminder_ids=ids)
    statuses = dict(Reminder.objects.values_list("pk", "status"))
    assert {pk for pk, status in statuses.items() if status == Reminder.Status.SENT} == set(sent)
    assert {pk for pk, status in statuses.items() if status == Reminder.Status.PENDING} == (
        set(ids) - set(sent)
    )
    assert Reminder.objects.filter(status=Reminder.Status.PENDING, claimed_at=None).count() == 2

"""Issue 17, digests: a person's reminders and escalations of a day come in one email listing
every document with its link, if that is their preference (the default; "immediate" keeps
one email per reminder); still exactly once per reminder, whatever reruns and duplicated
tasks; at most one a day. The clock is frozen on each day (time-machine)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from compliance import reminders
from compliance.models import Reminder
from compliance.reminders import run_daily_sweep, send_reminders
from org.models import User
from tests.compliance.reminder_helpers import WORKPLAN_DUE, at, make_team
from tests.factories import WorkPlanFactory

pytestmark = pytest.mark.django_db

D = datetime.timedelta
WEEK_3 = WORKPLAN_DUE + D(15)  # the third week late: the staff member and the HOD
DOCUMENTS = 5


@pytest.fixture
def day_by_day(django_capture_on_commit_callbacks):
    """`run(day)`: the daily sweep on `day` with the emails it enqueues sent that same day
    (the tasks run after the commit, as Celery runs them, still on the frozen day)."""

    def run(day):
        with at(day), django_capture_on_commit_callbacks(execute=True):
            return run_daily_sweep()

    return run


def team_with_documents(count: int = DOCUMENTS):
    team = make_team()
    members = [team.staff] + [team.add_member() for _ in range(count - 1)]
    documents = [WorkPlanFactory(staff=member, cycle=team.cycle) for member in members]
    return team, members, documents


def to(user: User, mailbox) -> list:
    return [m for m in mailbox if m.to == [user.email]]


def test_a_person_gets_one_email_listing_every_document_with_its_link(
    day_by_day, mailoutbox, settings
):
    settings.SITE_URL = "https://pm.example.org"
    team, members, documents = team_with_documents()
    assert team.hod.email_preference == User.EmailPreference.DAILY_DIGEST  # the default

    result = day_by_day(WEEK_3)

    assert result.planned == 2 * DOCUMENTS  # each staff member, and the HOD for each
    [digest] = to(team.hod, mailoutbox)
    assert digest.subject == "[pmsystem] Today's reminders: 5 actions wait for you"
    for member, document in zip(members, documents, strict=True):
        title = (
            f"Overdue since 31 May 2026: Work plan: drafting by the staff member — {member.user}"
        )
        assert title in digest.body
        assert f"https://pm.example.org/workplans/{document.pk}/" in digest.body
    assert digest.body.count("you are told as HOD, week 3 after the deadline") == DOCUMENTS
    assert "https://pm.example.org" + reverse("org:profile") in digest.body
    hod_rows = Reminder.objects.filter(recipient=team.hod)
    assert digest.extra_headers["X-Pmsystem-Digest"] == ",".join(
        str(pk) for pk in hod_rows.order_by("due_date", "stage", "pk").values_list("pk", flat=True)
    )
    assert set(hod_rows.values_list("status", flat=True)) == {Reminder.Status.SENT}
    # Everyone with a single reminder gets the ordinary email.
    for member in members:
        [email] = to(member.user, mailoutbox)
        assert "X-Pmsystem-Reminder" in email.extra_headers
    assert len(mailoutbox) == DOCUMENTS + 1


def test_running_the_sweep_again_sends_nothing_new(day_by_day, mailoutbox):
    team, _, _ = team_with_documents()
    day_by_day(WEEK_3)
    sent = len(mailoutbox)

    again = day_by_day(WEEK_3)
    assert (again.planned, again.enqueued, again.tasks) == (0, 0, 0)
    # A duplicated or redelivered task for the same rows: every row is claimed already.
    ids = list(Reminder.objects.values_list("pk", flat=True))
    with at(WEEK_3):
        assert send_reminders(reminder_ids=ids).sent == 0
    assert len(mailoutbox) == sent == DOCUMENTS + 1
    assert len(to(team.hod, mailoutbox)) == 1


def test_every_reminder_is_sent_exactly_once_over_the_weeks(day_by_day, mailoutbox):
    """Every day for two weeks: the HOD's third-week escalations in one email on the first
    day of week 3, nothing on the six days after it, the fourth week's on its first day."""
    team, _, _ = team_with_documents()
    emails_by_day = {}
    for offset in range(14):
        day = WEEK_3 + D(offset)
        before = len(to(team.hod, mailoutbox))
        day_by_day(day)
        if count := len(to(team.hod, mailoutbox)) - before:
            emails_by_day[day] = count
    assert emails_by_day == {WEEK_3: 1, WEEK_3 + D(7): 1}

    rows = Reminder.objects.filter(recipient=team.hod)
    assert (
        sorted(rows.values_list("kind", flat=True))
        == ["overdue-3"] * DOCUMENTS + ["overdue-4"] * DOCUMENTS
    )
    assert set(rows.values_list("status", flat=True)) == {Reminder.Status.SENT}
    listed = [
        int(pk)
        for m in to(team.hod, mailoutbox)
        for pk in m.extra_headers["X-Pmsystem-Digest"].split(",")
    ]
    assert sorted(listed) == sorted(rows.values_list("pk", flat=True))  # each row once


def test_immediate_preference_keeps_one_email_per_reminder(day_by_day, mailoutbox):
    team, _, _ = team_with_documents()
    team.hod.email_preference = User.EmailPreference.IMMEDIATE
    team.hod.save()

    day_by_day(WEEK_3)

    emails = to(team.hod, mailoutbox)
    assert len(emails) == DOCUMENTS
    assert sorted(int(m.extra_headers["X-Pmsystem-Reminder"]) for m in emails) == sorted(
        Reminder.objects.filter(recipient=team.hod).values_list("pk", flat=True)
    )
    assert all("X-Pmsystem-Digest" not in m.extra_headers for m in emails)


def test_a_reminder_planned_after_the_days_email_waits_for_tomorrows(
    day_by_day, mailoutbox, django_capture_on_commit_callbacks
):
    """One email a day: a second sweep the same day plans a new escalation (a document that
    became late since); it stays pending and leaves the next day, once."""
    team, _, _ = team_with_documents(2)
    day_by_day(WEEK_3)
    assert len(to(team.hod, mailoutbox)) == 1

    latecomer = team.add_member()
    WorkPlanFactory(staff=latecomer, cycle=team.cycle)
    result = day_by_day(WEEK_3)
    assert result.planned == 2  # the latecomer and the HOD about them
    new_row = Reminder.objects.get(recipient=team.hod, staff=latecomer)
    assert new_row.status == Reminder.Status.PENDING
    assert len(to(team.hod, mailoutbox)) == 1
    assert len(to(latecomer.user, mailoutbox)) == 1  # not the HOD: their first email today

    day_by_day(WEEK_3 + D(1))  # the held row is pending since yesterday: sent now
    new_row.refresh_from_db()
    assert new_row.status == Reminder.Status.SENT
    hod_emails = to(team.hod, mailoutbox)
    assert len(hod_emails) == 2
    assert hod_emails[1].extra_headers["X-Pmsystem-Reminder"] == str(new_row.pk)

    day_by_day(WEEK_3 + D(2))
    assert len(to(team.hod, mailoutbox)) == 2


def test_the_digest_is_in_the_recipients_language(day_by_day, mailoutbox):
    team, _, _ = team_with_documents(3)
    team.hod.language = "fr"
    team.hod.save()

    day_by_day(WEEK_3)

    [digest] = to(team.hod, mailoutbox)
    assert digest.subject == "[pmsystem] Rappels du jour : 3 actions vous attendent"
    assert "En retard" in digest.body
    assert "semaine 3 après l'échéance" in digest.body


def test_a_failed_digest_marks_each_of_its_reminders_failed_once(monkeypatch, mailoutbox):
    team, _, _ = team_with_documents(3)
    with at(WEEK_3):
        run_daily_sweep()  # planned; the tasks never ran (no commit in this test)
    hod_rows = Reminder.objects.filter(recipient=team.hod)

    def refuse(message, fail_silently=False):
        if message.to == [team.hod.email]:
            raise OSError("SMTP said no")
        mailoutbox.append(message)
        return 1

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    ids = list(Reminder.objects.values_list("pk", flat=True))
    with at(WEEK_3):
        result = send_reminders(reminder_ids=ids)
        assert (result.sent, result.failed, result.emails) == (3, 3, 3)
        assert send_reminders(reminder_ids=ids).skipped == len(ids)
    assert set(hod_rows.values_list("status", flat=True)) == {Reminder.Status.FAILED}
    assert all("SMTP said no" in error for error in hod_rows.values_list("error", flat=True))
    assert to(team.hod, mailoutbox) == []


def test_the_sweep_keeps_each_persons_reminders_in_one_task(monkeypatch):
    """One worker writes a person's digest: the chunks never split a recipient's rows (one
    with more than a chunk gets a chunk of their own)."""
    monkeypatch.setattr(reminders, "CHUNK_SIZE", 2)
    rows = [(1, 10), (2, 20), (3, 10), (4, 30), (5, 20), (6, 20), (7, 40)]
    assert reminders.chunks_by_recipient(rows) == [[1, 3], [2, 5, 6], [4, 7]]


def test_the_profile_page_sets_the_preference_the_sweep_follows(client, day_by_day, mailoutbox):
    team, _, _ = team_with_documents(3)
    url = reverse("org:profile")
    client.force_login(team.fro.user)  # the FRO: week 1 late, they are told of each document
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["email_preference"].value() == "daily_digest"
    assert 'name="email_preference" value="immediate"' in page.content.decode()
    response = client.post(url, {"language": "", "email_preference": "immediate"})
    assert response.status_code == 302
    team.fro.user.refresh_from_db()
    assert team.fro.user.email_preference == User.EmailPreference.IMMEDIATE

    day_by_day(WORKPLAN_DUE + D(1))  # week 1: the staff members and their FRO
    assert len(to(team.fro.user, mailoutbox)) == 3

    client.post(url, {"language": "fr", "email_preference": "daily_digest"})
    team.fro.user.refresh_from_db()
    assert (team.fro.user.language, team.fro.user.email_preference) == ("fr", "daily_digest")


def test_the_profile_refuses_a_preference_that_is_not_offered(client):
    user = make_team().staff.user
    client.force_login(user)
    response = client.post(reverse("org:profile"), {"language": "", "email_preference": "hourly"})
    assert response.status_code == 200
    assert "email_preference" in response.context["form"].errors
    user.refresh_from_db()
    assert user.email_preference == User.EmailPreference.DAILY_DIGEST

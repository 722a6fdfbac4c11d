"""My reminders: a user sees the reminders they were sent, newest first, paginated."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from compliance.models import Reminder
from compliance.reminders import send_reminders
from tests.compliance.reminder_helpers import WORKPLAN_DUE, at, make_team, sweep
from tests.factories import UserFactory, WorkPlanFactory

pytestmark = pytest.mark.django_db

D = datetime.timedelta
URL = reverse("compliance:reminder-list")


def send_all() -> None:
    send_reminders(reminder_ids=list(Reminder.objects.values_list("pk", flat=True)))


def fake_sent(user, count: int) -> None:
    """`count` sent reminders to `user`, one a day, the newest on the last day."""
    team = make_team()
    now = timezone.now()
    Reminder.objects.bulk_create(
        Reminder(
            subject=f"document:{team.cycle.pk}:{team.staff.pk}",
            stage="work_plan",
            recipient=user,
            kind=f"overdue-{n}",
            due_date=WORKPLAN_DUE,
            recipient_role="hod",
            responsible=team.staff.user,
            staff=team.staff,
            cycle=team.cycle,
            status=Reminder.Status.SENT,
            planned_on=WORKPLAN_DUE + D(n),
            created_at=now,
            sent_at=now - D(days=count - n),
        )
        for n in range(1, count + 1)
    )


def test_my_reminders_lists_what_was_sent_to_me_newest_first(client):
    team = make_team()
    plan = WorkPlanFactory(staff=team.staff, cycle=team.cycle)
    # Each day's email leaves on its day (a person gets at most one a day: compliance.reminders).
    sweep(WORKPLAN_DUE - D(14))
    with at(WORKPLAN_DUE - D(14)):
        send_all()
    sweep(WORKPLAN_DUE + D(1))
    with at(WORKPLAN_DUE + D(1)):
        send_all()
    sweep(WORKPLAN_DUE + D(8))  # planned, not sent yet: not listed

    client.force_login(team.staff.user)
    response = client.get(URL)

    assert response.status_code == 200
    rows = [(r.kind, r.status) for r, _ in response.context["rows"]]
    assert rows == [("overdue-1", "sent"), ("before-14", "sent")]
    html = response.content.decode()
    assert "Overdue since 31 May 2026: Work plan: drafting by the staff member" in html
    assert f'href="/workplans/{plan.pk}/"' in html
    assert "14 days before" in html


def test_an_escalation_says_in_which_role_it_reached_me(client):
    team = make_team()
    sweep(WORKPLAN_DUE + D(1))
    send_all()
    client.force_login(team.fro.user)
    html = client.get(URL).content.decode()
    assert (
        f"Overdue since 31 May 2026: Work plan: drafting by the staff member — {team.staff.user}"
        in html
    )
    assert "to you as FRO" in html


def test_nobody_sees_anyone_elses_reminders(client):
    make_team()
    sweep(WORKPLAN_DUE - D(14))
    send_all()
    client.force_login(UserFactory())
    response = client.get(URL)
    assert list(response.context["rows"]) == []
    assert "No reminder has been sent to you." in response.content.decode()


def test_my_reminders_are_paginated_25_a_page(client):
    user = UserFactory()
    fake_sent(user, 30)
    client.force_login(user)
    first = client.get(URL)
    second = client.get(URL, {"page": 2})
    assert [r.kind for r, _ in first.context["rows"]][:2] == ["overdue-30", "overdue-29"]
    assert len(first.context["rows"]) == 25
    assert [r.kind for r, _ in second.context["rows"]] == [f"overdue-{n}" for n in range(5, 0, -1)]
    assert 'rel="next"' in first.content.decode()


def test_my_reminders_takes_a_constant_number_of_queries(client):
    """The same queries for 3 reminders as for a full page of 25 (at most 15 with the
    layout's)."""
    user = UserFactory()
    client.force_login(user)
    counts = []
    for total in (3, 25):
        Reminder.objects.filter(recipient=user).delete()
        fake_sent(user, total)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL)
        assert len(response.context["rows"]) == total
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 15

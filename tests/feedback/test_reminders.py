"""Upward feedback in the reminder pipeline (docs/rules.md sections 6 and 9): supervisees who
have not answered are reminded before the window closes, once per milestone, never after
they answered, never after the window and never escalated."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail

from compliance.models import Reminder
from compliance.reminders import pending_actions
from feedback import services
from feedback.models import FeedbackSettings
from tests.compliance.reminder_helpers import sweep
from tests.feedback.helpers import answer, launch, make_team

pytestmark = pytest.mark.django_db

D = datetime.timedelta


def _upward(day: datetime.date) -> list:
    return [a for a in pending_actions(today=day) if a.stage == "upward_feedback"]


def _window(team) -> tuple[datetime.date, datetime.date]:
    return FeedbackSettings.objects.get(cycle=team.cycle).window()


def test_each_supervisee_who_has_not_answered_waits_until_the_window_closes():
    team = make_team(5)
    rated = launch(team)
    opens, closes = _window(team)
    actions = _upward(opens)
    assert sorted(a.responsible_id for a in actions) == sorted(m.pk for m in team.members)
    assert {(a.subject, a.due, a.staff_id, a.escalation) for a in actions} == {
        (f"upward:{rated.pk}", closes, team.manager.pk, ())
    }
    answer(rated, team.members[0])
    assert team.members[0].pk not in {a.responsible_id for a in _upward(opens)}
    # Nothing before the window opens, nothing once it has closed.
    assert _upward(opens - D(1)) == [] and _upward(closes + D(1)) == []


def test_the_sweep_reminds_once_per_milestone_and_stops_when_answered(
    django_capture_on_commit_callbacks,
):
    team = make_team(5)
    rated = launch(team)
    _, closes = _window(team)
    with django_capture_on_commit_callbacks(execute=True):
        sweep(closes - D(7))
    rows = Reminder.objects.filter(stage="upward_feedback")
    assert sorted(rows.values_list("recipient_id", flat=True)) == sorted(
        m.user.pk for m in team.members
    )
    assert set(rows.values_list("kind", flat=True)) == {"before-7"}
    # One email each (the day's reminders come together), naming the manager and the stage.
    sent = [
        m for m in mail.outbox if f"Upward feedback on your FRO — {team.manager.user}" in m.body
    ]
    assert sorted(m.to[0] for m in sent) == sorted(m.user.email for m in team.members)
    # The same day again: nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        sweep(closes - D(7))
    assert rows.count() == 5
    # Answered in between: the next milestone reminds the other four only.
    answer(rated, team.members[0])
    sweep(closes - D(1))
    assert rows.filter(kind="before-1").count() == 4
    assert not rows.filter(kind="before-1", recipient=team.members[0].user).exists()
    # After the window: no overdue reminders and nobody escalated to.
    sweep(closes + D(3))
    assert not rows.filter(kind__startswith="overdue").exists()
    assert set(rows.values_list("recipient_id", flat=True)) <= {m.user.pk for m in team.members}


def test_a_closed_or_switched_off_campaign_reminds_nobody():
    team = make_team(5)
    launch(team)
    opens, _ = _window(team)
    settings = FeedbackSettings.objects.get(cycle=team.cycle)
    settings.upward_enabled = False
    settings.save()
    assert _upward(opens) == []
    other = make_team(5)
    launch(other)
    other_opens, other_closes = _window(other)
    with time_machine.travel(other_closes + D(1)):
        services.close_finished_campaigns()
    assert _upward(other_opens) == []

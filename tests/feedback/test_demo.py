"""The demo organisation has an open upward-feedback campaign: the demo FRO's results shown
(comments too), the demo additional supervisor's below the minimum, a task for the demo
staff member, and results on an evaluation the demo SRO reads; colleague feedback at each
step."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from compliance.selectors import my_tasks
from demo.organisation import DEMO_LOGINS
from feedback.models import (
    Campaign,
    ColleagueRequest,
    ColleagueRound,
    Participation,
    RatedManager,
    RecognitionNote,
)
from feedback.selectors import entity_results, results_of
from org.models import User
from org.selectors import current_cycle
from workplans.models import WorkPlan

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_upward_feedback(client):
    call_command("seed_demo", staff=300, password="demo-pass-2026")
    login = {role: User.objects.get(email=email) for role, email in DEMO_LOGINS.items()}
    campaign = Campaign.objects.get()
    assert campaign.state == Campaign.State.OPEN and campaign.launched_by == login["hr_focal_point"]
    fro = results_of(RatedManager.objects.get(manager_id=login["fro"].pk))
    assert fro.visible
    below = results_of(RatedManager.objects.get(manager_id=login["additional_supervisor"].pk))
    assert (below.visible, below.answered) == (False, 3)
    assert entity_results(campaign).visible
    tasks = my_tasks(login["staff"], current_cycle())
    assert [t.url_name for t in tasks].count("feedback:upward-answer") == 1
    # The demo SRO reads a rated manager's results on that manager's evaluation.
    shown = RatedManager.objects.filter(counted__gt=0).exclude(manager_id=login["fro"].pk).get()
    document = WorkPlan.objects.get(staff_id=shown.manager_id, cycle=campaign.cycle)
    client.force_login(login["sro"])
    page = client.get(reverse("appraisals:evaluation", args=[document.pk])).content.decode()
    assert f"Upward feedback on {shown.manager.user}" in page
    # Colleague feedback at each step, one list a probationer's, one request for a demo login.
    rounds = {r.state: r for r in ColleagueRound.objects.select_related("document__staff")}
    assert set(rounds) == {"draft", "submitted", "confirmed"}
    assert rounds["submitted"].document.staff.on_probation
    assert rounds["draft"].document.staff.user == login["staff"]
    states = sorted(rounds["confirmed"].requests.values_list("state", flat=True))
    assert states == ["answered", "answered", "asked", "declined"]
    labels = [t.label for t in my_tasks(login["staff_representative"], current_cycle())]
    assert any(label.startswith("Give feedback on the work of") for label in labels)
    labels = [t.label for t in my_tasks(login["fro"], current_cycle())]
    assert any(label.startswith("Confirm the colleagues") for label in labels)
    # Recognition: notes to the demo staff member, one attached, one the FRO may withdraw.
    received = RecognitionNote.objects.filter(recipient_id=login["staff"].pk)
    assert received.count() == 3
    assert received.get(state="attached").document.cycle == campaign.cycle
    assert received.filter(sender=login["fro"], state="sent").exists()
    assert RecognitionNote.objects.count() > 10
    counts = (
        Participation.objects.count(),
        ColleagueRequest.objects.count(),
        RecognitionNote.objects.count(),
    )
    call_command("seed_demo", staff=300, password="demo-pass-2026")
    assert (
        Participation.objects.count(),
        ColleagueRequest.objects.count(),
        RecognitionNote.objects.count(),
    ) == counts

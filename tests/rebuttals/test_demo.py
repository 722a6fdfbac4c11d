"""The demo organisation has published rosters and rebuttal cases at every step."""

import pytest
from django.core.management import call_command

from compliance.selectors import my_tasks
from demo.organisation import DEMO_LOGINS
from org.models import User
from org.selectors import current_cycle
from rebuttals.models import PanelRoster, RebuttalCase
from rebuttals.selectors import roster_problems

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_rosters_and_cases(capsys):
    call_command("seed_demo", staff=300, password="demo-pass-2026")
    rosters = PanelRoster.objects.all()
    assert rosters.exists()
    for roster in rosters:
        assert roster.is_published
        assert roster_problems(roster) == []
    assert set(RebuttalCase.objects.values_list("state", flat=True)) == {
        "filed",
        "replied",
        "reported",
        "forwarded",
    }
    hod = User.objects.get(email=DEMO_LOGINS["hod"])
    assert any("Reply to the rebuttal" in t.label for t in my_tasks(hod, current_cycle()))
    counts = (PanelRoster.objects.count(), RebuttalCase.objects.count())
    call_command("seed_demo", staff=300, password="demo-pass-2026")
    assert (PanelRoster.objects.count(), RebuttalCase.objects.count()) == counts

"""French in Chromium: a staff member switches the site to French from the footer, drafts a
work plan whose form comes back with an error in French without losing the typed dates, reads
the dates in French, and switches back; the choice follows them to their next sign-in."""

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.steps import GOALS, build_team
from tests.factories import WorkPlanFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def fr(text: str) -> str:
    """The French the catalogue has for `text` (the page must show exactly that; some words,
    such as "Description", are the same in both languages)."""
    with translation.override("fr"):
        return gettext(text)


def test_staff_member_works_in_french_and_back(sign_in):
    team = build_team()
    work_plan = WorkPlanFactory(staff=team.staff, cycle=team.cycle)
    page = sign_in(team.staff.user)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="My tasks")).to_be_visible()

    page.get_by_role("contentinfo").get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    nav = page.get_by_role("navigation", name="Menu principal")
    expect(nav.get_by_role("link", name="Mes tâches")).to_be_visible()
    expect(nav.get_by_role("link", name="Mon plan de travail")).to_be_visible()
    team.staff.user.refresh_from_db()
    assert team.staff.user.language == "fr"
    assert_accessible(page)

    # A form sent back with an error keeps what was typed, dates included, in French.
    page.goto(f"/workplans/{work_plan.pk}/edit/")
    goal_1 = page.get_by_role("group", name=fr("Goal %(number)s") % {"number": 1}, exact=True)
    goal_1.get_by_label(fr("Description")).fill("Une description sans intitulé.")
    goal_2 = page.get_by_role("group", name=fr("Goal %(number)s") % {"number": 2}, exact=True)
    goal_2.get_by_label(fr("Title"), exact=True).fill(GOALS[1]["title"])
    goal_2.get_by_label(fr("Expected by")).fill(GOALS[1]["expected_date"])
    page.get_by_role("button", name=fr("Save draft")).click()
    expect(
        page.get_by_text(fr("Some entries need correcting: nothing was saved yet."))
    ).to_be_visible()
    expect(goal_1).to_contain_text(fr("Give the goal a title (or clear the whole goal)."))
    expect(goal_2.get_by_label(fr("Expected by"))).to_have_value("2026-12-15")
    expect(goal_1.get_by_label(fr("Description"))).to_have_value("Une description sans intitulé.")
    assert_accessible(page)

    goal_1.get_by_label(fr("Title"), exact=True).fill("Clôturer les comptes 2026")
    page.get_by_role("button", name=fr("Save draft")).click()
    expect(page.get_by_text(fr("Saved."), exact=True)).to_be_visible()
    page.goto(f"/workplans/{work_plan.pk}/")
    expect(page.get_by_role("region", name=fr("Goals"), exact=True)).to_contain_text("15 déc. 2026")

    # The next sign-in, in a fresh browser, is in French too; the switch takes them back.
    again = sign_in(team.staff.user)
    expect(again.get_by_role("link", name="Mes tâches")).to_be_visible()
    again.get_by_role("contentinfo").get_by_role("button", name="English").click()
    expect(
        again.get_by_role("navigation", name="Main").get_by_role("link", name="My tasks")
    ).to_be_visible()
    expect(again.locator("html")).to_have_attribute("lang", "en")

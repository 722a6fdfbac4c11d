"""Upward feedback journey (issue 15): a supervisee gives anonymous feedback on their FRO from
My tasks, the fifth answer of the team; the FRO's own SRO then reads the results, as totals
and means and nobody's name, on the FRO's end-of-cycle evaluation."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from feedback import services
from feedback.models import RatedManager, UpwardQuestion
from org.models import DepartmentRole
from tests.appraisals.helpers import make_document_at
from tests.browser.steps import build_team, person, user
from tests.factories import DepartmentRoleFactory, ReportingLineFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_supervisee_answers_and_the_managers_sro_reads_the_results(sign_in):
    team = build_team()
    manager = team.fro
    boss = person("Helena", "Moreau", team.section)
    second = person("Kofi", "Mensah", team.section)
    ReportingLineFactory(staff=manager, cycle=team.cycle, fro=boss, sro=second)
    colleagues = [person("Colleague", name, team.section) for name in ("Ana", "Ben", "Cy", "Di")]
    for colleague in colleagues:
        ReportingLineFactory(staff=colleague, cycle=team.cycle, fro=manager, sro=team.sro)
    hr = user("Hiro", "Tanaka")
    DepartmentRoleFactory(entity=team.entity, user=hr, role=DepartmentRole.Role.HR_FOCAL_POINT)
    settings = services.feedback_settings(team.cycle)
    today = datetime.date.today()
    settings.upward_opens_on = today - datetime.timedelta(days=3)
    settings.upward_closes_on = today + datetime.timedelta(days=20)
    settings.save()
    services.launch_campaign(entity=team.entity, cycle=team.cycle, actor=hr)
    rated = RatedManager.objects.get(manager=manager)
    questions = list(UpwardQuestion.objects.filter(cycle=team.cycle))
    for colleague in colleagues:
        services.give_upward_feedback(
            rated=rated, actor=colleague.user, answers={q.pk: 3 for q in questions}
        )
    document = make_document_at("sro_review", staff=manager, cycle=team.cycle)

    page = sign_in(team.staff.user)
    page.get_by_role("link", name="Give your anonymous feedback on Farid Osei").click()
    expect(page.get_by_role("heading", name="Your feedback on Farid Osei")).to_be_visible()
    for question in questions:
        page.get_by_role("group", name=question.text).get_by_label("5", exact=True).check()
    page.get_by_role("group", name=questions[0].text).get_by_label("Comment (optional)").fill(
        "Always explains why a deadline matters."
    )
    page.get_by_role("button", name="Send my anonymous feedback").click()
    expect(page.get_by_text("your feedback on Farid Osei is recorded")).to_be_visible()
    expect(page.get_by_text("answered", exact=True)).to_be_visible()

    sro_page = sign_in(second.user)
    sro_page.goto(f"/appraisals/{document.pk}/")
    section = sro_page.get_by_role("region", name="Upward feedback on Farid Osei")
    expect(section).to_contain_text("5 answers counted")
    # Four threes and a five: the mean of every question is 3.4.
    expect(section.get_by_role("row").nth(1)).to_contain_text("3.4")
    # Five answers: comments wait until more than five are counted; nobody is named.
    expect(section).not_to_contain_text("Always explains")
    for name in ("Amina Diallo", "Colleague"):
        expect(section).not_to_contain_text(name)

"""Colleague feedback and recognition journeys (issue 15): a staff member on probation names
three colleagues and sends the list, the FRO confirms it from My tasks, a colleague answers
from theirs and the FRO reads the signed answer; a colleague sends a note of recognition, the
staff member attaches it to their document and it is in the document's PDF."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from org.models import StaffMember
from tests.browser.steps import build_team, person
from tests.factories import WorkPlanFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_probationers_colleagues_answer_and_the_fro_reads_it(sign_in):
    team = build_team()
    StaffMember.objects.filter(pk=team.staff.pk).update(on_probation=True)
    document = WorkPlanFactory(staff=team.staff, cycle=team.cycle)
    colleagues = [person(first, "Colleague", team.section) for first in ("Ana", "Ben", "Cy")]

    staff_page = sign_in(team.staff.user)
    staff_page.get_by_role("navigation", name="Main").get_by_role("link", name="Feedback").click()
    staff_page.get_by_role("link", name="Ask colleagues for feedback on your work").click()
    for colleague in colleagues:
        staff_page.get_by_label("Email of the colleague or person served").fill(
            colleague.user.email
        )
        staff_page.get_by_role("button", name="Add to the list").click()
        expect(staff_page.get_by_text("Colleague added to the list.")).to_be_visible()
    staff_page.get_by_role("button", name="Send the list to my FRO").click()
    expect(staff_page.get_by_text("List sent to your FRO for confirmation.")).to_be_visible()

    fro_page = sign_in(team.fro.user)
    fro_page.get_by_role(
        "link", name="Confirm the colleagues asked for feedback on Amina Diallo"
    ).click()
    fro_page.get_by_role("button", name="Confirm and ask them").click()
    expect(fro_page.get_by_text("List confirmed")).to_be_visible()

    colleague_page = sign_in(colleagues[0].user)
    colleague_page.get_by_role("link", name="Give feedback on the work of Amina Diallo").click()
    colleague_page.get_by_label("Strengths").fill("Her reconciliations are always on time.")
    colleague_page.get_by_label("Areas to develop").fill("Could share drafts earlier.")
    colleague_page.get_by_role("button", name="Sign and send").click()
    expect(colleague_page.get_by_text("your feedback is signed and sent")).to_be_visible()

    fro_page.goto(f"/feedback/documents/{document.pk}/colleagues/")
    answers = fro_page.get_by_role("region", name="Colleague feedback")
    expect(answers).to_contain_text("Her reconciliations are always on time.")
    expect(answers).to_contain_text("Signed by Ana Colleague")


def test_a_note_of_recognition_is_sent_attached_and_in_the_pdf(sign_in):
    team = build_team()
    document = WorkPlanFactory(staff=team.staff, cycle=team.cycle)
    colleague = person("Bruno", "Costa", team.section)

    page = sign_in(colleague.user)
    page.goto("/feedback/recognition/")
    page.get_by_label("Email of the colleague").fill(team.staff.user.email)
    page.get_by_label("Value or competency").select_option(label="Integrity")
    page.get_by_label("Your note").fill("Flagged the error in the ledger before the audit.")
    page.get_by_role("button", name="Send the note").click()
    expect(page.get_by_text("Note sent to Amina Diallo.")).to_be_visible()

    staff_page = sign_in(team.staff.user)
    staff_page.goto("/feedback/recognition/")
    received = staff_page.get_by_role("region", name="Notes you received")
    expect(received).to_contain_text("Flagged the error in the ledger")
    received.get_by_role("button", name="Attach").click()
    expect(staff_page.get_by_text("Note attached to your document.")).to_be_visible()

    fro_page = sign_in(team.fro.user)
    response = fro_page.request.get(f"/appraisals/{document.pk}/pdf/")
    assert response.ok
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert "Flagged the error in the ledger before the audit." in text

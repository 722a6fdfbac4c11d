"""The review board on an ILO cycle in Chromium (issue 16, parts 3 and 4): the cycle comes from
the ILO profile (`create_cycle(profile="ilo")`: a biennium, three overall levels, every signed
stage routed to the board). A member finds a completed ILO appraisal, reads it with its
three-level rating, records a comment; the FRO reads it on the appraisal."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.board.test_board import setup
from tests.browser.conftest import assert_accessible
from tests.builders import build_document
from tests.factories import StaffMemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The ILO's overall levels, highest first.
ILO_LEVELS = [
    "Consistently exceeds performance requirements",
    "Fully meets performance requirements",
    "Does not fully meet performance requirements",
]
FULLY_MEETS = ILO_LEVELS[1]
UN_LEVELS = ("Successfully meets", "Exceeds performance expectations", "Partially meets")


def test_a_board_member_comments_on_a_completed_ilo_appraisal_and_the_fro_reads_it(sign_in):
    cycle, unit, fro, sro, member, _ = setup(profile="ilo")
    assert (cycle.start.month, cycle.start.day, cycle.end.year - cycle.start.year) == (1, 1, 1)
    completed = build_document(
        "completed",
        staff=StaffMemberFactory(unit=unit),
        cycle=cycle,
        fro=fro,
        sro=sro,
        overall="FM",
        goal="FMT",
        competency="FMT",
    )
    name = str(completed.staff.user)

    board = sign_in(member)
    board.get_by_role("navigation", name="Main").get_by_role("link", name="Review board").click()
    board.get_by_role("link", name=unit.parent.code).click()
    # The consistency view counts the cycle's three levels, not the UN's four.
    expect(board.locator("#consistency-fros thead th")).to_contain_text(ILO_LEVELS)
    for label in UN_LEVELS:
        expect(board.locator("#consistency-fros")).not_to_contain_text(label)
    board.locator("#board-documents").get_by_role("link", name=name).click()
    board.get_by_role("link", name="Read the evaluation").click()
    expect(board.get_by_role("heading", name="End-of-cycle evaluation Completed")).to_be_visible()
    expect(board.get_by_text(f"Final rating: {FULLY_MEETS}")).to_be_visible()
    expect(board.get_by_text("Fully met", exact=True).first).to_be_visible()  # an output's rating
    for label in UN_LEVELS:
        expect(board.locator("main")).not_to_contain_text(label)
    assert_accessible(board)
    board.go_back()
    board.get_by_label("Comment", exact=True).check()
    board.get_by_label("Text").fill("The outputs' ratings support 'fully meets'; well argued.")
    board.get_by_role("button", name="Send to the board's record").click()
    expect(board.get_by_text("The board's comment is recorded.")).to_be_visible()
    expect(board.get_by_role("region", name="The board's comments")).to_contain_text("well argued")

    officer = sign_in(fro.user)
    officer.goto(f"/appraisals/{completed.pk}/")
    expect(officer.get_by_text(f"Final rating: {FULLY_MEETS}")).to_be_visible()
    section = officer.get_by_role("region", name="The review board")
    expect(section).to_contain_text("The outputs' ratings support 'fully meets'; well argued.")

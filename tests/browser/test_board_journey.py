"""The review board in Chromium (issue 16, part 3): a member finds a completed evaluation
routed to the board, reads it, records a recommendation on it and one on the FRO's ratings;
the FRO reads both on the evaluation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.board.test_board import doc, setup
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_board_member_comments_on_a_completed_evaluation_and_the_fro_reads_it(sign_in):
    cycle, unit, fro, sro, member, _ = setup()
    completed = doc("completed", cycle, unit, fro, sro, overall="PM")
    name = str(completed.staff.user)

    board = sign_in(member)
    board.get_by_role("navigation", name="Main").get_by_role("link", name="Review board").click()
    board.get_by_role("link", name=unit.parent.code).click()
    expect(board.locator("#consistency-fros")).to_contain_text(str(fro.user))
    assert_accessible(board)
    board.locator("#board-documents").get_by_role("link", name=name).click()
    board.get_by_role("link", name="Read the evaluation").click()
    expect(board.get_by_role("heading", name="End-of-cycle evaluation Completed")).to_be_visible()
    board.go_back()
    assert_accessible(board)
    board.get_by_label("Recommendation").check()
    board.get_by_label("Text").fill("Name the evidence behind the rating in the comments.")
    board.get_by_role("button", name="Send to the board's record").click()
    expect(board.get_by_text("The board's comment is recorded.")).to_be_visible()
    expect(board.get_by_role("region", name="The board's comments")).to_contain_text(
        "Name the evidence behind the rating"
    )

    officer = sign_in(fro.user)
    officer.goto(f"/appraisals/{completed.pk}/")
    section = officer.get_by_role("region", name="The review board")
    expect(section).to_contain_text("Recommendation")
    expect(section).to_contain_text("Name the evidence behind the rating in the comments.")

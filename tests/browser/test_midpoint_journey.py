"""Mid-point review in Chromium on an approved work plan (docs/rules.md §3 steps 3-5): the staff
member starts it, writes and signs their comments; the FRO adds comments and finalises."""

import pytest
from playwright.sync_api import expect

from tests.browser.steps import build_team, open_task
from tests.factories import WorkPlanFactory
from tests.workplans.helpers import make_approved_work_plan
from workplans.models import MidpointReview

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def midpoint_badge(page):
    return page.get_by_role("heading", level=2, name="Mid-point review").locator(".badge")


def test_staff_starts_comments_and_signs_then_fro_comments_and_finalises(sign_in):
    team = build_team()
    document = make_approved_work_plan(
        work_plan=WorkPlanFactory(staff=team.staff, cycle=team.cycle)
    )

    staff_page = sign_in(team.staff.user)
    open_task(staff_page, "Enter your mid-point review comments")
    expect(midpoint_badge(staff_page)).to_have_text("Not started")
    tabs = staff_page.get_by_role("navigation", name="Document")
    expect(tabs.get_by_role("link", name="Mid-point review")).to_have_attribute(
        "aria-current", "page"
    )
    expect(tabs.locator("[aria-current]")).to_have_count(1)
    staff_page.get_by_role("button", name="Start the mid-point review").click()
    expect(staff_page.get_by_text("Mid-point review started.")).to_be_visible()
    expect(midpoint_badge(staff_page)).to_have_text("Open for the staff member's comments")

    staff_page.get_by_label("Your comments").fill("Goals 1 and 2 are on track.")
    staff_page.get_by_role("button", name="Save", exact=True).click()
    expect(staff_page.get_by_text("Comments saved.")).to_be_visible()
    comments = staff_page.get_by_label("Your comments")
    expect(comments).to_have_value("Goals 1 and 2 are on track.")
    comments.fill("Goals 1 and 2 are on track; goal 3 waits for the new reporting tool.")
    staff_page.get_by_role("button", name="Sign and send to FRO").click()
    expect(staff_page.get_by_text("Your comments are signed and sent to your FRO.")).to_be_visible()
    expect(midpoint_badge(staff_page)).to_have_text("Awaiting the FRO's comments")
    # Signed: the staff member's part is read-only now.
    expect(staff_page.get_by_label("Your comments")).to_have_count(0)
    expect(staff_page.get_by_text("goal 3 waits for the new reporting tool")).to_be_visible()

    fro_page = sign_in(team.fro.user)
    open_task(fro_page, "Comment on and finalise the mid-point review of Amina Diallo")
    expect(midpoint_badge(fro_page)).to_have_text("Awaiting the FRO's comments")
    staff_part = fro_page.locator("section", has=fro_page.get_by_text("Staff member's comments"))
    expect(staff_part).to_contain_text("goal 3 waits for the new reporting tool")
    fro_page.get_by_label("Your comments").fill("Agreed. Ask IT for the reporting tool by January.")
    fro_page.get_by_role("button", name="Sign and finalise").click()
    expect(fro_page.get_by_text("Mid-point review finalised and signed.")).to_be_visible()

    for page in (fro_page, staff_page):
        page.reload()
        expect(midpoint_badge(page)).to_have_text("Finalised")
        expect(page.get_by_text("signed and read-only")).to_be_visible()
        expect(
            page.get_by_text("Agreed. Ask IT for the reporting tool by January.")
        ).to_be_visible()
        expect(page.locator("main form")).to_have_count(0)
        expect(page.get_by_role("textbox")).to_have_count(0)

    midpoint = MidpointReview.objects.get(work_plan=document)
    assert midpoint.state == MidpointReview.State.FINALISED
    assert midpoint.fro_comments == "Agreed. Ask IT for the reporting tool by January."

    staff_page.get_by_role("navigation", name="Document").get_by_role(
        "link", name="Work plan"
    ).click()
    timeline = staff_page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text("Mid-point review started · Amina Diallo")
    signatures = staff_page.get_by_role("region", name="Signatures").locator("tbody tr")
    expect(signatures.filter(has_text="Mid-point review")).to_have_count(2)

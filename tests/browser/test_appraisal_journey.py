"""A whole cycle in Chromium with four people and HR (docs/rules.md §3 steps 1-2 and 6-9, then a
roll-back): work plan, additional supervisor, self-evaluation, supervisor's comments, FRO
ratings, SRO approval, acknowledgement; HR rolls the evaluation back on the SRO's written
request and the FRO signs again."""

import re

import pytest
from playwright.sync_api import Page, expect

from appraisals.models import Appraisal
from org.models import DepartmentRole
from pmsystem.models import Signature
from tests.appraisals.helpers import level
from tests.browser.steps import (
    build_team,
    choose_level_by_keyboard,
    counting_clicks,
    create_and_submit_work_plan,
    enrol_totp,
    open_task,
    type_by_keyboard,
    user,
)
from tests.factories import DepartmentRoleFactory
from workplans.models import WorkPlan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


SUPERVISOR_COMMENT = "Amina led the budget workshops for our division with great care."


def evaluation_badge(page: Page):
    return page.get_by_role("heading", level=2, name="End-of-cycle evaluation").locator(".badge")


def rate_and_sign(page: Page, overall_comment: str) -> None:
    """The FRO's rating grid from the keyboard: Tab into each row, the arrow keys to its
    level, Tab to its comments and type; the overall rating and comments; then the one click
    on "Sign and send to SRO"."""
    form = page.locator("form", has=page.get_by_role("heading", name="Your evaluation as FRO"))
    groups = form.get_by_role("group")
    # 3 goals, 3 core values, 3 chosen competencies, the overall rating; no list to open.
    expect(groups).to_have_count(10)
    expect(form.get_by_role("combobox")).to_have_count(0)
    for index in range(9):
        group = groups.nth(index)
        is_goal = group.locator("legend").inner_text().startswith("Goal ")
        expect(group.get_by_role("radio")).to_have_count(4)
        choose_level_by_keyboard(
            page,
            group,
            "Successfully meets performance expectations" if is_goal else "Fully competent",
        )
        type_by_keyboard(page, group.get_by_label("Comments"), f"Comment {index + 1} of the FRO.")
    overall = form.get_by_role("group", name="Overall rating")
    choose_level_by_keyboard(page, overall, "Successfully meets performance expectations")
    type_by_keyboard(page, overall.get_by_label("Overall comments"), overall_comment)
    form.get_by_role("button", name="Sign and send to SRO").click()
    expect(page.get_by_text("Evaluation signed and sent to the SRO.")).to_be_visible()
    expect(evaluation_badge(page)).to_have_text("SRO review")


def test_full_cycle_with_four_people_then_hr_rolls_back_and_the_fro_signs_again(
    sign_in, mailoutbox
):
    team = build_team(midpoint_required=False, rollback_completed_allowed=True)
    supervisor = user("Grace", "Mensah")
    hr = DepartmentRoleFactory(
        entity=team.entity, user=user("Hana", "Kim"), role=DepartmentRole.Role.HR_FOCAL_POINT
    ).user

    # Steps 1-2: the work plan, drafted and submitted by the staff member, approved by the FRO.
    staff_page = sign_in(team.staff.user)
    create_and_submit_work_plan(staff_page)
    fro_page = sign_in(team.fro.user)
    open_task(fro_page, "Approve the work plan of Amina Diallo")
    fro_page.get_by_role("button", name="Approve and sign").click()
    expect(fro_page.get_by_text("Work plan approved.")).to_be_visible()

    # The staff member proposes an additional supervisor, who accepts.
    staff_page.reload()
    supervisors = staff_page.get_by_role("region", name="Additional supervisors")
    supervisors.get_by_label("Email of the additional supervisor").fill(supervisor.email)
    supervisors.get_by_role("button", name="Propose").click()
    expect(
        staff_page.get_by_text("Request sent: the supervisor will accept or decline.")
    ).to_be_visible()
    expect(supervisors.get_by_role("listitem")).to_have_text(
        [re.compile("Grace Mensah — Proposed")]
    )
    supervisor_page = sign_in(supervisor)
    open_task(supervisor_page, "Answer Amina Diallo's request to be an additional supervisor")
    supervisor_page.get_by_role("button", name="Accept").click()
    expect(supervisor_page.get_by_text("Accepted.", exact=True)).to_be_visible()
    staff_page.reload()
    expect(supervisors.get_by_role("listitem")).to_have_text(
        [re.compile("Grace Mensah — Accepted")]
    )

    # Step 6: the staff member starts the evaluation and signs the self-evaluation.
    staff_page.get_by_role("navigation", name="Document").get_by_role(
        "link", name="End-of-cycle evaluation"
    ).click()
    expect(evaluation_badge(staff_page)).to_have_text("Not started")
    staff_page.get_by_role("button", name="Start the end-of-cycle evaluation").click()
    expect(staff_page.get_by_text("End-of-cycle evaluation started.")).to_be_visible()
    expect(evaluation_badge(staff_page)).to_have_text("Self-evaluation")
    self_form = staff_page.locator("form", has_text="Your self-evaluation")
    # Only the form: no read-only copy of the (still empty) evaluation under it.
    expect(staff_page.get_by_role("table")).to_have_count(0)
    for field in self_form.get_by_role("textbox").all()[:-1]:
        field.fill("Done as planned, with the evidence in the shared drive.")
    self_form.get_by_label("Overall self-assessment").fill("A demanding year; all three goals met.")
    self_form.get_by_role("button", name="Sign and send to FRO").click()
    expect(staff_page.get_by_text("Self-evaluation signed and sent to your FRO.")).to_be_visible()
    expect(evaluation_badge(staff_page)).to_have_text("FRO evaluation")

    # The additional supervisor gives their comments; they never rate.
    with counting_clicks() as clicks:
        open_task(supervisor_page, "Give your comments on Amina Diallo's year")
        supervisor_page.get_by_label("Comments").fill(SUPERVISOR_COMMENT)
        expect(supervisor_page.get_by_role("combobox")).to_have_count(0)
        supervisor_page.get_by_role("button", name="Save comments").click()
        expect(
            supervisor_page.get_by_text("Your comments are saved; the FRO sees them before rating.")
        ).to_be_visible()
    assert clicks.count == 3, clicks

    # Step 7: from My tasks, where signing in lands them, the FRO opens the evaluation, reads
    # the supervisor's comments, rates and comments every row of the grid from the keyboard
    # and signs: two clicks (the task, the signature; keys count none, see steps.POINTER_ACTIONS).
    with counting_clicks() as clicks:
        open_task(fro_page, "Evaluate and rate Amina Diallo")
        expect(
            fro_page.locator("section", has_text="Additional supervisors' comments")
        ).to_contain_text(f"Grace Mensah: {SUPERVISOR_COMMENT}")
        rate_and_sign(fro_page, "A solid year: the budget proposal was on time.")
    assert clicks.count <= 5, clicks
    assert clicks.count == 2, clicks

    # Step 8: the SRO approves: the task, the comment field, the signature.
    sro_page = sign_in(team.sro.user)
    with counting_clicks() as clicks:
        open_task(sro_page, "Approve the evaluation of Amina Diallo")
        sro_page.get_by_label("Comments (optional)").fill("Agreed with the FRO.")
        sro_page.get_by_role("button", name="Approve and sign").click()
        expect(sro_page.get_by_text("Evaluation approved and signed.")).to_be_visible()
    assert clicks.count <= 5, clicks
    expect(evaluation_badge(sro_page)).to_have_text("Awaiting acknowledgement")

    # Step 9: the staff member acknowledges; the document is complete.
    with counting_clicks() as clicks:
        open_task(staff_page, "Read and acknowledge your evaluation")
        expect(staff_page.get_by_text("Agreed with the FRO.")).to_be_visible()
        staff_page.get_by_label("Your final comments (optional)").fill("Thank you both.")
        staff_page.get_by_role("button", name="Sign and complete").click()
        expect(
            staff_page.get_by_text("You signed your evaluation: the document is complete.")
        ).to_be_visible()
    assert clicks.count == 3, clicks
    expect(evaluation_badge(staff_page)).to_have_text("Completed")
    expect(staff_page.get_by_role("status").last).to_contain_text(
        "Final rating: Successfully meets performance expectations"
    )

    # HR rolls the evaluation back to the FRO on the SRO's written request.
    document = WorkPlan.objects.get(staff=team.staff)
    mailoutbox.clear()
    hr_page = sign_in(hr, totp_secret=enrol_totp(hr))
    # From the document to the roll-back done: the tab, the stage, the requester, the
    # reason, the button (radio buttons, nothing preselected: HR chooses deliberately).
    hr_page.goto(f"/workplans/{document.pk}/")
    with counting_clicks() as clicks:
        hr_page.get_by_role("navigation", name="Document").get_by_role(
            "link", name="Roll back"
        ).click()
        stage = hr_page.get_by_role("group", name="Return the document to")
        requester = hr_page.get_by_role("group", name="Written request from")
        expect(stage.get_by_role("radio")).to_have_count(4)
        expect(hr_page.get_by_role("radio", checked=True)).to_have_count(0)
        expect(stage.locator("label")).to_have_text(
            ["Work plan (back to draft)", "Self-evaluation", "FRO evaluation", "SRO review"]
        )
        expect(requester.locator("label")).to_have_text(["Farid Osei (FRO)", "Sofia Rossi (SRO)"])
        stage.get_by_label("FRO evaluation").check()
        requester.get_by_label("Sofia Rossi (SRO)").check()
        hr_page.get_by_label("Reason (as given in the written request)").fill(
            "The SRO's memo of 2 May: goal 3 was rated before the training took place."
        )
        hr_page.get_by_role("button", name="Roll back").click()
        expect(
            hr_page.get_by_text("Document rolled back; the staff member and officers are told.")
        ).to_be_visible()
    assert clicks.count <= 5, clicks
    assert sorted(address for m in mailoutbox for address in m.to) == sorted(
        u.email for u in (team.staff.user, team.fro.user, team.sro.user)
    )

    # Back at the FRO's stage, the FRO's ratings are there to amend: goal 3 is re-rated and
    # the FRO signs a second time, with the mouse this time: the task, the level, the overall
    # comments, the signature.
    with counting_clicks() as clicks:
        open_task(fro_page, "Evaluate and rate Amina Diallo")
        expect(evaluation_badge(fro_page)).to_have_text("FRO evaluation")
        # Why it came back, above everything else on the page: who, when, the reason.
        notice = fro_page.get_by_role("region", name="This document was rolled back")
        expect(notice).to_contain_text("By Hana Kim, ")
        expect(notice).to_contain_text("at the request of the SRO, Sofia Rossi")
        expect(notice).to_contain_text("goal 3 was rated before the training took place")
        goal_3 = fro_page.get_by_role("group", name="Goal 3: Train two colleagues")
        rated = goal_3.get_by_role("radio", name="Successfully meets performance expectations")
        expect(rated).to_be_checked()
        expect(rated).to_have_value(str(level(document, "goal", "SM").pk))
        goal_3.get_by_role("radio", name="Exceeds performance expectations").check()
        fro_page.get_by_label("Overall comments").fill("Goal 3 re-rated after the training.")
        fro_page.get_by_role("button", name="Sign and send to SRO").click()
        expect(fro_page.get_by_text("Evaluation signed and sent to the SRO.")).to_be_visible()
    assert clicks.count == 4, clicks
    expect(notice).to_have_count(0)
    expect(evaluation_badge(fro_page)).to_have_text("SRO review")
    expect(fro_page.locator("section", has_text="Roll-backs")).to_contain_text(
        "rolled back to FRO evaluation at the written request of Sofia Rossi (SRO)"
    )

    fro_page.get_by_role("navigation", name="Document").get_by_role(
        "link", name="Work plan"
    ).click()
    timeline = fro_page.get_by_role("region", name="Timeline").get_by_role("listitem")
    expect(timeline.nth(-3)).to_contain_text(
        "Rolled back to FRO evaluation at the request of the SRO, Sofia Rossi "
        "(3 signatures voided) · Hana Kim"
    )
    expect(timeline.nth(-2)).to_contain_text("Ratings changed (1) · Farid Osei")
    expect(timeline.nth(-2)).to_contain_text(
        "Train two colleagues on the reporting tool: Successfully meets performance expectations → "
        "Exceeds performance expectations"
    )
    expect(timeline.nth(-1)).to_contain_text("Sign evaluation (FRO) · Farid Osei")
    rows = fro_page.get_by_role("region", name="Signatures").locator("tbody tr")
    expect(rows).to_have_count(7)
    voided = rows.filter(has_text="voided")
    expect(voided).to_have_count(3)
    expect(voided).to_have_class(["voided"] * 3)
    expect(voided.nth(0)).to_contain_text("Farid Osei")
    expect(voided.nth(1)).to_contain_text("Sofia Rossi")
    expect(voided.nth(2)).to_contain_text("Amina Diallo")
    second_fro_signature = rows.last
    expect(second_fro_signature).to_contain_text("Farid Osei")
    expect(second_fro_signature).not_to_contain_text("voided")
    expect(second_fro_signature).not_to_have_class(re.compile("voided"))

    appraisal = Appraisal.objects.get(document=document)
    assert appraisal.state == Appraisal.State.SRO_REVIEW
    fro_signatures = Signature.objects.filter(document=document, stage="fro_evaluation")
    assert [s.voided_at is None for s in fro_signatures.order_by("signed_at")] == [False, True]

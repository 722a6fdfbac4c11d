"""Rebuttal in Chromium (docs/rules.md section 4): a staff member rated "Partially meets performance
expectations" files a rebuttal with a PDF, the HOD replies, HR constitutes the panel from the
published roster (the FRO, who is on it, is not offered), the chair records a raised rating
and HR forwards the report; the evaluation then shows the panel's rating as final and keeps
the original visible."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from org.models import DepartmentRole
from rebuttals import services
from rebuttals.models import Group, RebuttalCase
from tests.browser.conftest import RESULTS_DIR
from tests.browser.steps import (
    build_team,
    counting_clicks,
    enrol_totp,
    open_task,
    person,
    user,
)
from tests.factories import DepartmentRoleFactory, WorkPlanFactory
from tests.rebuttals.helpers import rebuttable_document

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

# A small, well-formed PDF: what a staff member attaches as evidence.
MEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
SM = "Successfully meets performance expectations"
PM = "Partially meets performance expectations"


def screenshot(page: Page, name: str) -> None:
    RESULTS_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS_DIR / f"rebuttal-journey-{name}.png"), full_page=True)


def case_badge(page: Page):
    return page.get_by_role("heading", level=1).locator(".badge")


def test_staff_files_hod_replies_hr_constitutes_chair_raises_hr_forwards(sign_in):
    team = build_team()
    document = rebuttable_document(work_plan=WorkPlanFactory(staff=team.staff, cycle=team.cycle))
    entity = team.entity
    hod = DepartmentRoleFactory(
        entity=entity, user=user("Helen", "Okafor"), role=DepartmentRole.Role.HOD
    ).user
    hr = DepartmentRoleFactory(
        entity=entity, user=user("Ravi", "Menon"), role=DepartmentRole.Role.HR_FOCAL_POINT
    ).user
    rep = DepartmentRoleFactory(
        entity=entity,
        user=user("Lucia", "Fernandez"),
        role=DepartmentRole.Role.STAFF_REPRESENTATIVE,
    ).user

    # The published roster: the FRO sits in the HOD-designated group (for other cases).
    services.record_consultation(
        entity=entity, actor=hod, held_on=document.cycle.start, participants=str(rep)
    )

    def member(first: str, last: str, grade: str):
        staff = person(first, last, team.section)
        staff.grade = grade
        staff.save(update_fields=["grade"])
        return staff.user

    roster = {
        Group.HOD_DESIGNATED: [team.fro.user, member("Kenji", "Tanaka", "P-4")],
        Group.STAFF_DESIGNATED: [member("Maria", "Silva", "G-6"), member("Omar", "Haddad", "P-2")],
        Group.CHAIR: [member("Grace", "Mensah", "D-1"), member("Pierre", "Dubois", "P-5")],
    }
    for group, people in roster.items():
        for member in people:
            designator = rep if group == Group.STAFF_DESIGNATED else hod
            services.add_roster_member(entity=entity, actor=designator, user=member, group=group)
    services.publish_roster(entity=entity, actor=hr)

    # 1. The staff member files a rebuttal with a PDF from the evaluation page.
    staff_page = sign_in(team.staff.user)
    evaluation_url = reverse("appraisals:evaluation", args=[document.pk])
    staff_page.goto(evaluation_url)
    expect(staff_page.get_by_role("status")).to_contain_text(f"Final rating: {PM}")
    with counting_clicks() as clicks:
        staff_page.get_by_role("link", name="File a rebuttal").click()
        expect(staff_page.get_by_role("heading", name="Rebut your rating")).to_be_visible()
        staff_page.get_by_label("Your rebuttal statement").fill(
            "Two of my three goals moved to another section in October; the rating counts them "
            "against me."
        )
        staff_page.get_by_label("Supporting documents").set_input_files(
            files=[
                {"name": "reassignment-memo.pdf", "mimeType": "application/pdf", "buffer": MEMO_PDF}
            ]
        )
        staff_page.get_by_role("button", name="File my rebuttal").click()
        expect(
            staff_page.get_by_text("Your rebuttal is filed; the HOD has been told.")
        ).to_be_visible()
    assert clicks.count == 4, clicks  # the link, the statement, the file, the button
    expect(case_badge(staff_page)).to_have_text("Awaiting the HOD's reply")
    expect(staff_page.get_by_role("link", name="reassignment-memo.pdf")).to_be_visible()
    screenshot(staff_page, "2-filed")
    case = RebuttalCase.objects.get(document=document)
    assert case.attachments.get().size == len(MEMO_PDF)

    # 2. The HOD replies from "My tasks".
    hod_page = sign_in(hod, totp_secret=enrol_totp(hod))
    with counting_clicks() as clicks:
        open_task(hod_page, "Reply to the rebuttal of Amina Diallo")
        expect(
            hod_page.get_by_text("Two of my three goals moved to another section")
        ).to_be_visible()
        hod_page.get_by_label("Your reply").fill(
            "The reassignment was agreed in the mid-point review; goal 3 was not delivered."
        )
        hod_page.get_by_role("button", name="Send reply").click()
        expect(
            hod_page.get_by_text("Reply recorded and shared with the staff member and panel.")
        ).to_be_visible()
    assert clicks.count == 3, clicks
    expect(case_badge(hod_page)).to_have_text("Before the panel")

    # 3. HR constitutes the panel in one form, a radio button per seat: the FRO is on the
    # roster but not offered. The task, three people, the button.
    hr_page = sign_in(hr, totp_secret=enrol_totp(hr))
    with counting_clicks() as clicks:
        open_task(hr_page, "Constitute the rebuttal panel for Amina Diallo")
        hod_designated = hr_page.get_by_role("group", name="Designated by the HOD")
        expect(hod_designated.locator("label")).to_have_text(["Kenji Tanaka (P-4)"])
        expect(hod_designated).not_to_contain_text("Farid Osei")
        screenshot(hr_page, "3-constitute")
        for label, option in (
            ("Designated by the HOD", "Kenji Tanaka (P-4)"),
            ("Designated by the staff representatives", "Omar Haddad (P-2)"),
            ("Chairperson", "Grace Mensah (D-1)"),
        ):
            hr_page.get_by_role("group", name=label, exact=True).get_by_label(option).check()
        hr_page.get_by_role("button", name="Appoint").click()
        for name in ("Kenji Tanaka", "Omar Haddad", "Grace Mensah"):
            expect(hr_page.get_by_text(f"{name} appointed.")).to_be_visible()
    assert clicks.count == 5, clicks
    panel = hr_page.get_by_role("table").filter(has_text="Seat")
    expect(panel.get_by_role("row")).to_have_count(4)
    expect(hr_page.get_by_role("button", name="Appoint")).to_have_count(0)
    screenshot(hr_page, "4-panel")

    # 4. The chair records a raised rating.
    chair_page = sign_in(roster[Group.CHAIR][0])
    open_task(chair_page, "Record the panel report on Amina Diallo")
    expect(
        chair_page.get_by_text("The reassignment was agreed in the mid-point review")
    ).to_be_visible()
    rating = chair_page.get_by_label("The panel's rating")
    expect(rating.locator("option")).to_have_text(["Exceeds performance expectations", SM, PM])
    # The rating starts at the original ("maintained"); the chair raises it deliberately.
    expect(rating.locator("option:checked")).to_have_text(PM)
    rating.select_option(label=SM)
    chair_page.get_by_label("Report", exact=True).fill(
        "Goals 1 and 2 left the staff member's control in October; the remaining goal was met."
    )
    chair_page.get_by_role("checkbox", name=re.compile(r"Goal 1: ")).check()
    screenshot(chair_page, "5-report")
    chair_page.get_by_role("button", name="Record the report").click()
    expect(
        chair_page.get_by_text("The panel's report is recorded; everyone concerned is told.")
    ).to_be_visible()
    expect(case_badge(chair_page)).to_have_text("Reported by the panel")

    # 5. HR forwards the report and the evaluation to the official status file.
    with counting_clicks() as clicks:
        open_task(hr_page, "Forward the panel report on Amina Diallo to the status file")
        hr_page.get_by_role(
            "button", name="Forward report and evaluation to the official status file"
        ).click()
        expect(
            hr_page.get_by_text("Report and evaluation forwarded to the official status file.")
        ).to_be_visible()
    assert clicks.count == 2, clicks
    expect(case_badge(hr_page)).to_have_text("Forwarded to the official status file")
    status_file = hr_page.get_by_role("region", name="Official status file")
    expect(status_file.get_by_role("link", name="panel report (PDF)")).to_be_visible()
    expect(status_file.get_by_role("link", name="evaluation (PDF)")).to_be_visible()
    screenshot(hr_page, "6-forwarded")

    # 6. The evaluation shows the panel's rating as final; the FRO's stays visible.
    staff_page.goto(evaluation_url)
    completed = staff_page.get_by_role("status")
    expect(completed).to_contain_text(f"Final rating: {SM}")
    expect(completed).to_contain_text(f"(the FRO's rating was {PM})")
    expect(completed.get_by_role("link", name=re.compile("Rebuttal"))).to_have_text(
        "Rebuttal: forwarded to the official status file"
    )
    goals = staff_page.get_by_role("region", name="Goals", exact=True)
    expect(goals.get_by_role("row", name=re.compile(r"^Goal 1 "))).to_contain_text(
        "removed by the rebuttal panel"
    )
    expect(goals.get_by_role("row", name=re.compile(r"^Goal 2 "))).to_contain_text("FRO on goal")
    screenshot(staff_page, "7-final")

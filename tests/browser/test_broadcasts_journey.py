"""Broadcast journey: an HR focal point writes to everyone whose work plan waits for them, on
behalf of the head of department, sees the preview (how many people, who), sends it, and a
staff member finds it among their reminders."""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import expect

from org.models import DepartmentRole
from tests.browser.steps import build_team, enrol_totp, person, user
from tests.factories import DepartmentRoleFactory, ReportingLineFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hr_previews_and_sends_a_broadcast_that_reaches_each_person_once(sign_in):
    team = build_team()
    colleague = person("Bruno", "Costa", team.section)
    ReportingLineFactory(staff=colleague, cycle=team.cycle, fro=team.fro, sro=team.sro)
    hod = user("Helena", "Moreau")
    hr = user("Hiro", "Tanaka")
    DepartmentRoleFactory(entity=team.entity, user=hod, role=DepartmentRole.Role.HOD)
    DepartmentRoleFactory(entity=team.entity, user=hr, role=DepartmentRole.Role.HR_FOCAL_POINT)
    page = sign_in(hr, totp_secret=enrol_totp(hr))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Broadcasts").click()
    page.get_by_role("link", name="Write to staff of DOF").click()
    page.get_by_label("Whose action waits at").select_option(
        label="Work plan: drafting by the staff member"
    )
    page.get_by_label("On behalf of").select_option(
        label="Helena Moreau <helena.moreau@example.org>"
    )
    page.get_by_label("Subject").fill("Your work plan is due")
    page.get_by_label("Message").fill("Please draft and submit your work plan this week.")
    page.get_by_role("button", name="Preview").click()

    preview = page.get_by_role("region", name="Preview")
    expect(preview).to_contain_text("This message will reach 2 people")
    expect(preview).to_contain_text("Amina Diallo")
    expect(preview).to_contain_text("Bruno Costa")
    expect(page.get_by_label("Subject")).to_have_value("Your work plan is due")
    assert mail.outbox == []

    page.get_by_role("button", name="Send to 2 people").click()
    expect(page.get_by_text("Broadcast sent to 2 people.")).to_be_visible()
    expect(page.locator("#delivered")).to_have_text("2")
    assert sorted(m.to[0] for m in mail.outbox) == [
        "amina.diallo@example.org",
        "bruno.costa@example.org",
    ]

    page.go_back()  # the form again, sent a second time: no second broadcast
    page.get_by_role("button", name="Send to 2 people").click()
    expect(page.locator("#delivered")).to_have_text("2")
    assert len(mail.outbox) == 2

    staff_page = sign_in(team.staff.user)
    staff_page.get_by_role("link", name="My reminders").click()
    expect(staff_page.get_by_role("link", name="Your work plan is due")).to_be_visible()
    expect(staff_page.get_by_text("On behalf of Helena Moreau")).to_be_visible()

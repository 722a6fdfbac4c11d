"""HR's bulk work in Chromium (issue 17): an FRO leaves, and the HR focal point gives their
staff the successor from a date, with a hand-over note, after a preview of who is affected;
the successor finds the work where the FRO had it; HR undoes the change within its window.
Then HR extends a deadline for a named staff member, who reads the new date in My tasks."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import formats
from playwright.sync_api import Page, expect

from org.models import DepartmentRole, ReportingLine
from org.relations import line_in_effect
from tests.browser.steps import build_team, enrol_totp, person, user
from tests.factories import DepartmentRoleFactory, ReportingLineFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Farid leaves on 30 June; Grace takes over his team and its open work plans."


def fro_now(staff) -> str:
    line = line_in_effect(staff.pk, staff_cycle(staff))
    return str(line.fro.user) if line else ""


def staff_cycle(staff) -> int:
    return ReportingLine.objects.filter(staff=staff).values_list("cycle_id", flat=True)[0]


def open_hr_changes(page: Page, action: str) -> None:
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="HR changes").click()
    page.get_by_role("region", name="Department of Finance").get_by_role(
        "link", name=action
    ).click()


def test_hr_reassigns_a_leaving_fros_staff_then_undoes_it_and_extends_a_deadline(sign_in):
    team = build_team()
    colleague = person("Bruno", "Costa", team.section)
    ReportingLineFactory(staff=colleague, cycle=team.cycle, fro=team.fro, sro=team.sro)
    successor = person("Grace", "Mensah", team.section)
    hr = user("Hiro", "Tanaka")
    DepartmentRoleFactory(entity=team.entity, user=hr, role=DepartmentRole.Role.HR_FOCAL_POINT)
    page = sign_in(hr, totp_secret=enrol_totp(hr))

    # The reassignment: who leaves, who follows, the note; the preview lists both staff.
    open_hr_changes(page, "Reassign reporting lines")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Reassign reporting lines: Department of Finance"
    )
    whose = page.get_by_role("group", name="Whose reporting lines")
    expect(whose.get_by_role("radio", checked=True)).to_have_count(1)
    page.get_by_label("Index number of the officer who leaves").fill(team.fro.index_number)
    page.get_by_label("Index number of the successor").fill(successor.index_number)
    page.get_by_label("Hand-over note").fill(NOTE)
    page.get_by_role("button", name="Preview").click()
    affected = page.locator("#affected")
    expect(page.locator("#preview-count")).to_have_text("2")
    expect(affected.get_by_role("row")).to_have_count(3)
    for name in ("Amina Diallo", "Bruno Costa"):
        expect(affected.get_by_role("row", name=re.compile(name))).to_contain_text(
            "Farid Osei → Grace Mensah"
        )
    # Nothing changed yet, and what was typed is still there.
    assert fro_now(team.staff) == "Farid Osei"
    expect(page.get_by_label("Hand-over note")).to_have_value(NOTE)

    page.get_by_role("button", name="Confirm for 2 staff members").click()
    expect(
        page.get_by_text(re.compile(r"^Done for 2 staff members\. You may undo"))
    ).to_be_visible()
    assert fro_now(team.staff) == fro_now(colleague) == "Grace Mensah"

    # The successor's team is the leaving FRO's.
    grace = sign_in(successor.user)
    grace.get_by_role("navigation", name="Main").get_by_role("link", name="My team").click()
    for name in ("Amina Diallo", "Bruno Costa"):
        expect(grace.get_by_role("row", name=re.compile(name))).to_be_visible()

    # HR undoes it: everything as before, and the record says so.
    page.get_by_role("button", name="Undo this change").click()
    expect(page.get_by_text("Undone: everything is as it was before this change.")).to_be_visible()
    expect(page.locator("#undone")).to_contain_text("by Hiro Tanaka")
    assert fro_now(team.staff) == fro_now(colleague) == "Farid Osei"
    grace.reload()
    expect(grace.get_by_role("row", name=re.compile("Amina Diallo"))).to_have_count(0)

    # A later due date for Amina's work plan, with the reason; she reads it in My tasks.
    new_due = team.cycle.workplan_due + datetime.timedelta(days=21)
    open_hr_changes(page, "Extend a deadline")
    page.get_by_label("Deadline").select_option(label="Work plan")
    page.get_by_label("New due date").fill(new_due.isoformat())
    page.get_by_role("group", name="For whom").get_by_label("Named staff members").check()
    page.get_by_label("Index numbers of the staff members").fill(team.staff.index_number)
    page.get_by_label("Reason").fill("Amina was on mission in May.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview-count")).to_have_text("1")
    page.get_by_role("button", name="Confirm for 1 staff member").click()
    expect(page.get_by_text(re.compile(r"^Done for 1 staff member\."))).to_be_visible()

    amina = sign_in(team.staff.user)
    tasks = amina.get_by_role("region", name="Waiting for me")
    expect(tasks).to_contain_text(formats.date_format(new_due, "SHORT_DATE_FORMAT"))

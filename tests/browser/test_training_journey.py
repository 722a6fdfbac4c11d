"""Mandatory training in Chromium (issue 16, part 2): the HR focal point follows the entity's
courses from the compliance dashboard, uploads the learning system's export (a file with a bad
row first: every bad row is listed and nothing changes), uploads the corrected file, and the
figures change; the FRO who completed the course no longer finds it in My tasks."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.steps import enrol_totp
from tests.training.helpers import course, org
from training.models import Completion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def upload(page: Page, name: str, text: str) -> None:
    page.get_by_label("Files").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}]
    )
    page.get_by_role("button", name="Import").click()


def course_row(page: Page, name: str):
    return page.get_by_role("region", name="Courses").get_by_role("row", name=re.compile(name))


def test_hr_imports_completions_and_the_entitys_figures_change(sign_in):
    o = org(team_size=2)
    course(o.admin, code="PMD")  # the FRO and the SRO of the team must take it
    fro = sign_in(o.fro.user)
    expect(
        fro.get_by_role(
            "link", name="Take the mandatory course “Performance Management and Development”"
        )
    ).to_be_visible()

    hr = sign_in(o.hr, totp_secret=enrol_totp(o.hr))
    hr.get_by_role("navigation", name="Main").get_by_role("link", name="Compliance").click()
    hr.get_by_role("region", name="Mandatory training").get_by_role(
        "link", name=o.entity.code
    ).click()
    row = course_row(hr, "Performance Management and Development")
    expect(row).to_contain_text("2")  # must take it
    expect(row.get_by_role("cell").nth(3)).to_have_text("2")  # overdue

    hr.get_by_role("link", name="Import completions").click()
    upload(
        hr,
        "lms.csv",
        f"index_number,course_code,completed_on\n{o.fro.index_number},PMD,2026-11-30\n"
        "999999,PMD,2026-11-30\n",
    )
    alert = hr.get_by_role("alert").filter(has_text="nothing was written")
    expect(alert).to_contain_text("1 error: nothing was written")
    expect(
        hr.get_by_role("cell", name="No staff member has the index number “999999”.")
    ).to_be_visible()
    assert not Completion.objects.exists()

    upload(
        hr,
        "lms.csv",
        f"index_number,course_code,completed_on\n{o.fro.index_number},PMD,2026-11-30\n",
    )
    expect(hr.get_by_role("status")).to_contain_text("1 new completions, 0 already recorded.")
    hr.get_by_role("link", name="Mandatory training").first.click()
    hr.get_by_role("link", name=o.entity.code).click()
    row = course_row(hr, "Performance Management and Development")
    expect(row.get_by_role("cell").nth(1)).to_have_text("1")  # done
    expect(row.get_by_role("cell").nth(3)).to_have_text("1")  # overdue
    row.get_by_role("link", name="1").first.click()
    expect(hr.locator("#training-people")).to_contain_text(str(o.fro.user.last_name))

    fro.reload()
    expect(fro.get_by_role("link", name=re.compile("Take the mandatory course"))).to_have_count(0)

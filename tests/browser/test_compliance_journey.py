"""An HR focal point opens the compliance dashboard, drills down to a unit, lists its people
and downloads the XLSX (Playwright on Chromium against the live server)."""

from __future__ import annotations

import os
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.steps import enrol_totp
from tests.compliance.helpers import build_small_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("COMPLIANCE_SCREENSHOTS", "")


def shot(page, name: str) -> None:
    """Full-page screenshots on request (COMPLIANCE_SCREENSHOTS=dir), to look at the layout."""
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_hr_focal_point_drills_down_to_a_unit_and_downloads_its_people(sign_in, tmp_path):
    org = build_small_org()
    page = sign_in(org.hr, totp_secret=enrol_totp(org.hr))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Compliance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compliance")
    by_stage = page.get_by_role("table", name=re.compile("Staff per stage"))
    expect(by_stage.get_by_role("row", name=re.compile("^Work plan"))).to_contain_text("8")
    # The charts are drawn by the vendored Chart.js, next to the same numbers in tables. The
    # table can be read before the deferred scripts have run: wait for the chart, not a time.
    page.wait_for_function("typeof Chart === 'function' && !!Chart.getChart('chart-stages')")
    expect(page.locator("#chart-stages")).to_be_visible()
    assert page.evaluate("Chart.getChart('chart-stages').data.datasets[0].data") == [5, 3, 1, 1]
    shot(page, "dashboard")

    page.get_by_role("link", name="DEP — Department").click()
    expect(page.get_by_role("heading", level=2, name="By division")).to_be_visible()
    page.get_by_role("link", name="DIV1 — Division one").click()
    page.get_by_role("link", name="SEC1 — Section one").click()
    page.get_by_role("link", name="UNIT1 — Unit one").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compliance — Unit one")
    breadcrumbs = page.get_by_role("navigation", name="Drill-down")
    expect(breadcrumbs.get_by_role("link")).to_have_text(["All my entities", "DEP", "DIV1", "SEC1"])
    shot(page, "unit")

    page.get_by_role("link", name="People (3)").click()
    people = page.get_by_role("table", name=re.compile("People of UNIT1"))
    expect(people.get_by_role("row")).to_have_count(4)  # the header and three people
    expect(people).to_contain_text(str(org.fro.user))
    shot(page, "people")

    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "compliance-people-2026-27-UNIT1.xlsx"
    rows = list(openpyxl.load_workbook(path)["People"].iter_rows(values_only=True))
    assert rows[0][:2] == ("Index number", "Name")
    assert {row[0] for row in rows[1:]} == {
        org.staff[key].index_number for key in ("p1", "p2", "p3")
    }

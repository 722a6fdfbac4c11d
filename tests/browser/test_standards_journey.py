"""Ratings standards in Chromium (issue 16, part 1): the HOD writes and publishes the
department's standards; an FRO who opens a rating finds them beside each level, is refused
the signature until they acknowledge the version in force (what they chose stays on the
page), acknowledges and signs; the HOD sees who acknowledged."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from org.models import RatingLevel, RatingScale
from standards.models import Acknowledgement
from tests.browser.steps import enrol_totp, open_task
from tests.standards.helpers import department

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOAL_LEVEL = "Successfully meets performance expectations"


def rate_everything_with_the_mouse(page: Page) -> None:
    """Every row of the FRO's grid at its usual level, the overall comments typed."""
    form = page.locator("form", has=page.get_by_role("heading", name="Your evaluation as FRO"))
    for group in form.get_by_role("group").all():
        radios = group.get_by_role("radio")
        if not radios.count():
            continue
        names = [
            radios.nth(i).evaluate("el => el.labels[0].innerText.trim()")
            for i in range(radios.count())
        ]
        choice = next(
            (n for n in names if n.startswith(GOAL_LEVEL)),
            next((n for n in names if n.startswith("Fully competent")), names[0]),
        )
        radios.nth(names.index(choice)).check()
    form.get_by_label("Overall comments").fill("A solid year, as the standards describe it.")


def test_the_hod_publishes_standards_and_the_fro_acknowledges_them_before_signing(sign_in):
    dep = department()
    name = str(dep.document.staff.user)
    overall = list(
        RatingLevel.objects.filter(scale__cycle=dep.cycle, scale__kind=RatingScale.Kind.OVERALL)
        .order_by("rank")
        .values_list("pk", "label")
    )

    # The HOD writes a text for every overall level, saves the draft and publishes it.
    hod = sign_in(dep.hod, totp_secret=enrol_totp(dep.hod))
    hod.get_by_role("navigation", name="Main").get_by_role("link", name="Ratings standards").click()
    hod.get_by_role("link", name=dep.entity.code).click()
    hod.get_by_role("button", name="Write the department's ratings standards").click()
    hod.get_by_label("Introduction").fill("How we rate in this department.")
    for pk, label in overall:  # the overall scale's fieldset (the other scales are optional)
        field = hod.locator(f"#id_level-{pk}")
        expect(hod.locator(f"label[for='id_level-{pk}']")).to_have_text(f"{label}:")
        field.fill(f"Here, {label.lower()} means what it says.")
    hod.get_by_role("button", name="Save the draft").click()
    hod.get_by_role("button", name="Publish version 1").click()
    expect(hod.get_by_role("heading", name=re.compile(r"^Version 1: Published"))).to_be_visible()
    acknowledged = hod.get_by_role("region", name="Acknowledged by the FROs")
    expect(acknowledged.get_by_role("row", name=re.compile(str(dep.fro)))).to_contain_text(
        "not yet"
    )

    # The FRO rates: the standards sit beside the levels; signing waits for the acknowledgement.
    fro = sign_in(dep.fro)
    open_task(fro, f"Evaluate and rate {name}")
    expect(fro.get_by_role("region", name=re.compile("Ratings standards of"))).to_contain_text(
        "Acknowledge these standards before you sign your rating."
    )
    expect(fro.locator(".level-standard").first).to_be_visible()
    rate_everything_with_the_mouse(fro)
    fro.get_by_role("button", name="Sign and send to SRO").click()
    expect(fro.get_by_text(re.compile("before you sign your first rating"))).to_be_visible()
    expect(fro.get_by_label("Overall comments")).to_have_value(
        "A solid year, as the standards describe it."
    )
    assert not Acknowledgement.objects.filter(user=dep.fro).exists()

    fro.get_by_role("button", name="I have read them: acknowledge").click()
    expect(fro).to_have_url(re.compile(rf"/appraisals/{dep.document.pk}/$"))
    expect(fro.get_by_text(re.compile(r"^acknowledged on "))).to_be_visible()
    rate_everything_with_the_mouse(fro)
    fro.get_by_role("button", name="Sign and send to SRO").click()
    expect(fro.get_by_text("Evaluation signed and sent to the SRO.")).to_be_visible()

    # The HOD sees the FRO's acknowledgement.
    hod.reload()
    expect(acknowledged.get_by_role("row", name=re.compile(str(dep.fro)))).not_to_contain_text(
        "not yet"
    )

"""An imported HR focal point's first day, which nobody else can block: a stranger has asked
for a password reset on their address first; they set a password through the emailed link,
sign in, enrol an authenticator app, save the recovery codes, continue to My tasks and reach
the compliance dashboard: from the sign-in page to My tasks, four pages and one password prompt
(issue 17). Playwright on Chromium against the live server, two-factor enrolment enforced."""

from __future__ import annotations

import re
import time

import pytest
import time_machine
from playwright.sync_api import expect

from tests.security.helpers import imported_hr_focal_point, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "first-day-pass-2026"
RESET_LINK = re.compile(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)")


def request_reset(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Reset My Password").click()
    expect(page.get_by_role("heading", name="Password Reset")).to_be_visible()
    expect(page.get_by_text("We have sent you an email")).to_be_visible()


def test_imported_hr_focal_point_sets_a_password_enrols_totp_and_reaches_compliance(
    browser, live_server, page, mailoutbox, mfa_enforced, tmp_path
):
    hr = imported_hr_focal_point()

    # A stranger, in a browser of their own, asks for a reset on the HR focal point's address.
    stranger = browser.new_context(base_url=live_server.url)
    request_reset(stranger.new_page(), hr.email)
    stranger.close()
    (mail,) = mailoutbox
    assert mail.to == [hr.email]

    # The HR focal point follows the link from that email and chooses a password.
    page.goto(RESET_LINK.search(mail.body).group(1))
    expect(page.get_by_role("heading", name="Change Password")).to_be_visible()
    page.get_by_label("New Password:", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New Password (again):", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change Password").click()
    expect(page.get_by_text("Your password is now changed.")).to_be_visible()

    # Signing in leads straight to the authenticator setup: the password is asked once
    # (issue 17). From the sign-in page to My tasks: at most four pages.
    pages: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: pages.append(frame.url) if frame == page.main_frame else None,
    )
    password_prompts = 0
    page.goto("/accounts/login/")
    password_prompts += page.locator("input[type=password]").count()
    page.get_by_label("Email").fill(hr.email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    expect(page.get_by_text("Your account must use two-factor authentication.")).to_be_visible()
    password_prompts += page.locator("input[type=password]").count()

    # The authenticator app reads the secret; its code is typed with the clock held still.
    secret = page.get_by_label("Authenticator secret").input_value()
    with time_machine.travel(time.time(), tick=False):
        page.get_by_label("Authenticator code").fill(totp_code(secret))
        page.get_by_role("button", name="Activate").click()
        expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    password_prompts += page.locator("input[type=password]").count()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download codes").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    codes = page.get_by_label("Unused codes").input_value().split()
    assert codes and all(code in saved.read_text() for code in codes)

    # "Continue" leads on to My tasks.
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My tasks")
    paths = [re.sub(r"^https?://[^/]+", "", url) for url in pages]
    assert paths == [
        "/accounts/login/",
        "/accounts/2fa/totp/activate/",
        "/accounts/2fa/recovery-codes/",
        "/",
    ]
    assert len(paths) <= 4 and password_prompts == 1

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Compliance").click()
    expect(page).to_have_url(re.compile(r"/compliance/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Compliance")

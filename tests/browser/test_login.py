import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from demo.organisation import DEMO_LOGINS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-pass-2026"


@pytest.fixture
def demo_org():
    call_command(
        "seed_demo", staff=40, password=PASSWORD, stdout=io.StringIO(), stderr=io.StringIO()
    )


def sign_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def test_staff_member_signs_in_and_lands_on_my_tasks(page, demo_org):
    page.goto("/")
    # Every page needs a login: the home page sends an anonymous visitor to sign in.
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))

    sign_in(page, DEMO_LOGINS["staff"], PASSWORD)

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My tasks")
    expect(page.get_by_text("Cycle 2026-27")).to_be_visible()
    roles = page.get_by_role("region", name="My roles")
    expect(roles.get_by_role("listitem")).to_have_text(["Staff member"])
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("My tasks")


def test_wrong_password_shows_the_error_and_stays_on_the_login_page(page, demo_org):
    sign_in(page, DEMO_LOGINS["staff"], "not-the-password")

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(
        page.get_by_text("The email address and/or password you specified are not correct.")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Sign In")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

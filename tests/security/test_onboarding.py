"""Onboarding that nobody can block: an imported HOD or HR focal point sets a password through
the emailed reset link, then enrols TOTP, whatever anyone else asked for meanwhile.

allauth enrols no authenticator while an address of the account is unverified. Its reset token
used to store the account's address as an unverified EmailAddress row, so an anonymous reset
request left an imported privileged user unable ever to enrol, and sent to the setup page from
every page. Now asking for a reset writes nothing (org.adapters.PasswordResetTokenGenerator),
completing one verifies the address (org.services.verify_email_by_password_reset), and an
account that does have an unverified address is sent to verify it first (org.middleware).
"""

import re

import pytest
from allauth.account.forms import EmailAwarePasswordResetTokenGenerator
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from org.adapters import PasswordResetTokenGenerator
from org.middleware import MFA_EMAIL_MESSAGE, MFA_MESSAGE
from org.models import DepartmentRole
from org.services import verify_email_by_password_reset
from tests.factories import DepartmentRoleFactory, UserFactory

from .helpers import imported_hr_focal_point, post_code

pytestmark = pytest.mark.django_db

ACTIVATE = reverse("mfa_activate_totp")
EMAILS = reverse("account_email")
NEW_PASSWORD = "a-brand-new-pass-2026"
RESET_LINK = re.compile(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)")
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)")


def request_reset(client, email: str):
    return client.post(reverse("account_reset_password"), {"email": email})


def reset_link(mailoutbox, email: str) -> str:
    """The link of the last reset mail sent to `email`."""
    mails = [m for m in mailoutbox if m.to == [email] and RESET_LINK.search(m.body)]
    assert mails, [m.to for m in mailoutbox]
    return RESET_LINK.search(mails[-1].body).group(1)


def set_password_through(client, link: str) -> None:
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_from_key_done")


def sign_in(client, email: str, password: str = NEW_PASSWORD):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, follow=True
    )


def enrol(client, password: str = NEW_PASSWORD) -> None:
    """Confirm the password, scan the code, type it, see the recovery codes."""
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302
    response = client.get(ACTIVATE)
    assert response.status_code == 200, response.get("Location")
    response = post_code(client, ACTIVATE, client.session["mfa.totp.secret"])
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert client.get(response["Location"]).status_code == 200


def addresses(user) -> list[tuple[str, bool, bool]]:
    return list(
        EmailAddress.objects.filter(user=user)
        .order_by("email")
        .values_list("email", "verified", "primary")
    )


# --- the reset request -------------------------------------------------------------------------


def test_a_strangers_reset_request_writes_nothing_and_reveals_nothing(client, mailoutbox):
    hr = imported_hr_focal_point()
    known = request_reset(client, hr.email)
    unknown = request_reset(client, "nobody-here@example.org")

    assert EmailAddress.objects.count() == 0
    # The same answer whether or not the address has an account.
    assert (known.status_code, known["Location"]) == (302, reverse("account_reset_password_done"))
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    # The link goes to the owner's mailbox only.
    assert reset_link(mailoutbox, hr.email)
    assert not any(RESET_LINK.search(m.body) for m in mailoutbox if m.to != [hr.email])


def test_the_reset_token_is_allauths_own_value_made_without_writing():
    """Links sent before the change keep working, and the token still covers the addresses."""
    user = UserFactory()
    ours, allauths = PasswordResetTokenGenerator(), EmailAwarePasswordResetTokenGenerator()
    token = ours.make_token(user)
    assert not EmailAddress.objects.filter(user=user).exists()
    allauths.make_token(user)  # allauth's own writes the unverified row this is about
    assert addresses(user) == [(user.email, False, False)]
    assert ours._make_hash_value(user, 1) == allauths._make_hash_value(user, 1)
    assert ours.check_token(user, token)
    EmailAddress.objects.create(user=user, email="second@example.org")
    assert not ours.check_token(user, token)


# --- completing the reset ----------------------------------------------------------------------


def test_an_imported_hr_focal_point_onboards_despite_a_strangers_reset_request(client, mailoutbox):
    hr = imported_hr_focal_point()
    stranger = Client()
    request_reset(stranger, hr.email)
    # The stranger's request and the person's own both mail a link; the person uses one.
    request_reset(client, hr.email)
    set_password_through(client, reset_link(mailoutbox, hr.email))
    assert addresses(hr) == [(hr.email, True, True)]

    response = sign_in(client, hr.email)
    assert [url for url, _ in response.redirect_chain][:2] == [reverse("home"), ACTIVATE]
    assert MFA_MESSAGE in response.content.decode()
    enrol(client)
    assert Authenticator.objects.filter(user=hr, type=Authenticator.Type.TOTP).exists()
    response = client.get(reverse("compliance:dashboard"))
    assert response.status_code == 200
    assert "<h1>Compliance</h1>" in response.content.decode()


def test_the_reset_verifies_the_accounts_one_address():
    user = UserFactory()
    assert verify_email_by_password_reset(user=user).email == user.email
    assert addresses(user) == [(user.email, True, True)]
    assert verify_email_by_password_reset(user=user).verified  # again: no change
    assert addresses(user) == [(user.email, True, True)]

    other = UserFactory()
    EmailAddress.objects.create(user=other, email=other.email, verified=False, primary=False)
    verify_email_by_password_reset(user=other)
    assert addresses(other) == [(other.email, True, True)]


def test_with_several_addresses_the_reset_verifies_none():
    """allauth's link names no address: with two, it could have gone to either."""
    user = UserFactory()
    EmailAddress.objects.create(user=user, email="second@example.org")
    assert verify_email_by_password_reset(user=user) is None
    assert addresses(user) == [("second@example.org", False, False)]


def test_an_address_another_account_holds_verified_stays_unverified():
    holder = UserFactory()
    EmailAddress.objects.create(user=holder, email="shared@example.org", verified=True)
    user = UserFactory(email="Shared@example.org")
    assert verify_email_by_password_reset(user=user) is None
    assert addresses(user) == []


# --- an address that is unverified anyway ------------------------------------------------------


def test_a_privileged_user_with_an_unverified_address_verifies_it_then_enrols(client, mailoutbox):
    """As a reset request left accounts before the fix (or adding an address does): the way
    forward is open from every page, and leads to the setup."""
    hr = DepartmentRoleFactory(role=DepartmentRole.Role.HR_FOCAL_POINT).user
    EmailAddress.objects.create(user=hr, email=hr.email, verified=False)
    password = "pass-word-123"

    response = sign_in(client, hr.email, password)
    assert [url for url, _ in response.redirect_chain] == [reverse("home"), EMAILS]
    assert MFA_EMAIL_MESSAGE in response.content.decode()
    for url in (reverse("home"), reverse("compliance:dashboard"), reverse("org:delegations")):
        assert client.get(url)["Location"] == EMAILS, url
    # allauth's own refusal, for who goes to the setup directly.
    client.post(reverse("account_reauthenticate"), {"password": password})
    assert client.get(ACTIVATE)["Location"] == reverse("mfa_index")

    response = client.post(EMAILS, {"email": hr.email, "action_send": ""})
    assert response.status_code == 302
    (mail,) = [m for m in mailoutbox if CONFIRM_LINK.search(m.body)]
    assert mail.to == [hr.email]
    confirm = CONFIRM_LINK.search(mail.body).group(1)
    assert client.get(confirm).status_code == 200
    response = client.post(confirm, follow=True)
    assert addresses(hr) == [(hr.email, True, True)]
    assert response.redirect_chain[-1][0] == ACTIVATE and response.status_code == 200
    enrol(client, password)
    assert client.get(reverse("home")).status_code == 200


def test_the_email_pages_are_open_before_enrolment_and_nothing_else_is(client):
    hr = DepartmentRoleFactory(role=DepartmentRole.Role.HR_FOCAL_POINT).user
    client.force_login(hr)
    assert client.get(reverse("account_change_password"))["Location"] == ACTIVATE
    assert client.get(EMAILS).status_code == 200
    # allauth's page lists the account's address, storing it unverified: the account is then
    # sent to verify it, the step before the setup.
    assert addresses(hr) == [(hr.email, False, False)]
    assert client.get(reverse("account_change_password"))["Location"] == EMAILS

"""First sign-in of an HOD or HR focal point, who must set up an authenticator app (issue 17):
one password prompt, not two. The password just typed at sign-in counts for the setup, and the
code just typed into the setup counts for the recovery codes shown next; once the sign-in is
older than ACCOUNT_REAUTHENTICATION_TIMEOUT, allauth asks for the password again before any
change to the second factor. The recovery-codes page leads on to My tasks."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from allauth.account import app_settings
from allauth.mfa.models import Authenticator
from django.urls import reverse

from org.models import DepartmentRole
from tests.factories import DepartmentRoleFactory

from .helpers import enrol_totp, post_code, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"
ACTIVATE = reverse("mfa_activate_totp")
CODES = reverse("mfa_view_recovery_codes")
REAUTHENTICATE = reverse("account_reauthenticate")
TIMEOUT = app_settings.REAUTHENTICATION_TIMEOUT


def hr_focal_point():
    return DepartmentRoleFactory(role=DepartmentRole.Role.HR_FOCAL_POINT).user


def sign_in(client, user) -> None:
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_the_first_sign_in_asks_for_the_password_once(client):
    user = hr_focal_point()
    sign_in(client, user)
    response = client.get(reverse("home"), follow=True)
    # Straight to the setup: no "Confirm access" page in between.
    assert [url for url, _ in response.redirect_chain] == [ACTIVATE]
    assert response.status_code == 200
    assert 'type="password"' not in response.content.decode()
    secret = client.session["mfa.totp.secret"]
    response = post_code(client, ACTIVATE, secret)
    assert response["Location"] == CODES
    page = client.get(CODES)
    assert page.status_code == 200
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("home")).status_code == 200


def test_the_recovery_codes_page_leads_on_and_keeps_its_buttons_apart(client):
    user = hr_focal_point()
    sign_in(client, user)
    client.get(ACTIVATE)
    post_code(client, ACTIVATE, client.session["mfa.totp.secret"])
    page = client.get(CODES).content.decode()
    continue_link = re.search(
        r'<p class="actions continue"><a class="button" href="([^"]+)">', page
    )
    assert continue_link and continue_link.group(1) == reverse("home")
    actions = re.search(r'<p class="actions">(.*?)</p>', page, re.S).group(1)
    assert re.findall(r'<a class="button secondary" href="([^"]+)"', actions) == [
        reverse("mfa_download_recovery_codes"),
        reverse("mfa_generate_recovery_codes"),
    ]


def test_without_a_recent_sign_in_the_password_is_asked_first(client):
    """A session that carries no sign-in of its own (here forced) asks for the password, as
    allauth does."""
    client.force_login(hr_focal_point())
    response = client.get(ACTIVATE)
    assert response["Location"].startswith(REAUTHENTICATE)


def test_once_the_sign_in_is_older_than_the_timeout_the_password_is_asked_again(client):
    user = hr_focal_point()
    start = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        sign_in(client, user)
        assert client.get(ACTIVATE).status_code == 200
    later = start + datetime.timedelta(seconds=TIMEOUT + 1)
    with time_machine.travel(later, tick=False):
        assert client.get(ACTIVATE)["Location"].startswith(REAUTHENTICATE)
        client.post(REAUTHENTICATE, {"password": PASSWORD})
        assert client.get(ACTIVATE).status_code == 200


def test_an_enrolled_hod_changing_the_second_factor_later_confirms_the_password(client):
    user = DepartmentRoleFactory(role=DepartmentRole.Role.HOD).user
    secret = enrol_totp(user)
    start = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        sign_in(client, user)
        client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
        assert client.get(reverse("home")).status_code == 200
    later = start + datetime.timedelta(seconds=TIMEOUT + 60)
    with time_machine.travel(later, tick=False):
        response = client.post(reverse("mfa_deactivate_totp"))
        assert response["Location"].startswith(REAUTHENTICATE)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

"""Two-factor authentication is required for HODs, HR focal points, staff administrators and
superusers (org.middleware.MFARequiredMiddleware): until they set up an authenticator app they
reach only the MFA pages and sign-out. Optional for everyone else unless MFA_REQUIRED_FOR_ALL."""

import datetime

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from org.middleware import MFA_MESSAGE, MFARequiredMiddleware
from org.models import Delegation, DepartmentRole
from tests.factories import (
    DelegationFactory,
    DepartmentRoleFactory,
    StaffMemberFactory,
    UserFactory,
    WorkPlanFactory,
)

from .helpers import enrol_totp, post_code

pytestmark = pytest.mark.django_db

ACTIVATE = reverse("mfa_activate_totp")
PASSWORD = "pass-word-123"


def hod():
    return DepartmentRoleFactory(role=DepartmentRole.Role.HOD).user


def hr_focal_point():
    return DepartmentRoleFactory(role=DepartmentRole.Role.HR_FOCAL_POINT).user


def acting_hod():
    return DelegationFactory(role=Delegation.Role.HOD).acting


def staff_administrator():
    return UserFactory(is_staff=True)


def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


def staff_representative():
    return DepartmentRoleFactory(role=DepartmentRole.Role.STAFF_REPRESENTATIVE).user


def former_hod():
    return DepartmentRoleFactory(
        start=datetime.date(2020, 1, 1), end=datetime.date(2021, 1, 1)
    ).user


def staff_member():
    return StaffMemberFactory().user


REQUIRED = [hod, hr_focal_point, acting_hod, staff_administrator, superuser]
OPTIONAL = [staff_member, staff_representative, former_hod]


def confirm_password(client) -> None:
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def sends_to_setup(response) -> bool:
    return response.status_code == 302 and response["Location"] == ACTIVATE


@pytest.mark.parametrize("make_user", REQUIRED, ids=lambda f: f.__name__)
def test_required_roles_reach_only_the_mfa_setup_until_they_enrol(client, make_user):
    user = make_user()
    client.force_login(user)
    document = WorkPlanFactory()
    for url in (
        reverse("home"),
        reverse("workplans:mine"),
        reverse("workplans:document", args=[document.pk]),
        reverse("org:delegations"),
        reverse("admin:index"),
        reverse("account_change_password"),
    ):
        assert sends_to_setup(client.get(url)), url
    # Writes are refused too, and nothing happens.
    response = client.post(reverse("workplans:transition", args=[document.pk, "submit"]))
    assert sends_to_setup(response)
    # The setup pages, confirming the password and signing out stay open.
    assert client.get(reverse("mfa_index")).status_code == 200
    response = client.get(ACTIVATE)
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    confirm_password(client)
    assert client.get(ACTIVATE).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert client.get(reverse("home"))["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("make_user", OPTIONAL, ids=lambda f: f.__name__)
def test_everyone_else_may_go_without(client, make_user):
    client.force_login(make_user())
    assert client.get(reverse("home")).status_code == 200


def test_mfa_required_for_all_extends_it_to_everyone(client, settings):
    settings.MFA_REQUIRED_FOR_ALL = True
    client.force_login(staff_member())
    assert sends_to_setup(client.get(reverse("home")))


def test_an_enrolled_hod_goes_anywhere(client):
    user = hod()
    enrol_totp(user)
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200


def test_the_redirect_says_why(client):
    client.force_login(hr_focal_point())
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[0][0] == ACTIVATE
    # allauth asks for the password before showing the setup; the reason shows there.
    assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    assert MFA_MESSAGE in response.content.decode()


def test_an_htmx_request_is_sent_to_the_setup_page_whole(client):
    client.force_login(hod())
    response = client.get(reverse("home"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == ACTIVATE


def test_static_files_are_never_held_back():
    request = RequestFactory().get("/static/css/app.css")
    request.resolver_match = None
    assert MFARequiredMiddleware.exempt(request)
    request = RequestFactory().get("/")
    request.resolver_match = None
    assert not MFARequiredMiddleware.exempt(request)


def test_an_hr_focal_point_signs_in_and_enrols_then_works(
    client, security_log, django_capture_on_commit_callbacks
):
    """The whole journey through allauth's own pages: sign in, get sent to the setup, scan
    the code, type it, keep the recovery codes, then reach the pages."""
    user = hr_focal_point()
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True
    )
    assert [url for url, _ in response.redirect_chain][:2] == [reverse("home"), ACTIVATE]
    assert MFA_MESSAGE in response.content.decode()
    confirm_password(client)
    response = client.get(ACTIVATE)
    assert response.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert secret in response.context["totp_url"]

    with django_capture_on_commit_callbacks(execute=True):
        response = post_code(client, ACTIVATE, secret)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert client.get(response["Location"]).status_code == 200
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("home")).status_code == 200
    enrolled = security_log("mfa_enrolled")
    assert sorted(e["type"] for e in enrolled) == ["recovery_codes", "totp"]
    assert {e["user"] for e in enrolled} == {user.pk}

    # Switching the authenticator off sends them straight back to set one up.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert [e["type"] for e in security_log("mfa_removed")] == ["totp", "recovery_codes"]
    assert sends_to_setup(client.get(reverse("home")))


def test_the_check_costs_no_query_once_signed_in(client):
    user = hod()
    enrol_totp(user)
    client.force_login(user)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    # The one query that reads authenticators is the signed-in user's, with the flags every
    # page reads (org.permissions.session_user): they carry the second-factor facts too.
    (reading,) = [q["sql"] for q in queries if "mfa_authenticator" in q["sql"]]
    assert "org_reportingline" in reading and "org_staffmember" in reading


def test_a_new_hod_role_asks_for_the_second_factor_at_once(client):
    user = staff_member()
    with time_machine.travel(datetime.datetime(2026, 5, 4, 9, 0, tzinfo=datetime.UTC)):
        client.force_login(user)
        assert client.get(reverse("home")).status_code == 200
        DepartmentRoleFactory(user=user, role=DepartmentRole.Role.HOD)
        assert sends_to_setup(client.get(reverse("home")))


def test_a_future_hod_role_asks_for_the_second_factor_on_its_first_day(client):
    user = staff_member()
    DepartmentRoleFactory(user=user, role=DepartmentRole.Role.HOD, start=datetime.date(2026, 5, 5))
    with time_machine.travel(datetime.datetime(2026, 5, 4, 23, 50, tzinfo=datetime.UTC)) as clock:
        client.force_login(user)
        assert client.get(reverse("home")).status_code == 200
        clock.move_to(datetime.datetime(2026, 5, 5, 0, 5, tzinfo=datetime.UTC))
        assert sends_to_setup(client.get(reverse("home")))

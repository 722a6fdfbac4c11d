"""Login through allauth: email + password, rate limits, password reset, closed sign-up, MFA."""

import datetime
import os
import re
import time
from urllib.parse import quote

import pytest
import time_machine
from allauth.account.app_settings import RATE_LIMITS
from allauth.core.internal.ratelimit import parse_rates
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from org.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's password
WRONG_CREDENTIALS = "The email address and/or password you specified are not correct."
TOO_MANY_ATTEMPTS = "Too many failed login attempts. Try again later."


def login(client, email: str, password: str = PASSWORD, **extra):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, follow=True, **extra
    )


def landed_on_home(response) -> bool:
    return (
        response.redirect_chain
        and response.redirect_chain[-1][0] == reverse("home")
        and "<h1>My tasks</h1>" in response.content.decode()
    )


def is_logged_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now (RFC 6238, allauth's own HOTP helper)."""
    from allauth.mfa import app_settings

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


def rate(action: str, per: str):
    """The configured rate for `action` counted per `per` (ip/key)."""
    (found,) = [r for r in parse_rates(RATE_LIMITS[action]) if r.per == per]
    return found


# --- login by email ---------------------------------------------------------------------------


def test_login_by_email_and_password_lands_on_my_tasks(client):
    user = UserFactory(email="amina.diallo@example.org")
    response = login(client, "Amina.Diallo@example.org")
    assert landed_on_home(response)
    assert response.context["user"] == user


def test_there_is_no_username(client):
    with pytest.raises(FieldDoesNotExist):
        User._meta.get_field("username")
    form = client.get(reverse("account_login")).context["form"]
    assert set(form.fields) >= {"login", "password"}
    assert "username" not in form.fields
    assert form.fields["login"].widget.input_type == "email"


def test_wrong_password_shows_an_error_and_logs_nobody_in(client):
    user = UserFactory()
    response = login(client, user.email, "not-the-password")
    assert response.status_code == 200
    assert WRONG_CREDENTIALS in response.content.decode()
    assert not is_logged_in(client)


def test_inactive_user_cannot_log_in(client):
    user = UserFactory(is_active=False)
    login(client, user.email)
    assert not is_logged_in(client)


def test_logout(client):
    user = UserFactory()
    assert landed_on_home(login(client, user.email))
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- rate limits ------------------------------------------------------------------------------


def test_the_rate_limits_run_on_the_shared_cache():
    """Several gunicorn workers must count the same attempts: Redis whenever REDIS_URL is set."""
    if os.environ.get("REDIS_URL"):
        assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    per_account = rate("login_failed", "key")
    assert 3 <= per_account.amount <= 10
    # A lockout lasts minutes, never for good.
    assert per_account.duration <= 60 * 60
    assert rate("login_failed", "ip").amount > per_account.amount


def test_too_many_failed_logins_for_one_account_refuse_even_the_right_password(client):
    user, colleague = UserFactory(), UserFactory()
    limit = rate("login_failed", "key")
    for _ in range(limit.amount):
        response = login(client, user.email, "wrong-guess")
        assert WRONG_CREDENTIALS in response.content.decode()
    response = login(client, user.email)
    assert TOO_MANY_ATTEMPTS in response.content.decode()
    assert not is_logged_in(client)

    # The limit is per account: a colleague behind the same address still gets in.
    assert landed_on_home(login(client, colleague.email))
    client.logout()

    # No permanent lockout: once the window has passed the right password works again.
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=limit.duration + 1)
    with time_machine.travel(later):
        assert landed_on_home(login(client, user.email))


def test_too_many_failed_logins_from_one_address_refuse_it_for_every_account(client):
    limit = rate("login_failed", "ip")
    users = UserFactory.create_batch(2)
    for n in range(limit.amount):
        response = login(client, f"nobody{n}@example.org", "wrong-guess")
        assert WRONG_CREDENTIALS in response.content.decode()
    response = login(client, users[0].email)
    assert TOO_MANY_ATTEMPTS in response.content.decode()
    assert not is_logged_in(client)
    # Another address is not affected.
    assert landed_on_home(login(client, users[1].email, REMOTE_ADDR="10.9.8.7"))
    client.logout()

    # No permanent lockout of an address either: after the window everyone gets in again.
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=limit.duration + 1)
    with time_machine.travel(later):
        assert landed_on_home(login(client, users[0].email))


def test_failed_logins_disable_no_account(client):
    """Throttling refuses attempts for a while; it never deactivates anyone, so nobody can
    lock a colleague out for good by typing wrong passwords for them."""
    user = UserFactory()
    for _ in range(rate("login_failed", "key").amount * 3):
        login(client, user.email, "wrong-guess")
    user.refresh_from_db()
    assert user.is_active
    assert user.check_password(PASSWORD)


# --- password reset ---------------------------------------------------------------------------


def test_password_reset_sends_a_working_link(client, mailoutbox):
    user = UserFactory()
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mailoutbox[0].body)
    assert link, mailoutbox[0].body

    response = client.get(link.group(1), follow=True)
    assert response.status_code == 200
    set_password_url = response.redirect_chain[-1][0]
    assert "form" in response.context and "password1" in response.context["form"].fields
    response = client.post(
        set_password_url,
        {"password1": "a-brand-new-pass-2026", "password2": "a-brand-new-pass-2026"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_from_key_done")

    assert not is_logged_in(client)
    login(client, user.email, PASSWORD)
    assert not is_logged_in(client)
    assert landed_on_home(login(client, user.email, "a-brand-new-pass-2026"))


def test_password_reset_for_an_unknown_address_sends_nothing(client, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": "stranger@example.org"})
    assert all("/accounts/password/reset/key/" not in m.body for m in mailoutbox)


def test_a_tampered_reset_link_is_refused(client, mailoutbox):
    user = UserFactory()
    client.post(reverse("account_reset_password"), {"email": user.email})
    path = re.search(r"(/accounts/password/reset/key/\S+)-\S+/", mailoutbox[0].body).group(1)
    response = client.get(f"{path}-forged-key/", follow=True)
    assert response.context["token_fail"] is True
    assert "Bad Token" in response.content.decode()
    assert 'name="password1"' not in response.content.decode()


# --- sign-up is closed: accounts come from HR -------------------------------------------------


def test_sign_up_is_closed(client):
    before = User.objects.count()
    response = client.get(reverse("account_signup"))
    assert "Sign Up Closed" in response.content.decode()
    response = client.post(
        reverse("account_signup"),
        {
            "email": "newcomer@example.org",
            "password1": "a-good-pass-2026",
            "password2": "a-good-pass-2026",
        },
    )
    assert User.objects.count() == before
    assert not User.objects.filter(email="newcomer@example.org").exists()
    assert not is_logged_in(client)


# --- admin ------------------------------------------------------------------------------------


def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


def test_staff_logged_in_through_allauth_reach_the_admin(client, mfa_enforced):
    staff = UserFactory(is_staff=True, is_superuser=True)
    # Administrators must set up two-factor authentication before anything else.
    response = login(client, staff.email)
    assert reverse("mfa_activate_totp") in [url for url, _ in response.redirect_chain]
    assert client.get(reverse("admin:index"))["Location"] == reverse("mfa_activate_totp")
    confirm_password(client)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    with time_machine.travel(time.time(), tick=False):
        client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert client.get(reverse("admin:index")).status_code == 200
    client.post(reverse("account_logout"))

    # From then on the admin, like every page, is behind both factors.
    response = login(client, staff.email)
    assert response.redirect_chain[-1][0] == reverse("mfa_authenticate")
    with time_machine.travel(time.time() + 60, tick=False):
        client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert client.get(reverse("admin:index")).status_code == 200


# --- MFA: TOTP and recovery codes -------------------------------------------------------------


def confirm_password(client) -> None:
    """allauth asks for the password again before security changes."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def activate_totp(client, user) -> str:
    """Enrol TOTP the way a user does: open the page, type the app's code. Returns the secret."""
    assert landed_on_home(login(client, user.email))
    confirm_password(client)
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert secret in response.context["totp_url"]
    # The clock stands still between reading the code and checking it: no 30 s step boundary.
    with time_machine.travel(time.time(), tick=False):
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    return secret


def test_totp_activation_page_is_reachable_when_logged_in(client):
    user = UserFactory()
    assert client.get(reverse("mfa_activate_totp")).status_code == 302  # anonymous
    login(client, user.email)
    response = client.get(reverse("mfa_index"))
    assert reverse("mfa_activate_totp") in response.content.decode()
    # Just signed in with the password: not asked for it again (tests/security/
    # test_first_sign_in.py: later, it is).
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    assert response.context["totp_url"].startswith(f"otpauth://totp/{quote(user.email)}?")
    assert "issuer=pmsystem" in response.context["totp_url"]


def test_totp_activation_refuses_a_wrong_code(client):
    user = UserFactory()
    login(client, user.email)
    confirm_password(client)
    client.get(reverse("mfa_activate_totp"))
    response = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert "Incorrect code." in response.content.decode()
    assert not Authenticator.objects.filter(user=user).exists()


def test_after_totp_enrolment_login_asks_for_the_code(client):
    user = UserFactory()
    secret = activate_totp(client, user)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    client.post(reverse("account_logout"))

    response = login(client, user.email)
    assert response.redirect_chain[-1][0] == reverse("mfa_authenticate")
    assert not is_logged_in(client)

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "Incorrect code." in response.content.decode()
    assert not is_logged_in(client)

    # A code is accepted once; the next time step gives the next code.
    with time_machine.travel(time.time() + 60, tick=False):
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
        assert response.status_code == 302
        assert response["Location"] == reverse("home")
        assert is_logged_in(client)


def test_recovery_codes_page_lists_codes_that_log_in(client):
    user = UserFactory()
    activate_totp(client, user)
    response = client.get(reverse("mfa_view_recovery_codes"))
    assert response.status_code == 200
    codes = response.context["unused_codes"]
    assert len(codes) == response.context["total_count"] >= 8
    assert codes[0] in response.content.decode()
    client.post(reverse("account_logout"))

    login(client, user.email)
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 302
    assert is_logged_in(client)
    client.post(reverse("account_logout"))

    # Each recovery code works once.
    login(client, user.email)
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert "Incorrect code." in response.content.decode()
    assert not is_logged_in(client)


# --- the signed-in user and the request's flags in one query (issue 14) -------------------------


def test_the_signed_in_user_comes_with_their_profile_and_flags_in_one_query(
    client, django_assert_num_queries
):
    """`org.backends` loads the user of the session with their staff profile and the flags
    every page reads (`org.permissions.session_user`), equal to the flags' own query for an
    HOD, an acting HOD, an FRO, an SRO, a probationer, someone with an authenticator, a
    deactivated profile and a system administrator without one."""
    from org.backends import ModelBackend
    from org.models import DepartmentRole
    from org.permissions import request_flags, session_user, user_flags
    from tests.factories import (
        CycleFactory,
        DelegationFactory,
        DepartmentRoleFactory,
        ReportingLineFactory,
        StaffMemberFactory,
    )

    cycle = CycleFactory()
    line = ReportingLineFactory(cycle=cycle)
    hod = DepartmentRoleFactory(role=DepartmentRole.Role.HOD).user
    acting = StaffMemberFactory().user
    DelegationFactory(principal=hod, acting=acting, role="hod")
    probationer = StaffMemberFactory(on_probation=True).user
    enrolled = StaffMemberFactory().user
    Authenticator.objects.create(user=enrolled, type=Authenticator.Type.TOTP, data={})
    gone = StaffMemberFactory(is_active=False).user
    admin = UserFactory(is_staff=True)
    people = [hod, acting, line.fro.user, line.sro.user, probationer, enrolled, gone, admin]
    for person in people:
        with django_assert_num_queries(1):
            user = session_user(person.pk)
            flags, staff = request_flags(user), getattr(user, "staff", None)
        assert flags == user_flags(person), person
        assert staff == getattr(person, "staff", None)
        assert not [name for name in vars(user) if name.startswith("flag_")]
    assert user_flags(hod)["mfa_role"] and user_flags(acting)["mfa_role"]
    assert user_flags(enrolled)["mfa_enrolled"] and user_flags(probationer)["on_special_schedule"]
    assert session_user(-1) is None
    assert ModelBackend().get_user(gone.pk) is None
    assert ModelBackend().get_user(hod.pk) == hod

    # A page reads them with the user: no query of its own for the flags.
    client.force_login(line.fro.user)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    assert len([q for q in queries if '"mfa_authenticator"' in q["sql"]]) == 1


def test_the_role_summary_of_the_signed_in_user_skips_what_their_flags_rule_out(
    django_assert_num_queries,
):
    """The home page's role summary reads the department roles, the delegations and the line
    counts only where the request flags (`session_user`) do not rule them out, and comes out
    the same as for a user object without flags (every query run): a staff member with no
    role costs no query, an HOD, an acting FRO, an organisation-wide board member, a staff
    representative their own; an FRO and an SRO none, their lines of the current cycle
    counted with the flags. A cycle that is not the current one reads the lines whatever the
    flags say (the flags count the current cycle's)."""
    from org.models import Cycle, DepartmentRole, User
    from org.permissions import session_user
    from org.selectors import role_summary
    from tests.factories import (
        CycleFactory,
        DelegationFactory,
        DepartmentRoleFactory,
        ReportingLineFactory,
        StaffMemberFactory,
    )

    cycle = CycleFactory(status=Cycle.Status.OPEN)
    closed = CycleFactory(name="2019-20", start_year=2019, status=Cycle.Status.CLOSED)
    line = ReportingLineFactory(cycle=cycle)
    ReportingLineFactory(cycle=closed, fro=StaffMemberFactory(), sro=line.staff)
    hod = DepartmentRoleFactory(role=DepartmentRole.Role.HOD).user
    board = DepartmentRoleFactory(role=DepartmentRole.Role.REVIEW_BOARD, entity=None).user
    representative = DepartmentRoleFactory(role=DepartmentRole.Role.STAFF_REPRESENTATIVE).user
    acting = StaffMemberFactory().user
    DelegationFactory(principal=line.fro.user, acting=acting)
    plain = StaffMemberFactory().user

    def summary(user: User, of: Cycle) -> dict:
        found = role_summary(user, of)
        return {**vars(found), "acting_for": [d.pk for d in found.acting_for]}

    # Queries for the open cycle, and for the closed one (its lines are counted whatever
    # the flags say).
    expected_queries = {plain: (0, 1), hod: (1, 2), board: (1, 2), representative: (1, 2)}
    # An FRO's and an SRO's lines of the current cycle are counted with the flags.
    expected_queries |= {acting: (1, 2), line.fro.user: (0, 1), line.sro.user: (0, 1)}
    expected_queries |= {line.staff.user: (0, 1)}
    for person, (queries, queries_closed) in expected_queries.items():
        signed_in = session_user(person.pk)
        with django_assert_num_queries(queries):
            got = summary(signed_in, cycle)
        assert got == summary(User.objects.get(pk=person.pk), cycle), person
        with django_assert_num_queries(queries_closed):
            got = summary(signed_in, closed)
        assert got == summary(User.objects.get(pk=person.pk), closed), person
    assert summary(session_user(line.staff.pk), closed)["sro_of"] == 1
    assert summary(session_user(board.pk), cycle)["organisation_board"]
    assert summary(session_user(acting.pk), cycle)["acting_for"]


def test_the_documents_an_fro_acts_on_are_read_without_the_quick_check(
    django_assert_num_queries,
):
    """`acting_documents` skips its "any at all?" check for a signed-in FRO (their request
    flags say they are one) and finds the same documents as for a user object without flags;
    someone who is no officer still gets the check, and nothing."""
    from org.models import Cycle, User
    from org.permissions import session_user
    from tests.builders import build_document
    from tests.factories import CycleFactory
    from workplans.permissions import acting_documents

    document = build_document("submitted", cycle=CycleFactory(status=Cycle.Status.OPEN))
    fro = User.objects.get(pk=document.staff.lines.get().fro_id)
    signed_in = session_user(fro.pk)
    with django_assert_num_queries(1):
        found = acting_documents(signed_in)
    assert found == acting_documents(User.objects.get(pk=fro.pk))
    assert found.ids("fro") == [document.pk]
    staff = session_user(document.staff_id)
    with django_assert_num_queries(1):
        assert not acting_documents(staff)


def test_the_role_flags_follow_the_clock_an_end_date_and_an_admin_edit():
    """The flags that let the role summary skip its queries are read afresh with each
    request's user: a role that ended yesterday and a delegation that starts tomorrow give
    nothing today, tomorrow the delegation counts and the role still does not, and a role the
    admin ends today is gone at the next request. Each time the flagged summary equals the
    one read with every query."""
    from org.models import DepartmentRole, User
    from org.permissions import session_user
    from org.selectors import role_summary
    from tests.factories import DelegationFactory, DepartmentRoleFactory, StaffMemberFactory

    today = datetime.date(2026, 12, 7)
    person = StaffMemberFactory().user
    DepartmentRoleFactory(user=person, end=today - datetime.timedelta(days=1))
    DelegationFactory(acting=person, start=today + datetime.timedelta(days=1))
    current = DepartmentRoleFactory(user=person, role=DepartmentRole.Role.HR_FOCAL_POINT)

    def both(day: datetime.date) -> tuple[dict, dict]:
        with time_machine.travel(datetime.datetime.combine(day, datetime.time(12)), tick=False):
            flagged = role_summary(session_user(person.pk))
            fresh = role_summary(User.objects.get(pk=person.pk))
        return (
            {**vars(flagged), "acting_for": [d.pk for d in flagged.acting_for]},
            {**vars(fresh), "acting_for": [d.pk for d in fresh.acting_for]},
        )

    flagged, fresh = both(today)
    assert flagged == fresh
    assert flagged["hr_focal_point_of"] and not flagged["hod_of"] and not flagged["acting_for"]
    flagged, fresh = both(today + datetime.timedelta(days=1))
    assert flagged == fresh and flagged["acting_for"] and not flagged["hod_of"]
    # The admin ends the current role (a plain update, as its form saves it).
    DepartmentRole.objects.filter(pk=current.pk).update(end=today - datetime.timedelta(days=1))
    flagged, fresh = both(today)
    assert flagged == fresh
    assert not flagged["hr_focal_point_of"] and not flagged["hod_of"]


def test_the_line_counts_in_the_flags_follow_the_clock_an_admin_edit_and_a_closed_cycle():
    """The FRO's and SRO's line counts read with the signed-in user (`session_user`) are the
    lines in effect that day, as the role summary's own query counts them: a line dated to
    start tomorrow counts tomorrow, a line the admin ends yesterday (a plain update) no
    longer counts at the next request, and once the cycle is closed the summary asks its
    query again. Each time the flagged summary equals the one read with every query."""
    from org.models import Cycle, ReportingLine, User
    from org.permissions import session_user
    from org.selectors import role_summary
    from tests.factories import CycleFactory, ReportingLineFactory, StaffMemberFactory

    today = datetime.date(2026, 12, 7)
    cycle = CycleFactory(status=Cycle.Status.OPEN)
    officer = StaffMemberFactory()
    first = ReportingLineFactory(cycle=cycle, fro=officer)
    ReportingLineFactory(cycle=cycle, fro=officer, effective_from=today + datetime.timedelta(1))
    ReportingLineFactory(cycle=cycle, sro=officer)

    def counts(day: datetime.date) -> tuple[int, int]:
        with time_machine.travel(datetime.datetime.combine(day, datetime.time(12)), tick=False):
            current = Cycle.objects.get(pk=cycle.pk)
            flagged = role_summary(session_user(officer.pk), current)
            fresh = role_summary(User.objects.get(pk=officer.pk), current)
        assert (flagged.fro_of, flagged.sro_of) == (fresh.fro_of, fresh.sro_of), day
        return flagged.fro_of, flagged.sro_of

    assert counts(today) == (1, 1)
    assert counts(today + datetime.timedelta(1)) == (2, 1)
    ReportingLine.objects.filter(pk=first.pk).update(effective_to=today - datetime.timedelta(1))
    assert counts(today) == (0, 1)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.CLOSED)
    assert counts(today + datetime.timedelta(1)) == (1, 1)

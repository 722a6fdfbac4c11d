"""Sessions end after 30 minutes without activity and 12 hours after sign-in (settings), and at
the next request once the user or their staff profile is deactivated. The clock is frozen."""

import datetime

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from org.middleware import ABSOLUTE_MESSAGE, IDLE_MESSAGE, INACTIVE_MESSAGE, SESSION_STAMP
from tests.factories import StaffMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

MONDAY_9AM = datetime.datetime(2026, 5, 4, 9, 0, tzinfo=datetime.UTC)
PASSWORD = "pass-word-123"
LOGIN = reverse("account_login")


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_9AM, tick=False) as traveller:
        yield traveller


def minutes(n: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=n)


def signed_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def sent_to_login_with(client, message: str) -> bool:
    response = client.get(reverse("home"), follow=True)
    return (
        response.redirect_chain[-1][0].startswith(LOGIN)
        and message in response.content.decode()
        and "_auth_user_id" not in client.session
    )


def test_the_defaults_are_30_minutes_and_12_hours(settings):
    assert settings.SESSION_IDLE_TIMEOUT_MINUTES == 30
    assert settings.SESSION_ABSOLUTE_TIMEOUT_HOURS == 12
    # The cookie never outlives the absolute limit either.
    assert settings.SESSION_COOKIE_AGE == 12 * 3600


def test_a_session_idle_for_more_than_30_minutes_ends(client, clock, security_log):
    user = StaffMemberFactory().user
    client.force_login(user)
    clock.shift(minutes(29))
    assert signed_in(client)
    # Activity resets the idle clock.
    clock.shift(minutes(29))
    assert signed_in(client)
    clock.shift(minutes(30) + datetime.timedelta(seconds=1))
    assert sent_to_login_with(client, IDLE_MESSAGE % {"minutes": 30})
    assert [(e["user"], e["reason"]) for e in security_log("session_ended")] == [(user.pk, "idle")]


def test_the_idle_timeout_is_a_setting(client, clock, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 5
    client.force_login(UserFactory())
    clock.shift(minutes(4))
    assert signed_in(client)
    clock.shift(minutes(6))
    assert sent_to_login_with(client, IDLE_MESSAGE % {"minutes": 5})


def test_a_session_ends_12_hours_after_sign_in_however_active(client, clock, security_log):
    user = UserFactory()
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[SESSION_STAMP]["start"] == int(MONDAY_9AM.timestamp())
    for _ in range(12 * 3 - 1):  # a request every 20 minutes for 11 h 40 min
        clock.shift(minutes(20))
        assert signed_in(client)
    clock.shift(minutes(19))
    assert signed_in(client)  # 11 h 59 min
    clock.shift(minutes(2))
    assert sent_to_login_with(client, ABSOLUTE_MESSAGE % {"hours": 12})
    assert [e["reason"] for e in security_log("session_ended")] == ["absolute"]
    # Signing in again starts a new session with a new 12 hours.
    client.post(LOGIN, {"login": user.email, "password": PASSWORD})
    clock.shift(minutes(20))
    assert signed_in(client)


def test_the_absolute_lifetime_is_a_setting(client, clock, settings):
    settings.SESSION_ABSOLUTE_TIMEOUT_HOURS = 1
    client.force_login(UserFactory())
    for _ in range(2):
        clock.shift(minutes(25))
        assert signed_in(client)
    clock.shift(minutes(11))
    assert sent_to_login_with(client, ABSOLUTE_MESSAGE % {"hours": 1})


def test_deactivating_a_user_ends_their_session_at_the_next_request(client, clock, security_log):
    user = StaffMemberFactory().user
    client.force_login(user)
    assert signed_in(client)
    user.is_active = False
    user.save()
    assert sent_to_login_with(client, INACTIVE_MESSAGE)
    assert [(e["user"], e["reason"]) for e in security_log("session_ended")] == [
        (str(user.pk), "inactive")
    ]
    # The session is gone for good: reactivating the account does not bring it back.
    user.is_active = True
    user.save()
    assert not signed_in(client)


def test_deactivating_a_staff_profile_ends_their_session_at_the_next_request(client, clock):
    staff = StaffMemberFactory()
    client.force_login(staff.user)
    other = StaffMemberFactory()
    other_client = Client()
    other_client.force_login(other.user)
    assert signed_in(client) and signed_in(other_client)

    staff.is_active = False
    staff.save()
    assert sent_to_login_with(client, INACTIVE_MESSAGE)
    assert SESSION_KEY not in client.session
    assert signed_in(other_client)


def test_a_deactivated_staff_profile_cannot_sign_in(client):
    staff = StaffMemberFactory(is_active=False)
    response = client.post(LOGIN, {"login": staff.user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_inactive")
    assert not signed_in(client)


def test_users_without_a_staff_profile_are_not_affected(client, clock):
    """System administrators may have no staff profile at all."""
    client.force_login(UserFactory())
    assert signed_in(client)
    clock.shift(minutes(10))
    assert signed_in(client)


def test_an_active_session_is_not_saved_on_every_request(client, clock):
    """`seen` moves at most once a minute, so requests in a burst do not write the session."""
    client.force_login(UserFactory())
    clock.shift(minutes(5))
    assert signed_in(client)
    seen = client.session[SESSION_STAMP]["seen"]
    assert seen == int((MONDAY_9AM + minutes(5)).timestamp())
    clock.shift(datetime.timedelta(seconds=30))
    assert signed_in(client)
    assert client.session[SESSION_STAMP]["seen"] == seen

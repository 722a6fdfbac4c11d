"""Issue 17: before the idle timeout a page warns and offers to stay signed in. Every signed-in
page tells its script how long the session has left; "Stay signed in" starts the idle clock
again, but never revives an ended session nor outlasts the absolute lifetime. The clock is
frozen (the browser side: tests/browser/test_drafts_journey.py)."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from org.middleware import IDLE_MESSAGE, seen_resolution
from tests.factories import StaffMemberFactory

pytestmark = pytest.mark.django_db

MONDAY_9AM = datetime.datetime(2026, 5, 4, 9, 0, tzinfo=datetime.UTC)
KEEP_ALIVE = reverse("org:keep-alive")


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_9AM, tick=False) as traveller:
        yield traveller


def later(clock, **kwargs) -> None:
    clock.shift(datetime.timedelta(**kwargs))


def seconds_left(client) -> int:
    page = client.get(reverse("home")).content.decode()
    return int(re.search(r'data-session-left="(\d+)"', page).group(1))


def signed_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


@pytest.fixture
def signed_in_client(client, clock):
    client.force_login(StaffMemberFactory().user)
    client.get(reverse("home"))  # the session's stamp
    return client


def test_every_page_says_how_long_the_session_has_left(signed_in_client, clock):
    page = signed_in_client.get(reverse("home")).content.decode()
    assert 'data-session-idle="1800"' in page
    assert f'data-session-keep-alive="{KEEP_ALIVE}"' in page
    assert 'id="session-warning"' in page and "Stay signed in" in page
    later(clock, seconds=30)  # within the stamp's resolution: the clock runs on
    assert seconds_left(signed_in_client) == 1800 - 30
    later(clock, minutes=5)  # a request after that rewrites the stamp
    assert seconds_left(signed_in_client) == 1800


def test_signed_out_pages_have_no_warning(client):
    page = client.get(reverse("account_login")).content.decode()
    assert "data-session-idle" not in page and 'id="session-warning"' not in page


def test_staying_signed_in_starts_the_idle_clock_again(signed_in_client, clock):
    later(clock, minutes=29)
    response = signed_in_client.post(KEEP_ALIVE)
    assert response.status_code == 200
    assert response.json() == {"idle_seconds": 1800}
    later(clock, minutes=29)
    assert signed_in(signed_in_client)  # 58 minutes after the last page, 29 after "stay"


def test_without_it_the_session_ends(signed_in_client, clock):
    later(clock, minutes=30, seconds=1)
    response = signed_in_client.post(KEEP_ALIVE, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert (IDLE_MESSAGE % {"minutes": 30}) in response.content.decode()
    assert not signed_in(signed_in_client)


def test_staying_signed_in_never_outlasts_the_absolute_lifetime(signed_in_client, clock):
    for _ in range(12 * 2):
        later(clock, minutes=29)
        assert signed_in_client.post(KEEP_ALIVE).status_code == 200
    later(clock, minutes=29)  # 12 h 25 min after signing in
    assert signed_in_client.post(KEEP_ALIVE).status_code == 302
    assert not signed_in(signed_in_client)


def test_keep_alive_is_a_post(signed_in_client):
    assert signed_in_client.get(KEEP_ALIVE).status_code == 405


def test_the_idle_timeout_may_be_a_fraction_of_a_minute(client, clock, settings):
    """As the browser test shortens it: the stamp is rewritten often enough for a session in
    use to stay open, and the session still ends once idle for longer."""
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 0.25
    assert seen_resolution() == 1.5
    client.force_login(StaffMemberFactory().user)
    for _ in range(6):
        later(clock, seconds=10)
        assert signed_in(client)
    later(clock, seconds=16)
    assert not signed_in(client)

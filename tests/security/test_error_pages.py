"""The error pages (400, 403, 404, 500, a refused form): the site's layout, plain words, a way
on, and the refusal's own message."""

import re

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import path, reverse
from django.views.defaults import permission_denied

from pmsystem import urls as project_urls
from tests.factories import StaffMemberFactory, UserFactory
from tests.security.test_headers import settings_in_subprocess
from tests.workplans.helpers import fro_of, make_complete_work_plan

pytestmark = pytest.mark.django_db


def without_csrf(html: str) -> str:
    """The page without what differs between two requests: the CSRF token and the seconds
    left before the idle sign-out (a second may pass between them)."""
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    html = re.sub(r'data-session-left="\d+"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_403_shows_why_in_the_sites_layout(client):
    document = make_complete_work_plan()
    client.force_login(fro_of(document))
    response = client.get(reverse("workplans:edit", args=[document.pk]))
    assert response.status_code == 403
    assert [t.name for t in response.templates][:2] == ["403.html", "base.html"]
    page = response.content.decode()
    assert "<h1>You cannot do this</h1>" in page
    assert "An FRO may create a work plan but never fills it in." in page
    assert "Nothing was changed." in page
    assert 'aria-label="Main"' in page  # the navigation of base.html


def test_403_without_a_message_says_so_plainly():
    request = RequestFactory().get("/")
    request.user = UserFactory()
    response = permission_denied(request, PermissionDenied())
    page = response.content.decode()
    assert "You do not have permission to do this." in page
    assert '<p class="denied-reason">' not in page


def test_404_never_tells_a_hidden_document_from_a_missing_one(client):
    document = make_complete_work_plan()
    client.force_login(StaffMemberFactory().user)
    hidden = client.get(reverse("workplans:document", args=[document.pk]))
    missing = client.get(reverse("workplans:document", args=[document.pk + 1000]))
    assert hidden.status_code == missing.status_code == 404
    assert [t.name for t in hidden.templates][:2] == ["404.html", "base.html"]
    assert "<h1>Page not found</h1>" in hidden.content.decode()
    assert without_csrf(hidden.content.decode()) == without_csrf(missing.content.decode())


def test_404_for_a_visitor_who_is_not_signed_in(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert reverse("account_login") in page


# --- 500, 400 and a refused form: the site's own pages too, never Django's ----------------


@login_not_required
def broken_view(request):
    raise RuntimeError("a bug")


urlpatterns = [path("broken/", broken_view), *project_urls.urlpatterns]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "Something went wrong"), ("fr", "Un problème est survenu")],
)
def test_500_is_the_sites_own_page_in_the_readers_language(client, language, heading):
    client.raise_request_exception = False
    response = client.get("/broken/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 500
    assert [t.name for t in response.templates][:2] == ["500.html", "base.html"]
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert f'<html lang="{language}">' in page
    assert f'href="{reverse("home")}"' in page  # a way on
    assert "language-switch" not in page  # rendered without the request: no CSRF token
    assert "a bug" not in page
    assert "Content-Security-Policy" in response


def test_400_for_a_host_the_site_is_not_served_on(client):
    response = client.get("/", HTTP_HOST="not-ours.example.org")
    assert response.status_code == 400
    assert [t.name for t in response.templates][:2] == ["400.html", "base.html"]
    assert "<h1>Request not understood</h1>" in response.content.decode()


def test_a_form_sent_without_its_csrf_token_gets_the_sites_page():
    client = Client(enforce_csrf_checks=True)
    client.force_login(StaffMemberFactory().user)
    response = client.post(reverse("org:language"), {"language": "fr"})
    assert response.status_code == 403
    assert [t.name for t in response.templates][:2] == ["403_csrf.html", "base.html"]
    page = response.content.decode()
    assert "<h1>This form could not be sent</h1>" in page
    assert "Nothing was saved." in page
    assert f'href="{reverse("home")}"' in page


def test_debug_is_off_unless_asked_for():
    """`make run` (no DEBUG in the environment) must show these pages, not Django's
    technical ones; DEBUG=1 turns the technical pages on for a developer."""
    assert settings_in_subprocess("settings.DEBUG", DEBUG="") is False
    assert settings_in_subprocess("settings.DEBUG", DEBUG="1") is True

"""The 403 and 404 pages: the site's layout, plain words, and the refusal's own message."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import permission_denied

from tests.factories import StaffMemberFactory, UserFactory
from tests.workplans.helpers import fro_of, make_complete_work_plan

pytestmark = pytest.mark.django_db


def without_csrf(html: str) -> str:
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
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

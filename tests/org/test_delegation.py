import datetime

import pytest
from django.urls import reverse

from org.models import Delegation
from org.services import create_delegation, delegable_roles, end_delegation
from pmsystem.errors import ApplicationError
from tests.factories import (
    CycleFactory,
    DelegationFactory,
    ReportingLineFactory,
    StaffMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.fixture
def fro():
    line = ReportingLineFactory(cycle=CycleFactory())
    return line.fro.user


def test_an_fro_names_an_acting_officer_who_is_told(
    fro, mailoutbox, django_capture_on_commit_callbacks
):
    acting = StaffMemberFactory().user
    with django_capture_on_commit_callbacks(execute=True):
        delegation = create_delegation(
            principal=fro,
            acting=acting,
            role="fro",
            start=TODAY,
            end=TODAY + datetime.timedelta(days=10),
            reason="Annual leave",
        )
    assert delegation.pk
    assert mailoutbox[0].to == [acting.email]
    assert "acting First reporting officer" in mailoutbox[0].subject


def test_only_a_role_held_can_be_delegated(fro):
    assert delegable_roles(fro) == ["fro"]
    with pytest.raises(ApplicationError, match="You are not a second reporting officer now"):
        create_delegation(principal=fro, acting=UserFactory(), role="sro", start=TODAY, end=TODAY)


def test_overlapping_delegations_are_refused(fro):
    create_delegation(
        principal=fro,
        acting=UserFactory(),
        role="fro",
        start=TODAY,
        end=TODAY + datetime.timedelta(days=5),
    )
    with pytest.raises(ApplicationError, match="already have an acting officer"):
        create_delegation(
            principal=fro,
            acting=UserFactory(),
            role="fro",
            start=TODAY + datetime.timedelta(days=3),
            end=TODAY + datetime.timedelta(days=9),
        )


def test_no_delegation_to_oneself_or_backwards(fro):
    with pytest.raises(ApplicationError, match="cannot name yourself"):
        create_delegation(principal=fro, acting=fro, role="fro", start=TODAY, end=TODAY)
    with pytest.raises(ApplicationError, match="cannot end before it starts"):
        create_delegation(
            principal=fro,
            acting=UserFactory(),
            role="fro",
            start=TODAY,
            end=TODAY - datetime.timedelta(days=1),
        )


def test_ending_a_running_delegation_keeps_its_record():
    delegation = DelegationFactory(start=TODAY - datetime.timedelta(days=3))
    end_delegation(delegation=delegation, actor=delegation.principal)
    delegation.refresh_from_db()
    assert delegation.end == TODAY - datetime.timedelta(days=1)
    with pytest.raises(ApplicationError, match="Only the officer who delegated"):
        end_delegation(delegation=delegation, actor=delegation.acting)


def test_delegation_page_lists_and_creates(client, fro):
    acting = StaffMemberFactory().user
    client.force_login(fro)
    response = client.post(
        reverse("org:delegations"),
        {
            "role": "fro",
            "acting": acting.email,
            "start": TODAY.isoformat(),
            "end": (TODAY + datetime.timedelta(days=7)).isoformat(),
            "reason": "Mission travel",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Acting officer named" in page
    assert "Mission travel" in page
    assert Delegation.objects.filter(principal=fro, acting=acting).exists()


def test_delegation_page_keeps_input_on_error(client, fro):
    client.force_login(fro)
    response = client.post(
        reverse("org:delegations"),
        {
            "role": "fro",
            "acting": "nobody@example.org",
            "start": TODAY.isoformat(),
            "end": TODAY.isoformat(),
            "reason": "Leave in May",
        },
    )
    page = response.content.decode()
    assert "Nobody with the email nobody@example.org has an account." in page
    assert "Leave in May" in page

"""The demo's ratings standards: version 2 in force in the demo logins' entity, acknowledged
by its FROs but the `fro` login, who is asked before signing; a draft in another entity."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from demo.organisation import DEMO_LOGINS
from org.models import User
from standards.models import Acknowledgement, RatingsStandard
from standards.selectors import sign_refusal, standards_status
from tests.concurrency import ensure_competency_catalogue
from tests.worlds import built_once
from workplans.models import WorkPlan

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
S = RatingsStandard.State


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    with built_once(django_db_blocker):
        ensure_competency_catalogue()  # a flush before this module may have emptied it
        call_command(
            "seed_demo", staff=60, password="demo-pass", stdout=io.StringIO(), stderr=io.StringIO()
        )
        yield


def login(role: str) -> User:
    return User.objects.get(email=DEMO_LOGINS[role])


def test_the_demo_entity_has_version_2_in_force_and_version_1_in_its_history():
    hod = login("hod")
    versions = RatingsStandard.objects.filter(created_by=hod).order_by("version")
    assert [(v.version, v.state) for v in versions] == [(1, S.SUPERSEDED), (2, S.PUBLISHED)]
    assert RatingsStandard.objects.filter(state=S.DRAFT).exclude(created_by=hod).count() == 1
    current = versions[1]
    [row] = standards_status([current.entity_id], current.cycle)
    assert row.froes > 1 and row.acknowledged == row.froes - 1


def test_the_fro_login_is_asked_to_acknowledge_before_signing(client):
    fro = login("fro")
    assert not Acknowledgement.objects.filter(user=fro).exists()
    document = (
        WorkPlan.objects.filter(appraisal__state="fro_evaluation", staff__lines__fro__user=fro)
        .select_related("cycle", "staff__unit")
        .first()
    )
    assert document is not None
    assert "Acknowledge the ratings standards of" in sign_refusal(document=document, actor=fro)
    client.force_login(fro)
    page = client.get(reverse("home")).content.decode()
    assert "Acknowledge the ratings standards of" in page
    page = client.get(reverse("appraisals:evaluation", args=[document.pk])).content.decode()
    assert "I have read them: acknowledge" in page

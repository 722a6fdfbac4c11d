"""The reason on top (issue 17): a document the SRO returned, HR rolled back or the FRO
returned shows, at the top of its page, who sent it back, when and why, to the people whose
action it now waits for, and only until they move it on."""

import pytest
from django.urls import reverse

from appraisals import services
from pmsystem.event_kinds import EventKind
from pmsystem.events import FORWARD_KINDS, RETURN_KINDS
from tests.appraisals.helpers import (
    fill_self_evaluation,
    fresh,
    hr_focal_point,
    make_document_at,
    rate_everything,
)
from tests.factories import UserFactory
from tests.workplans.helpers import fro_of, make_submitted_work_plan, sro_of
from workplans import services as workplan_services

pytestmark = pytest.mark.django_db

HEADING = 'id="return-notice-heading"'


def evaluation_page(client, user, document) -> str:
    client.force_login(user)
    response = client.get(reverse("appraisals:evaluation", args=[document.pk]))
    assert response.status_code == 200
    return response.content.decode()


def top_of(page: str) -> str:
    """The page down to the evaluation's own heading: the banner must sit above it."""
    return page[: page.index("<h2>End-of-cycle evaluation")]


def test_every_kind_named_is_a_declared_timeline_kind():
    assert RETURN_KINDS | FORWARD_KINDS <= set(EventKind.values)
    assert not RETURN_KINDS & FORWARD_KINDS


def test_the_fro_reads_who_returned_the_evaluation_when_and_why_until_signing_again(client):
    document = make_document_at("sro_review")
    sro = sro_of(document)
    services.return_evaluation_to_fro(
        document=document, actor=sro, reason="Goal 2 has no comment; please add one."
    )
    fro = fro_of(document)

    page = top_of(evaluation_page(client, fro, document))
    assert HEADING in page
    assert "The SRO returned this evaluation to the FRO" in page
    assert f"By {sro}, " in page
    assert "Goal 2 has no comment; please add one." in page
    # Nobody else has anything to do about it: no banner for the staff member or the SRO.
    for reader in (document.staff.user, sro):
        assert HEADING not in evaluation_page(client, reader, document)

    services.sign_evaluation(document=fresh(document), actor=fro)
    assert HEADING not in evaluation_page(client, fro, document)
    assert HEADING not in evaluation_page(client, sro, document)


def test_a_roll_back_tells_the_staff_member_who_asked_who_did_it_and_why(client):
    document = make_document_at("sro_review")
    hr = hr_focal_point(document, UserFactory(first_name="Hana", last_name="Kim"))
    services.roll_back_document(
        document=document,
        actor=hr,
        requested_by=sro_of(document),
        reason="The SRO's memo of 2 May: the self-evaluation misses goal 3.",
        target_stage="self_assessment",
    )
    staff = document.staff.user

    page = top_of(evaluation_page(client, staff, document))
    assert "This document was rolled back" in page
    assert "By Hana Kim, " in page
    assert f"Rolled back to Self-evaluation at the request of the SRO, {sro_of(document)}" in page
    assert "The SRO&#x27;s memo of 2 May: the self-evaluation misses goal 3." in page
    assert HEADING not in evaluation_page(client, fro_of(document), document)

    fill_self_evaluation(fresh(document))
    services.submit_self_evaluation(document=fresh(document), actor=staff)
    assert HEADING not in evaluation_page(client, staff, document)


def test_a_roll_back_to_the_fro_shows_above_the_rating_grid(client):
    document = make_document_at("acknowledgement")
    services.roll_back_document(
        document=document,
        actor=hr_focal_point(document),
        requested_by=fro_of(document),
        reason="Competency ratings entered for the wrong person.",
        target_stage="fro_evaluation",
    )
    page = evaluation_page(client, fro_of(document), document)
    banner = page.index(HEADING)
    assert banner < page.index("Your evaluation as FRO")
    assert "Competency ratings entered for the wrong person." in top_of(page)

    rate_everything(fresh(document))
    services.sign_evaluation(document=fresh(document), actor=fro_of(document))
    assert HEADING not in evaluation_page(client, fro_of(document), document)


def test_the_staff_member_reads_why_the_fro_returned_the_work_plan(client):
    work_plan = make_submitted_work_plan()
    fro = fro_of(work_plan)
    workplan_services.return_work_plan(
        work_plan=work_plan, actor=fro, comment="Goal 2 needs a measurable criterion."
    )
    client.force_login(work_plan.staff.user)
    page = client.get(reverse("workplans:document", args=[work_plan.pk])).content.decode()
    top = page[: page.index('id="goals-heading"')]
    assert "The FRO returned this work plan" in top
    assert f"By {fro}, " in top
    assert "Goal 2 needs a measurable criterion." in top

    client.force_login(fro)
    page = client.get(reverse("workplans:document", args=[work_plan.pk])).content.decode()
    assert HEADING not in page
    assert "Returned by the FRO:" in page  # the reader still sees the comment, plainly

    workplan_services.submit_work_plan(work_plan=work_plan, actor=work_plan.staff.user)
    client.force_login(work_plan.staff.user)
    page = client.get(reverse("workplans:document", args=[work_plan.pk])).content.decode()
    assert HEADING not in page

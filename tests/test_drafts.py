"""Issue 17, never lose typed text: a long form's draft is kept on the server as it is typed
(pmsystem.drafts), per author, document and form; only its author reads or writes it, only
while the form is theirs to fill; it comes back into the form on the page and is deleted once
the form is saved. (The browser side: tests/browser/test_drafts_journey.py.)"""

from __future__ import annotations

import html
import json

import pytest
from django.urls import reverse

from appraisals import services as appraisal_services
from org.models import DepartmentRole
from pmsystem import drafts
from pmsystem.models import Draft
from rebuttals import services as rebuttal_services
from tests.appraisals.helpers import fill_self_evaluation, make_document_at
from tests.compliance.reminder_helpers import with_totp
from tests.factories import StaffMemberFactory
from tests.rebuttals.helpers import entity_role, filed_case, full_panel, rebuttable_document
from tests.workplans.helpers import fro_of, sro_of

pytestmark = pytest.mark.django_db


def url(document, form: str) -> str:
    return reverse("draft", args=[document.pk, form])


def kept(author, document, form: str) -> dict | None:
    draft = Draft.objects.filter(author=author, document=document, form=form).first()
    return None if draft is None else draft.fields


@pytest.fixture
def document():
    return make_document_at("self_assessment")


def test_the_author_keeps_what_they_type_and_only_the_forms_fields(client, document):
    staff = document.staff.user
    row = document.appraisal.goal_rows.first()
    client.force_login(staff)
    typed = {
        "overall": "This year I closed the accounts",
        f"goal-{row.pk}-comment": "Done in March",
        "csrfmiddlewaretoken": "x",
        "goal-1-rating": "3",
        "note": "not a field of this form",
    }
    response = client.post(url(document, "self_evaluation"), typed, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert kept(staff, document, "self_evaluation") == {
        "overall": "This year I closed the accounts",
        f"goal-{row.pk}-comment": "Done in March",
    }
    # Typing on: the same draft, the latest text (one row per author, document and form).
    client.post(url(document, "self_evaluation"), {"overall": "This year I closed the accounts."})
    assert Draft.objects.count() == 1
    assert kept(staff, document, "self_evaluation") == {
        "overall": "This year I closed the accounts."
    }


def test_the_draft_comes_back_into_the_form_on_the_page(client, document):
    staff = document.staff.user
    client.force_login(staff)
    text = 'I led the "close" & the audit <fully>'
    client.post(url(document, "self_evaluation"), {"overall": text})

    page = client.get(reverse("appraisals:evaluation", args=[document.pk])).content.decode()

    assert f'data-draft-url="{url(document, "self_evaluation")}"' in page
    attribute = page.split('data-draft-fields="', 1)[1].split('"', 1)[0]
    assert json.loads(html.unescape(attribute)) == {"overall": text}
    assert "data-draft-saved=" in page


def test_saving_the_form_deletes_the_draft(client, document):
    staff = document.staff.user
    client.force_login(staff)
    client.post(url(document, "self_evaluation"), {"overall": "Half a sentence"})
    response = client.post(
        reverse("appraisals:self-evaluation", args=[document.pk]),
        {"overall": "Half a sentence, finished."},
    )
    assert response.status_code == 302
    assert not Draft.objects.exists()
    page = client.get(reverse("appraisals:evaluation", args=[document.pk])).content.decode()
    assert "data-draft-fields" not in page and "Half a sentence, finished." in page


def test_a_refused_save_keeps_the_draft(client):
    """The FRO's ratings sent with a level that is no choice: nothing saved, draft kept."""
    document = make_document_at("fro_evaluation")
    fro = fro_of(document)
    client.force_login(fro)
    client.post(url(document, "ratings"), {"overall_comment": "A strong year"})
    client.post(
        reverse("appraisals:ratings", args=[document.pk]),
        {"overall_comment": "A strong year", "overall_rating": "not a level"},
    )
    assert kept(fro, document, "ratings") == {"overall_comment": "A strong year"}


def test_nobody_but_whoever_may_fill_the_form_keeps_a_draft_of_it(client, document):
    """The FRO and SRO see the document but may not self-evaluate (refused); a stranger may
    not see it (404, as for a document that does not exist); nothing is written."""
    form_url = url(document, "self_evaluation")
    for user, status in (
        (fro_of(document), 403),
        (sro_of(document), 403),
        (StaffMemberFactory().user, 404),
    ):
        client.force_login(user)
        assert client.post(form_url, {"overall": "Not mine"}).status_code == status
    # Not yet: the FRO's ratings open at the FRO's evaluation.
    client.force_login(fro_of(document))
    assert client.post(url(document, "ratings"), {"overall_comment": "Early"}).status_code == 403
    assert not Draft.objects.exists()


def test_only_the_author_reads_their_draft(client):
    document = make_document_at("fro_evaluation")
    fro = fro_of(document)
    client.force_login(fro)
    client.post(url(document, "ratings"), {"overall_comment": "Private until I sign"})
    for reader in (document.staff.user, sro_of(document)):
        client.force_login(reader)
        page = client.get(reverse("appraisals:evaluation", args=[document.pk])).content.decode()
        assert "Private until I sign" not in page
    # Nor does the service hand it to anyone else.
    assert (
        drafts.draft_for(author=sro_of(document), document_id=document.pk, form_key="ratings")
        is None
    )


def test_once_the_form_is_no_longer_theirs_the_draft_is_neither_read_nor_written(client, document):
    staff = document.staff.user
    client.force_login(staff)
    client.post(url(document, "self_evaluation"), {"overall": "Draft before the FRO took over"})
    fill_self_evaluation(document)  # through another route: the service, not this page
    appraisal_services.submit_self_evaluation(document=document, actor=staff)
    assert client.post(url(document, "self_evaluation"), {"overall": "Late"}).status_code == 403
    page = client.get(reverse("appraisals:evaluation", args=[document.pk])).content.decode()
    assert "data-draft-fields" not in page


def test_malformed_and_unknown_addresses_find_nothing(client, document):
    client.force_login(document.staff.user)
    assert client.post(url(document, "no_such_form"), {"overall": "x"}).status_code == 404
    assert client.post("/drafts/0/self_evaluation/", {"overall": "x"}).status_code == 404
    assert client.post(f"/drafts/{10**20}/self_evaluation/", {"overall": "x"}).status_code == 404
    assert client.get(url(document, "self_evaluation")).status_code == 405
    assert not Draft.objects.exists()


def test_a_draft_too_long_to_keep_is_refused(client, document, monkeypatch):
    monkeypatch.setattr(drafts, "MAX_FIELD_CHARS", 10)
    client.force_login(document.staff.user)
    response = client.post(url(document, "self_evaluation"), {"overall": "x" * 11})
    assert response.status_code == 400
    assert not Draft.objects.exists()


def test_the_author_discards_their_draft(client, document):
    client.force_login(document.staff.user)
    client.post(url(document, "self_evaluation"), {"overall": "Not what I meant"})
    assert client.post(url(document, "self_evaluation"), {"discard": "1"}).status_code == 204
    assert not Draft.objects.exists()


def test_the_rebuttal_statement_and_the_hods_reply_keep_drafts_until_sent(client):
    document = rebuttable_document()
    staff = document.staff.user
    client.force_login(staff)
    assert client.post(url(document, "rebuttal"), {"statement": "The rating"}).status_code == 204
    page = client.get(reverse("rebuttals:file", args=[document.pk])).content.decode()
    assert "data-draft-fields" in page and "The rating" in html.unescape(page)
    client.post(
        reverse("rebuttals:file", args=[document.pk]), {"statement": "The rating ignores it."}
    )
    assert kept(staff, document, "rebuttal") is None
    # Filed: the statement is no longer a form, the HOD's reply is.
    assert client.post(url(document, "rebuttal"), {"statement": "More"}).status_code == 403

    hod = entity_role(document.staff.unit.entity, DepartmentRole.Role.HOD)
    with_totp(hod)
    client.force_login(hod)
    assert client.post(url(document, "rebuttal_reply"), {"reply": "The rating"}).status_code == 204
    case = document.rebuttal
    case_page = client.get(reverse("rebuttals:case", args=[case.pk])).content.decode()
    assert "data-draft-fields" in case_page
    client.post(reverse("rebuttals:reply", args=[case.pk]), {"reply": "The rating stands."})
    assert kept(hod, document, "rebuttal_reply") is None


def test_a_panel_member_keeps_a_draft_of_the_report_without_seeing_the_document(client):
    """Panel members read the case file, not the document's pages: their draft is found
    through the case."""
    case = filed_case()
    entity = case.document.staff.unit.entity
    hod = entity_role(entity, DepartmentRole.Role.HOD)
    rebuttal_services.reply_to_rebuttal(case=case, actor=hod, reply="The rating stands.")
    seats = full_panel(case)
    chair = next(seat.user for seat in seats.values() if seat.seat == "chair")
    client.force_login(chair)
    assert client.get(reverse("workplans:document", args=[case.document_id])).status_code == 404
    response = client.post(url(case.document, "panel_report"), {"report": "We heard both"})
    assert response.status_code == 204
    assert kept(chair, case.document, "panel_report") == {"report": "We heard both"}

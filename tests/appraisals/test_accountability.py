"""The ILO's managerial-accountability section (issue 16 section 4, docs/rules.md section 10):
staff with supervisory responsibilities in the cycle answer the cycle's questions with their
self-evaluation; the FRO reads the answers and may comment when rating; the answers are
signed and frozen with the self-evaluation, reopened by a roll-back to it; whoever reads the
self-evaluation reads them, on the page and in the PDF."""

from __future__ import annotations

import datetime
import io
import json
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from appraisals import services
from appraisals.drafts import FORMS
from appraisals.models import AccountabilityAnswer, Appraisal, RollBack
from appraisals.permissions import allowed_actions
from appraisals.selectors import accountability_section
from appraisals.signing import verify_signatures
from org.models import AccountabilityQuestion, DepartmentRole
from pmsystem.errors import ApplicationError
from pmsystem.models import Signature
from tests.appraisals.helpers import (
    appraisal_of,
    fill_self_evaluation,
    fresh,
    hr_focal_point,
    make_document_at,
    rate_everything,
)
from tests.factories import (
    CycleFactory,
    DepartmentRoleFactory,
    OrgUnitFactory,
    ReportingLineFactory,
    StaffMemberFactory,
    UserFactory,
)
from tests.workplans.helpers import fro_of, sro_of

pytestmark = pytest.mark.django_db

S = Appraisal.State
HEADING = "Managerial accountability"
REQUIRED = "Answer every question of the managerial-accountability section before submitting."
FROZEN = (
    "This document is at the FRO evaluation stage: its self-evaluation can no longer change. "
    "Only a roll-back by an HR focal point reopens an earlier stage."
)


def ilo_document(stage: str = "self_assessment", *, supervises: bool = True, **kwargs):
    """A document of an ILO cycle at `stage` (not past the self-evaluation when the staff
    member supervises: they answer first); `supervises`: the staff member is the FRO of
    someone in the cycle."""
    document = make_document_at(stage, cycle=CycleFactory(profile="ilo"), **kwargs)
    if supervises:
        ReportingLineFactory(cycle=document.cycle, fro=document.staff)
    return document


def questions(document) -> list[AccountabilityQuestion]:
    return list(AccountabilityQuestion.objects.filter(cycle=document.cycle).order_by("position"))


def answer(document, *texts: str, actor=None):
    texts = texts or tuple(f"Answer {n}." for n in range(1, len(questions(document)) + 1))
    return services.save_self_evaluation(
        document=document,
        actor=actor or document.staff.user,
        overall="I delivered my goals.",
        goals={},
        competencies={},
        answers={q.pk: text for q, text in zip(questions(document), texts, strict=False)},
    )


def answers_of(document) -> dict[int, str]:
    return dict(
        AccountabilityAnswer.objects.filter(appraisal_id=document.pk).values_list(
            "question__position", "text"
        )
    )


def submitted(document):
    """The supervisor's self-evaluation written, answered and signed: at FRO evaluation."""
    fill_self_evaluation(document)
    answer(document)
    services.submit_self_evaluation(document=document, actor=document.staff.user)
    return fresh(document)


def refused(call, **kwargs) -> str:
    with pytest.raises(ApplicationError) as exc:
        call(**kwargs)
    return exc.value.message


def fro_comment(document, comment: str, *, actor=None, sign: bool = False):
    call = services.rate_and_sign_evaluation if sign else services.save_ratings
    appraisal = appraisal_of(document)
    return call(
        document=document,
        actor=actor or fro_of(document),
        goals={},
        competencies={},
        overall_rating_id=appraisal.overall_rating_id,
        overall_comment=appraisal.fro_overall_comment,
        accountability_comment=comment,
    )


# --- who answers ----------------------------------------------------------------------------


def test_ilo_cycles_ask_their_supervisors_the_profile_questions():
    document = ilo_document()
    section = accountability_section(document)
    assert section is not None and section.required
    assert [item.question.text for item in section.items] == [
        "How is performance managed in the unit?",
        "How does the manager support the development of staff?",
        "What actions were taken in respect of the targets for geographical representation "
        "and gender?",
    ]
    assert [item.answer for item in section.items] == ["", "", ""]


def test_a_staff_member_without_supervisory_responsibilities_has_no_section():
    document = ilo_document(supervises=False)
    assert accountability_section(document) is None
    fill_self_evaluation(document)
    services.submit_self_evaluation(document=document, actor=document.staff.user)
    assert appraisal_of(document).state == S.FRO_EVALUATION


def test_a_non_supervisor_cannot_write_answers():
    document = ilo_document(supervises=False)
    assert refused(answer, document=document) == (
        "Only staff with supervisory responsibilities in the cycle answer the "
        "managerial-accountability questions."
    )
    assert answers_of(document) == {}


def test_a_un_cycle_has_no_questions_and_no_section_even_for_a_supervisor():
    document = make_document_at("self_assessment")
    ReportingLineFactory(cycle=document.cycle, fro=document.staff)
    assert not AccountabilityQuestion.objects.filter(cycle=document.cycle).exists()
    assert accountability_section(document) is None


def test_supervising_in_another_cycle_does_not_count():
    document = ilo_document(supervises=False)
    ReportingLineFactory(cycle=CycleFactory(profile="ilo", start_year=2024), fro=document.staff)
    assert accountability_section(document) is None


def test_a_line_that_ended_no_longer_makes_a_supervisor():
    document = ilo_document(supervises=False)
    ReportingLineFactory(
        cycle=document.cycle,
        fro=document.staff,
        effective_to=document.cycle.start + datetime.timedelta(days=30),
    )
    assert accountability_section(document) is None


def test_answers_are_saved_with_the_self_evaluation_and_kept_as_typed():
    document = ilo_document()
    answer(document, "  Monthly team reviews. ", "Training plans.", "")
    assert answers_of(document) == {1: "Monthly team reviews.", 2: "Training plans.", 3: ""}
    answer(document, "Monthly team reviews.", "Coaching.", "Balanced shortlists.")
    assert answers_of(document) == {
        1: "Monthly team reviews.",
        2: "Coaching.",
        3: "Balanced shortlists.",
    }


def test_a_question_of_another_cycle_is_refused():
    document = ilo_document()
    other = AccountabilityQuestion.objects.filter(
        cycle=CycleFactory(profile="ilo", start_year=2024)
    ).first()
    message = refused(
        services.save_self_evaluation,
        document=document,
        actor=document.staff.user,
        overall="x",
        goals={},
        competencies={},
        answers={other.pk: "Elsewhere."},
    )
    assert message == (
        f"That question is not in the managerial-accountability section of {document.cycle}."
    )
    assert answers_of(document) == {}


# --- required before submitting -------------------------------------------------------------


def test_submitting_needs_every_question_answered():
    document = ilo_document()
    fill_self_evaluation(document)
    answer(document, "Monthly team reviews.", "Coaching.", "   ")
    assert "submit_self_evaluation" not in allowed_actions(document.staff.user, document)
    assert refused(
        services.submit_self_evaluation, document=document, actor=document.staff.user
    ) == (REQUIRED)
    assert appraisal_of(document).state == S.SELF_ASSESSMENT
    assert answers_of(document)[1] == "Monthly team reviews."  # nothing typed is lost
    answer(document, "Monthly team reviews.", "Coaching.", "Balanced shortlists.")
    services.submit_self_evaluation(document=document, actor=document.staff.user)
    assert appraisal_of(document).state == S.FRO_EVALUATION


def test_both_missing_parts_are_named():
    document = ilo_document()
    assert refused(
        services.submit_self_evaluation, document=document, actor=document.staff.user
    ) == ("Write your overall self-assessment before submitting. " + REQUIRED)


def test_submitting_through_the_page_keeps_what_was_typed(client):
    document = ilo_document()
    fill_self_evaluation(document)
    first, second, _ = questions(document)
    client.force_login(document.staff.user)
    response = client.post(
        reverse("appraisals:self-evaluation", args=[document.pk]),
        {
            "overall": "A good year.",
            f"accountability-{first.pk}": "Monthly team reviews.",
            f"accountability-{second.pk}": "Coaching.",
            "submit": "1",
        },
        follow=True,
    )
    assert f"{REQUIRED} What you typed is saved." in response.content.decode()
    assert appraisal_of(document).state == S.SELF_ASSESSMENT
    assert answers_of(document) == {1: "Monthly team reviews.", 2: "Coaching."}
    page = client.get(reverse("appraisals:evaluation", args=[document.pk])).content.decode()
    assert "Monthly team reviews.</textarea>" in page


def test_the_self_evaluation_draft_keeps_the_answers():
    form = next(form for form in FORMS if form.key == "self_evaluation")
    assert form.keeps("accountability-12") and not form.keeps("accountability-x")
    ratings = next(form for form in FORMS if form.key == "ratings")
    assert ratings.keeps("accountability_comment")


# --- the FRO's comment ----------------------------------------------------------------------


def test_the_fro_comments_on_the_section_when_rating():
    document = submitted(ilo_document())
    fro_comment(document, "  Good use of team reviews. ")
    assert appraisal_of(document).fro_accountability_comment == "Good use of team reviews."


def test_only_the_fro_comments_on_the_section():
    document = submitted(ilo_document())
    hod = DepartmentRoleFactory(entity=document.staff.unit.entity).user
    for actor in (document.staff.user, sro_of(document), hod, UserFactory()):
        assert refused(fro_comment, document=document, comment="Mine.", actor=actor).startswith(
            "You may not change the ratings and the FRO's comments of this document."
        )
    assert appraisal_of(document).fro_accountability_comment == ""


def test_the_fro_has_no_section_to_comment_without_answers():
    document = ilo_document("fro_evaluation", supervises=False)
    assert refused(fro_comment, document=document, comment="Nothing to say.") == (
        "This evaluation has no managerial-accountability section to comment on."
    )


def test_the_comment_is_posted_with_the_ratings_and_kept_on_a_refused_signature(client):
    document = submitted(ilo_document())
    client.force_login(fro_of(document))
    response = client.post(
        reverse("appraisals:ratings", args=[document.pk]),
        {"accountability_comment": "Typed, not saved.", "sign": "1"},
    )
    assert response.status_code == 200  # refused: nothing rated; the form comes back
    assert "Typed, not saved.</textarea>" in response.content.decode()
    assert appraisal_of(document).fro_accountability_comment == ""
    client.post(
        reverse("appraisals:ratings", args=[document.pk]),
        {"accountability_comment": "Saved.", "save": "1"},
    )
    assert appraisal_of(document).fro_accountability_comment == "Saved."


# --- frozen once signed, through every route ------------------------------------------------


def test_answers_are_frozen_once_the_self_evaluation_is_signed(caplog):
    document = submitted(ilo_document())
    before = answers_of(document)
    with caplog.at_level(logging.INFO, logger="pmsystem.security"):
        assert refused(answer, document=document) == FROZEN
    assert answers_of(document) == before
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "pmsystem.security"]
    assert any(e["event"] == "signed_stage_change_refused" for e in events)


def test_the_fro_comment_is_frozen_once_the_fro_signs():
    document = submitted(ilo_document())
    rate_everything(document, overall="FM", competency="FMT", goal="FMT")
    fro_comment(document, "Good.", sign=True)
    assert appraisal_of(document).state == S.SRO_REVIEW
    assert "can no longer change" in refused(fro_comment, document=document, comment="Changed.")
    assert appraisal_of(document).fro_accountability_comment == "Good."


@pytest.mark.parametrize(
    ("who", "status"), [("staff", 403), ("fro", 403), ("sro", 403), ("unrelated", 404)]
)
def test_no_one_rewrites_signed_answers_through_the_page(client, who, status):
    document = submitted(ilo_document())
    before = answers_of(document)
    user = {
        "staff": document.staff.user,
        "fro": fro_of(document),
        "sro": sro_of(document),
        "unrelated": UserFactory(),
    }[who]
    client.force_login(user)
    data = {f"accountability-{q.pk}": "Rewritten." for q in questions(document)}
    response = client.post(reverse("appraisals:self-evaluation", args=[document.pk]), data)
    assert response.status_code == status
    assert answers_of(document) == before


@pytest.mark.parametrize(("who", "status"), [("staff", 403), ("sro", 403), ("unrelated", 404)])
def test_only_the_fro_posts_the_section_comment(client, who, status):
    document = submitted(ilo_document())
    user = {"staff": document.staff.user, "sro": sro_of(document), "unrelated": UserFactory()}
    client.force_login(user[who])
    response = client.post(
        reverse("appraisals:ratings", args=[document.pk]),
        {"accountability_comment": "Not theirs.", "save": "1"},
    )
    assert response.status_code == status
    assert appraisal_of(document).fro_accountability_comment == ""


def test_the_admin_lists_answers_and_changes_none(client):
    document = submitted(ilo_document())
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    changelist = reverse("admin:appraisals_accountabilityanswer_changelist")
    assert client.get(changelist, {"q": "x"}).status_code == 200
    row = AccountabilityAnswer.objects.filter(appraisal_id=document.pk).first()
    change = reverse("admin:appraisals_accountabilityanswer_change", args=[row.pk])
    assert client.post(change, {"text": "Rewritten."}).status_code == 403
    assert client.post(reverse("admin:appraisals_accountabilityanswer_add"), {}).status_code == 403
    appraisal_change = reverse("admin:appraisals_appraisal_change", args=[document.pk])
    assert client.post(appraisal_change, {"fro_accountability_comment": "x"}).status_code == 403
    row.refresh_from_db()
    assert row.text != "Rewritten."


def test_the_self_evaluation_signature_covers_the_answers():
    document = submitted(ilo_document())
    signature = Signature.objects.get(document=document, stage="self_assessment")
    by_position = {q.pk: q.position for q in questions(document)}
    signed = {by_position[a["question"]]: a["answer"] for a in signature.content["accountability"]}
    assert signed == {1: "Answer 1.", 2: "Answer 2.", 3: "Answer 3."}
    assert verify_signatures()[1] == []
    rate_everything(document, overall="FM", competency="FMT", goal="FMT")
    fro_comment(document, "Good.", sign=True)
    assert (
        Signature.objects.get(document=document, stage="fro_evaluation").content[
            "accountability_comment"
        ]
        == "Good."
    )
    AccountabilityAnswer.objects.filter(appraisal_id=document.pk).update(text="Behind its back.")
    Appraisal.objects.filter(pk=document.pk).update(fro_accountability_comment="Also.")
    reasons = {mismatch.reason for mismatch in verify_signatures()[1]}
    assert reasons == {
        "the self_assessment stage changed after it was signed",
        "the fro_evaluation stage changed after it was signed",
    }


def test_what_other_evaluations_sign_is_unchanged():
    document = make_document_at("sro_review")
    for stage in ("self_assessment", "fro_evaluation"):
        content = Signature.objects.get(document=document, stage=stage).content
        assert "accountability" not in content and "accountability_comment" not in content


# --- roll-back ------------------------------------------------------------------------------


def test_a_roll_back_to_the_self_evaluation_reopens_the_answers():
    document = submitted(ilo_document())
    rate_everything(document, overall="FM", competency="FMT", goal="FMT")
    fro_comment(document, "Good.", sign=True)
    rollback = services.roll_back_document(
        document=fresh(document),
        actor=hr_focal_point(document),
        requested_by=fro_of(document),
        reason="Answers to complete.",
        target_stage="self_assessment",
    )
    evaluation = rollback.snapshot["evaluation"]
    assert len(evaluation["self_assessment"]["accountability"]) == 3
    assert evaluation["fro_evaluation"]["accountability_comment"] == "Good."
    document = fresh(document)
    assert appraisal_of(document).fro_accountability_comment == ""
    assert answers_of(document) == {1: "Answer 1.", 2: "Answer 2.", 3: "Answer 3."}
    assert "edit_self_evaluation" in allowed_actions(document.staff.user, document)
    answer(document, "Reworded.", "Answer 2.", "Answer 3.")
    assert answers_of(document)[1] == "Reworded."


def test_a_roll_back_to_the_work_plan_clears_the_answers():
    document = submitted(ilo_document())
    services.roll_back_document(
        document=document,
        actor=hr_focal_point(document),
        requested_by=fro_of(document),
        reason="Goals to change.",
        target_stage="work_plan",
    )
    assert answers_of(document) == {}
    rollback = RollBack.objects.get(document=document)
    assert len(rollback.snapshot["evaluation"]["self_assessment"]["accountability"]) == 3


# --- readers --------------------------------------------------------------------------------


def page_of(client, user, document) -> str:
    client.force_login(user)
    response = client.get(reverse("appraisals:evaluation", args=[document.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_staff_member_answers_on_the_self_evaluation_form(client):
    document = ilo_document()
    page = page_of(client, document.staff.user, document)
    assert HEADING in page
    for question in questions(document):
        assert f'name="accountability-{question.pk}"' in page


def test_the_fro_reads_the_answers_and_may_comment(client):
    supervisor = UserFactory()
    document = ilo_document(supervisors=(supervisor,))
    fill_self_evaluation(document)
    answer(document, "Monthly team reviews.", "Coaching.", "Balanced shortlists.")
    services.submit_self_evaluation(document=document, actor=document.staff.user)
    page = page_of(client, fro_of(document), document)
    assert "Monthly team reviews." in page and "Balanced shortlists." in page
    assert 'name="accountability_comment"' in page
    assert "How is performance managed in the unit?" in page
    # The additional supervisor does not read the self-evaluation, nor the answers.
    assert "Monthly team reviews." not in page_of(client, supervisor, document)


def test_the_sro_hr_and_the_board_read_the_section_and_the_fro_comment(client):
    document = submitted(ilo_document())
    rate_everything(document, overall="FM", competency="FMT", goal="FMT")
    fro_comment(document, "Good use of team reviews.", sign=True)
    member = StaffMemberFactory(unit=OrgUnitFactory()).user
    DepartmentRoleFactory(
        entity=document.staff.unit.entity,
        user=member,
        role=DepartmentRole.Role.REVIEW_BOARD,
        start=datetime.date.today(),
    )
    for reader in (sro_of(document), hr_focal_point(document), member, document.staff.user):
        page = page_of(client, reader, document)
        assert HEADING in page
        assert "Answer 1." in page and "Good use of team reviews." in page
        assert 'name="accountability-' not in page


def test_the_section_is_in_the_pdf(client):
    document = submitted(ilo_document())
    client.force_login(sro_of(document))
    response = client.get(reverse("appraisals:pdf", args=[document.pk]))
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert HEADING in text and "Answer 3." in text


def test_the_questions_read_in_french(client):
    document = submitted(ilo_document())
    sro = sro_of(document)
    sro.language = "fr"
    sro.save(update_fields=["language"])
    client.force_login(sro)
    with translation.override("en"):
        page = client.get(reverse("appraisals:evaluation", args=[document.pk])).content.decode()
    assert "Responsabilité managériale" in page
    assert "Comment la performance est-elle gérée dans l’unité\u00a0?" in page


def test_no_section_on_a_un_evaluation_or_for_a_non_supervisor(client):
    un = make_document_at("fro_evaluation")
    ReportingLineFactory(cycle=un.cycle, fro=un.staff)
    plain = ilo_document("fro_evaluation", supervises=False)
    for document in (un, plain):
        for reader in (document.staff.user, fro_of(document), sro_of(document)):
            assert HEADING not in page_of(client, reader, document)
    client.force_login(sro_of(plain))
    response = client.get(reverse("appraisals:pdf", args=[plain.pk]))
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert HEADING not in text


def test_the_evaluation_page_reads_the_section_in_the_same_queries_however_many_questions(
    client,
):
    def count(document) -> int:
        client.force_login(fro_of(document))
        url = reverse("appraisals:evaluation", args=[document.pk])
        client.get(url)  # warm caches (sessions, content types)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = submitted(ilo_document())
    many = ilo_document()
    for position in range(4, 10):
        AccountabilityQuestion.objects.create(
            cycle=many.cycle, position=position, text=f"Question {position}?"
        )
    many = submitted(many)
    assert len(questions(many)) == 9
    assert count(many) == count(few)

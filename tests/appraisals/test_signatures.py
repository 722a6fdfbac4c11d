"""Signatures (DESIGN.md section 3): each stores the SHA-256 of its stage's content, and
`verify_signatures` re-computes them and reports any stage changed after it was signed."""

from __future__ import annotations

import pytest

from appraisals import services
from appraisals.models import Appraisal, CompetencyAssessment, GoalAssessment
from appraisals.signing import verify_signatures
from tests.appraisals.helpers import hr_focal_point, make_document_at, rate_everything
from tests.workplans.helpers import fro_of, sro_of
from workplans.models import Goal, MidpointReview, Signature

pytestmark = pytest.mark.django_db


def check(document) -> tuple[int, list[tuple[str, str, str]]]:
    """How many current signatures of the document were checked, and each mismatch as
    (stage, action, reason)."""
    count, mismatches = verify_signatures(Signature.objects.filter(document=document))
    return count, [(m.signature.stage, m.signature.action, m.reason) for m in mismatches]


def test_a_clean_completed_document_has_nothing_to_report():
    document = make_document_at("completed")
    assert check(document) == (8, [])
    count, mismatches = verify_signatures()
    assert count == Signature.objects.count()
    assert mismatches == []


def test_an_empty_selection_checks_nothing():
    make_document_at("completed")
    assert verify_signatures(Signature.objects.none()) == (0, [])


def test_a_changed_fro_comment_is_reported():
    document = make_document_at("completed")
    other = make_document_at("completed")
    Appraisal.objects.filter(pk=document.pk).update(fro_overall_comment="A weak year.")
    assert check(document) == (
        8,
        [
            (
                "fro_evaluation",
                "sign_evaluation",
                "the fro_evaluation stage changed after it was signed",
            )
        ],
    )
    assert check(other) == (8, [])
    _, everything = verify_signatures()
    assert [m.signature.document_id for m in everything] == [document.pk]


@pytest.mark.parametrize(
    ("tamper", "stage", "action"),
    [
        (
            lambda pk: GoalAssessment.objects.filter(
                pk=GoalAssessment.objects.filter(appraisal_id=pk).first().pk
            ).update(rating=None),
            "fro_evaluation",
            "sign_evaluation",
        ),
        (
            lambda pk: CompetencyAssessment.objects.filter(appraisal_id=pk).update(
                fro_comment="Rewritten."
            ),
            "fro_evaluation",
            "sign_evaluation",
        ),
        (
            lambda pk: Appraisal.objects.filter(pk=pk).update(self_overall_comment="Rewritten."),
            "self_assessment",
            "submit_self_evaluation",
        ),
        (
            lambda pk: Appraisal.objects.filter(pk=pk).update(sro_comment="Rewritten."),
            "sro_review",
            "approve_evaluation",
        ),
        (
            lambda pk: Appraisal.objects.filter(pk=pk).update(staff_final_comment="Rewritten."),
            "acknowledgement",
            "acknowledge",
        ),
        (
            lambda pk: MidpointReview.objects.filter(work_plan_id=pk).update(
                fro_comments="Rewritten."
            ),
            "midpoint",
            "finalise_midpoint",
        ),
    ],
    ids=["goal_rating", "competency_comment", "self", "sro", "acknowledgement", "midpoint"],
)
def test_every_signed_stage_changed_behind_the_application_is_reported(tamper, stage, action):
    document = make_document_at("completed")
    tamper(document.pk)
    assert check(document)[1] == [(stage, action, f"the {stage} stage changed after it was signed")]


def test_a_tampered_signature_content_is_reported():
    document = make_document_at("completed")
    signature = Signature.objects.get(document=document, stage="fro_evaluation")
    content = {**signature.content, "overall_rating": "EX"}
    Signature.objects.filter(pk=signature.pk).update(content=content)
    assert check(document)[1] == [
        ("fro_evaluation", "sign_evaluation", "stored content does not match its hash")
    ]


def test_a_tampered_signature_hash_is_reported():
    document = make_document_at("completed")
    signature = Signature.objects.get(document=document, stage="sro_review")
    Signature.objects.filter(pk=signature.pk).update(content_hash="0" * 64)
    reasons = {reason for stage, _, reason in check(document)[1] if stage == "sro_review"}
    assert reasons == {
        "stored content does not match its hash",
        "the sro_review stage changed after it was signed",
    }


def test_a_returned_stage_is_not_reported_while_it_is_redone():
    document = make_document_at("sro_review")
    fro = fro_of(document)
    services.return_evaluation_to_fro(
        document=document, actor=sro_of(document), reason="Support the rating."
    )
    rate_everything(document, overall="EX", comment="Exceptional, with evidence.")
    # The FRO's first signature no longer matches the stage, but the stage is open again.
    first = Signature.objects.get(document=document, stage="fro_evaluation")
    assert first.content["overall_rating"] == "SM"
    assert check(document)[1] == []

    services.sign_evaluation(document=document, actor=fro)
    services.approve_evaluation(document=document, actor=sro_of(document))
    assert check(document)[1] == []
    # Once signed again, the latest signature is the one that counts.
    Appraisal.objects.filter(pk=document.pk).update(fro_overall_comment="Changed later.")
    problems = check(document)[1]
    assert problems == [
        (
            "fro_evaluation",
            "sign_evaluation",
            "the fro_evaluation stage changed after it was signed",
        )
    ]
    _, mismatches = verify_signatures(Signature.objects.filter(document=document))
    assert (
        mismatches[0].signature
        == Signature.objects.filter(document=document, stage="fro_evaluation").last()
    )


def test_a_rolled_back_stage_is_not_reported_while_it_is_redone():
    document = make_document_at("acknowledgement")
    services.roll_back_document(
        document=document,
        actor=hr_focal_point(document),
        requested_by=fro_of(document),
        reason="Written request.",
        target_stage="fro_evaluation",
    )
    rate_everything(document, overall="PM", comment="Revised.")
    # Voided signatures are not checked at all.
    count, problems = check(document)
    assert problems == []
    assert count == Signature.objects.filter(document=document, voided_at__isnull=True).count()
    assert count == 5  # work plan ×2, mid-point ×2, self-evaluation


def test_an_approved_work_plan_may_still_change_without_a_report():
    """Goals may change during the cycle (with history): the work-plan signature keeps the
    approved version and is not compared with the current goals."""
    document = make_document_at("completed")
    Goal.objects.filter(work_plan=document).update(title="Changed during the cycle")
    assert check(document)[1] == []

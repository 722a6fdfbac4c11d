"""Signatures (docs/rules.md section 3): each stores the SHA-256 of its stage's content, and
`verify_signatures` re-computes them and reports any stage changed after it was signed."""

from __future__ import annotations

import pytest

from appraisals import services
from appraisals.models import Appraisal, CompetencyAssessment, GoalAssessment
from appraisals.signing import fro_evaluation_content, verify_signatures
from pmsystem.models import Signature
from pmsystem.signatures import content_hash
from tests.appraisals.helpers import hr_focal_point, make_document_at, rate_everything
from tests.workplans.helpers import current_goal_inputs, fro_of, sro_of
from workplans.models import Competency, DevelopmentGoal, Goal, MidpointReview, WorkPlan
from workplans.services import DevelopmentGoalInput, save_work_plan

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
    # The FRO signed the comment, the SRO approved it and the staff member acknowledged it.
    assert check(document) == (
        8,
        [
            (stage, action, f"the {stage} stage changed after it was signed")
            for stage, action in (
                ("fro_evaluation", "sign_evaluation"),
                ("sro_review", "approve_evaluation"),
                ("acknowledgement", "acknowledge"),
            )
        ],
    )
    assert check(other) == (8, [])
    _, everything = verify_signatures()
    assert {m.signature.document_id for m in everything} == {document.pk}


EVALUATION = ["self_assessment", "fro_evaluation", "sro_review", "acknowledgement"]


def reported_stages(document) -> list[str]:
    """The stages reported, in order ("work_plan" for a goal changed without history)."""
    problems = check(document)[1]
    for stage, _, reason in problems:
        if stage == "work_plan":
            assert reason.endswith("changed without a history entry"), reason
        else:
            assert reason == f"the {stage} stage changed after it was signed"
    return [stage for stage, _, _ in problems]


def first_goal(pk: int) -> Goal:
    return Goal.objects.filter(work_plan_id=pk, is_current=True).order_by("pk").first()


@pytest.mark.parametrize(
    ("tamper", "stages"),
    [
        (
            lambda pk: GoalAssessment.objects.filter(
                pk=GoalAssessment.objects.filter(appraisal_id=pk).first().pk
            ).update(rating=None),
            EVALUATION[1:],
        ),
        (
            lambda pk: CompetencyAssessment.objects.filter(appraisal_id=pk).update(
                fro_comment="Rewritten."
            ),
            EVALUATION[1:],
        ),
        (
            lambda pk: Appraisal.objects.filter(pk=pk).update(self_overall_comment="Rewritten."),
            ["self_assessment"],
        ),
        (
            lambda pk: Appraisal.objects.filter(pk=pk).update(sro_comment="Rewritten."),
            ["sro_review", "acknowledgement"],
        ),
        (
            lambda pk: Appraisal.objects.filter(pk=pk).update(staff_final_comment="Rewritten."),
            ["acknowledgement"],
        ),
        (
            lambda pk: MidpointReview.objects.filter(work_plan_id=pk).update(
                fro_comments="Rewritten."
            ),
            ["midpoint"],
        ),
        # The text under a signed rating: every stage from the self-evaluation on signed it.
        (
            lambda pk: Goal.objects.filter(pk=first_goal(pk).pk).update(title="Rewritten goal"),
            ["work_plan", *EVALUATION],
        ),
        (
            lambda pk: Goal.objects.filter(pk=first_goal(pk).pk).update(
                success_criteria="Anything at all."
            ),
            ["work_plan", *EVALUATION],
        ),
        (
            lambda pk: DevelopmentGoal.objects.filter(work_plan_id=pk).update(
                activities="Rewritten."
            ),
            EVALUATION,
        ),
        (
            lambda pk: (
                WorkPlan.competencies.through.objects.filter(
                    workplan_id=pk,
                    competency_id__in=Competency.objects.exclude(
                        kind__in=Competency.ALWAYS_INCLUDED
                    ).values("pk"),
                )
                .order_by("pk")
                .first()
                .delete()
            ),
            EVALUATION,
        ),
    ],
    ids=[
        "goal_rating",
        "competency_comment",
        "self",
        "sro",
        "acknowledgement",
        "midpoint",
        "goal_title",
        "success_criteria",
        "development_goal",
        "competency_removed",
    ],
)
def test_every_signed_text_changed_behind_the_application_is_reported(tamper, stages):
    """A raw-SQL change of anything a signer saw is reported under every signature that
    covered it: a goal's text under the signed ratings included."""
    document = make_document_at("completed")
    tamper(document.pk)
    assert reported_stages(document) == stages


def test_a_version_1_signature_still_verifies_and_covers_what_version_1_covered():
    """Signatures made before the content version 2 (which added the work plan under each
    evaluation stage) keep verifying: they are checked against the content they signed."""
    document = make_document_at("completed")
    signature = Signature.objects.get(document=document, stage="fro_evaluation")
    old = fro_evaluation_content(document.appraisal, version=1)
    assert "v" not in old and "work_plan" not in old
    Signature.objects.filter(pk=signature.pk).update(content=old, content_hash=content_hash(old))
    assert check(document)[1] == []
    # Version 1 did not cover the goal's text: the version-2 signatures after it do.
    Goal.objects.filter(pk=first_goal(document.pk).pk).update(title="Rewritten goal")
    assert reported_stages(document) == [
        "work_plan",
        "self_assessment",
        "sro_review",
        "acknowledgement",
    ]
    Appraisal.objects.filter(pk=document.pk).update(fro_overall_comment="Rewritten.")
    assert "fro_evaluation" in reported_stages(document)


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
        ),
        (
            "sro_review",
            "approve_evaluation",
            "the sro_review stage changed after it was signed",
        ),
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


def test_an_approved_work_plan_may_still_change_through_the_application_without_a_report():
    """Goals may change during the cycle (with history) until the evaluation starts: the
    work-plan signature keeps the approved version and is not compared with the current
    goals; the history is."""
    document = make_document_at("not_started")
    goals = current_goal_inputs(document)
    goals[0].title = "Changed during the cycle"
    save_work_plan(
        work_plan=document,
        actor=document.staff.user,
        goals=goals,
        development_goals=[
            DevelopmentGoalInput(title=d.title, activities=d.activities)
            for d in document.development_goals.all()
        ],
        competency_ids=list(
            document.competencies.exclude(kind__in=Competency.ALWAYS_INCLUDED).values_list(
                "pk", flat=True
            )
        ),
    )
    assert check(document)[1] == []


def test_a_goal_rewritten_behind_the_application_before_the_evaluation_is_reported():
    """Before the evaluation no later signature covers the goals, but every change through
    the application writes its history: a goal whose text is not its last history entry was
    changed behind its back."""
    document = make_document_at("not_started")
    goal = first_goal(document.pk)
    Goal.objects.filter(pk=goal.pk).update(success_criteria="Anything at all.")
    assert [(stage, reason) for stage, _, reason in check(document)[1]] == [
        ("work_plan", f"goal {goal.pk} changed without a history entry")
    ]


# --- streamed in batches (issue 14: half a million signatures at 40,000 staff) ---------------


@pytest.mark.parametrize("documents", [2, 6])
def test_verify_signatures_reads_a_batch_in_the_same_queries_whatever_its_size(
    documents, django_assert_max_num_queries
):
    from tests.builders import build_document
    from tests.factories import CycleFactory

    cycle = CycleFactory()
    for stage in ["completed", "sro_review", "self_assessment", "midpoint_finalised"] * 2:
        if documents:
            build_document(stage, cycle=cycle)
            documents -= 1
    # The cursor, then per batch: goal history (2), the documents and what they sign (7).
    with django_assert_max_num_queries(10):
        count, mismatches = verify_signatures()
    assert count == Signature.objects.filter(voided_at__isnull=True).count() > 0
    assert mismatches == []


def test_verify_signatures_checks_batch_by_batch_and_misses_nothing(monkeypatch):
    from appraisals import signing
    from tests.builders import build_document
    from tests.factories import CycleFactory

    monkeypatch.setattr(signing, "VERIFY_BATCH_DOCUMENTS", 2)
    cycle = CycleFactory()
    built = [build_document("completed", cycle=cycle) for _ in range(5)]
    for document in (built[0], built[3], built[4]):  # in the first, second and last batch
        appraisal = Appraisal.objects.get(document=document)
        Appraisal.objects.filter(pk=appraisal.pk).update(sro_comment="Changed afterwards.")
    count, mismatches = verify_signatures()
    assert count == Signature.objects.filter(voided_at__isnull=True).count()
    reported = {(m.signature.document_id, m.signature.stage) for m in mismatches}
    assert reported == {
        (document.pk, stage)
        for document in (built[0], built[3], built[4])
        for stage in ("sro_review", "acknowledgement")
    }

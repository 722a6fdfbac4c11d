"""The content each end-of-cycle stage signs, and the check that signatures still match."""

from __future__ import annotations

from dataclasses import dataclass

from pmsystem.models import Signature
from pmsystem.signatures import content_hash
from pmsystem.stages import position
from workplans.models import Goal, GoalChange, MidpointReview, WorkPlan

from .models import Appraisal

# Stages whose content is read-only once signed: what they sign must still be what the
# database holds. (An approved work plan may still change, with history; its signature keeps
# the approved version.)
FROZEN_STAGES = {"midpoint", "self_assessment", "fro_evaluation", "sro_review", "acknowledgement"}


def _level(level) -> str | None:
    return level.code if level is not None else None


# Version 2 (this change): each stage signs everything its signer saw, so a changed goal text,
# competency or development goal under a signed rating is caught. Version 1 signatures (made
# before) keep verifying against the content version 1 read.
CONTENT_VERSION = 2


def work_plan_snapshot(document: WorkPlan) -> dict:
    """The work plan as the end-of-cycle signers saw it (frozen from the self-evaluation on):
    every current goal with its text and success criteria, competencies, development goals."""
    return {
        "goals": [
            {"id": goal.pk, **goal.content()}
            for goal in document.goals.filter(is_current=True).order_by("pk")
        ],
        "competencies": sorted(document.competencies.values_list("code", flat=True)),
        "development_goals": [d.content() for d in document.development_goals.all()],
    }


def _versioned(content: dict, appraisal: Appraisal, version: int, **more) -> dict:
    if version == 1:
        return content
    return {"v": version, **content, "work_plan": work_plan_snapshot(appraisal.document), **more}


def self_assessment_content(appraisal: Appraisal, version: int = CONTENT_VERSION) -> dict:
    return _versioned(
        {
            "document": appraisal.pk,
            "overall": appraisal.self_overall_comment,
            "goals": [
                {"goal": row.goal_id, "comment": row.self_comment}
                for row in appraisal.goal_rows.order_by("goal_id")
            ],
            "competencies": [
                {"competency": row.competency_id, "comment": row.self_comment}
                for row in appraisal.competency_rows.order_by("competency_id")
            ],
        },
        appraisal,
        version,
    )


def _ratings(appraisal: Appraisal) -> dict:
    return {
        "document": appraisal.pk,
        "overall_rating": _level(appraisal.overall_rating),
        "overall_comment": appraisal.fro_overall_comment,
        "goals": [
            {"goal": row.goal_id, "rating": _level(row.rating), "comment": row.fro_comment}
            for row in appraisal.goal_rows.select_related("rating").order_by("goal_id")
        ],
        "competencies": [
            {
                "competency": row.competency_id,
                "rating": _level(row.rating),
                "comment": row.fro_comment,
            }
            for row in appraisal.competency_rows.select_related("rating").order_by("competency_id")
        ],
    }


def fro_evaluation_content(appraisal: Appraisal, version: int = CONTENT_VERSION) -> dict:
    return _versioned(_ratings(appraisal), appraisal, version)


def sro_review_content(appraisal: Appraisal, version: int = CONTENT_VERSION) -> dict:
    """Version 2: the SRO signs the ratings and comments they approve, besides their own."""
    content = {"document": appraisal.pk, "sro_comment": appraisal.sro_comment}
    return _versioned(content, appraisal, version, evaluation=_ratings(appraisal))


def acknowledgement_content(appraisal: Appraisal, version: int = CONTENT_VERSION) -> dict:
    """Version 2: the staff member signs the evaluation they read: ratings, FRO's and SRO's
    comments, and their own final comments."""
    content = {"document": appraisal.pk, "staff_comment": appraisal.staff_final_comment}
    return _versioned(
        content,
        appraisal,
        version,
        evaluation=_ratings(appraisal),
        sro_comment=appraisal.sro_comment,
    )


STAGE_CONTENT = {
    "self_assessment": self_assessment_content,
    "fro_evaluation": fro_evaluation_content,
    "sro_review": sro_review_content,
    "acknowledgement": acknowledgement_content,
}


def current_stage_content(
    document: WorkPlan, stage: str, version: int = CONTENT_VERSION
) -> dict | None:
    """What `stage` of the document holds now, read as a signature of `version` reads it."""
    if stage == "midpoint":
        try:
            return {"document": document.pk, **document.midpoint.content()}
        except MidpointReview.DoesNotExist:
            return None
    try:
        appraisal = document.appraisal
    except Appraisal.DoesNotExist:
        return None
    return STAGE_CONTENT[stage](appraisal, version)


def _stage_closed(document: WorkPlan, stage: str) -> bool:
    if stage == "midpoint":
        midpoint = getattr(document, "midpoint", None)
        return midpoint is not None and midpoint.state == MidpointReview.State.FINALISED
    return position(document.stage) > position(stage)


@dataclass
class Mismatch:
    signature: Signature
    reason: str


def verify_signatures(queryset=None) -> tuple[int, list[Mismatch]]:
    """Re-compute every current signature: its stored content must hash to its stored hash,
    and a closed, frozen stage's current content must still be what was signed.

    A stage signed twice (e.g. the FRO signed, the SRO returned it, the FRO signed again)
    is checked against its latest signature only."""
    # `is None`, not `or`: an empty queryset must check nothing (not everything), and its
    # truth test would load every row before the chunked iteration below.
    signatures = Signature.objects.all() if queryset is None else queryset
    signatures = signatures.filter(voided_at__isnull=True)
    signatures = signatures.select_related("document").order_by("document_id", "signed_at", "pk")
    latest: dict[tuple[int, str], Signature] = {}
    mismatches: list[Mismatch] = []
    count = 0
    work_plans: dict[int, Signature] = {}
    for signature in signatures.iterator(chunk_size=2000):
        count += 1
        if content_hash(signature.content) != signature.content_hash:
            mismatches.append(Mismatch(signature, "stored content does not match its hash"))
        if signature.stage in FROZEN_STAGES:
            latest[(signature.document_id, signature.stage)] = signature
        elif signature.stage == "work_plan":
            work_plans[signature.document_id] = signature
    mismatches += _goal_history_mismatches(work_plans)
    for signature in latest.values():
        if not _stage_closed(signature.document, signature.stage):
            continue  # reopened (returned or rolled back): it will be signed again
        version = signature.content.get("v", 1) if isinstance(signature.content, dict) else 1
        current = current_stage_content(signature.document, signature.stage, version)
        if current is not None and content_hash(current) != signature.content_hash:
            mismatches.append(
                Mismatch(signature, f"the {signature.stage} stage changed after it was signed")
            )
    return count, mismatches


def _goal_history_mismatches(work_plans: dict[int, Signature]) -> list[Mismatch]:
    """An approved work plan may change, but every change made through the application writes
    its history (`GoalChange`): a current goal of a signed work plan whose text is not its last
    history entry was rewritten behind the application's back. Reported under the work plan's
    latest signature; read in batches of documents."""
    mismatches = []
    ids = sorted(work_plans)
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        last: dict[int, dict | None] = {}
        for goal_id, after in (
            GoalChange.objects.filter(work_plan_id__in=chunk)
            .order_by("goal_id", "changed_at", "pk")
            .values_list("goal_id", "after")
        ):
            last[goal_id] = after
        for goal in Goal.objects.filter(work_plan_id__in=chunk, is_current=True).order_by("pk"):
            if last.get(goal.pk) != goal.content():
                mismatches.append(
                    Mismatch(
                        work_plans[goal.work_plan_id],
                        f"goal {goal.pk} changed without a history entry",
                    )
                )
    return mismatches

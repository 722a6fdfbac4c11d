"""The content each end-of-cycle stage signs, and the check that signatures still match."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import orjson
from django.db.models import TextField
from django.db.models.functions import Cast

from org.models import RatingLevel
from pmsystem.db import InValues
from pmsystem.models import Signature
from pmsystem.signatures import hash_matches
from pmsystem.stages import position
from workplans.models import DevelopmentGoal, Goal, GoalChange, MidpointReview, WorkPlan

from .models import AccountabilityAnswer, Appraisal, CompetencyAssessment, GoalAssessment

# verify_signatures reads this many documents' signatures, then checks them together with
# their documents read in a few queries: memory stays that of one batch (issue 14).
VERIFY_BATCH_DOCUMENTS = 500


class _Values(SimpleNamespace):
    """A row `verify_signatures` reads by the hundred thousand, as the values the content
    functions read of it: building a model instance per row was a quarter of the run at
    40,000 staff (issue 14). The subclasses borrow the models' own `content`, so what is
    signed keeps one definition."""


class _GoalValues(_Values):
    content = Goal.content


class _DevelopmentValues(_Values):
    content = DevelopmentGoal.content


GOAL_FIELDS = (
    "pk",
    "work_plan_id",
    "title",
    "description",
    "success_criteria",
    "expected_date",
    "weight",
    "aligned_to_id",
)
ROW_FIELDS = ("appraisal_id", "rating_id", "self_comment", "fro_comment")

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
    every current goal with its text and success criteria, competencies, development goals.
    (What `verify_signatures` prefetched for a batch of documents is read from memory.)"""
    memo = getattr(document, "signing_memo", None)  # verify_signatures: once per document
    if memo is not None and "snapshot" in memo:
        snapshot: dict = memo["snapshot"]
        return snapshot
    goals = getattr(document, "signing_current_goals", None)
    if goals is None:
        goals = list(document.goals.filter(is_current=True).order_by("pk"))
    codes = getattr(document, "signing_competency_codes", None)
    if codes is None:
        codes = list(document.competencies.values_list("code", flat=True))
    development = getattr(document, "signing_development_goals", None)
    if development is None:
        development = list(document.development_goals.all())
    snapshot = {
        "goals": [{"id": goal.pk, **goal.content()} for goal in goals],
        "competencies": sorted(codes),
        "development_goals": [d.content() for d in development],
    }
    if memo is not None:
        memo["snapshot"] = snapshot
    return snapshot


def _goal_rows(appraisal: Appraisal) -> list[Any]:  # models, or `_Values` (verify)
    rows = getattr(appraisal, "signing_goal_rows", None)
    if rows is None:
        rows = list(appraisal.goal_rows.select_related("rating").order_by("goal_id"))
    return rows


def _competency_rows(appraisal: Appraisal) -> list[Any]:
    rows = getattr(appraisal, "signing_competency_rows", None)
    if rows is None:
        rows = list(appraisal.competency_rows.select_related("rating").order_by("competency_id"))
    return rows


def _accountability(appraisal: Appraisal) -> list[dict]:
    """The managerial-accountability answers (ILO), by question. (`verify_signatures` and
    the demo writer, which signs a plan before any row exists, pass them as
    `signing_accountability`; a plan that passes none has none.)"""
    answers = getattr(appraisal, "signing_accountability", None)
    if answers is None:
        related = getattr(appraisal, "accountability_answers", None)
        answers = list(related.order_by("question_id")) if related is not None else []
    return [{"question": answer.question_id, "answer": answer.text} for answer in answers]


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
                {"goal": row.goal_id, "comment": row.self_comment} for row in _goal_rows(appraisal)
            ],
            "competencies": [
                {"competency": row.competency_id, "comment": row.self_comment}
                for row in _competency_rows(appraisal)
            ],
            # Only where there are answers: what every other evaluation signs is unchanged.
            **({"accountability": answers} if (answers := _accountability(appraisal)) else {}),
        },
        appraisal,
        version,
    )


def _ratings(appraisal: Appraisal) -> dict:
    memo = getattr(appraisal, "signing_memo", None)  # verify_signatures: once per evaluation
    if memo is not None and "ratings" in memo:
        ratings: dict = memo["ratings"]
        return ratings
    ratings = {
        "document": appraisal.pk,
        "overall_rating": _level(appraisal.overall_rating),
        "overall_comment": appraisal.fro_overall_comment,
        "goals": [
            {"goal": row.goal_id, "rating": _level(row.rating), "comment": row.fro_comment}
            for row in _goal_rows(appraisal)
        ],
        "competencies": [
            {
                "competency": row.competency_id,
                "rating": _level(row.rating),
                "comment": row.fro_comment,
            }
            for row in _competency_rows(appraisal)
        ],
    }
    # ILO only: every other evaluation signs what it signed before (the demo writer's plans
    # have no such field).
    accountability_comment = getattr(appraisal, "fro_accountability_comment", "")
    if accountability_comment:
        ratings["accountability_comment"] = accountability_comment
    if memo is not None:
        memo["ratings"] = ratings
    return ratings


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
    if not Appraisal.document.is_cached(appraisal):  # the snapshot reads this very document
        Appraisal.document.field.set_cached_value(appraisal, document)
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
    is checked against its latest signature only. Streamed: the signatures are read in
    document order through a server-side cursor, as plain values, and checked
    `VERIFY_BATCH_DOCUMENTS` documents at a time, each batch's documents and what they sign
    read in a fixed number of queries; memory holds one batch whatever the database holds
    (half a million signatures at 40,000 staff)."""
    # `is None`, not `or`: an empty queryset must check nothing (not everything), and its
    # truth test would load every row before the chunked iteration below.
    signatures = Signature.objects.all() if queryset is None else queryset
    # The content as its JSON text, parsed by orjson: the ORM's JSON decoding took a sixth of
    # the time at 40,000 staff (issue 14).
    rows = (
        signatures.filter(voided_at__isnull=True)
        .order_by("document_id", "signed_at", "pk")
        .annotate(content_text=Cast("content", TextField()))
        .values_list("pk", "document_id", "stage", "content_text", "content_hash")
    )
    mismatches: list[Mismatch] = []
    count = 0
    batch: list[_Signed] = []
    documents: set[int] = set()
    for pk, document_id, stage, text, stored_hash in rows.iterator(chunk_size=2000):
        count += 1
        if document_id not in documents and len(documents) >= VERIFY_BATCH_DOCUMENTS:
            mismatches += _verify_batch(batch)
            batch, documents = [], set()
        content, intact = _stored_content(text, stored_hash)
        batch.append((pk, document_id, stage, content, stored_hash, intact))
        documents.add(document_id)
    mismatches += _verify_batch(batch)
    return count, mismatches


# (pk, document id, stage, content, content hash, whether the content hashes to it) of one
# signature.
_Signed = tuple[int, int, str, Any, str, bool]


def _loads(text: str) -> Any:
    """JSON text parsed by orjson, or by the standard library where orjson refuses it."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _stored_content(text: str, stored_hash: str) -> tuple[Any, bool]:
    """A signature's stored content parsed from its JSON text, and whether it hashes to the
    stored hash. orjson parses, unless what it reads does not hash to the stored hash: it
    reads integers beyond 64 bits as floats and refuses lone surrogates, which the standard
    library reads as they were stored; that one decides then (tests/test_signatures_json.py)."""
    try:
        content = orjson.loads(text)
    except orjson.JSONDecodeError:
        content = None
    else:
        if hash_matches(content, stored_hash):
            return content, True
    content = json.loads(text)
    return content, hash_matches(content, stored_hash)


def _documents_for_check(ids: set[int], goals: dict[int, list[_GoalValues]]) -> dict[int, WorkPlan]:
    """The documents with everything their stages sign, in seven queries however many: the
    rows are grouped by hand onto the documents (cheaper than prefetch_related's caches),
    and the content functions read them from there."""
    if not ids:
        return {}
    documents = {
        document.pk: document
        for document in WorkPlan.objects.filter(InValues("pk", ids)).select_related(
            "midpoint", "appraisal__overall_rating"
        )
    }
    codes: dict[int, list[str]] = defaultdict(list)
    for document_id, code in WorkPlan.competencies.through.objects.filter(
        InValues("workplan_id", ids)
    ).values_list("workplan_id", "competency__code"):
        codes[document_id].append(code)
    development: dict[int, list[_DevelopmentValues]] = defaultdict(list)
    development_rows = DevelopmentGoal.objects.filter(InValues("work_plan_id", ids))
    for values in development_rows.values(  # the model's order
        "work_plan_id", "title", "activities", "target_date"
    ):
        development[values["work_plan_id"]].append(_DevelopmentValues(**values))
    levels = {level.pk: level for level in RatingLevel.objects.all()}
    goal_rows = _assessment_rows(GoalAssessment, "goal_id", ids, levels)
    competency_rows = _assessment_rows(CompetencyAssessment, "competency_id", ids, levels)
    answers: dict[int, list[AccountabilityAnswer]] = defaultdict(list)
    for answer in AccountabilityAnswer.objects.filter(InValues("appraisal_id", ids)).order_by(
        "question_id"
    ):
        answers[answer.appraisal_id].append(answer)
    for pk, document in documents.items():
        document.signing_current_goals = goals.get(pk, [])  # type: ignore[attr-defined]
        document.signing_competency_codes = codes.get(pk, [])  # type: ignore[attr-defined]
        document.signing_development_goals = development.get(pk, [])  # type: ignore[attr-defined]
        document.signing_memo = {}  # type: ignore[attr-defined]
        appraisal = getattr(document, "appraisal", None)
        if appraisal is not None:
            appraisal.signing_goal_rows = goal_rows.get(pk, [])
            appraisal.signing_competency_rows = competency_rows.get(pk, [])
            appraisal.signing_accountability = answers.get(pk, [])
            appraisal.signing_memo = {}
    return documents


def _assessment_rows(
    model: type[GoalAssessment] | type[CompetencyAssessment],
    key: str,
    ids: set[int],
    levels: dict,
) -> dict[int, list[_Values]]:
    """The batch's goal or competency rows per evaluation, ordered by `key`, each with its
    rating from the levels read once (one query, no join)."""
    rows: dict[int, list[_Values]] = defaultdict(list)
    for values in (
        model.objects.filter(InValues("appraisal_id", ids)).order_by(key).values(key, *ROW_FIELDS)
    ):
        row = _Values(**values)
        row.rating = levels.get(row.rating_id) if row.rating_id else None
        rows[row.appraisal_id].append(row)
    return rows


def _verify_batch(batch: list[_Signed]) -> list[Mismatch]:
    found: list[tuple[int, str]] = []  # (signature pk, reason)
    latest: dict[tuple[int, str], _Signed] = {}
    work_plans: dict[int, int] = {}  # document id -> latest work-plan signature pk
    for signed in batch:
        pk, document_id, stage, content, stored_hash, intact = signed
        if not intact:
            found.append((pk, "stored content does not match its hash"))
        if stage in FROZEN_STAGES:
            latest[(document_id, stage)] = signed
        elif stage == "work_plan":
            work_plans[document_id] = pk
    ids = {signed[1] for signed in batch}
    goals: dict[int, list[_GoalValues]] = defaultdict(list)
    for values in (
        Goal.objects.filter(InValues("work_plan_id", ids), is_current=True)
        .order_by("pk")
        .values(*GOAL_FIELDS)
    ):
        goal = _GoalValues(**values)
        goals[goal.work_plan_id].append(goal)
    found += _goal_history_mismatches(work_plans, goals)
    documents = _documents_for_check({document_id for document_id, _ in latest}, goals)
    for pk, document_id, stage, content, stored_hash, _ in latest.values():
        document = documents[document_id]
        if not _stage_closed(document, stage):
            continue  # reopened (returned or rolled back): it will be signed again
        version = content.get("v", 1) if isinstance(content, dict) else 1
        current = current_stage_content(document, stage, version)
        if current is not None and not hash_matches(current, stored_hash):
            found.append((pk, f"the {stage} stage changed after it was signed"))
    if not found:
        return []
    signatures = Signature.objects.in_bulk([pk for pk, _ in found])
    return [Mismatch(signatures[pk], reason) for pk, reason in found]


def _goal_history_mismatches(
    work_plans: dict[int, int], goals: dict[int, list[_GoalValues]]
) -> list[tuple[int, str]]:
    """An approved work plan may change, but every change made through the application writes
    its history (`GoalChange`): a current goal of a signed work plan whose text is not its last
    history entry was rewritten behind the application's back. Reported (signature pk, reason)
    under the work plan's latest signature; `goals` are the batch's current goals."""
    mismatches = []
    if not work_plans:
        return mismatches
    last: dict[int, dict | None] = {}
    for goal_id, after in (
        GoalChange.objects.filter(InValues("work_plan_id", work_plans))
        .order_by("goal_id", "changed_at", "pk")
        .annotate(after_text=Cast("after", TextField()))
        .values_list("goal_id", "after_text")
    ):
        last[goal_id] = _loads(after) if after is not None else None
    for document_id in sorted(work_plans):
        for goal in goals.get(document_id, ()):
            if last.get(goal.pk) != goal.content():
                mismatches.append(
                    (work_plans[document_id], f"goal {goal.pk} changed without a history entry")
                )
    return mismatches

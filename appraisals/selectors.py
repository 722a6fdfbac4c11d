"""Reads for the end-of-cycle evaluation."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Final

from django.db.models import Prefetch, Q
from django.utils.translation import gettext

from org.models import Cycle, RatingLevel, RatingScale, User
from pmsystem.freeze import closed_cycle_refusal
from pmsystem.stages import ORDER, Stage, stage_from
from workplans.models import MidpointReview, WorkPlan
from workplans.permissions import documents_where

from .models import (
    Appraisal,
    CompetencyAssessment,
    GoalAssessment,
    ImprovementPlan,
    RollBack,
    SupervisorComment,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from pmsystem.pending import Task

# The document's stages in order, for roll-back: a stage reached later than the target
# is undone.
DOCUMENT_ORDER = ORDER


def appraisal_of(document: WorkPlan) -> Appraisal:
    try:
        return document.appraisal
    except Appraisal.DoesNotExist:
        return Appraisal(document=document)


def document_stage(document: WorkPlan) -> str:
    """Where the document is, worked out from the states of its stages (what `WorkPlan.stage`
    must always say: `stage_drift` compares them)."""
    midpoint = getattr(document, "midpoint", None)
    return stage_from(
        midpoint_state=midpoint.state if midpoint is not None else None,
        evaluation_state=appraisal_of(document).state,
    )


def rollback_refusal(document: WorkPlan) -> str | None:
    """Why the document cannot be rolled back at all now: its cycle is closed, or it is
    complete (unless the cycle allows rolling back completed documents)."""
    closed = closed_cycle_refusal(document.cycle)
    if closed:
        return closed
    if document.stage == Stage.COMPLETED and not document.cycle.rollback_completed_allowed:
        return gettext("A completed document cannot be rolled back.")
    return None


def rollback_targets(document: WorkPlan) -> list[tuple[str, StrOrPromise]]:
    """The earlier stages the document can be returned to now, as (stage, label)."""
    if rollback_refusal(document):
        return []
    current = DOCUMENT_ORDER.index(document.stage)
    targets: list[tuple[str, StrOrPromise]] = []
    for stage, label in RollBack.Stage.choices:
        position = DOCUMENT_ORDER.index(stage)
        if stage == "midpoint" and not document.cycle.midpoint_required:
            continue
        if position < current:
            targets.append((stage, label))
        elif stage == "work_plan" and current == 0 and document.state != WorkPlan.State.DRAFT:
            targets.append((stage, label))
        elif stage == "midpoint" and current == position:
            midpoint = getattr(document, "midpoint", None)
            if midpoint is not None and midpoint.state != MidpointReview.State.OPEN:
                targets.append((stage, label))
    return targets


def scale_levels(cycle_id: int, kind: str) -> list[RatingLevel]:
    return list(
        RatingLevel.objects.filter(scale__cycle_id=cycle_id, scale__kind=kind).order_by("rank")
    )


def evaluation_context(document: WorkPlan) -> dict[str, Any]:
    """What the evaluation page shows, in a fixed number of queries."""
    appraisal = appraisal_of(document)
    if appraisal.pk is None or appraisal._state.adding:
        goal_rows, competency_rows, comments = [], [], []
    else:
        goal_rows = list(
            GoalAssessment.objects.filter(appraisal=appraisal).select_related(
                "goal__aligned_to", "rating"
            )
        )
        competency_rows = list(
            CompetencyAssessment.objects.filter(appraisal=appraisal).select_related(
                "competency", "rating"
            )
        )
        comments = list(
            SupervisorComment.objects.filter(appraisal=appraisal, is_current=True).select_related(
                "supervisor"
            )
        )
    cycle_id = document.cycle_id
    return {
        "appraisal": appraisal,
        "goal_rows": goal_rows,
        "competency_rows": competency_rows,
        "supervisor_comments": comments,
        "overall_levels": scale_levels(cycle_id, RatingScale.Kind.OVERALL),
        "competency_levels": scale_levels(cycle_id, RatingScale.Kind.COMPETENCY),
        "goal_levels": scale_levels(cycle_id, RatingScale.Kind.GOAL),
        "pips": list(
            ImprovementPlan.objects.filter(document=document).prefetch_related(Prefetch("meetings"))
        ),
        "rollbacks": list(
            RollBack.objects.filter(document=document).select_related(
                "requested_by", "performed_by"
            )
        ),
    }


def missing_ratings(appraisal: Appraisal) -> list[str]:
    """What the FRO still has to give before signing."""
    problems = []
    cycle = appraisal.document.cycle
    rows = appraisal.goal_rows.select_related("goal")
    if cycle.goal_ratings_enabled and rows.filter(rating__isnull=True).exists():
        problems.append(gettext("Rate every goal."))
    if appraisal.competency_rows.filter(rating__isnull=True).exists():
        problems.append(gettext("Rate every value and competency."))
    if appraisal.overall_rating_id is None:
        problems.append(gettext("Give the overall rating."))
    if not appraisal.fro_overall_comment.strip():
        problems.append(gettext("Write the overall comments."))
    return problems


def documents_awaiting_sro(user: User, cycle_id: int) -> list[WorkPlan]:
    """Evaluations waiting for this SRO's approval (own or as acting SRO): one query."""
    return list(
        documents_where(user, "sro")
        .filter(cycle_id=cycle_id, appraisal__state=Appraisal.State.SRO_REVIEW)
        .select_related("staff__user", "staff__unit", "appraisal__overall_rating")
        .order_by("staff__user__last_name", "staff__user__first_name")
    )


def own_document(user: User, cycle: Cycle) -> WorkPlan | None:
    """The user's own document for the cycle with every stage (one query)."""
    return (
        WorkPlan.objects.filter(staff_id=user.pk, cycle=cycle)
        .select_related("cycle", "staff", "midpoint", "appraisal")
        .first()
    )


class _Unset(enum.Enum):
    """An argument the caller did not pass (None is a value: "there is none")."""

    UNSET = enum.auto()


_UNSET: Final = _Unset.UNSET


def evaluation_tasks(
    user: User, cycle: Cycle | None, *, own: WorkPlan | None | _Unset = _UNSET
) -> list[Task]:
    """What waits for the user at the end of the cycle, in at most five queries whatever the
    size (four when the caller passes the user's own document, or None)."""
    from pmsystem.pending import Task

    if cycle is None or not user.is_authenticated:
        return []
    due = cycle.end_of_cycle_due
    tasks: list[Task] = []
    if own is _UNSET:
        own = own_document(user, cycle)
    if own is not None and own.state == WorkPlan.State.APPROVED:
        state = appraisal_of(own).state
        midpoint_done = not cycle.midpoint_required or (
            getattr(own, "midpoint", None) is not None
            and own.midpoint.state == MidpointReview.State.FINALISED
        )
        labels: dict[str, str] = {
            Appraisal.State.SELF_ASSESSMENT: gettext("Complete and sign your self-evaluation"),
            Appraisal.State.ACKNOWLEDGEMENT: gettext("Read and acknowledge your evaluation"),
        }
        label = labels.get(state)
        if state == Appraisal.State.NOT_STARTED and midpoint_done:
            label = gettext("Start your self-evaluation")
        if label:
            tasks.append(
                Task(label, "appraisals:evaluation", (own.pk,), due, gettext("Staff member"))
            )
    # (relation, evaluation states, label, role, what the document must not have)
    waiting = [
        (
            "fro",
            [Appraisal.State.FRO_EVALUATION],
            gettext("Evaluate and rate %(name)s"),
            gettext("FRO"),
            None,
        ),
        (
            "sro",
            [Appraisal.State.SRO_REVIEW],
            gettext("Approve the evaluation of %(name)s"),
            gettext("SRO"),
            None,
        ),
        (
            "additional_supervisor",
            [Appraisal.State.SELF_ASSESSMENT, Appraisal.State.FRO_EVALUATION],
            gettext("Give your comments on %(name)s's year"),
            gettext("Additional supervisor"),
            Q(appraisal__supervisor_comments__supervisor=user),
        ),
    ]
    # The ids first, one narrow query per relation, then the documents with their staff member
    # by key. Joined in one query per relation, the documents, evaluations, staff and users
    # were planned, on statistics taken while the tables were empty, as nested loops over
    # every row of each: seconds at 300 staff, over eleven minutes in CI.
    found: list[tuple[int, int, str, str]] = []
    for group, (relation, states, label, role, excluded) in enumerate(waiting):
        documents = documents_where(user, relation).filter(cycle=cycle, appraisal__state__in=states)
        if excluded is not None:
            documents = documents.exclude(excluded)
        found += [
            (group, pk, label, role) for pk in documents.order_by().values_list("pk", flat=True)
        ]
    if found:
        waiting_documents = list(
            WorkPlan.objects.filter(pk__in=[pk for _, pk, _, _ in found]).select_related(
                "staff__user"
            )
        )
        position = {document.pk: index for index, document in enumerate(waiting_documents)}
        by_pk = {document.pk: document for document in waiting_documents}
        for _, pk, label, role in sorted(found, key=lambda item: (item[0], position[item[1]])):
            tasks.append(
                Task(
                    label % {"name": by_pk[pk].staff.user},
                    "appraisals:evaluation",
                    (pk,),
                    due,
                    role,
                )
            )
    return tasks

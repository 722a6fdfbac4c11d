"""Writes for the end of the cycle: self-evaluation, supervisors' comments, FRO ratings,
SRO approval, acknowledgement, roll-back and performance improvement plans.

Every service locks the document row, asks `allowed_actions`, moves state only through the
declared workflows, signs where they say so and writes one timeline event. A change to a
signed stage is refused and logged.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from org.models import RatingLevel, RatingScale, User
from org.relations import line_in_effect
from pmsystem import freeze
from pmsystem.errors import ApplicationError
from pmsystem.events import record_event
from pmsystem.i18n import Phrase, data_label, interpolate, phrase, render_in
from pmsystem.models import Signature
from pmsystem.notifications import notify
from pmsystem.security import log_event
from pmsystem.signatures import record_signature
from pmsystem.stages import Stage
from standards.selectors import sign_refusal
from workplans.locks import lock_document, lock_midpoint
from workplans.models import MidpointReview, WorkPlan
from workplans.permissions import hr_conflict_refusal, relations_for
from workplans.workflow import MIDPOINT, WORK_PLAN

from .models import (
    AccountabilityAnswer,
    Appraisal,
    CompetencyAssessment,
    GoalAssessment,
    ImprovementPlan,
    ImprovementPlanMeeting,
    RollBack,
    SupervisorComment,
)
from .permissions import PART_ACTIONS, allowed_actions
from .selectors import (
    DOCUMENT_ORDER,
    accountability_section,
    rollback_refusal,
    rollback_targets,
)
from .signing import STAGE_CONTENT
from .workflow import APPRAISAL

S = Appraisal.State
# The rated rows of an evaluation: one per goal, one per value and competency.
_Row = TypeVar("_Row", GoalAssessment, CompetencyAssessment)
ROLE_LABELS = {
    "staff": _("Staff member"),
    "fro": _("FRO"),
    "sro": _("SRO"),
    "hr": _("HR focal point"),
}


@dataclass
class Assessment:
    """One row of a form: a comment and, for the FRO, a rating level id."""

    comment: str = ""
    rating_id: int | None = None


def _lock(document: WorkPlan) -> tuple[WorkPlan, Appraisal]:
    """The document locked first (`workplans.locks`), then its evaluation."""
    document = lock_document(document)
    appraisal = Appraisal.objects.select_for_update().filter(pk=document.pk).first()
    return document, appraisal or Appraisal(document=document)


def _require_part(actor: User, document: WorkPlan, part: str) -> None:
    """A change the freeze table does not allow `actor` now (`pmsystem.freeze`): refused with
    its reason (or the conflict rule's, when it took the role the part needs), and the attempt
    logged."""
    relations = relations_for(actor, document)
    reason = freeze.refusal(document, part, relations)
    if reason is None:
        return
    for role in sorted(freeze.PARTS[part].roles.intersection(relations.conflicts)):
        reason = relations.conflicts[role]
    action = PART_ACTIONS.get(part, part)
    log_event("signed_stage_change_refused", user=actor.pk, document=document.pk, action=action)
    raise ApplicationError(reason)


def _principal(relations: Mapping[str, int | None], role: str) -> User | None:
    principal_id = relations.get(role)
    return User.objects.get(pk=principal_id) if principal_id else None


def _transition(
    document: WorkPlan, appraisal: Appraisal, actor: User, name: str, comment: str = ""
) -> str:
    """Apply a declared transition, sign if it signs, and write the timeline event."""
    relations = relations_for(actor, document)
    roles = frozenset(relations)
    transition = APPRAISAL.apply(appraisal, name, relations)
    appraisal.save()
    document.stage = appraisal.state
    document.save(update_fields=["stage"])
    role = sorted(roles & transition.roles)[0]
    acting_for = _principal(relations, role)
    data = {}
    if transition.signs:
        stage = transition.sources[0]
        signature = record_signature(
            document=document,
            stage=stage,
            action=name,
            signer=actor,
            role=role,
            content=STAGE_CONTENT[stage](appraisal),
            acting_for=acting_for,
        )
        data["signature"] = signature.content_hash
    record_event(
        document=document,
        kind=name,
        summary=phrase(
            gettext_noop("%(action)s (%(role)s)"),
            action=transition.label,
            role=ROLE_LABELS.get(role, role),
        ),
        actor=actor,
        acting_for=acting_for,
        comment=comment,
        data=data,
    )
    return role


def _officers(document: WorkPlan) -> tuple[User | None, User | None]:
    line = line_in_effect(document.staff_id, document.cycle_id)
    return (line.fro.user, line.sro.user) if line else (None, None)


# --- starting and the self-evaluation ------------------------------------------------------


@transaction.atomic
def start_evaluation(*, document: WorkPlan, actor: User) -> Appraisal:
    """Step 6 begins: the staff member (or the FRO) opens the end-of-cycle evaluation, with
    one row per current goal and per competency of the work plan."""
    document, appraisal = _lock(document)
    APPRAISAL.check(appraisal, "start_evaluation", relations_for(actor, document))
    appraisal.started_at = timezone.now()
    appraisal.save()
    GoalAssessment.objects.bulk_create(
        GoalAssessment(appraisal=appraisal, goal=goal)
        for goal in document.goals.filter(is_current=True)
    )
    CompetencyAssessment.objects.bulk_create(
        CompetencyAssessment(appraisal=appraisal, competency=competency)
        for competency in document.competencies.all()
    )
    _transition(document, appraisal, actor, "start_evaluation")
    return appraisal


@transaction.atomic
def save_self_evaluation(
    *,
    document: WorkPlan,
    actor: User,
    overall: str,
    goals: dict[int, str],
    competencies: dict[int, str],
    answers: Mapping[int, str] | None = None,
) -> Appraisal:
    """The staff member's comments per goal and competency and overall self-assessment, and
    their answers to the managerial-accountability questions by question id (staff with
    supervisory responsibilities, when the cycle has questions: ILO). The answers are part
    of the self-evaluation: open and frozen with it (`pmsystem.freeze`)."""
    document, appraisal = _lock(document)
    _require_part(actor, document, "self_evaluation")
    appraisal.self_overall_comment = overall.strip()
    appraisal.save()
    _update_rows(appraisal.goal_rows.all(), goals, "self_comment")
    _update_rows(appraisal.competency_rows.all(), competencies, "self_comment")
    if answers:
        _save_answers(document, appraisal, answers)
    return appraisal


def _save_answers(document: WorkPlan, appraisal: Appraisal, answers: Mapping[int, str]) -> None:
    section = accountability_section(document)
    if section is None:
        if any(text.strip() for text in answers.values()):
            raise ApplicationError(
                gettext(
                    "Only staff with supervisory responsibilities in the cycle answer the "
                    "managerial-accountability questions."
                )
            )
        return
    known = {item.question.pk for item in section.items}
    if not set(answers) <= known:
        raise ApplicationError(
            interpolate(
                gettext(
                    "That question is not in the managerial-accountability section of %(cycle)s."
                ),
                {"cycle": document.cycle},
            )
        )
    existing = {answer.question_id: answer for answer in appraisal.accountability_answers.all()}
    created, changed = [], []
    for question_id, text in answers.items():
        answer = existing.get(question_id)
        if answer is None:
            created.append(
                AccountabilityAnswer(
                    appraisal=appraisal, question_id=question_id, text=text.strip()
                )
            )
        elif answer.text != text.strip():
            answer.text = text.strip()
            changed.append(answer)
    AccountabilityAnswer.objects.bulk_create(created)
    AccountabilityAnswer.objects.bulk_update(changed, ["text"])


def _update_rows(rows: Iterable[_Row], values: dict[int, str], field: str) -> None:
    changed: list[_Row] = []
    for row in rows:
        if row.pk in values and getattr(row, field) != values[row.pk].strip():
            setattr(row, field, values[row.pk].strip())
            changed.append(row)
    if changed:
        type(changed[0]).objects.bulk_update(changed, [field])


@transaction.atomic
def submit_self_evaluation(*, document: WorkPlan, actor: User) -> Appraisal:
    """Step 6 ends: the staff member signs the self-evaluation; the FRO is told."""
    document, appraisal = _lock(document)
    _transition(document, appraisal, actor, "submit_self_evaluation")
    appraisal.self_submitted_at = timezone.now()
    appraisal.save(update_fields=["self_submitted_at"])
    fro, _ = _officers(document)
    notify(
        users=[fro],
        subject=phrase(
            gettext_noop("Self-evaluation of %(name)s to evaluate"), name=document.staff.user
        ),
        body=phrase(
            gettext_noop("%(name)s submitted their %(cycle)s self-evaluation."),
            name=document.staff.user,
            cycle=document.cycle,
        ),
    )
    return appraisal


# --- additional supervisors ----------------------------------------------------------------


@transaction.atomic
def save_supervisor_comment(*, document: WorkPlan, actor: User, comment: str) -> SupervisorComment:
    """An accepted additional supervisor gives end-of-cycle comments (never a rating); the
    FRO sees them before rating."""
    document, appraisal = _lock(document)
    _require_part(actor, document, "supervisor_comments")
    if not comment.strip():
        raise ApplicationError(gettext("Write your comments."))
    row, created = SupervisorComment.objects.update_or_create(
        appraisal=appraisal,
        supervisor=actor,
        is_current=True,
        defaults={"comment": comment.strip()},
    )
    record_event(
        document=document,
        kind="supervisor_comment",
        summary=phrase(
            gettext_noop("Additional supervisor's comments added")
            if created
            else gettext_noop("Additional supervisor's comments updated")
        ),
        actor=actor,
    )
    return row


# --- the FRO's evaluation ------------------------------------------------------------------


OVERALL = phrase(gettext_noop("Overall"))


def rating_change(item: Phrase | str, before: str | None, after: str | None) -> Phrase:
    """One line of the "ratings changed" timeline event, read in each reader's language: the
    item (a goal's title as written; a competency's name or "Overall", translated) and the
    labels of the levels before and after (translated; None is "not rated")."""

    def level(label: str | None) -> Phrase:
        return data_label(label) if label else phrase(gettext_noop("not rated"))

    return phrase(
        gettext_noop("%(item)s: %(before)s → %(after)s"),
        item=item,
        before=level(before),
        after=level(after),
    )


def _level_ids(cycle_id: int, kind: str) -> dict[int, RatingLevel]:
    return {
        level.pk: level
        for level in RatingLevel.objects.filter(scale__cycle_id=cycle_id, scale__kind=kind)
    }


@transaction.atomic
def save_ratings(
    *,
    document: WorkPlan,
    actor: User,
    goals: dict[int, Assessment],
    competencies: dict[int, Assessment],
    overall_rating_id: int | None,
    overall_comment: str,
    accountability_comment: str | None = None,
) -> Appraisal:
    """Step 7: the FRO rates each goal (when the cycle rates goals), each value and
    competency on the competency scale, and gives the overall rating on the overall scale.
    Every rating change appears on the timeline. The FRO may comment on the staff member's
    managerial-accountability section (None leaves the comment as it is)."""
    document, appraisal = _lock(document)
    _require_part(actor, document, "ratings")
    if accountability_comment is not None:
        if accountability_comment.strip() and accountability_section(document) is None:
            raise ApplicationError(
                gettext("This evaluation has no managerial-accountability section to comment on.")
            )
        appraisal.fro_accountability_comment = accountability_comment.strip()
    cycle = document.cycle
    goal_levels = _level_ids(cycle.pk, RatingScale.Kind.GOAL)
    competency_levels = _level_ids(cycle.pk, RatingScale.Kind.COMPETENCY)
    overall_levels = _level_ids(cycle.pk, RatingScale.Kind.OVERALL)
    changes: list[Phrase] = []

    def label_of(level: RatingLevel | None) -> str | None:
        return level.label if level is not None else None

    def apply(
        rows: Iterable[_Row],
        values: dict[int, Assessment],
        levels: dict[int, RatingLevel],
        wrong_scale: str,
        name_of: Callable[[_Row], Phrase | str],
        rated: bool,
    ) -> None:
        updated: list[_Row] = []
        for row in rows:
            if row.pk not in values:
                continue
            value = values[row.pk]
            if value.rating_id is not None and value.rating_id not in levels:
                raise ApplicationError(wrong_scale % {"cycle": cycle})
            rating_id = value.rating_id if rated else None
            if row.rating_id != rating_id:
                changes.append(
                    rating_change(
                        name_of(row),
                        label_of(row.rating if row.rating_id else None),
                        label_of(levels[rating_id] if rating_id else None),
                    )
                )
            row.rating_id = rating_id
            row.fro_comment = value.comment.strip()
            updated.append(row)
        if updated:
            type(updated[0]).objects.bulk_update(updated, ["rating", "fro_comment"])

    apply(
        appraisal.goal_rows.select_related("goal", "rating"),
        goals,
        goal_levels,
        gettext("That rating is not on the goal scale of %(cycle)s."),
        str,
        cycle.goal_ratings_enabled,
    )
    apply(
        appraisal.competency_rows.select_related("competency", "rating"),
        competencies,
        competency_levels,
        gettext("That rating is not on the competency scale of %(cycle)s."),
        lambda row: data_label(row.competency.name),
        True,
    )
    if overall_rating_id is not None and overall_rating_id not in overall_levels:
        raise ApplicationError(
            interpolate(
                gettext("That rating is not on the overall scale of %(cycle)s."), {"cycle": cycle}
            )
        )
    if appraisal.overall_rating_id != overall_rating_id:
        before = appraisal.overall_rating if appraisal.overall_rating_id else None
        after = overall_levels[overall_rating_id] if overall_rating_id else None
        changes.append(rating_change(OVERALL, label_of(before), label_of(after)))
    appraisal.overall_rating_id = overall_rating_id
    appraisal.fro_overall_comment = overall_comment.strip()
    appraisal.save()
    if changes:
        record_event(
            document=document,
            kind="ratings_changed",
            summary=phrase(gettext_noop("Ratings changed (%(count)s)"), count=len(changes)),
            actor=actor,
            comment="\n".join(render_in(change, "en") for change in changes),
            data={"lines": changes},
        )
    return appraisal


@transaction.atomic
def sign_evaluation(*, document: WorkPlan, actor: User) -> Appraisal:
    """Step 7 ends: the FRO signs the complete evaluation; the SRO is told. When the staff
    member's department published ratings standards and the cycle asks for it, the FRO
    signs only after acknowledging the version in force (docs/rules.md section 10)."""
    document, appraisal = _lock(document)
    APPRAISAL.check(appraisal, "sign_evaluation", relations_for(actor, document))
    standards_refusal = sign_refusal(document=document, actor=actor)
    if standards_refusal:
        raise ApplicationError(standards_refusal)
    _transition(document, appraisal, actor, "sign_evaluation")
    appraisal.fro_signed_at = timezone.now()
    appraisal.save(update_fields=["fro_signed_at"])
    _, sro = _officers(document)
    notify(
        users=[sro],
        subject=phrase(gettext_noop("Evaluation of %(name)s to approve"), name=document.staff.user),
        body=phrase(
            gettext_noop("%(actor)s signed the %(cycle)s evaluation of %(name)s."),
            actor=actor,
            cycle=document.cycle,
            name=document.staff.user,
        ),
    )
    return appraisal


@transaction.atomic
def rate_and_sign_evaluation(
    *,
    document: WorkPlan,
    actor: User,
    goals: dict[int, Assessment],
    competencies: dict[int, Assessment],
    overall_rating_id: int | None,
    overall_comment: str,
    accountability_comment: str | None = None,
) -> Appraisal:
    """Step 7 in one submission: the FRO's ratings and comments saved (`save_ratings`, with
    their timeline entry) and the evaluation signed (`sign_evaluation`), or nothing at all: a
    refused signature (a row not rated, no overall comments) keeps none of the changes."""
    save_ratings(
        document=document,
        actor=actor,
        goals=goals,
        competencies=competencies,
        overall_rating_id=overall_rating_id,
        overall_comment=overall_comment,
        accountability_comment=accountability_comment,
    )
    return sign_evaluation(document=document, actor=actor)


# --- the SRO -------------------------------------------------------------------------------


@transaction.atomic
def save_sro_comment(*, document: WorkPlan, actor: User, comment: str) -> Appraisal:
    document, appraisal = _lock(document)
    _require_part(actor, document, "sro_comments")
    appraisal.sro_comment = comment.strip()
    appraisal.save()
    return appraisal


@transaction.atomic
def approve_evaluation(*, document: WorkPlan, actor: User, comment: str = "") -> Appraisal:
    """Step 8: the SRO approves (signs) the FRO's evaluation, with optional comments."""
    document, appraisal = _lock(document)
    # A stale or foreign approval gets the workflow's reason ("... can no longer be approved"),
    # not the refusal of its comment.
    APPRAISAL.check(appraisal, "approve_evaluation", relations_for(actor, document))
    if comment.strip():
        _require_part(actor, document, "sro_comments")
        appraisal.sro_comment = comment.strip()
    _transition(document, appraisal, actor, "approve_evaluation")
    appraisal.sro_signed_at = timezone.now()
    appraisal.save(update_fields=["sro_signed_at", "sro_comment"])
    notify(
        users=[document.staff.user],
        subject=phrase(gettext_noop("Your evaluation is ready to acknowledge")),
        body=phrase(
            gettext_noop("Your %(cycle)s evaluation is approved. Read it and acknowledge it."),
            cycle=document.cycle,
        ),
    )
    return appraisal


@transaction.atomic
def return_evaluation_to_fro(*, document: WorkPlan, actor: User, reason: str) -> Appraisal:
    """Step 8, the other way: the SRO returns the evaluation to the FRO with a reason."""
    if not reason.strip():
        raise ApplicationError(gettext("Give the reason for returning the evaluation to the FRO."))
    document, appraisal = _lock(document)
    _transition(document, appraisal, actor, "return_to_fro", comment=reason.strip())
    fro, _ = _officers(document)
    notify(
        users=[fro],
        subject=phrase(gettext_noop("Evaluation of %(name)s returned"), name=document.staff.user),
        body=phrase(
            gettext_noop("%(actor)s returned the evaluation to you: %(reason)s"),
            actor=actor,
            reason=reason.strip(),
        ),
    )
    return appraisal


# --- acknowledgement -----------------------------------------------------------------------


@transaction.atomic
def acknowledge_evaluation(*, document: WorkPlan, actor: User, comment: str = "") -> Appraisal:
    """Step 9: the staff member reads, may comment, and signs. The document is complete, the
    FRO's rating becomes the final rating and the rebuttal clock starts."""
    document, appraisal = _lock(document)
    if comment.strip():
        _require_part(actor, document, "final_comments")
    if "edit_final_comment" in allowed_actions(actor, document):
        appraisal.staff_final_comment = comment.strip()
    _transition(document, appraisal, actor, "acknowledge")
    appraisal.acknowledged_at = timezone.now()
    appraisal.final_rating_id = appraisal.overall_rating_id
    appraisal.save(update_fields=["acknowledged_at", "final_rating", "staff_final_comment"])
    fro, sro = _officers(document)
    notify(
        users=[fro, sro],
        subject=phrase(
            gettext_noop("%(name)s acknowledged the evaluation"), name=document.staff.user
        ),
        body=phrase(
            gettext_noop("The %(cycle)s document of %(name)s is complete."),
            cycle=document.cycle,
            name=document.staff.user,
        ),
    )
    return appraisal


# --- roll-back -----------------------------------------------------------------------------


def _snapshot(document: WorkPlan, appraisal: Appraisal | None) -> dict[str, Any]:
    snapshot: dict[str, Any] = {"work_plan_state": document.state}
    midpoint = getattr(document, "midpoint", None)
    if midpoint is not None:
        snapshot["midpoint"] = {"state": midpoint.state, **midpoint.content()}
    if appraisal is not None and appraisal.pk and not appraisal._state.adding:
        snapshot["evaluation"] = {
            "state": appraisal.state,
            **{stage: content(appraisal) for stage, content in STAGE_CONTENT.items()},
            "supervisor_comments": list(
                appraisal.supervisor_comments.filter(is_current=True).values(
                    "supervisor_id", "comment"
                )
            ),
        }
    return snapshot


@transaction.atomic
def roll_back_document(
    *,
    document: WorkPlan,
    actor: User,
    requested_by: User,
    reason: str,
    target_stage: str,
) -> RollBack:
    """An HR focal point of the entity returns the document to an earlier stage on the
    written request of the FRO or SRO. What was entered after that stage stays in the
    roll-back record but is no longer current; signatures from that stage on are voided; a
    completed document cannot be rolled back (setting). The staff member and both officers
    are told."""
    document, appraisal = _lock(document)
    relations = relations_for(actor, document)
    if "hr" not in relations:
        if "hr" in relations.conflicts:
            raise ApplicationError(hr_conflict_refusal(document, actor, relations))
        raise ApplicationError(
            gettext("Only an HR focal point of the entity rolls documents back.")
        )
    refused = rollback_refusal(document)
    if refused:
        raise ApplicationError(refused)
    if not reason.strip():
        raise ApplicationError(gettext("Record the reason given in the written request."))
    line = line_in_effect(document.staff_id, document.cycle_id)
    requester_role = None
    if line is not None and requested_by.pk == line.fro_id:
        requester_role = "fro"
    elif line is not None and requested_by.pk == line.sro_id:
        requester_role = "sro"
    if requester_role is None:
        raise ApplicationError(
            gettext("A roll-back needs the written request of the FRO or the SRO.")
        )
    targets = dict(rollback_targets(document))
    if target_stage not in targets:
        label = dict(RollBack.Stage.choices).get(target_stage, target_stage)
        raise ApplicationError(
            interpolate(
                gettext("This document cannot be rolled back to “%(stage)s” from where it is now."),
                {"stage": label},
            )
        )
    snapshot = _snapshot(document, appraisal)
    from_state = appraisal.state if appraisal.state != S.NOT_STARTED else document.state
    hr = frozenset({"hr"})
    started = appraisal.pk is not None and not appraisal._state.adding
    if target_stage in {"self_assessment", "fro_evaluation", "sro_review"}:
        APPRAISAL.apply(appraisal, f"roll_back_to_{target_stage}", hr)
        later = DOCUMENT_ORDER[DOCUMENT_ORDER.index(target_stage) + 1 :]
        if "acknowledgement" in later:
            appraisal.staff_final_comment = ""
            appraisal.acknowledged_at = None
            appraisal.final_rating = None
        if "sro_review" in later:
            appraisal.sro_comment = ""
            appraisal.sro_signed_at = None
        if "fro_evaluation" in later:
            appraisal.overall_rating = None
            appraisal.fro_overall_comment = ""
            appraisal.fro_accountability_comment = ""
            appraisal.fro_signed_at = None
            appraisal.goal_rows.update(rating=None, fro_comment="")
            appraisal.competency_rows.update(rating=None, fro_comment="")
        appraisal.save()
    else:
        if started:
            APPRAISAL.apply(appraisal, "reset", hr)
            appraisal.supervisor_comments.update(is_current=False)
            appraisal.goal_rows.all().delete()
            appraisal.competency_rows.all().delete()
            appraisal.accountability_answers.all().delete()
            for field in (
                "self_overall_comment",
                "fro_overall_comment",
                "fro_accountability_comment",
                "sro_comment",
                "staff_final_comment",
            ):
                setattr(appraisal, field, "")
            for field in (
                "started_at",
                "self_submitted_at",
                "fro_signed_at",
                "sro_signed_at",
                "acknowledged_at",
                "overall_rating",
                "final_rating",
            ):
                setattr(appraisal, field, None)
            appraisal.save()
        # Unsaved when the review was never started: the workflow refuses to roll that back
        # ("cannot be rolled back yet"), and there is nothing to reset.
        midpoint = lock_midpoint(document)
        if target_stage == "midpoint":
            MIDPOINT.apply(midpoint, "roll_back", hr)
            midpoint.staff_submitted_at = None
            midpoint.finalised_at = None
            midpoint.save()
        else:
            if midpoint.pk and midpoint.state != MidpointReview.State.NOT_STARTED:
                MIDPOINT.apply(midpoint, "reset", hr)
                midpoint.staff_comments = midpoint.fro_comments = ""
                midpoint.staff_submitted_at = midpoint.finalised_at = None
                midpoint.save()
            WORK_PLAN.apply(document, "roll_back", hr)
            document.approved_at = None
            document.save()
    document.stage = target_stage
    document.save(update_fields=["stage"])
    voided_stages = DOCUMENT_ORDER[DOCUMENT_ORDER.index(target_stage) :]
    now = timezone.now()
    label = RollBack.Stage(target_stage).label
    voided = Signature.objects.filter(
        document=document, stage__in=voided_stages, voided_at__isnull=True
    ).update(
        voided_at=now,
        void_reason=interpolate(
            gettext("Rolled back to %(stage)s: %(reason)s"),
            {"stage": label, "reason": reason.strip()},
        ),
    )
    rollback = RollBack.objects.create(
        document=document,
        target_stage=target_stage,
        from_state=from_state,
        requested_by=requested_by,
        requester_role=requester_role,
        reason=reason.strip(),
        performed_by=actor,
        snapshot=snapshot,
    )
    record_event(
        document=document,
        kind="rolled_back",
        summary=phrase(
            gettext_noop(
                "Rolled back to %(stage)s at the request of the %(role)s, %(name)s "
                "(%(count)s signature voided)"
            )
            if voided == 1
            else gettext_noop(
                "Rolled back to %(stage)s at the request of the %(role)s, %(name)s "
                "(%(count)s signatures voided)"
            ),
            stage=label,
            role=ROLE_LABELS[requester_role],
            name=requested_by,
            count=voided,
        ),
        actor=actor,
        comment=reason.strip(),
        data={"rollback": rollback.pk, "voided": voided},
    )
    log_event(
        "rollback",
        user=actor.pk,
        document=document.pk,
        target=target_stage,
        requested_by=requested_by.pk,
    )
    fro, sro = _officers(document)
    notify(
        users=[document.staff.user, fro, sro],
        subject=phrase(gettext_noop("Document of %(name)s rolled back"), name=document.staff.user),
        body=phrase(
            gettext_noop(
                "%(actor)s (HR) rolled the %(cycle)s document of %(name)s back to %(stage)s at "
                "the written request of %(requester)s.\n\nReason: %(reason)s"
            ),
            actor=actor,
            cycle=document.cycle,
            name=document.staff.user,
            stage=label,
            requester=requested_by,
            reason=reason.strip(),
        ),
    )
    return rollback


# --- performance improvement plans ---------------------------------------------------------


@transaction.atomic
def open_improvement_plan(
    *,
    document: WorkPlan,
    actor: User,
    objectives: str,
    support: str,
    start: datetime.date,
    end: datetime.date,
    review_every_days: int = 30,
) -> ImprovementPlan:
    """The FRO opens a PIP: prompted by an underperformance rating, or at any time while the
    cycle is open. A staff member has one open PIP at a time over any given period. Its
    timeline says how often the FRO holds a review meeting (docs/rules.md §5)."""
    document, _ = _lock(document)
    if "fro" not in relations_for(actor, document):
        raise ApplicationError(gettext("Only the FRO opens a performance improvement plan."))
    _require_part(actor, document, "improvement_plans")
    if not objectives.strip() or not support.strip():
        raise ApplicationError(gettext("A PIP needs objectives and the support offered."))
    if end < start:
        raise ApplicationError(gettext("The PIP cannot end before it starts."))
    overlapping = (
        ImprovementPlan.objects.filter(
            document__staff_id=document.staff_id,
            state=ImprovementPlan.State.OPEN,
            start__lte=end,
            end__gte=start,
        )
        .order_by("start")
        .first()
    )
    if overlapping is not None:
        raise ApplicationError(
            interpolate(
                gettext(
                    "An open PIP already covers %(start)s – %(end)s: close it, or choose dates "
                    "after it ends."
                ),
                {
                    "start": formats.date_format(overlapping.start, "SHORT_DATE_FORMAT"),
                    "end": formats.date_format(overlapping.end, "SHORT_DATE_FORMAT"),
                },
            )
        )
    plan = ImprovementPlan(
        document=document,
        opened_by=actor,
        objectives=objectives.strip(),
        support=support.strip(),
        start=start,
        end=end,
        review_every_days=review_every_days,
    )
    plan.full_clean()
    plan.save()
    record_event(
        document=document,
        kind="pip_opened",
        summary=phrase(
            gettext_noop("Performance improvement plan opened (%(start)s – %(end)s)"),
            start=start,
            end=end,
        ),
        actor=actor,
    )
    notify(
        users=[document.staff.user],
        subject=phrase(gettext_noop("A performance improvement plan was opened")),
        body=phrase(
            gettext_noop("%(actor)s opened a performance improvement plan with you."), actor=actor
        ),
    )
    return plan


@transaction.atomic
def add_improvement_meeting(
    *, plan: ImprovementPlan, actor: User, held_on: datetime.date, notes: str
) -> ImprovementPlanMeeting:
    document, _ = _lock(plan.document)
    if "fro" not in relations_for(actor, document):
        raise ApplicationError(gettext("Only the FRO records PIP review meetings."))
    _require_part(actor, document, "improvement_plans")
    if plan.state != ImprovementPlan.State.OPEN:
        raise ApplicationError(gettext("This PIP is closed."))
    if not notes.strip():
        raise ApplicationError(gettext("Write the notes of the meeting."))
    if held_on > timezone.localdate():
        raise ApplicationError(gettext("Record a meeting once it has been held, not before."))
    if held_on < plan.start:
        raise ApplicationError(
            interpolate(
                gettext("The PIP started on %(start)s: a review meeting is held after that."),
                {"start": formats.date_format(plan.start, "SHORT_DATE_FORMAT")},
            )
        )
    meeting = ImprovementPlanMeeting.objects.create(
        plan=plan, held_on=held_on, notes=notes.strip(), recorded_by=actor
    )
    record_event(
        document=document,
        kind="pip_meeting",
        summary=phrase(gettext_noop("PIP review meeting of %(date)s recorded"), date=held_on),
        actor=actor,
    )
    return meeting


@transaction.atomic
def close_improvement_plan(
    *, plan: ImprovementPlan, actor: User, outcome: str, comment: str = ""
) -> ImprovementPlan:
    document, _ = _lock(plan.document)
    if "fro" not in relations_for(actor, document):
        raise ApplicationError(gettext("Only the FRO closes a PIP."))
    _require_part(actor, document, "improvement_plans")
    if plan.state != ImprovementPlan.State.OPEN:
        raise ApplicationError(gettext("This PIP is already closed."))
    if outcome not in ImprovementPlan.Outcome.values or not outcome:
        raise ApplicationError(gettext("Choose the outcome of the PIP."))
    plan.state = ImprovementPlan.State.CLOSED
    plan.outcome = outcome
    plan.outcome_comment = comment.strip()
    plan.closed_at = timezone.now()
    plan.save()
    record_event(
        document=document,
        kind="pip_closed",
        summary=phrase(
            gettext_noop("PIP closed: %(outcome)s"),
            outcome=ImprovementPlan.Outcome(outcome).label,
        ),
        actor=actor,
    )
    return plan


# --- the document's stage, kept on its row --------------------------------------------------


def _computed_stage() -> Case:
    """SQL for the stage a document row is at, from the states of its stages
    (`pmsystem.stages.stage_from`)."""
    started = ~Q(state=S.NOT_STARTED)
    evaluation = Appraisal.objects.filter(started, pk=OuterRef("pk"))
    midpoint = MidpointReview.objects.filter(
        ~Q(state=MidpointReview.State.NOT_STARTED), work_plan_id=OuterRef("pk")
    )
    return Case(
        When(Exists(evaluation), then=Subquery(evaluation.values("state")[:1])),
        When(Exists(midpoint), then=Value(Stage.MIDPOINT)),
        default=Value(Stage.WORK_PLAN),
    )


def refresh_document_stages(documents: QuerySet[WorkPlan] | None = None) -> int:
    """Set `WorkPlan.stage` from the states of each document's stages, in one statement (the
    demo writer, which writes states directly, calls this); returns the rows updated."""
    documents = WorkPlan.objects.all() if documents is None else documents
    return documents.update(stage=_computed_stage())


def stage_drift(documents: QuerySet[WorkPlan] | None = None) -> QuerySet[WorkPlan]:
    """Documents whose kept stage is not what the states of their stages say (none, unless a
    write bypassed the services)."""
    documents = WorkPlan.objects.all() if documents is None else documents
    return documents.annotate(computed=_computed_stage()).exclude(stage=F("computed"))

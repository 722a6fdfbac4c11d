"""Writes of the review board: a comment or recommendation on a document, or on an FRO's
ratings in a cycle. Each checks `board.permissions`, is validated before writing and logged."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from appraisals.models import ImprovementPlan
from org.models import Cycle, OrgUnit, ReportingLine, User
from pmsystem.errors import ApplicationError
from pmsystem.security import log_event
from workplans.models import WorkPlan

from .models import BoardComment
from .permissions import board_entities, pip_review_refusal, review_refusal
from .selectors import pip_review


def _clean(kind: str, text: str) -> str:
    if kind not in BoardComment.Kind.values:
        raise ApplicationError(gettext("Choose a comment or a recommendation."))
    text = text.strip()
    if not text:
        raise ApplicationError(gettext("Write the comment before sending it."))
    return text


@transaction.atomic
def comment_on_document(*, actor: User, document: WorkPlan, kind: str, text: str) -> BoardComment:
    """A board member's comment or recommendation on a document routed to the board."""
    refusal = review_refusal(actor, document)
    if refusal:
        raise ApplicationError(refusal)
    entity_id = document.staff.unit.entity_id
    if entity_id is None:  # every unit belongs to an entity (org.OrgUnit.entity)
        raise ApplicationError(gettext("This document's unit belongs to no entity."))
    comment = BoardComment.objects.create(
        entity_id=entity_id,
        cycle_id=document.cycle_id,
        document=document,
        author=actor,
        kind=kind,
        text=_clean(kind, text),
    )
    log_event("board_comment", user=actor.pk, document=document.pk, comment=comment.pk)
    return comment


@transaction.atomic
def comment_on_fro(
    *, actor: User, entity: OrgUnit, cycle: Cycle, fro: User, kind: str, text: str
) -> BoardComment:
    """A board member's comment or recommendation on how an FRO of the entity's staff rated in
    the cycle (the consistency view). Never on themselves."""
    if not board_entities(actor).filter(pk=entity.pk).exists():
        raise ApplicationError(
            gettext("Only the members of the entity's review board comment on its FROs.")
        )
    if fro.pk == actor.pk:
        raise ApplicationError(
            gettext("You cannot comment on your own ratings: another member of the board does.")
        )
    if not ReportingLine.objects.filter(
        cycle=cycle, fro_id=fro.pk, staff__unit__entity_id=entity.pk
    ).exists():
        raise ApplicationError(gettext("This person is not an FRO of the entity's staff."))
    comment = BoardComment.objects.create(
        entity=entity, cycle=cycle, fro=fro, author=actor, kind=kind, text=_clean(kind, text)
    )
    log_event("board_comment", user=actor.pk, fro=fro.pk, comment=comment.pk)
    return comment


@transaction.atomic
def comment_on_pip(*, actor: User, plan: ImprovementPlan, kind: str, text: str) -> BoardComment:
    """A board member's comment or recommendation on a performance improvement plan whose
    six-month review was held; it is kept with the plan's document."""
    document = plan.document
    refusal = pip_review_refusal(actor, document)
    if refusal:
        raise ApplicationError(refusal)
    entity_id = document.staff.unit.entity_id
    if entity_id is None or pip_review(OrgUnit(pk=entity_id), plan.pk) is None:
        raise ApplicationError(
            gettext("The plan's six-month review has not been held: it has not reached the board.")
        )
    comment = BoardComment.objects.create(
        entity_id=entity_id,
        cycle_id=document.cycle_id,
        document=document,
        author=actor,
        kind=kind,
        text=_clean(kind, text),
    )
    log_event("board_comment", user=actor.pk, pip=plan.pk, comment=comment.pk)
    return comment

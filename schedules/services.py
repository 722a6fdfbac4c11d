"""Writes of special schedules: the FRO records a milestone as held, HR corrects or removes a
record, a review board member comments on a probationary report. Each checks
`schedules.permissions`, validates everything before writing (all or nothing) and logs what it
did (ids only)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from org.models import StaffMember, User
from pmsystem.errors import ApplicationError
from pmsystem.security import log_event

from .models import ReportComment, ScheduleRecord
from .permissions import board_refusal, correction_refusal, record_refusal
from .selectors import staff_schedule


def _clean(held_on: datetime.date | None, summary: str, today: datetime.date) -> str:
    if held_on is None:
        raise ApplicationError(gettext("Give the day the milestone was held."))
    if held_on > today:
        raise ApplicationError(gettext("A milestone cannot be held in the future."))
    summary = summary.strip()
    if not summary:
        raise ApplicationError(gettext("Write a summary of the discussion."))
    return summary


@transaction.atomic
def record_milestone(
    *,
    actor: User,
    staff: StaffMember,
    code: str,
    held_on: datetime.date | None,
    summary: str,
    today: datetime.date | None = None,
) -> ScheduleRecord:
    """The staff member's current FRO (own or acting) records that a milestone of their
    special schedule was held: on a day not in the future, with a summary; once per
    milestone (HR corrects a record)."""
    today = today or timezone.localdate()
    # Lock the staff row: two FROs' tabs recording the same milestone write one record.
    staff = StaffMember.objects.select_for_update().select_related("unit").get(pk=staff.pk)
    refusal = record_refusal(actor, staff)
    if refusal:
        raise PermissionDenied(refusal)
    schedule = staff_schedule(staff.pk, today)
    step = schedule.step(code) if schedule is not None else None
    if step is None:
        raise ApplicationError(gettext("This milestone is not on the staff member's schedule."))
    if step.record is not None:
        raise ApplicationError(
            gettext("This milestone is already recorded: an HR focal point corrects it.")
        )
    record = ScheduleRecord(
        staff=staff,
        code=code,
        cycle_id=schedule.cycle_id if schedule is not None else None,
        due=step.due,
        board=step.milestone.board,
        held_on=held_on,  # type: ignore[misc]
        summary=_clean(held_on, summary, today),
        recorded_by=actor,
    )
    record.full_clean()
    record.save()
    log_event("schedule_milestone_recorded", user=actor.pk, staff=staff.pk, record=record.pk)
    return record


@transaction.atomic
def correct_record(
    *,
    actor: User,
    record: ScheduleRecord,
    held_on: datetime.date | None,
    summary: str,
    today: datetime.date | None = None,
) -> ScheduleRecord:
    """An HR focal point of the staff member's entity corrects a record's day or summary."""
    today = today or timezone.localdate()
    record = (
        ScheduleRecord.objects.select_for_update().select_related("staff__unit").get(pk=record.pk)
    )
    refusal = correction_refusal(actor, record.staff)
    if refusal:
        raise PermissionDenied(refusal)
    record.summary = _clean(held_on, summary, today)
    record.held_on = held_on  # type: ignore[assignment]
    record.corrected_by = actor
    record.corrected_at = timezone.now()
    record.full_clean()
    record.save()
    log_event("schedule_record_corrected", user=actor.pk, record=record.pk)
    return record


@transaction.atomic
def remove_record(*, actor: User, record: ScheduleRecord) -> None:
    """An HR focal point of the staff member's entity removes a record made by mistake (the
    milestone is due again); logged with what was removed."""
    record = (
        ScheduleRecord.objects.select_for_update().select_related("staff__unit").get(pk=record.pk)
    )
    refusal = correction_refusal(actor, record.staff)
    if refusal:
        raise PermissionDenied(refusal)
    log_event(
        "schedule_record_removed",
        user=actor.pk,
        record=record.pk,
        staff=record.staff_id,
        code=record.code,
        held_on=record.held_on,
    )
    record.delete()


@transaction.atomic
def comment_on_report(
    *, actor: User, record: ScheduleRecord, kind: str, text: str
) -> ReportComment:
    """A review board member's comment or recommendation on a recorded probationary report;
    never by the staff member, their FRO or SRO, nor the one who recorded it."""
    if not record.board:
        raise ApplicationError(gettext("Only probationary reports reach the review board."))
    refusal = board_refusal(actor, record.staff, record.recorded_by_id)
    if refusal:
        raise ApplicationError(refusal)
    if kind not in ReportComment.Kind.values:
        raise ApplicationError(gettext("Choose a comment or a recommendation."))
    text = text.strip()
    if not text:
        raise ApplicationError(gettext("Write the comment before sending it."))
    comment = ReportComment.objects.create(record=record, author=actor, kind=kind, text=text)
    log_event("schedule_report_comment", user=actor.pk, record=record.pk, comment=comment.pk)
    return comment

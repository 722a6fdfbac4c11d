"""Writes of mandatory training: the catalogue and the completions. Each checks
`training.permissions`, validates everything before writing and logs what it did (ids only).
The import (`import_completions`) is all or nothing: every bad row is reported and nothing is
written."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from org.importer.read import Column, Row, RowError, read_rows
from org.importer.validate import parse_date
from org.models import Grade, OrgUnit, StaffMember, User
from pmsystem.errors import ApplicationError
from pmsystem.i18n import interpolate
from pmsystem.security import log_event

from .models import COURSE_FIELDS, Completion, Course
from .permissions import can_keep_course, can_manage, managed_entity_ids, recordable_staff

A = Course.Audience
MAX_DEADLINE_MONTHS = 120


def _course_errors(course: Course) -> dict[str, str]:
    errors: dict[str, str] = {}
    if course.audience == A.GRADES:
        unknown = [g for g in course.grades if g not in Grade.values]
        if not course.grades:
            errors["grades"] = gettext("Choose the grades that must take the course.")
        elif unknown:
            errors["grades"] = interpolate(
                gettext("Unknown grades: %(grades)s."), {"grades": ", ".join(unknown)}
            )
    elif course.grades:
        course.grades = []
    if course.audience == A.ROLE and not course.role:
        errors["role"] = gettext("Choose the department role that must take the course.")
    if course.audience != A.ROLE:
        course.role = ""
    if course.deadline_from == Course.DeadlineFrom.FIRST_MANAGING and course.audience != A.MANAGERS:
        errors["deadline_from"] = gettext(
            "Only a course for FROs and SROs can count its deadline from the day someone first "
            "became an FRO or SRO."
        )
    if course.deadline_months > MAX_DEADLINE_MONTHS:
        errors["deadline_months"] = interpolate(
            gettext("At most %(months)s months."), {"months": MAX_DEADLINE_MONTHS}
        )
    return errors


@transaction.atomic
def save_course(*, actor: User, course: Course | None = None, data: dict[str, Any]) -> Course:
    """Create a course (`course` None) or change one. An HR focal point keeps only courses of
    their entities, and cannot move one to an entity they do not keep."""
    if course is not None:
        course = Course.objects.select_for_update().get(pk=course.pk)
        if not can_keep_course(actor, course.entity_id):
            raise PermissionDenied(gettext("You may not change this course."))
    else:
        course = Course()
    for name in COURSE_FIELDS:
        if name in data:
            setattr(course, name, data[name])
    entity: OrgUnit | None = course.entity
    if not can_keep_course(actor, entity.pk if entity else None):
        raise ApplicationError(
            gettext("An organisation-wide course is kept by the system administrators.")
            if entity is None
            else gettext("You may not keep the courses of this entity.")
        )
    errors = _course_errors(course)
    try:
        course.full_clean()
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, " ".join(messages))
    if errors:
        raise ValidationError(errors)
    created = course.pk is None
    course.save()
    log_event(
        "training_course_created" if created else "training_course_changed",
        user=actor.pk,
        course=course.pk,
    )
    return course


def _refuse_person(actor: User, staff: StaffMember | None) -> None:
    if staff is None or not recordable_staff(actor).filter(pk=staff.pk).exists():
        raise ApplicationError(
            gettext("You may only record the training of staff of the entities you keep.")
        )


@transaction.atomic
def record_completion(
    *,
    actor: User,
    user: User,
    course: Course,
    completed_on: datetime.date,
    note: str = "",
    today: datetime.date | None = None,
) -> Completion:
    """HR records that `user` completed `course` on `completed_on`."""
    today = today or timezone.localdate()
    _refuse_person(actor, getattr(user, "staff", None))
    if course.entity_id is not None and course.entity_id != user.staff.unit.entity_id:
        raise ApplicationError(gettext("This course is not one of the person's entity."))
    if completed_on > today:
        raise ApplicationError(gettext("A course cannot be completed in the future."))
    if Completion.objects.filter(user=user, course=course, completed_on=completed_on).exists():
        raise ApplicationError(gettext("This completion is already recorded."))
    completion = Completion(
        user=user,
        course=course,
        completed_on=completed_on,
        note=note,
        source=Completion.Source.HR,
        recorded_by=actor,
    )
    completion.full_clean()
    completion.save()
    log_event("training_completion_recorded", user=actor.pk, completion=completion.pk)
    return completion


@transaction.atomic
def delete_completion(*, actor: User, completion: Completion) -> None:
    """HR removes a completion recorded by mistake (an import brings it back while the learning
    system still has it). Logged with what was removed."""
    completion = Completion.objects.select_for_update().get(pk=completion.pk)
    _refuse_person(actor, getattr(completion.user, "staff", None))
    log_event(
        "training_completion_deleted",
        user=actor.pk,
        completion=completion.pk,
        person=completion.user_id,
        course=completion.course_id,
        completed_on=completion.completed_on,
    )
    completion.delete()


# --- the import -----------------------------------------------------------------------------

COLUMNS = (
    Column(
        "index_number",
        False,
        gettext_lazy("The person's index number (or give their email)."),
    ),
    Column("email", False, gettext_lazy("The person's email (when there is no index number).")),
    Column("course_code", True, gettext_lazy("The code of the course in the catalogue.")),
    Column("completed_on", True, gettext_lazy("The day the course was completed, YYYY-MM-DD.")),
)


@dataclass
class CompletionImport:
    """What an import did (or, for a dry run or a file with errors, would have done)."""

    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    created: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run


def import_completions(
    *,
    files: Sequence[tuple[str, bytes | IO[bytes]]],
    actor: User | None = None,
    dry_run: bool = False,
    today: datetime.date | None = None,
) -> CompletionImport:
    """Completions exported by the learning system: every row checked first (the person, the
    course, the date, the importer's right to record it); any bad row and nothing is written.
    A completion already recorded is left as it is, so the same file imports twice safely.
    `actor` None is the system (the management command), for anyone."""
    today = today or timezone.localdate()
    if actor is not None and not can_manage(actor):
        raise ApplicationError(gettext("You may not import training completions."))
    scope = None if actor is None else managed_entity_ids(actor)
    result = CompletionImport(dry_run=dry_run)
    rows = []
    for name, content in files:
        data = content if isinstance(content, bytes) else content.read()
        file_rows, errors, warnings = read_rows(name, data, COLUMNS)
        rows += file_rows
        result.errors += errors
        result.warnings += warnings
    if result.errors:
        return result
    if not rows:
        result.warnings.append(gettext("There were no rows to import."))
        return result
    indexes = {row.text("index_number") for row in rows} - {""}
    emails = {row.text("email").lower() for row in rows} - {""}
    people: dict[str, tuple[int, int | None]] = {}
    for pk, index, email, entity_id in (
        StaffMember.objects.filter(index_number__in=indexes)
        .values_list("pk", "index_number", "user__email", "unit__entity_id")
        .union(
            StaffMember.objects.annotate(lower=Lower("user__email"))
            .filter(lower__in=emails)
            .values_list("pk", "index_number", "user__email", "unit__entity_id")
        )
    ):
        people[f"i:{index}"] = (pk, entity_id)
        people[f"e:{email.lower()}"] = (pk, entity_id)
    courses = {
        c.code: c for c in Course.objects.filter(code__in={r.text("course_code") for r in rows})
    }
    wanted: dict[tuple[int, int, datetime.date], int] = {}
    for row in rows:

        def error(column: str, reason: str, row: Row = row) -> None:
            result.errors.append(RowError(row.source, row.line, column, reason))

        index, email = row.text("index_number"), row.text("email").lower()
        if index:
            person = people.get(f"i:{index}")
            if person is None:
                error(
                    "index_number",
                    interpolate(
                        gettext("No staff member has the index number “%(index)s”."),
                        {"index": index},
                    ),
                )
        elif email:
            person = people.get(f"e:{email}")
            if person is None:
                error(
                    "email",
                    interpolate(
                        gettext("No staff member has the email “%(email)s”."), {"email": email}
                    ),
                )
        else:
            person = None
            error("index_number", gettext("Give the person's index number or email."))
        if person is not None and scope is not None and person[1] not in scope:
            error(
                "index_number" if index else "email",
                gettext("This person is not on the staff of an entity you keep."),
            )
        code = row.text("course_code")
        course = courses.get(code)
        if course is None:
            error(
                "course_code",
                interpolate(gettext("No course has the code “%(code)s”."), {"code": code}),
            )
        elif person is not None and course.entity_id not in (None, person[1]):
            error("course_code", gettext("This course is not one of the person's entity."))
        day, reason = parse_date(row.cells.get("completed_on", ""))
        if reason:
            error("completed_on", reason)
        elif day is not None and day > today:
            error("completed_on", gettext("A course cannot be completed in the future."))
        if person is not None and course is not None and day is not None:
            key = (course.pk, person[0], day)
            if key in wanted:
                result.warnings.append(
                    interpolate(
                        gettext("%(source)s: line %(line)s repeats line %(first)s."),
                        {"source": row.source, "line": row.line, "first": wanted[key]},
                    )
                )
            else:
                wanted[key] = row.line
    if result.errors:
        return result
    with transaction.atomic():
        known = set(
            Completion.objects.filter(
                user_id__in={k[1] for k in wanted}, course_id__in={k[0] for k in wanted}
            ).values_list("course_id", "user_id", "completed_on")
        )
        new = [key for key in wanted if key not in known]
        result.created, result.unchanged = len(new), len(wanted) - len(new)
        if not dry_run:
            Completion.objects.bulk_create(
                [
                    Completion(
                        course_id=course_id,
                        user_id=user_id,
                        completed_on=day,
                        source=Completion.Source.IMPORT,
                        recorded_by=actor,
                    )
                    for course_id, user_id, day in new
                ],
                ignore_conflicts=True,
                batch_size=2000,
            )
            log_event(
                "training_completions_imported",
                user=actor.pk if actor else None,
                created=result.created,
                unchanged=result.unchanged,
            )
    return result

"""When each of a cycle's deadlines falls for a staff member: the cycle's date (for the work
plan, the staff member's own when they joined late: `Cycle.workplan_due_for`), or a later
date HR gave them with a reason (`DeadlineExtension`, written by `org.bulk`).

Rule (docs/rules.md §2: deadlines "each extendable"): the due date in effect is the latest of
the cycle's date and the extensions not undone; an extension never brings a deadline forward.
Whoever reads a due date (the reminder sweep's pending providers, My tasks, My team) asks
here, in one query for however many staff members, so a date extended for a unit moves every
reminder and task of its staff at once (a new due date: reminders start again for it).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from typing import TypeVar

from django.db.models import DateField, Max, Model, OuterRef, QuerySet, Subquery

from .models import Cycle, DeadlineExtension, StaffMember

Deadline = DeadlineExtension.Deadline
# Each deadline's date on the cycle.
CYCLE_FIELD = {
    Deadline.WORK_PLAN: "workplan_due",
    Deadline.MIDPOINT: "midpoint_due",
    Deadline.END_OF_CYCLE: "end_of_cycle_due",
}

M = TypeVar("M", bound=Model)
Extensions = dict[tuple[int, int, str], datetime.date]


def extensions(cycle_ids: Collection[int], staff_ids: Collection[int] | None = None) -> Extensions:
    """(cycle id, staff id, deadline) → the latest extended due date, for the extensions in
    effect (not undone) in these cycles, of these staff members (all when None): one query."""
    if not cycle_ids or (staff_ids is not None and not staff_ids):
        return {}
    rows = DeadlineExtension.objects.filter(
        cycle_id__in=list(cycle_ids), change__undone_at__isnull=True
    )
    if staff_ids is not None:
        rows = rows.filter(staff_id__in=list(staff_ids))
    return {
        (cycle_id, staff_id, deadline): due
        for cycle_id, staff_id, deadline, due in rows.values("cycle_id", "staff_id", "deadline")
        .annotate(due=Max("due"))
        .values_list("cycle_id", "staff_id", "deadline", "due")
        .order_by()
    }


def cycle_due(cycle: Cycle, deadline: str, staff: StaffMember | None = None) -> datetime.date:
    """The cycle's own date for `deadline` (the staff member's work plan date if given)."""
    if deadline == Deadline.WORK_PLAN and staff is not None:
        return cycle.workplan_due_for(staff)
    day: datetime.date = getattr(cycle, CYCLE_FIELD[Deadline(deadline)])
    return day


def due(
    base: datetime.date, found: Extensions, *, cycle_id: int, staff_id: int, deadline: str
) -> datetime.date:
    """`base` (the cycle's date), or the later date an extension in `found` gives."""
    extended = found.get((cycle_id, staff_id, deadline))
    return extended if extended is not None and extended > base else base


def due_for(cycle: Cycle, staff: StaffMember, deadline: str) -> datetime.date:
    """A staff member's due date for `deadline` in `cycle`, extensions included (one query)."""
    return due(
        cycle_due(cycle, deadline, staff),
        extensions([cycle.pk], [staff.pk]),
        cycle_id=cycle.pk,
        staff_id=staff.pk,
        deadline=deadline,
    )


def with_extensions(
    queryset: QuerySet[M], *, cycle: str | int = "cycle_id", staff: str = "staff_id"
) -> QuerySet[M]:
    """`queryset` (rows with a cycle and a staff member: documents, lines) annotated with each
    deadline's latest extension as `<deadline>_extended` (None without one), by subqueries
    in the same statement: lists of documents learn their due dates without a query more.
    `cycle`: the rows' cycle field, or one cycle's id (staff profiles)."""
    annotated: QuerySet[M] = queryset.annotate(
        **{
            f"{deadline}_extended": latest_extension(deadline, cycle=cycle, staff=staff)
            for deadline in Deadline.values
        }
    )
    return annotated


def latest_extension(deadline: str, *, cycle: str | int, staff: str) -> Subquery:
    """The latest due date of the extensions of `deadline` in effect (not undone) for the
    outer row's staff member (`staff`: its field) in `cycle` (a field of the outer row, or one
    cycle's id), None without one: a subquery for annotations and conditions."""
    in_cycle = OuterRef(cycle) if isinstance(cycle, str) else cycle
    return Subquery(
        DeadlineExtension.objects.filter(
            cycle_id=in_cycle,
            staff_id=OuterRef(staff),
            deadline=deadline,
            change__undone_at__isnull=True,
        )
        .order_by("-due")
        .values("due")[:1],
        output_field=DateField(),
    )


def row_due(row: object, deadline: str, base: datetime.date) -> datetime.date:
    """`base`, or the later date of an extension `with_extensions` annotated `row` with."""
    extended = getattr(row, f"{deadline}_extended", None)
    return extended if extended is not None and extended > base else base

"""Today's dated relations: the one place that says which reporting lines, department roles
and delegations are in effect on a day.

Access is derived from these relations on every request (nothing is granted and stored), so
who may see and act always equals what the dated records say, whichever route changed them
(page, service, Django admin, import, command) and however the clock moved.

- A reporting line is in effect from `effective_from` to `effective_to` (open-ended when
  empty), both days included; a line dated in the future takes effect on its first day (a
  cycle that has not started yet is read as on its first day).
- A department role (HOD, HR focal point, staff representative) holds from `start` to `end`.
- A delegation holds from `start` to `end`; while it holds, the acting officer stands in for
  the principal in the delegated role.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import DateField, F, Q, QuerySet, Subquery, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from pmsystem.db import PreparedQuery

from .models import Cycle, Delegation, DepartmentRole, ReportingLine


def today() -> datetime.date:
    """The day access is decided on (the server's local date)."""
    return timezone.localdate()


def in_effect_q(on: datetime.date, *, start: str, end: str, prefix: str = "") -> Q:
    """`start <= on` and (`end` empty or `end >= on`), for fields named on a relation."""
    return Q(**{f"{prefix}{start}__lte": on}) & (
        Q(**{f"{prefix}{end}__isnull": True}) | Q(**{f"{prefix}{end}__gte": on})
    )


def open_cycles_latest_first() -> QuerySet[Cycle]:
    """The open cycles, the one that started last first: the current cycle is the first
    (`org.selectors.current_cycle`, the request flags' `current_cycle_id`)."""
    return Cycle.objects.filter(status=Cycle.Status.OPEN).order_by("-start", "pk")


def lines_in_effect(on: datetime.date | None = None) -> QuerySet[ReportingLine]:
    """Reporting lines in effect on `on` (today by default). Before a cycle starts, its lines
    are read as on its first day: the lines HR records ahead of a new cycle hold for the work
    plans drafted early, while a line dated later in the cycle still waits for its day."""
    reference = Greatest(Value(on or today(), output_field=DateField()), F("cycle__start"))
    return (
        ReportingLine.objects.alias(reference=reference)
        .filter(effective_from__lte=F("reference"))
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=F("reference")))
    )


def _line_in_effect(*, staff_id: int, cycle_id: int, on: datetime.date) -> QuerySet[ReportingLine]:
    # The line is found first (a subquery run once), then it and its officers are read by
    # primary key: whatever the planner's statistics say, the officers' tables are then
    # probed once each. Joined to them while it was still being looked for, the line was
    # read once per row of a table the statistics called empty: over the 3-second limit in
    # the seed of tests/test_planner_statistics.py (several full runs, prepared or not).
    found = (
        lines_in_effect(on)
        .filter(staff_id=staff_id, cycle_id=cycle_id)
        .order_by("-effective_from", "pk")
        .values("pk")[:1]
    )
    return ReportingLine.objects.filter(pk=Subquery(found)).select_related("fro__user", "sro__user")


# On every document page: compiled once per process and prepared (issue 14).
_LINE_IN_EFFECT = PreparedQuery(
    _line_in_effect, staff_id=-2_000_000_127, cycle_id=-2_000_000_129, on=datetime.date(1901, 3, 19)
)


def line_in_effect(
    staff_id: int, cycle_id: int, on: datetime.date | None = None
) -> ReportingLine | None:
    """The staff member's reporting line for the cycle in effect on `on`, with its officers."""
    found = _LINE_IN_EFFECT.objects(staff_id=staff_id, cycle_id=cycle_id, on=on or today())
    return found[0] if found else None


def current_department_roles(on: datetime.date | None = None) -> QuerySet[DepartmentRole]:
    """Department roles held on `on` (today by default)."""
    return DepartmentRole.objects.filter(in_effect_q(on or today(), start="start", end="end"))


def roles_holding_on(entity: Any, on: datetime.date | None = None) -> QuerySet[DepartmentRole]:
    """Department roles held on `on` that hold on `entity` (an id, or an `OuterRef` to one):
    those held on it, and those held on the whole organisation (no entity: only a review
    board may be, `DepartmentRole.ORGANISATION_WIDE`), which hold on every entity, those
    created after them too. The entity lists (`org.permissions.entity_ids_where`) and one
    document's relations (`workplans.permissions`) both read the rule here."""
    return current_department_roles(on).filter(Q(entity_id=entity) | Q(entity__isnull=True))


def current_delegations(on: datetime.date | None = None) -> QuerySet[Delegation]:
    """Delegations that hold on `on` (today by default)."""
    on = on or today()
    return Delegation.objects.filter(start__lte=on, end__gte=on)

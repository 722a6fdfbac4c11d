"""Writes for `org`: cycles with their default scales, department roles, delegations."""

from __future__ import annotations

import datetime

from django.db import transaction

from pmsystem.errors import ApplicationError  # noqa: F401  (re-exported)

from .models import Cycle, Delegation, DepartmentRole, OrgUnit, RatingLevel, RatingScale, User
from .permissions import sync_department_grants

# (code, label, rebuttable, underperformance), highest first: the UN defaults (DESIGN.md).
UN_OVERALL_SCALE = [
    ("EX", "Exceeds performance expectations", False, False),
    ("SM", "Successfully meets performance expectations", False, False),
    ("PM", "Partially meets performance expectations", True, True),
    ("DN", "Does not meet performance expectations", True, True),
]
UN_COMPETENCY_SCALE = [
    ("OUT", "Outstanding", False, False),
    ("FC", "Fully competent", False, False),
    ("RD", "Requires development", False, False),
    ("UNS", "Unsatisfactory", False, False),
]
DEFAULT_REMINDER_DAYS = [14, 7, 1]


def default_cycle_dates(start_year: int) -> dict[str, datetime.date]:
    """The ST/AI/2010/5 calendar: 1 April to 31 March, work plan by 31 May, end of cycle 30 June."""
    return {
        "start": datetime.date(start_year, 4, 1),
        "end": datetime.date(start_year + 1, 3, 31),
        "workplan_due": datetime.date(start_year, 5, 31),
        "midpoint_due": datetime.date(start_year, 10, 31),
        "end_of_cycle_due": datetime.date(start_year + 1, 6, 30),
    }


@transaction.atomic
def create_cycle(*, name: str, start_year: int, status: str = Cycle.Status.OPEN, **fields) -> Cycle:
    """Create a cycle with the default calendar and the UN default rating scales."""
    values = default_cycle_dates(start_year) | {"reminder_days_before": DEFAULT_REMINDER_DAYS}
    values.update(fields)
    cycle = Cycle(name=name, status=status, **values)
    cycle.full_clean()
    cycle.save()
    for kind, levels in (
        (RatingScale.Kind.OVERALL, UN_OVERALL_SCALE),
        (RatingScale.Kind.COMPETENCY, UN_COMPETENCY_SCALE),
        (RatingScale.Kind.GOAL, UN_OVERALL_SCALE),
    ):
        scale = RatingScale.objects.create(cycle=cycle, kind=kind)
        RatingLevel.objects.bulk_create(
            RatingLevel(
                scale=scale,
                rank=rank,
                code=code,
                label=label,
                rebuttable=rebuttable,
                underperformance=under,
            )
            for rank, (code, label, rebuttable, under) in enumerate(levels, start=1)
        )
    return cycle


@transaction.atomic
def assign_department_role(
    *,
    entity: OrgUnit,
    user: User,
    role: str,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> DepartmentRole:
    """Give `user` a department-wide role; the entity grants follow at once."""
    obj, _ = DepartmentRole.objects.get_or_create(
        entity=entity, user=user, role=role, defaults={"start": start or datetime.date.today()}
    )
    obj.start = start or obj.start
    obj.end = end
    obj.full_clean()
    obj.save()
    sync_department_grants(entity_ids=[entity.pk])
    return obj


@transaction.atomic
def end_department_role(*, department_role: DepartmentRole) -> None:
    """Remove a department role; the grants it gave are withdrawn at once."""
    entity_id = department_role.entity_id
    department_role.delete()
    sync_department_grants(entity_ids=[entity_id])


@transaction.atomic
def create_delegation(
    *,
    principal: User,
    acting: User,
    role: str,
    start: datetime.date,
    end: datetime.date,
    reason: str = "",
) -> Delegation:
    """Name an acting officer for a date range."""
    delegation = Delegation(
        principal=principal, acting=acting, role=role, start=start, end=end, reason=reason
    )
    delegation.full_clean()
    delegation.save()
    return delegation

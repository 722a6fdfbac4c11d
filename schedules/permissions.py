"""Who may do what with special schedules; nothing else decides it.

- Record a milestone as held: the staff member's current FRO (their line in effect today in an
  open cycle, the latest cycle first; `org.relations`), or an acting FRO while a delegation
  from that FRO holds — never their SRO, even named acting FRO (one person, one role: the
  conflict rule of `workplans.conflicts`).
- Correct or remove a record: an HR focal point of the staff member's entity (current role),
  never on their own schedule or one where they are the FRO or SRO (the conflict rule,
  `workplans.conflicts`): another HR focal point does.
- Read a staff member's schedule: the staff member, their FRO (own or acting) and SRO, and
  the HODs and HR focal points of their entity (`manage_entity_compliance`).
- Read a probationary report for the review board and comment on it: a current member of the
  entity's board who is not the staff member, their FRO or SRO, nor the one who recorded it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from org.models import Cycle, Delegation, DepartmentRole, OrgUnit, ReportingLine, StaffMember, User
from org.permissions import entities_where, entity_ids_where
from org.relations import current_delegations, current_department_roles, lines_in_effect
from pmsystem.db import AnyOf
from workplans.conflicts import Held, resolve

REPORT = "manage_entity_compliance"
BOARD = "review_entity_documents"


def current_lines(on: datetime.date | None = None) -> QuerySet[ReportingLine]:
    """Reporting lines in effect on `on` in open cycles, the latest cycle first."""
    return (
        lines_in_effect(on)
        .filter(cycle__status=Cycle.Status.OPEN)
        .order_by("staff_id", "-cycle__start", "-effective_from")
    )


def officers_of(staff_id: int, on: datetime.date | None = None) -> tuple[int | None, int | None]:
    """The staff member's current (FRO id, SRO id); (None, None) without a line in effect."""
    found = current_lines(on).filter(staff_id=staff_id).values_list("fro_id", "sro_id").first()
    return (found[0], found[1]) if found else (None, None)


def fro_principals(user: User, on: datetime.date | None = None) -> QuerySet[Any]:
    """The FROs `user` acts for today (delegations), as a subquery of ids."""
    return (
        current_delegations(on)
        .filter(acting_id=user.pk, role=Delegation.Role.FRO)
        .values("principal_id")
    )


def supervised_staff_ids(user: User, on: datetime.date | None = None) -> QuerySet[Any]:
    """The staff whose current FRO is `user` or an FRO `user` acts for (a subquery of ids)."""
    return (
        lines_in_effect(on)
        .filter(cycle__status=Cycle.Status.OPEN)
        # The principals as an array computed once (`AnyOf`): the OR stays two index scans.
        .filter(Q(fro_id=user.pk) | Q(AnyOf("fro_id", fro_principals(user, on))))
        .exclude(staff_id=user.pk)
        .exclude(sro_id=user.pk)
        .values("staff_id")
    )


def is_current_fro(user: User, staff: StaffMember, on: datetime.date | None = None) -> bool:
    """Whether `user` is the staff member's FRO today, or acts for them (one or two queries)."""
    if not user.is_authenticated or user.pk == staff.pk:
        return False
    fro_id, sro_id = officers_of(staff.pk, on)
    if fro_id is None or sro_id == user.pk:
        return False
    return fro_id == user.pk or fro_principals(user, on).filter(principal_id=fro_id).exists()


def hr_entity_ids(user: User, on: datetime.date | None = None) -> set[int]:
    """The entities where `user` is an HR focal point today."""
    if not user.is_authenticated:
        return set()
    return set(
        current_department_roles(on)
        .filter(user_id=user.pk, role=DepartmentRole.Role.HR_FOCAL_POINT)
        .values_list("entity_id", flat=True)
    )


def report_entities(user: User) -> QuerySet[OrgUnit]:
    """The entities whose staff on special schedules `user` follows (HOD, HR focal point)."""
    return entities_where(user, REPORT)


def _held_roles(
    user: User, staff: StaffMember, on: datetime.date | None = None
) -> dict[str, int | None]:
    fro_id, sro_id = officers_of(staff.pk, on)
    held: dict[str, int | None] = {}
    if user.pk == staff.pk:
        held["staff"] = None
    if user.pk == fro_id:
        held["fro"] = None
    if user.pk == sro_id:
        held["sro"] = None
    return held


def record_refusal(user: User, staff: StaffMember) -> str | None:
    """Why `user` may not record a milestone of `staff` as held (None when they may)."""
    if is_current_fro(user, staff):
        return None
    if user.is_authenticated and officers_of(staff.pk)[1] == user.pk:
        return gettext(
            "You are the staff member's SRO, so you cannot record their milestones as FRO: "
            "one person holds one role."
        )
    return gettext("Only the staff member's current FRO records their milestones.")


def correction_refusal(user: User, staff: StaffMember) -> str | None:
    """Why `user` may not correct or remove a record of `staff` (None when they may)."""
    if staff.unit.entity_id not in hr_entity_ids(user):
        return gettext(
            "Only an HR focal point of the staff member's entity corrects or removes a record."
        )
    relations = resolve(Held({**_held_roles(user, staff), "hr": None}))
    return relations.conflicts.get("hr")


def can_read(user: User, staff: StaffMember) -> bool:
    """Whether `user` reads the staff member's schedule (see the module docstring)."""
    if not user.is_authenticated:
        return False
    if user.pk == staff.pk or is_current_fro(user, staff):
        return True
    _, sro_id = officers_of(staff.pk)
    if sro_id == user.pk:
        return True
    entity_id = staff.unit.entity_id
    return entity_id is not None and report_entities(user).filter(pk=entity_id).exists()


def board_entity_ids(user: User) -> set[int]:
    """The entities whose review board `user` sits on today."""
    if not user.is_authenticated:
        return set()
    return set(entity_ids_where(user, BOARD).values_list("entity_id", flat=True))


def board_refusal(user: User, staff: StaffMember, recorded_by_id: int | None) -> str | None:
    """Why `user` may not review a probationary report of `staff` for the board (None when they
    may): a member of the entity's board who holds no role on it."""
    if staff.unit.entity_id not in board_entity_ids(user):
        return gettext(
            "Only the members of the entity's review board review the documents routed to it."
        )
    held = _held_roles(user, staff)
    if recorded_by_id == user.pk and not held:
        held["fro"] = None
    return resolve(Held({**held, "board": None})).conflicts.get("board")

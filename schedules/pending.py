"""What waits on special schedules, for the reminder sweep (`pmsystem.pending`).

- schedule: the FRO of a staff member on probation or on a technical-cooperation contract
  records each milestone as held (`schedules.selectors`): reminded before its date (the days
  of the cycle containing that date when it is open, the default otherwise) and every week
  after it; escalated week 1 to the SRO, week 2 to the HR focal points of the staff member's
  entity, week 3 and later to its HOD(s).
Nothing waits on a milestone recorded, or of a staff member without an FRO today (HR's page
lists them). A fixed number of queries whatever the number of people: the staff with their
figures, their current lines, the cycles, the entities' roles.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Collection, Iterator
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org.models import DepartmentRole, StaffMember
from org.relations import current_department_roles
from org.schedules import Milestone
from pmsystem.i18n import interpolate
from pmsystem.pending import PendingAction, Stage

from .permissions import current_lines
from .selectors import cycle_of, cycle_spans, schedules_of, special_staff

PREFIX = "schedule"


def subject(staff_id: int, code: str) -> str:
    return f"{PREFIX}:{staff_id}:{code}"


def name_subject(value: str, memo: dict[Any, Any]) -> str:
    """ "schedule:<staff>:<code>" as the milestone's name (for the emails)."""
    parts = value.split(":")
    if len(parts) != 3:
        return gettext("Special schedule")
    label = Milestone(code=parts[2], months=0, due=datetime.date.min).label
    return interpolate(gettext("Special schedule: %(milestone)s"), {"milestone": label})


STAGES = (
    Stage(
        PREFIX,
        # Lazy: read in the language of each email (`Stage.label` is typed as the text).
        _("Special schedule: the FRO records the milestone"),  # type: ignore[arg-type]
        "fro",
        None,
        about_document=False,
        name_subject=name_subject,
    ),
)


def pending_actions(
    *, today: datetime.date, entity_ids: Collection[int] | None = None
) -> Iterator[PendingAction]:
    staff = special_staff().select_related("unit")
    if entity_ids is not None:
        staff = staff.filter(unit__entity_id__in=list(entity_ids))
    schedules = [s for s in schedules_of(staff, today) if s.next_step is not None]
    if not schedules:
        return
    officers: dict[int, tuple[int | None, int | None]] = {}
    for staff_id, fro, sro in (
        current_lines(today)
        .filter(staff_id__in=[s.staff.pk for s in schedules])
        .values_list("staff_id", "fro_id", "sro_id")
    ):
        officers.setdefault(staff_id, (fro, sro))
    spans = cycle_spans()
    roles: dict[tuple[int, str], list[int]] = defaultdict(list)
    for entity, role, user_id in (
        current_department_roles(today)
        .filter(
            user__is_active=True,
            role__in=[DepartmentRole.Role.HOD, DepartmentRole.Role.HR_FOCAL_POINT],
        )
        .values_list("entity_id", "role", "user_id")
    ):
        roles[(entity, role)].append(user_id)
    for schedule in schedules:
        member: StaffMember = schedule.staff
        found = officers.get(member.pk)
        if found is None:
            continue
        fro_id, sro_id = found
        if fro_id is None:
            continue
        entity_id = member.unit.entity_id or 0
        for step in schedule.steps:
            if step.done:
                continue
            yield PendingAction(
                subject=subject(member.pk, step.code),
                stage=PREFIX,
                responsible_id=fro_id,
                due=step.due,
                escalation=(
                    ("sro", (sro_id,) if sro_id else ()),
                    ("hr", tuple(sorted(roles.get((entity_id, "hr_focal_point"), ())))),
                    ("hod", tuple(sorted(roles.get((entity_id, "hod"), ())))),
                ),
                cycle_id=cycle_of(step.due, spans),
                staff_id=member.pk,
                entity_id=entity_id,
                unit_id=member.unit_id,
            )

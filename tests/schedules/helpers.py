"""An entity with its HOD, HR focal point and board member, an FRO and SRO, and staff on
special schedules with lines to them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from org.models import Cycle, DepartmentRole, OrgUnit, StaffMember, User
from schedules import services
from schedules.models import ScheduleRecord
from tests.factories import (
    CycleFactory,
    DepartmentRoleFactory,
    EntityFactory,
    OrgUnitFactory,
    ReportingLineFactory,
    StaffMemberFactory,
)


@dataclass
class World:
    cycle: Cycle
    entity: OrgUnit
    unit: OrgUnit
    hod: User
    hr: User
    board: User
    fro: StaffMember
    sro: StaffMember
    staff: list[StaffMember] = field(default_factory=list)

    def probationer(self, entry: datetime.date, **fields) -> StaffMember:
        member = StaffMemberFactory(
            unit=self.unit, entry_on_duty=entry, on_probation=True, **fields
        )
        ReportingLineFactory(staff=member, cycle=self.cycle, fro=self.fro, sro=self.sro)
        self.staff.append(member)
        return member

    def held(
        self,
        member: StaffMember,
        code: str,
        held_on: datetime.date,
        *,
        today: datetime.date | None = None,
        summary: str = "Met.",
    ) -> ScheduleRecord:
        """The FRO records the milestone `code` of `member` as held on `held_on`."""
        return services.record_milestone(
            actor=self.fro.user,
            staff=member,
            code=code,
            held_on=held_on,
            summary=summary,
            today=today,
        )


def world(cycle: Cycle | None = None, **cycle_fields) -> World:
    cycle = cycle or CycleFactory(start_year=2026, **cycle_fields)
    entity = EntityFactory()
    unit = OrgUnitFactory(parent=entity)
    Role = DepartmentRole.Role
    hod = StaffMemberFactory(unit=unit, grade="D-2").user
    hr = StaffMemberFactory(unit=unit).user
    board = StaffMemberFactory(grade="D-1").user
    DepartmentRoleFactory(entity=entity, user=hod, role=Role.HOD)
    DepartmentRoleFactory(entity=entity, user=hr, role=Role.HR_FOCAL_POINT)
    DepartmentRoleFactory(entity=entity, user=board, role=Role.REVIEW_BOARD)
    fro = StaffMemberFactory(unit=unit, grade="P-5")
    sro = StaffMemberFactory(unit=unit, grade="D-1")
    return World(cycle, entity, unit, hod, hr, board, fro, sro)

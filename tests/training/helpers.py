"""An entity with its HOD and HR focal point, an FRO with a team, and courses built through
the services."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from org.models import Cycle, DepartmentRole, OrgUnit, StaffMember, User
from tests.factories import (
    CycleFactory,
    DepartmentRoleFactory,
    EntityFactory,
    OrgUnitFactory,
    ReportingLineFactory,
    StaffMemberFactory,
    UserFactory,
)
from training import services
from training.models import Course


@dataclass
class Org:
    cycle: Cycle
    entity: OrgUnit
    unit: OrgUnit
    hod: User
    hr: User
    fro: StaffMember
    team: list[StaffMember]
    admin: User


def org(team_size: int = 2, cycle: Cycle | None = None) -> Org:
    cycle = cycle or CycleFactory()
    entity = EntityFactory()
    unit = OrgUnitFactory(parent=entity)
    hod = StaffMemberFactory(unit=unit, grade="D-2").user
    hr = StaffMemberFactory(unit=unit).user
    DepartmentRoleFactory(entity=entity, user=hod, role=DepartmentRole.Role.HOD)
    DepartmentRoleFactory(entity=entity, user=hr, role=DepartmentRole.Role.HR_FOCAL_POINT)
    fro = StaffMemberFactory(unit=unit, grade="P-5", entry_on_duty=datetime.date(2015, 3, 1))
    sro = StaffMemberFactory(unit=unit, grade="D-1")
    team = [StaffMemberFactory(unit=unit) for _ in range(team_size)]
    for member in team:
        ReportingLineFactory(staff=member, cycle=cycle, fro=fro, sro=sro)
    admin = UserFactory(is_superuser=True, is_staff=True)
    return Org(cycle, entity, unit, hod, hr, fro, team, admin)


def course(actor: User, **fields) -> Course:
    data = {
        "code": "PMD",
        "name": "Performance Management and Development",
        "audience": "managers",
        "deadline_months": 6,
        "starts_on": datetime.date(2000, 1, 1),
        **fields,
    }
    return services.save_course(actor=actor, data=data)

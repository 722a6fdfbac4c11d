"""An entity with its HOD, HR focal point, and a document rated by an FRO, with ratings
standards built through the services."""

from __future__ import annotations

from dataclasses import dataclass

from org.models import Cycle, DepartmentRole, OrgUnit, RatingLevel, RatingScale, User
from standards import services
from standards.models import RatingsStandard
from tests.appraisals.helpers import make_document_at
from tests.factories import (
    CycleFactory,
    DepartmentRoleFactory,
    EntityFactory,
    OrgUnitFactory,
    StaffMemberFactory,
)
from workplans.models import WorkPlan


@dataclass
class Department:
    cycle: Cycle
    entity: OrgUnit
    unit: OrgUnit
    hod: User
    hr: User
    fro: User
    sro: User
    document: WorkPlan  # at "fro_evaluation": the FRO rates and signs next


def department(stage: str = "fro_evaluation", cycle: Cycle | None = None) -> Department:
    cycle = cycle or CycleFactory(midpoint_required=False)
    entity = EntityFactory()
    unit = OrgUnitFactory(parent=entity)
    office = OrgUnitFactory(parent=entity)
    hod = StaffMemberFactory(unit=office, grade="D-2").user
    hr = StaffMemberFactory(unit=office).user
    DepartmentRoleFactory(entity=entity, user=hod, role=DepartmentRole.Role.HOD)
    DepartmentRoleFactory(entity=entity, user=hr, role=DepartmentRole.Role.HR_FOCAL_POINT)
    fro = StaffMemberFactory(unit=unit, grade="P-5")
    sro = StaffMemberFactory(unit=unit, grade="D-1")
    document = make_document_at(
        stage, staff=StaffMemberFactory(unit=unit), cycle=cycle, fro=fro, sro=sro
    )
    return Department(cycle, entity, unit, hod, hr, fro.user, sro.user, document)


def overall_texts(cycle: Cycle, prefix: str = "In this department") -> dict[int, str]:
    return {
        level.pk: f"{prefix}, {level.label.lower()} means what it says."
        for level in RatingLevel.objects.filter(
            scale__cycle=cycle, scale__kind=RatingScale.Kind.OVERALL
        )
    }


def published(dep: Department, prefix: str = "In this department") -> RatingsStandard:
    """The next version, written for every overall level and published by the HOD."""
    standard = services.start_new_version(entity=dep.entity, cycle=dep.cycle, actor=dep.hod)
    services.save_draft(
        standard=standard,
        actor=dep.hod,
        introduction="How we rate.",
        texts=overall_texts(dep.cycle, prefix),
    )
    return services.publish_standard(standard=standard, actor=dep.hod)

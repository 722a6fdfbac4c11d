"""Building blocks for rebuttal tests: a published roster and a filed case."""

from __future__ import annotations

import datetime

from org.models import DepartmentRole, OrgUnit, User
from rebuttals import services
from rebuttals.models import Group, RebuttalCase
from tests.appraisals.helpers import make_document_at
from tests.builders import build_document
from tests.factories import DepartmentRoleFactory, StaffMemberFactory
from workplans.models import WorkPlan


def entity_role(entity: OrgUnit, role: str) -> User:
    """A user holding `role` (hod, hr_focal_point, staff_representative) on the entity."""
    existing = DepartmentRole.objects.filter(entity=entity, role=role).first()
    if existing is not None:
        return existing.user
    return DepartmentRoleFactory(entity=entity, role=role).user


def published_roster(entity: OrgUnit, per_group: int = 2) -> dict[str, list]:
    """A published roster: `per_group` staff in each of the three groups."""
    hod = entity_role(entity, DepartmentRole.Role.HOD)
    hr = entity_role(entity, DepartmentRole.Role.HR_FOCAL_POINT)
    staff_rep = entity_role(entity, DepartmentRole.Role.STAFF_REPRESENTATIVE)
    services.record_consultation(
        entity=entity,
        actor=hod,
        held_on=datetime.date.today(),
        participants=str(staff_rep),
        note="Chairs agreed.",
    )
    members = {}
    for group, actor in (
        (Group.HOD_DESIGNATED, hod),
        (Group.STAFF_DESIGNATED, staff_rep),
        (Group.CHAIR, hod),
    ):
        members[group] = [
            services.add_roster_member(
                entity=entity,
                actor=actor,
                user=StaffMemberFactory(grade=grade).user,
                group=group,
            )
            for grade in ["P-3", "G-6", "P-5", "D-1"][:per_group]
        ]
    services.publish_roster(entity=entity, actor=hr)
    return members


def rebuttable_document(**kwargs) -> WorkPlan:
    """A completed document rated "Partially meets performance expectations", built through
    the services."""
    return make_document_at("completed", overall="PM", **kwargs)


def built_rebuttable_document(**kwargs) -> WorkPlan:
    """The same document in one call (tests/builders.py), for tests of who sees and does what
    on a case rather than of how the document got there."""
    return build_document("completed", overall="PM", **kwargs)


def filed_case(document: WorkPlan | None = None) -> RebuttalCase:
    document = document or rebuttable_document()
    return services.file_rebuttal(
        document=document,
        actor=document.staff.user,
        statement="My outputs were delivered; the rating ignores the mid-year reassignment.",
    )


def full_panel(case: RebuttalCase, members: dict | None = None) -> dict[str, object]:
    entity = case.document.staff.unit.entity
    members = members or published_roster(entity)
    hr = entity_role(entity, DepartmentRole.Role.HR_FOCAL_POINT)
    return {
        group: services.appoint_panel_member(case=case, actor=hr, roster_member=people[0])
        for group, people in members.items()
    }

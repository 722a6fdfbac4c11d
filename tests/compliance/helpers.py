"""A small organisation with documents at known stages on known dates, and its hand-computed
compliance figures.

Cycle 2026-27 (default calendar): work plan due 31 May 2026, mid-point due 31 Oct 2026,
end of cycle due 30 June 2027; the mid-point review is required.

Entity DEP (held by the HR focal point) — DIV1 › SEC1 › UNIT1, and DIV2:

| who | where | category, gender | document |
|---|---|---|---|
| p1 | UNIT1 | GS, F | none |
| p2 | UNIT1 | P, M | work plan in draft |
| p3 | UNIT1 | P, F | approved 20 May 2026 (on time), mid-point finalised 15 Oct 2026 (on time) |
| p4 | DIV2 | GS, M | approved 10 Jun 2026 (late), mid-point open |
| p5 | DIV2 | P, F | new staff (EOD 10 May 2026, due 10 Jul 2026), approved 1 Jul 2026 (on time) |
| p10 | DIV2 | NO, X | new staff (EOD 10 May 2026), none |
| p8 | DEP itself | D, F | everything done on 15 May 2026, rated SM, acknowledged |
| p9 | DEP itself | GS, M | everything up to SRO review on 5 Jul 2027 (late) |
| p6 | DEP itself | GS, F | inactive, none: not counted |
| p7 | DEP itself | GS, F | enters on duty 1 May 2027, after the cycle: not counted |

Entity OTHER (not held): the FRO and SRO of everyone, and q1, completed and rated EX.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import time_machine
from django.utils import timezone

from org import bulk
from org.models import BulkChange, Cycle, DepartmentRole, OrgUnit, StaffMember, User
from pmsystem.notifications import muted
from tests.builders import build_document
from tests.factories import (
    CycleFactory,
    DepartmentRoleFactory,
    EntityFactory,
    OrgUnitFactory,
    StaffMemberFactory,
    WorkPlanFactory,
)

Kind = OrgUnit.Kind


def at(day: datetime.date | str):
    """Freeze the clock at noon on `day`."""
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(12)), tick=False)


def moment(day: datetime.date | str) -> datetime.datetime:
    """Noon on `day`, as the clock `at(day)` reads it."""
    with at(day):
        return timezone.now()


@dataclass
class SmallOrg:
    cycle: object
    entity: OrgUnit
    div1: OrgUnit
    sec1: OrgUnit
    unit1: OrgUnit
    div2: OrgUnit
    other: OrgUnit
    other_div: OrgUnit
    hr: User
    fro: StaffMember
    sro: StaffMember
    staff: dict[str, StaffMember]


def build_small_org() -> SmallOrg:
    cycle = CycleFactory(name="2026-27", start_year=2026)
    entity = EntityFactory(code="DEP", name="Department")
    div1 = OrgUnitFactory(code="DIV1", name="Division one", kind=Kind.DIVISION, parent=entity)
    sec1 = OrgUnitFactory(code="SEC1", name="Section one", kind=Kind.SECTION, parent=div1)
    unit1 = OrgUnitFactory(code="UNIT1", name="Unit one", kind=Kind.UNIT, parent=sec1)
    div2 = OrgUnitFactory(code="DIV2", name="Division two", kind=Kind.DIVISION, parent=entity)
    other = EntityFactory(code="OTHER", name="Other department")
    other_div = OrgUnitFactory(code="ODIV", name="Other division", parent=other)
    fro = StaffMemberFactory(unit=other_div, grade="P-5")
    sro = StaffMemberFactory(unit=other_div, grade="D-1")
    hr = DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HR_FOCAL_POINT).user

    def person(unit, grade, gender, **kwargs) -> StaffMember:
        return StaffMemberFactory(unit=unit, grade=grade, gender=gender, **kwargs)

    new_staff = {"entry_on_duty": datetime.date(2026, 5, 10)}
    staff = {
        "p1": person(unit1, "G-4", "F"),
        "p2": person(unit1, "P-2", "M"),
        "p3": person(unit1, "P-3", "F"),
        "p4": person(div2, "G-5", "M"),
        "p5": person(div2, "P-3", "F", **new_staff),
        "p10": person(div2, "NO-B", "X", **new_staff),
        "p8": person(entity, "D-1", "F"),
        "p9": person(entity, "G-6", "M"),
        "p6": person(entity, "G-3", "F", is_active=False),
        "p7": person(entity, "G-3", "F", entry_on_duty=datetime.date(2027, 5, 1)),
        "q1": person(other_div, "P-4", "M"),
    }
    officers = {"cycle": cycle, "fro": fro, "sro": sro}
    with at("2026-05-02"):
        WorkPlanFactory(staff=staff["p2"], **officers)
    with at("2026-05-20"):
        build_document(
            "midpoint_finalised",
            staff=staff["p3"],
            moments={"midpoint_started": moment("2026-10-15")},
            **officers,
        )
    with at("2026-06-10"):
        build_document(
            "midpoint_open",
            staff=staff["p4"],
            moments={"midpoint_started": moment("2026-11-05")},
            **officers,
        )
    with at("2026-07-01"):
        build_document("approved", staff=staff["p5"], **officers)
    with at("2026-05-15"):
        build_document("completed", overall="SM", staff=staff["p8"], **officers)
        build_document("completed", overall="EX", staff=staff["q1"], **officers)
    with at("2027-07-05"):
        build_document("sro_review", staff=staff["p9"], **officers)
    return SmallOrg(cycle, entity, div1, sec1, unit1, div2, other, other_div, hr, fro, sro, staff)


# The figures of DEP on 10 July 2027 (after every deadline), per stage:
# (staff, not started, in progress, done, on time, late, overdue)
EXPECTED_AFTER_DEADLINES = {
    "workplan": (8, 2, 1, 5, 3, 2, 3),
    "midpoint": (8, 4, 1, 3, 2, 1, 5),
    "evaluation": (8, 6, 1, 1, 1, 0, 7),
    "acknowledgement": (8, 7, 0, 1, 1, 0, 7),
}
# On 15 June 2026 only the work plan deadline has passed (not yet for new staff).
EXPECTED_OVERDUE_15_JUNE_2026 = {
    "workplan": 2,
    "midpoint": 0,
    "evaluation": 0,
    "acknowledgement": 0,
}


def figures(stage_counts) -> tuple[int, ...]:
    s = stage_counts
    return (s.total, s.not_started, s.in_progress, s.done, s.on_time, s.late, s.overdue)


def extend_deadline(
    org: SmallOrg,
    deadline: str,
    due: datetime.date,
    selection: bulk.Selection,
    *,
    cycle: Cycle | None = None,
) -> tuple[bulk.ExtensionPreview, BulkChange]:
    """HR's extension of `deadline` to `due` through the bulk page's services: the preview,
    then its confirmation (the people told by email, muted here)."""
    cycle = cycle or org.cycle
    preview = bulk.extension_preview(
        entity=org.entity, cycle=cycle, deadline=deadline, due=due, selection=selection
    )
    with muted():
        change = bulk.extend_deadline(
            actor=org.hr,
            entity=org.entity,
            cycle=cycle,
            deadline=deadline,
            due=due,
            selection=selection,
            reason="The unit moved offices.",
            previewed=preview.digest,
        )
    return preview, change

"""Building blocks for reminder and broadcast tests: a team (staff member, FRO, SRO, HOD) in a
cycle, sweeps on a frozen day, and the rows a sweep planned."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import time_machine
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from compliance.models import Reminder
from compliance.reminders import SweepResult, run_daily_sweep
from org.models import Cycle, DepartmentRole, OrgUnit, StaffMember, User
from tests.factories import (
    CycleFactory,
    DepartmentRoleFactory,
    OrgUnitFactory,
    ReportingLineFactory,
    StaffMemberFactory,
)

# The default calendar of CycleFactory (start year 2026).
WORKPLAN_DUE = datetime.date(2026, 5, 31)
MIDPOINT_DUE = datetime.date(2026, 10, 31)
END_OF_CYCLE_DUE = datetime.date(2027, 6, 30)


@dataclass
class Team:
    cycle: Cycle
    entity: OrgUnit
    unit: OrgUnit
    staff: StaffMember
    fro: StaffMember
    sro: StaffMember
    hod: User | None

    def add_member(self, **kwargs) -> StaffMember:
        """Another staff member of the unit with the same FRO and SRO."""
        member = StaffMemberFactory(unit=self.unit, **kwargs)
        ReportingLineFactory(staff=member, cycle=self.cycle, fro=self.fro, sro=self.sro)
        return member


def make_team(cycle: Cycle | None = None, *, with_hod: bool = True, **staff_kwargs) -> Team:
    cycle = cycle or CycleFactory()
    unit = OrgUnitFactory()
    entity = unit.parent
    hod = None
    if with_hod:
        hod = DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HOD).user
    staff = StaffMemberFactory(unit=unit, **staff_kwargs)
    line = ReportingLineFactory(staff=staff, cycle=cycle)
    return Team(cycle, entity, unit, staff, line.fro, line.sro, hod)


def staff_waiting(count: int) -> Team:
    """A team of `count` staff members under one FRO and SRO (make_team's, and more)."""
    team = make_team()
    for _ in range(count - 1):
        team.add_member()
    return team


def at(day: datetime.date):
    """Freeze the clock at noon UTC on `day`."""
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, 12, tzinfo=datetime.UTC), tick=False
    )


def sweep(day: datetime.date) -> SweepResult:
    """The daily sweep as beat runs it on `day` (no explicit date: the frozen clock's)."""
    with at(day):
        return run_daily_sweep()


def planned(day: datetime.date) -> list[tuple[str, str, int, str]]:
    """(stage, kind, recipient id, recipient role) of the rows planned on `day`, sorted."""
    return sorted(
        Reminder.objects.filter(planned_on=day).values_list(
            "stage", "kind", "recipient_id", "recipient_role"
        )
    )


def sweep_daily(first: datetime.date, last: datetime.date) -> dict[datetime.date, list]:
    """Run the sweep every day from `first` to `last`; the days that planned something, with
    what they planned."""
    plans = {}
    day = first
    while day <= last:
        sweep(day)
        if rows := planned(day):
            plans[day] = rows
        day += datetime.timedelta(days=1)
    return plans


def with_totp(*users: User) -> None:
    """HODs and HR focal points must use two-factor authentication
    (`org.middleware.MFARequiredMiddleware`): enrol them as allauth stores an enrolment."""
    for user in users:
        TOTP.activate(user, generate_totp_secret())

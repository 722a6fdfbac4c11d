"""Building blocks for feedback tests: a manager with a team in an entity, an open upward
feedback window, a launched campaign, answers."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from feedback import services
from feedback.models import Campaign, FeedbackSettings, RatedManager, UpwardQuestion
from org.models import Cycle, DepartmentRole, OrgUnit, StaffMember, User
from tests.factories import (
    CycleFactory,
    DepartmentRoleFactory,
    EntityFactory,
    OrgUnitFactory,
    ReportingLineFactory,
    StaffMemberFactory,
)


@dataclass
class Team:
    """A manager (FRO of `members`) with their own FRO and SRO, in an entity with an HR focal
    point."""

    cycle: Cycle
    entity: OrgUnit
    unit: OrgUnit
    manager: StaffMember
    boss: StaffMember
    second: StaffMember
    hr: User
    members: list[StaffMember] = field(default_factory=list)

    def add_member(self) -> StaffMember:
        member = StaffMemberFactory(unit=self.unit)
        ReportingLineFactory(staff=member, cycle=self.cycle, fro=self.manager, sro=self.boss)
        self.members.append(member)
        return member


def make_team(
    size: int = 5,
    *,
    cycle: Cycle | None = None,
    entity: OrgUnit | None = None,
    hr: User | None = None,
) -> Team:
    cycle = cycle or CycleFactory()
    entity = entity or EntityFactory()
    unit = OrgUnitFactory(parent=entity)
    manager = StaffMemberFactory(unit=unit, grade="P-5")
    boss = StaffMemberFactory(unit=unit, grade="D-1")
    second = StaffMemberFactory(unit=unit, grade="D-2")
    ReportingLineFactory(staff=manager, cycle=cycle, fro=boss, sro=second)
    if hr is None:
        hr = DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HR_FOCAL_POINT).user
    team = Team(cycle, entity, unit, manager, boss, second, hr)
    for _ in range(size):
        team.add_member()
    return team


def open_window(cycle: Cycle, *, today: datetime.date | None = None, **fields) -> FeedbackSettings:
    """The cycle's upward feedback open from ten days ago to twenty days from now."""
    today = today or datetime.date.today()
    settings = services.feedback_settings(cycle)
    settings.upward_opens_on = today - datetime.timedelta(days=10)
    settings.upward_closes_on = today + datetime.timedelta(days=20)
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def launch(team: Team, **settings_fields) -> RatedManager:
    """Open the window, launch the entity's campaign; the team's manager as rated."""
    open_window(team.cycle, **settings_fields)
    services.launch_campaign(entity=team.entity, cycle=team.cycle, actor=team.hr)
    return RatedManager.objects.get(campaign__cycle=team.cycle, manager=team.manager)


def campaign_of(team: Team) -> Campaign:
    return Campaign.objects.get(cycle=team.cycle, entity=team.entity)


def answers(cycle: Cycle, value: int = 4) -> dict[int, int]:
    return {
        pk: value for pk in UpwardQuestion.objects.filter(cycle=cycle).values_list("pk", flat=True)
    }


def answer(rated: RatedManager, member: StaffMember, value: int = 4, comment: str = "") -> None:
    """`member` answers `value` on every question, with `comment` on the first one."""
    cycle = rated.campaign.cycle
    first = UpwardQuestion.objects.filter(cycle=cycle).order_by("position").first()
    services.give_upward_feedback(
        rated=rated,
        actor=member.user,
        answers=answers(cycle, value),
        comments={first.pk: comment} if comment else {},
    )

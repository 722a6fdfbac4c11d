"""Building blocks for work-plan tests: complete, submitted and approved documents."""

from __future__ import annotations

import datetime

from org.models import ReportingLine, User
from tests.factories import UnitGoalFactory, WorkPlanFactory
from workplans import services
from workplans.models import Competency, WorkPlan
from workplans.services import DevelopmentGoalInput, GoalInput


def line_of(work_plan: WorkPlan) -> ReportingLine:
    return ReportingLine.objects.get(
        staff=work_plan.staff, cycle=work_plan.cycle, effective_to__isnull=True
    )


def fro_of(work_plan: WorkPlan) -> User:
    return line_of(work_plan).fro.user


def sro_of(work_plan: WorkPlan) -> User:
    return line_of(work_plan).sro.user


def chosen_competency_ids(work_plan: WorkPlan, count: int = 3) -> list[int]:
    """`count` competencies of the cycle's catalogue that are not always included."""
    return list(
        Competency.objects.filter(framework=work_plan.cycle.competency_framework)
        .exclude(kind__in=Competency.ALWAYS_INCLUDED)
        .order_by("position")
        .values_list("pk", flat=True)[:count]
    )


def goal_inputs(
    work_plan: WorkPlan, count: int = 3, *, aligned_to_id: int | None = None, weights=None
) -> list[GoalInput]:
    return [
        GoalInput(
            title=f"Goal {n}",
            description=f"Deliver output {n}.",
            success_criteria=f"Output {n} delivered and accepted.",
            expected_date=work_plan.cycle.end - datetime.timedelta(days=30 * n),
            weight=weights[n - 1] if weights else None,
            aligned_to_id=aligned_to_id,
        )
        for n in range(1, count + 1)
    ]


def current_goal_inputs(work_plan: WorkPlan) -> list[GoalInput]:
    """The plan's current goals as the form would post them back (with their ids)."""
    return [
        GoalInput(
            id=g.pk,
            title=g.title,
            description=g.description,
            success_criteria=g.success_criteria,
            expected_date=g.expected_date,
            weight=g.weight,
            aligned_to_id=g.aligned_to_id,
        )
        for g in work_plan.goals.filter(is_current=True)
    ]


def make_complete_work_plan(
    work_plan: WorkPlan | None = None,
    *,
    goals: int = 3,
    competencies: int = 3,
    development_goals: int = 1,
    weights: list[int] | None = None,
    **factory_kwargs,
) -> WorkPlan:
    """A draft work plan that can be submitted: `goals` goals aligned to a goal of the staff
    member's unit, `competencies` chosen competencies and a development goal, saved through
    `save_work_plan` by the staff member."""
    if work_plan is None:
        work_plan = WorkPlanFactory(**factory_kwargs)
    unit_goal = UnitGoalFactory(owner_unit=work_plan.staff.unit, cycle=work_plan.cycle)
    return services.save_work_plan(
        work_plan=work_plan,
        actor=work_plan.staff.user,
        goals=goal_inputs(work_plan, goals, aligned_to_id=unit_goal.pk, weights=weights),
        development_goals=[
            DevelopmentGoalInput(title=f"Learn skill {n}", activities="Course and coaching.")
            for n in range(1, development_goals + 1)
        ],
        competency_ids=chosen_competency_ids(work_plan, competencies),
    )


def make_submitted_work_plan(**kwargs) -> WorkPlan:
    work_plan = make_complete_work_plan(**kwargs)
    return services.submit_work_plan(work_plan=work_plan, actor=work_plan.staff.user)


def make_approved_work_plan(**kwargs) -> WorkPlan:
    work_plan = make_submitted_work_plan(**kwargs)
    return services.approve_work_plan(work_plan=work_plan, actor=fro_of(work_plan))

"""What the work-plan stage signs (the signature itself: `pmsystem.signatures`)."""

from __future__ import annotations

from .models import WorkPlan


def work_plan_content(work_plan: WorkPlan) -> dict:
    """The work-plan stage as signed: goals, competencies and development goals."""
    return {
        "document": work_plan.pk,
        "staff": work_plan.staff.index_number,
        "cycle": work_plan.cycle.name,
        "goals": [g.content() for g in work_plan.goals.filter(is_current=True)],
        "competencies": sorted(work_plan.competencies.values_list("code", flat=True)),
        "development_goals": [d.content() for d in work_plan.development_goals.all()],
    }

"""The work plan and the mid-point review: every state and transition, declared once.

Roles are relations to the document (see `workplans.permissions.roles_for`):
staff, fro, sro, additional_supervisor, hod, hr, entity_viewer.
"""

from __future__ import annotations

from pmsystem.workflow import Transition, Workflow

from .models import MidpointReview, WorkPlan

WP = WorkPlan.State
MP = MidpointReview.State


def _work_plan_complete(work_plan: WorkPlan) -> str | None:
    """Submit guard: the content rules of a work plan (goal bounds, weights, competencies,
    development goal, alignment)."""
    from .selectors import work_plan_problems

    problems = work_plan_problems(work_plan)
    return " ".join(problems) if problems else None


def _midpoint_allowed(midpoint: MidpointReview) -> str | None:
    work_plan = midpoint.work_plan
    if not work_plan.cycle.midpoint_required:
        return f"The {work_plan.cycle} cycle has no mid-point review: check-ins replace it."
    if work_plan.state != WP.APPROVED:
        return "The mid-point review starts once the FRO has approved the work plan."
    return None


def _staff_comments_given(midpoint: MidpointReview) -> str | None:
    if not midpoint.staff_comments.strip():
        return "Write your mid-point comments before submitting them."
    return None


def _fro_comments_given(midpoint: MidpointReview) -> str | None:
    if not midpoint.fro_comments.strip():
        return "Write the FRO's mid-point comments before finalising."
    return None


WORK_PLAN = Workflow(
    document="work plan",
    state_field="state",
    states=dict(WP.choices),
    transitions=[
        Transition(
            "submit",
            "Submit work plan",
            (WP.DRAFT, WP.RETURNED),
            WP.SUBMITTED,
            frozenset({"staff"}),
            guard=_work_plan_complete,
            signs=True,
        ),
        Transition(
            "approve",
            "Approve work plan",
            (WP.SUBMITTED,),
            WP.APPROVED,
            frozenset({"fro"}),
            signs=True,
        ),
        Transition(
            "return",
            "Return work plan",
            (WP.SUBMITTED,),
            WP.RETURNED,
            frozenset({"fro"}),
            signs=True,
        ),
        # HR's roll-back on an officer's written request (appraisals.services.roll_back_document).
        Transition(
            "roll_back",
            "Roll back work plan",
            (WP.SUBMITTED, WP.APPROVED, WP.RETURNED),
            WP.DRAFT,
            frozenset({"hr"}),
        ),
    ],
)

MIDPOINT = Workflow(
    document="mid-point review",
    state_field="state",
    states=dict(MP.choices),
    transitions=[
        Transition(
            "start_midpoint",
            "Start mid-point review",
            (MP.NOT_STARTED,),
            MP.OPEN,
            frozenset({"staff", "fro"}),
            guard=_midpoint_allowed,
        ),
        Transition(
            "submit_midpoint",
            "Submit mid-point comments",
            (MP.OPEN,),
            MP.STAFF_SUBMITTED,
            frozenset({"staff"}),
            guard=_staff_comments_given,
            signs=True,
        ),
        Transition(
            "finalise_midpoint",
            "Finalise mid-point review",
            (MP.STAFF_SUBMITTED,),
            MP.FINALISED,
            frozenset({"fro"}),
            guard=_fro_comments_given,
            signs=True,
        ),
        Transition(
            "roll_back",
            "Roll back mid-point review",
            (MP.STAFF_SUBMITTED, MP.FINALISED),
            MP.OPEN,
            frozenset({"hr"}),
        ),
        Transition(
            "reset",
            "Reset mid-point review",
            (MP.OPEN, MP.STAFF_SUBMITTED, MP.FINALISED),
            MP.NOT_STARTED,
            frozenset({"hr"}),
        ),
    ],
)

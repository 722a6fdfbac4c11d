"""The work plan and the mid-point review: every state and transition, declared once.

Roles are relations to the document (see `workplans.permissions.roles_for`):
staff, fro, sro, additional_supervisor, hod, hr, entity_viewer.
"""

from __future__ import annotations

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from pmsystem.freeze import closed_cycle_refusal
from pmsystem.i18n import interpolate
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
        return interpolate(
            gettext("The %(cycle)s cycle has no mid-point review: check-ins replace it."),
            {"cycle": work_plan.cycle},
        )
    if work_plan.state != WP.APPROVED:
        return gettext("The mid-point review starts once the FRO has approved the work plan.")
    return None


def _staff_comments_given(midpoint: MidpointReview) -> str | None:
    if not midpoint.staff_comments.strip():
        return gettext("Write your mid-point comments before submitting them.")
    return None


def _fro_comments_given(midpoint: MidpointReview) -> str | None:
    if not midpoint.fro_comments.strip():
        return gettext("Write the FRO's mid-point comments before finalising.")
    return None


WORK_PLAN = Workflow(
    document="work plan",
    state_field="state",
    states=dict(WP.choices),
    too_early=_("This work plan is %(state)s: it cannot be %(past)s yet."),
    too_late=_("This work plan is %(state)s: it can no longer be %(past)s."),
    closed=lambda work_plan: closed_cycle_refusal(work_plan.cycle),
    transitions=[
        Transition(
            "submit",
            _("Submit work plan"),
            (WP.DRAFT, WP.RETURNED),
            WP.SUBMITTED,
            frozenset({"staff"}),
            guard=_work_plan_complete,
            signs=True,
            action=_("submit this work plan"),
            past=pgettext_lazy("work plan", "submitted"),
        ),
        Transition(
            "approve",
            _("Approve work plan"),
            (WP.SUBMITTED,),
            WP.APPROVED,
            frozenset({"fro"}),
            signs=True,
            action=_("approve this work plan"),
            past=pgettext_lazy("work plan", "approved"),
        ),
        Transition(
            "return",
            _("Return work plan"),
            (WP.SUBMITTED,),
            WP.RETURNED,
            frozenset({"fro"}),
            signs=True,
            action=_("return this work plan"),
            past=pgettext_lazy("work plan", "returned"),
        ),
        # HR's roll-back on an officer's written request (appraisals.services.roll_back_document).
        Transition(
            "roll_back",
            _("Roll back work plan"),
            (WP.SUBMITTED, WP.APPROVED, WP.RETURNED),
            WP.DRAFT,
            frozenset({"hr"}),
            action=_("roll back this work plan"),
            past=pgettext_lazy("work plan", "rolled back"),
        ),
    ],
)

MIDPOINT = Workflow(
    document="mid-point review",
    state_field="state",
    states=dict(MP.choices),
    too_early=_("This mid-point review is %(state)s: it cannot be %(past)s yet."),
    too_late=_("This mid-point review is %(state)s: it can no longer be %(past)s."),
    closed=lambda midpoint: closed_cycle_refusal(midpoint.work_plan.cycle),
    transitions=[
        Transition(
            "start_midpoint",
            _("Start mid-point review"),
            (MP.NOT_STARTED,),
            MP.OPEN,
            frozenset({"staff", "fro"}),
            guard=_midpoint_allowed,
            action=_("start this mid-point review"),
            past=pgettext_lazy("mid-point review", "started"),
        ),
        Transition(
            "submit_midpoint",
            _("Submit mid-point comments"),
            (MP.OPEN,),
            MP.STAFF_SUBMITTED,
            frozenset({"staff"}),
            guard=_staff_comments_given,
            signs=True,
            action=_("submit mid-point comments"),
            past=pgettext_lazy("mid-point review", "submitted"),
        ),
        Transition(
            "finalise_midpoint",
            _("Finalise mid-point review"),
            (MP.STAFF_SUBMITTED,),
            MP.FINALISED,
            frozenset({"fro"}),
            guard=_fro_comments_given,
            signs=True,
            action=_("finalise this mid-point review"),
            past=pgettext_lazy("mid-point review", "finalised"),
        ),
        Transition(
            "roll_back",
            _("Roll back mid-point review"),
            (MP.STAFF_SUBMITTED, MP.FINALISED),
            MP.OPEN,
            frozenset({"hr"}),
            action=_("roll back this mid-point review"),
            past=pgettext_lazy("mid-point review", "rolled back"),
        ),
        Transition(
            "reset",
            _("Reset mid-point review"),
            (MP.OPEN, MP.STAFF_SUBMITTED, MP.FINALISED),
            MP.NOT_STARTED,
            frozenset({"hr"}),
            action=_("reset this mid-point review"),
            past=pgettext_lazy("mid-point review", "reset"),
        ),
    ],
)

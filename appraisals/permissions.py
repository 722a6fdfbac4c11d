"""Who may do what on a document at the end of the cycle.

The relations come from `workplans.permissions` (grants derived from reporting lines,
accepted additional supervisors, department roles and delegations). `allowed_actions`
here answers for the whole document: the work-plan actions plus the evaluation's.
"""

from __future__ import annotations

from org.models import User
from pmsystem import freeze
from workplans.models import WorkPlan
from workplans.permissions import READERS, relations_for
from workplans.permissions import allowed_actions as work_plan_actions
from workplans.workflow import MIDPOINT, WORK_PLAN

from .models import Appraisal
from .selectors import appraisal_of, rollback_targets
from .workflow import APPRAISAL

S = Appraisal.State
# HR's roll-back transitions are taken only through `roll_back_document`: whether one is
# possible now is the "roll_back" action (from `rollback_targets`), never a raw transition,
# which knows nothing of later stages (e.g. a completed document).
HR_TRANSITIONS = frozenset(
    t.name
    for workflow in (WORK_PLAN, MIDPOINT, APPRAISAL)
    for t in workflow.transitions.values()
    if "hr" in t.roles
)


def allowed_actions(
    user: User, document: WorkPlan, relations: dict[str, int | None] | None = None
) -> frozenset[str]:
    """Every action the user may take on the document now (work plan and evaluation): the
    workflow's transitions and the parts the freeze table (`pmsystem.freeze`) leaves open."""
    relations = relations_for(user, document) if relations is None else relations
    roles = frozenset(relations)
    if not roles:
        return frozenset()
    actions = set(work_plan_actions(user, document, roles)) - HR_TRANSITIONS
    appraisal = appraisal_of(document)
    actions.update(
        t.name for t in APPRAISAL.allowed(appraisal, roles) if t.name not in HR_TRANSITIONS
    )
    started = appraisal.state != S.NOT_STARTED
    parts = freeze.open_parts(document, roles)
    if roles & READERS:
        actions.add("download_pdf")
        if started:
            actions.add("view_evaluation")
    if "additional_supervisor" in roles and started:
        actions.add("view_evaluation_as_supervisor")
    actions.update(action for part, action in PART_ACTIONS.items() if part in parts)
    if "hr" in roles and rollback_targets(document):
        actions.add("roll_back")
    if roles & {"staff", "fro", "sro", "hod", "hr"}:
        actions.add("view_pips")
    return frozenset(actions)


# What each part of the freeze table is called among the evaluation's actions.
PART_ACTIONS = {
    "supervisor_comments": "supervisor_comment",
    "self_evaluation": "edit_self_evaluation",
    "ratings": "edit_ratings",
    "sro_comments": "edit_sro_comment",
    "final_comments": "edit_final_comment",
    "improvement_plans": "open_pip",
}

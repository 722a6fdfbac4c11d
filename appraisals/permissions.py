"""Who may do what on a document at the end of the cycle.

The relations come from `workplans.permissions` (grants derived from reporting lines,
accepted additional supervisors, department roles and delegations). `allowed_actions`
here answers for the whole document: the work-plan actions plus the evaluation's.
"""

from __future__ import annotations

from org.models import User
from workplans.models import WorkPlan
from workplans.permissions import allowed_actions as work_plan_actions
from workplans.permissions import relations_for
from workplans.workflow import MIDPOINT, WORK_PLAN

from .models import Appraisal
from .selectors import appraisal_of, rollback_targets
from .workflow import APPRAISAL

S = Appraisal.State
READERS = {"staff", "fro", "sro", "hod", "hr", "entity_viewer"}
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
    """Every action the user may take on the document now (work plan and evaluation)."""
    relations = relations_for(user, document) if relations is None else relations
    roles = frozenset(relations)
    if not roles:
        return frozenset()
    actions = set(work_plan_actions(user, document, roles)) - HR_TRANSITIONS
    appraisal = appraisal_of(document)
    actions.update(
        t.name for t in APPRAISAL.allowed(appraisal, roles) if t.name not in HR_TRANSITIONS
    )
    state = appraisal.state
    started = state != S.NOT_STARTED
    if roles & READERS:
        actions.add("download_pdf")
        if started:
            actions.add("view_evaluation")
    if "additional_supervisor" in roles and started:
        actions.add("view_evaluation_as_supervisor")
        if state in (S.SELF_ASSESSMENT, S.FRO_EVALUATION):
            actions.add("supervisor_comment")
    if "staff" in roles and state == S.SELF_ASSESSMENT:
        actions.add("edit_self_evaluation")
    if "fro" in roles and state == S.FRO_EVALUATION:
        actions.add("edit_ratings")
    if "sro" in roles and state == S.SRO_REVIEW:
        actions.add("edit_sro_comment")
    if "staff" in roles and state == S.ACKNOWLEDGEMENT:
        actions.add("edit_final_comment")
    if "hr" in roles and rollback_targets(document):
        actions.add("roll_back")
    if "fro" in roles:
        actions.add("open_pip")
    if roles & {"staff", "fro", "sro", "hod", "hr"}:
        actions.add("view_pips")
    return frozenset(actions)

"""The stages of a performance document, in order: defined once, for every app.

A document is one staff member's record for one cycle. Its stage says where it is in the
nine steps of docs/rules.md §3 (the work-plan states, the mid-point review and the evaluation
states are the details of each stage). `WorkPlan.stage` keeps it; the service that moves a
document sets it through `stage_after`, and `workplans.selectors.computed_stage` recomputes it
for checks.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    WORK_PLAN = "work_plan", _("Work plan")
    MIDPOINT = "midpoint", _("Mid-point review")
    SELF_ASSESSMENT = "self_assessment", _("Self-evaluation")
    FRO_EVALUATION = "fro_evaluation", _("FRO evaluation")
    SRO_REVIEW = "sro_review", _("SRO review")
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
    COMPLETED = "completed", _("Completed")


ORDER: list[str] = list(Stage.values)

# The stages at which the end-of-cycle evaluation is under way or done.
EVALUATION = frozenset(ORDER[ORDER.index(Stage.SELF_ASSESSMENT) :])

# Whose action a document at each stage waits for (their relation to the document): the people
# told on the page why a document came back to that stage.
ACTS_AT: dict[str, frozenset[str]] = {
    Stage.WORK_PLAN: frozenset({"staff"}),
    Stage.MIDPOINT: frozenset({"staff", "fro"}),
    Stage.SELF_ASSESSMENT: frozenset({"staff"}),
    Stage.FRO_EVALUATION: frozenset({"fro"}),
    Stage.SRO_REVIEW: frozenset({"sro"}),
    Stage.ACKNOWLEDGEMENT: frozenset({"staff"}),
    Stage.COMPLETED: frozenset(),
}


def position(stage: str) -> int:
    return ORDER.index(stage)


def reached(current: str, stage: str) -> bool:
    """Whether a document at `current` has reached `stage`."""
    return position(current) >= position(stage)


def stage_from(*, midpoint_state: str | None, evaluation_state: str | None) -> str:
    """The document's stage from the states of its mid-point review and evaluation (either
    missing or "not_started" when it has not begun): the evaluation states are the stages of
    the same name."""
    if evaluation_state and evaluation_state != "not_started":
        return evaluation_state
    if midpoint_state and midpoint_state != "not_started":
        return Stage.MIDPOINT
    return Stage.WORK_PLAN

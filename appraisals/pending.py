"""What waits at the end of the cycle, for the reminder sweep (`pmsystem.pending`).

A document reaches these stages once its work plan is approved and its mid-point review is
finalised (or the cycle has none); every stage is due `cycle.end_of_cycle_due`, or the staff
member's own date when HR extended it (`org.deadlines`):
- self_evaluation: the staff member starts and submits the self-evaluation;
- fro_evaluation: the FRO rates and signs;
- sro_review: the SRO approves;
- acknowledgement: the staff member acknowledges.
Four queries for the whole organisation (plus the HODs).

And on every open performance improvement plan of an open cycle, its next step
(`selectors.pip_next_step`), due to the FRO: pip_meeting (a review meeting),
pip_six_month_review, pip_outcome (closing the plan with its outcome once it ends). Three
queries more: the plans, their meetings, the lines.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Collection, Iterator

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from org import deadlines
from org.models import Cycle
from pmsystem.pending import PendingAction, Stage
from workplans.models import MidpointReview, WorkPlan
from workplans.pending import current_lines, document_action, hods_by_entity, open_cycles

from .models import Appraisal, ImprovementPlan
from .selectors import next_steps

A = Appraisal.State

STAGES = (
    Stage("self_evaluation", _("Evaluation: self-evaluation"), "staff", "appraisals:evaluation"),
    Stage("fro_evaluation", _("Evaluation: rating by the FRO"), "fro", "appraisals:evaluation"),
    Stage("sro_review", _("Evaluation: approval by the SRO"), "sro", "appraisals:evaluation"),
    Stage("acknowledgement", _("Evaluation: acknowledgement"), "staff", "appraisals:evaluation"),
    Stage("pip_meeting", _("PIP: review meeting"), "fro", "appraisals:pips"),
    Stage("pip_six_month_review", _("PIP: six-month review"), "fro", "appraisals:pips"),
    Stage("pip_outcome", _("PIP: outcome"), "fro", "appraisals:pips"),
)

# Evaluation state → (stage, who acts).
WAITING = {
    None: ("self_evaluation", "staff"),
    A.NOT_STARTED: ("self_evaluation", "staff"),
    A.SELF_ASSESSMENT: ("self_evaluation", "staff"),
    A.FRO_EVALUATION: ("fro_evaluation", "fro"),
    A.SRO_REVIEW: ("sro_review", "sro"),
    A.ACKNOWLEDGEMENT: ("acknowledgement", "staff"),
}


def pending_actions(
    *, today: datetime.date, entity_ids: Collection[int] | None = None
) -> Iterator[PendingAction]:
    """One action per document of an open cycle that waits at an end-of-cycle stage, and one
    per open PIP of an open cycle."""
    cycles = open_cycles()
    if not cycles:
        return
    yield from _evaluation_actions(cycles, today=today, entity_ids=entity_ids)
    yield from _pip_actions(cycles, today=today, entity_ids=entity_ids)


def _evaluation_actions(
    cycles: dict[int, Cycle], *, today: datetime.date, entity_ids: Collection[int] | None
) -> Iterator[PendingAction]:
    documents = (
        WorkPlan.objects.filter(cycle_id__in=list(cycles), state=WorkPlan.State.APPROVED)
        .filter(
            Q(cycle__midpoint_required=False) | Q(midpoint__state=MidpointReview.State.FINALISED)
        )
        .exclude(appraisal__state=A.COMPLETED)
    )
    if entity_ids is not None:
        documents = documents.filter(staff__unit__entity_id__in=list(entity_ids))
    rows = list(
        documents.values_list("cycle_id", "staff_id", "pk", "appraisal__state").iterator(
            chunk_size=5000
        )
    )
    if not rows:
        return
    hods = hods_by_entity(today)
    lines = current_lines(cycles, entity_ids)
    extended = deadlines.extensions(list(cycles))
    for cycle_id, staff_id, document_id, state in rows:
        line = lines.get((cycle_id, staff_id))
        if line is None:
            continue
        stage, role = WAITING[state]
        responsible = {"staff": line.staff_id, "fro": line.fro_id, "sro": line.sro_id}[role]
        yield document_action(
            line,
            stage=stage,
            responsible_id=responsible,
            due=deadlines.due(
                line.cycle.end_of_cycle_due,
                extended,
                cycle_id=cycle_id,
                staff_id=staff_id,
                deadline=deadlines.Deadline.END_OF_CYCLE,
            ),
            document_id=document_id,
            hods=hods,
        )


def _pip_actions(
    cycles: dict[int, Cycle], *, today: datetime.date, entity_ids: Collection[int] | None
) -> Iterator[PendingAction]:
    plans = ImprovementPlan.objects.filter(
        state=ImprovementPlan.State.OPEN, document__cycle_id__in=list(cycles)
    ).select_related("document")
    if entity_ids is not None:
        plans = plans.filter(document__staff__unit__entity_id__in=list(entity_ids))
    found = list(plans.only("pk", "start", "end", "review_every_days", "state", "document"))
    if not found:
        return
    steps = next_steps(found)
    lines = current_lines(cycles, entity_ids, staff_ids={plan.document.staff_id for plan in found})
    hods = hods_by_entity(today)
    for plan in found:
        document = plan.document
        line = lines.get((document.cycle_id, document.staff_id))
        if line is None:
            continue
        step = steps[plan.pk]
        action = document_action(
            line,
            stage=f"pip_{step.kind}",
            responsible_id=line.fro_id,
            due=step.due,
            document_id=document.pk,
            hods=hods,
        )
        # A document may hold several plans: each is its own subject.
        yield dataclasses.replace(action, subject=f"pip:{plan.pk}")

"""What waits on work plans and mid-point reviews, for the reminder sweep (`pmsystem.pending`).

Stages and who acts:
- work_plan: the staff member drafts and submits (no work plan yet, draft or returned);
- work_plan_approval: the FRO approves (submitted); due `cycle.workplan_due_for(staff)`;
- midpoint_staff: the staff member enters mid-point comments (approved plan, mid-point not
  started or open; only when the cycle requires a mid-point review);
- midpoint_fro: the FRO comments and finalises (staff comments submitted); due
  `cycle.midpoint_due`.
Each due date is the staff member's own when HR extended it (`org.deadlines`). Four queries
for the whole organisation: open cycles, current reporting lines with their staff, work plans
with their mid-point state, the deadline extensions (plus the HODs).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from types import SimpleNamespace

from django.utils.translation import gettext_lazy as _

from org import deadlines
from org.models import Cycle, DepartmentRole, ReportingLine
from pmsystem.pending import PendingAction, Stage, document_escalation, document_subject

from .models import MidpointReview, WorkPlan

STAGES = (
    Stage("work_plan", _("Work plan: drafting by the staff member"), "staff", "workplans:document"),
    Stage("work_plan_approval", _("Work plan: approval by the FRO"), "fro", "workplans:document"),
    Stage(
        "midpoint_staff",
        _("Mid-point review: staff member's comments"),
        "staff",
        "workplans:midpoint",
    ),
    Stage("midpoint_fro", _("Mid-point review: FRO's comments"), "fro", "workplans:midpoint"),
)


@dataclass(frozen=True, slots=True)
class LineRow:
    """The current reporting line of one staff member in one open cycle."""

    cycle: Cycle
    staff_id: int
    fro_id: int
    sro_id: int
    unit_id: int
    entity_id: int
    entry_on_duty: datetime.date


def open_cycles() -> dict[int, Cycle]:
    return {cycle.pk: cycle for cycle in Cycle.objects.filter(status=Cycle.Status.OPEN)}


def hods_by_entity(today: datetime.date) -> dict[int, tuple[int, ...]]:
    """The HODs holding the role today, per entity (one query)."""
    hods: dict[int, list[int]] = {}
    for entity_id, user_id in (
        DepartmentRole.objects.filter(role=DepartmentRole.Role.HOD, start__lte=today)
        .exclude(end__lt=today)
        .values_list("entity_id", "user_id")
    ):
        hods.setdefault(entity_id, []).append(user_id)
    return {entity_id: tuple(sorted(ids)) for entity_id, ids in hods.items()}


def current_lines(
    cycles: dict[int, Cycle],
    entity_ids: Collection[int] | None = None,
    staff_ids: Collection[int] | None = None,
) -> dict[tuple[int, int], LineRow]:
    """(cycle id, staff id) → the current reporting line of every active staff member (or of
    those of `staff_ids`) in the given cycles (one query)."""
    lines = ReportingLine.objects.filter(
        cycle_id__in=list(cycles),
        effective_to__isnull=True,
        staff__is_active=True,
        staff__user__is_active=True,
    )
    if entity_ids is not None:
        lines = lines.filter(staff__unit__entity_id__in=list(entity_ids))
    if staff_ids is not None:
        lines = lines.filter(staff_id__in=list(staff_ids))
    return {
        (cycle_id, staff_id): LineRow(
            cycles[cycle_id], staff_id, fro_id, sro_id, unit_id, entity_id, entry_on_duty
        )
        for cycle_id, staff_id, fro_id, sro_id, unit_id, entity_id, entry_on_duty in (
            lines.values_list(
                "cycle_id",
                "staff_id",
                "fro_id",
                "sro_id",
                "staff__unit_id",
                "staff__unit__entity_id",
                "staff__entry_on_duty",
            ).iterator(chunk_size=5000)
        )
    }


def document_action(
    line: LineRow,
    *,
    stage: str,
    responsible_id: int,
    due: datetime.date,
    document_id: int | None,
    hods: dict[int, tuple[int, ...]],
) -> PendingAction:
    """A pending action on a performance document, with the FRO → SRO → HOD escalation."""
    return PendingAction(
        subject=document_subject(line.cycle.pk, line.staff_id),
        stage=stage,
        responsible_id=responsible_id,
        due=due,
        escalation=_escalation(line.fro_id, line.sro_id, hods.get(line.entity_id, ())),
        cycle_id=line.cycle.pk,
        staff_id=line.staff_id,
        document_id=document_id,
        entity_id=line.entity_id,
        unit_id=line.unit_id,
    )


# Many documents share their FRO, SRO and HOD: one tuple per trio, not per document.
_escalation = functools.lru_cache(maxsize=65536)(document_escalation)


def pending_actions(
    *, today: datetime.date, entity_ids: Collection[int] | None = None
) -> Iterator[PendingAction]:
    """One action per document of an open cycle that waits at a work-plan or mid-point stage."""
    cycles = open_cycles()
    if not cycles:
        return
    hods = hods_by_entity(today)
    lines = current_lines(cycles, entity_ids)
    plans = WorkPlan.objects.filter(cycle_id__in=list(cycles))
    if entity_ids is not None:
        plans = plans.filter(staff__unit__entity_id__in=list(entity_ids))
    documents = {
        (cycle_id, staff_id): (pk, state, midpoint_state)
        for cycle_id, staff_id, pk, state, midpoint_state in plans.values_list(
            "cycle_id", "staff_id", "pk", "state", "midpoint__state"
        ).iterator(chunk_size=5000)
    }
    workplan_due: dict[tuple[int, datetime.date], datetime.date] = {}
    extended = deadlines.extensions(list(cycles))
    S, M = WorkPlan.State, MidpointReview.State
    for key, line in lines.items():
        cycle = line.cycle
        document_id, state, midpoint_state = documents.get(key, (None, None, None))
        if state in (None, S.DRAFT, S.RETURNED, S.SUBMITTED):
            due_key = (cycle.pk, line.entry_on_duty)
            if due_key not in workplan_due:
                staff = SimpleNamespace(entry_on_duty=line.entry_on_duty)
                workplan_due[due_key] = cycle.workplan_due_for(staff)  # type: ignore[arg-type]
            submitted = state == S.SUBMITTED
            yield document_action(
                line,
                stage="work_plan_approval" if submitted else "work_plan",
                responsible_id=line.fro_id if submitted else line.staff_id,
                due=deadlines.due(
                    workplan_due[due_key],
                    extended,
                    cycle_id=cycle.pk,
                    staff_id=line.staff_id,
                    deadline=deadlines.Deadline.WORK_PLAN,
                ),
                document_id=document_id,
                hods=hods,
            )
        elif state == S.APPROVED and cycle.midpoint_required and midpoint_state != M.FINALISED:
            fro_turn = midpoint_state == M.STAFF_SUBMITTED
            yield document_action(
                line,
                stage="midpoint_fro" if fro_turn else "midpoint_staff",
                responsible_id=line.fro_id if fro_turn else line.staff_id,
                due=deadlines.due(
                    cycle.midpoint_due,
                    extended,
                    cycle_id=cycle.pk,
                    staff_id=line.staff_id,
                    deadline=deadlines.Deadline.MIDPOINT,
                ),
                document_id=document_id,
                hods=hods,
            )

"""Reads for work plans: the document page, the team list, tasks, alignment choices."""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from org import deadlines
from org.models import Cycle, OrgUnit, ReportingLine, StaffMember, User
from org.permissions import flags_rule_out
from org.relations import line_in_effect, lines_in_effect
from pmsystem import registry
from pmsystem.db import InValues, PreparedQuery
from pmsystem.events import pending_return
from pmsystem.i18n import interpolate
from pmsystem.models import DocumentEvent, Signature
from pmsystem.pending import Task
from pmsystem.stages import ACTS_AT, Stage

from .models import (
    AdditionalSupervisor,
    CheckIn,
    Competency,
    DevelopmentGoal,
    Goal,
    GoalChange,
    MidpointReview,
    WorkPlan,
)
from .permissions import (
    READERS,
    ActingDocuments,
    acting_documents,
    sees_work_plan,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def get_visible_work_plan(user: User, pk: int) -> WorkPlan:
    """The document, with what every page of it shows; 404 when the user may not see it
    (the same answer as for an id that does not exist)."""
    found: list[WorkPlan] = _VISIBLE_WORK_PLAN.objects(pk=pk) if sees_work_plan(user, pk) else []
    if not found:
        raise Http404(gettext("No such work plan."))
    return found[0]


# On every page of a document: compiled once per process and prepared (issue 14).
_VISIBLE_WORK_PLAN = PreparedQuery(
    lambda *, pk: WorkPlan.objects.select_related(
        "staff__user", "staff__unit__entity", "cycle", "midpoint"
    ).filter(pk=pk),
    pk=-2_000_000_131,
)


# What an additional supervisor reads of a document's record: the work plan's own steps and
# their part, never a rating, PIP, roll-back or rebuttal (docs/rules.md §8: each reader sees their
# part). Everyone else who may read the document reads all of it.
SUPERVISOR_EVENT_KINDS = frozenset(
    {
        "created",
        "draft_saved",
        "goals_changed",
        "work_plan_submit",
        "work_plan_approve",
        "work_plan_return",
        "additional_supervisor_proposed",
        "additional_supervisor_answered",
        "additional_supervisor_cancelled",
        "start_evaluation",
        "submit_self_evaluation",
        "supervisor_comment",
    }
)
SUPERVISOR_SIGNATURE_STAGES = frozenset({"work_plan"})


def reads_everything(roles: frozenset[str]) -> bool:
    """Whether these relations read the whole record (every relation but an additional
    supervisor's)."""
    return bool(roles & READERS)


def return_notice(work_plan: WorkPlan, roles: frozenset[str]) -> DocumentEvent | None:
    """Why the document came back, for the people whose action it now waits for: the return
    or roll-back it still waits on (who, when, the reason), else None (one query, none for
    a reader who does not act at this stage)."""
    if not roles & ACTS_AT.get(work_plan.stage, frozenset()):
        return None
    return pending_return(work_plan.pk)


def _of_document(build: Any) -> PreparedQuery:
    return PreparedQuery(build, document_id=-2_000_000_181)


def _events(kinds: frozenset[str] | None) -> PreparedQuery:
    def build(*, document_id: int) -> QuerySet[DocumentEvent]:
        events = DocumentEvent.objects.filter(document_id=document_id)
        if kinds is not None:
            events = events.filter(kind__in=sorted(kinds))
        return events.select_related("actor", "acting_for")

    return _of_document(build)


def _signatures(stages: frozenset[str] | None) -> PreparedQuery:
    def build(*, document_id: int) -> QuerySet[Signature]:
        signatures = Signature.objects.filter(document_id=document_id)
        if stages is not None:
            signatures = signatures.filter(stage__in=sorted(stages), voided_at__isnull=True)
        return signatures.select_related("signer", "acting_for")

    return _of_document(build)


# What the document page reads of one document, each compiled once per process and prepared
# (issue 14); keyed by whether the reader reads everything (`reads_everything`).
_DOCUMENT_PARTS = {
    "goals": _of_document(
        lambda *, document_id: Goal.objects.filter(
            work_plan_id=document_id, is_current=True
        ).select_related("aligned_to__owner_unit", "aligned_to__aligned_to")
    ),
    "development_goals": _of_document(
        lambda *, document_id: DevelopmentGoal.objects.filter(work_plan_id=document_id)
    ),
    "competencies": _of_document(
        lambda *, document_id: Competency.objects.filter(
            pk__in=WorkPlan.competencies.through.objects.filter(workplan_id=document_id).values(
                "competency_id"
            )
        ).order_by("position")
    ),
    "additional_supervisors": _of_document(
        lambda *, document_id: (
            AdditionalSupervisor.objects.filter(work_plan_id=document_id)
            .select_related("supervisor")
            .order_by("proposed_at")
        )
    ),
    "changes_since_approval": _of_document(
        lambda *, document_id: GoalChange.objects.filter(
            work_plan_id=document_id, after_approval=True
        ).select_related("goal", "actor")
    ),
}
_EVENTS = {True: _events(None), False: _events(SUPERVISOR_EVENT_KINDS)}
_SIGNATURES = {True: _signatures(None), False: _signatures(SUPERVISOR_SIGNATURE_STAGES)}


def document_context(
    work_plan: WorkPlan, roles: frozenset[str] = frozenset(READERS)
) -> dict[str, Any]:
    """Everything the document page renders for a reader holding `roles`, in a fixed number of
    queries: an additional supervisor reads only their part of the timeline and signatures.
    Each row knows its document (as the related managers' rows do) at no query."""
    everything = reads_everything(roles)
    parts: dict[str, list[Any]] = {
        name: query.objects(document_id=work_plan.pk) for name, query in _DOCUMENT_PARTS.items()
    }
    parts["signatures"] = _SIGNATURES[everything].objects(document_id=work_plan.pk)
    parts["events"] = _EVENTS[everything].objects(document_id=work_plan.pk)
    for name in ("goals", "development_goals", "additional_supervisors", "changes_since_approval"):
        for row in parts[name]:
            row.work_plan = work_plan
    for name in ("signatures", "events"):
        for row in parts[name]:
            row.document = work_plan
    return {
        **parts,
        "weights_used": any(g.weight is not None for g in parts["goals"]),
        "line": line_in_effect(work_plan.staff_id, work_plan.cycle_id),
    }


def check_ins(work_plan: WorkPlan) -> list[CheckIn]:
    return list(work_plan.check_ins.select_related("author"))


def midpoint_of(work_plan: WorkPlan) -> MidpointReview:
    try:
        return work_plan.midpoint
    except MidpointReview.DoesNotExist:
        return MidpointReview(work_plan=work_plan)


def catalogue(cycle: Cycle) -> list[Competency]:
    return list(Competency.objects.filter(framework=cycle.competency_framework))


def alignment_choices(staff: StaffMember, cycle: Cycle) -> QuerySet[Goal]:
    """Goals a staff member may align to: those of their own unit and the units above it."""
    unit_ids = [unit.pk for unit in staff.unit.ancestors()]
    return (
        Goal.objects.filter(cycle=cycle, owner_unit_id__in=unit_ids, is_current=True)
        .select_related("owner_unit")
        .order_by("owner_unit__code", "position", "pk")
    )


def work_plan_problems(work_plan: WorkPlan) -> list[str]:
    """What stops a work plan from being submitted, as sentences a staff member can act on."""
    cycle = work_plan.cycle
    problems = []
    goals = list(work_plan.goals.filter(is_current=True))
    if not cycle.min_goals <= len(goals) <= cycle.max_goals:
        problems.append(
            interpolate(
                gettext("A work plan has %(min)s to %(max)s goals; this one has %(count)s."),
                {"min": cycle.min_goals, "max": cycle.max_goals, "count": len(goals)},
            )
        )
    weights = [g.weight for g in goals if g.weight is not None]
    if weights:
        if len(weights) < len(goals):
            problems.append(gettext("Give every goal a weight, or none."))
        elif sum(weights) != 100:
            problems.append(
                interpolate(
                    gettext("Goal weights must total 100; they total %(total)s."),
                    {"total": sum(weights)},
                )
            )
    for goal in goals:
        if not goal.success_criteria.strip():
            problems.append(
                interpolate(
                    gettext("Goal “%(title)s” needs success criteria."), {"title": goal.title}
                )
            )
    if goals and any(g.aligned_to_id is None for g in goals):
        if alignment_choices(work_plan.staff, cycle).exists():
            problems.append(gettext("Align every goal to a goal of your unit or department."))
    if not work_plan.development_goals.exists():
        problems.append(gettext("Add at least one development goal."))
    chosen = work_plan.competencies.exclude(kind__in=Competency.ALWAYS_INCLUDED).count()
    if not 3 <= chosen <= 5:
        problems.append(
            ngettext(
                "Choose 3 to 5 competencies with your FRO; %(count)s chosen.",
                "Choose 3 to 5 competencies with your FRO; %(count)s chosen.",
                chosen,
            )
            % {"count": chosen}
        )
    return problems


# --- lists ---------------------------------------------------------------------------------


@dataclass
class TeamRow:
    line: ReportingLine
    work_plan_id: int | None
    state: str | None
    midpoint_state: str | None
    due: datetime.date
    stage: str | None = None
    # What the later stages show on the row (`pmsystem.registry.team_extras` and
    # `team_staff_extras`): "pip", "milestone".
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def stage_label(self) -> StrOrPromise:
        """Where the document is (the nine steps of docs/rules.md §3), evaluation included."""
        if self.stage is None:
            return "—"
        return Stage(self.stage).label

    @property
    def state_label(self) -> StrOrPromise:
        if self.state is None:
            return gettext("Not started")
        return WorkPlan.State(self.state).label

    @property
    def midpoint_label(self) -> StrOrPromise:
        if self.midpoint_state is None:
            return "—"
        return MidpointReview.State(self.midpoint_state).label

    @property
    def overdue(self) -> bool:
        return self.state != WorkPlan.State.APPROVED and self.due < timezone.localdate()


def _team_lines(as_role: str) -> PreparedQuery:
    """The lines in effect on which the user is FRO (or SRO) in the cycle, with the staff
    member's document's id, state, mid-point state and stage: compiled once per process and
    prepared (issue 14)."""

    def build(*, user_id: int, cycle_id: int, on: datetime.date) -> QuerySet[ReportingLine]:
        plans = WorkPlan.objects.filter(staff_id=OuterRef("staff_id"), cycle_id=cycle_id)
        return deadlines.with_extensions(
            lines_in_effect(on)
            .filter(cycle_id=cycle_id, **{as_role: user_id})
            .select_related("staff__user", "staff__unit", "fro__user", "sro__user")
            .annotate(
                work_plan_id=Subquery(plans.values("pk")[:1]),
                work_plan_state=Subquery(plans.values("state")[:1]),
                midpoint_state=Subquery(plans.values("midpoint__state")[:1]),
                stage=Subquery(plans.values("stage")[:1]),
            )
            .order_by("staff__user__last_name", "staff__user__first_name", "pk")
        )

    return PreparedQuery(
        build, user_id=-2_000_000_167, cycle_id=-2_000_000_169, on=datetime.date(1901, 3, 21)
    )


_TEAM_LINES = {role: _team_lines(role) for role in ("fro", "sro")}


def team_rows(user: User, cycle: Cycle, *, as_role: str = "fro") -> list[TeamRow]:
    """Every supervisee of the user (as FRO or SRO) with the stage of their document and what
    the later stages add (an open PIP): one query whatever the team size, plus the later
    stages' few."""
    lines = _TEAM_LINES[as_role].objects(
        user_id=user.pk, cycle_id=cycle.pk, on=timezone.localdate()
    )
    rows = [
        TeamRow(
            line=line,
            work_plan_id=line.work_plan_id,
            state=line.work_plan_state,
            midpoint_state=line.midpoint_state,
            due=deadlines.row_due(line, "work_plan", cycle.workplan_due_for(line.staff)),
            stage=line.stage,
        )
        for line in lines
    ]
    document_ids = [row.work_plan_id for row in rows if row.work_plan_id is not None]
    if document_ids:
        extras = registry.team_extras(document_ids)
        for row in rows:
            if row.work_plan_id is not None:
                row.extra = extras.get(row.work_plan_id, {})
    if rows:
        by_staff = registry.team_staff_extras([row.line.staff_id for row in rows])
        for row in rows:
            row.extra = {**row.extra, **by_staff.get(row.line.staff_id, {})}
    return rows


def pending_supervision_requests(user: User) -> list[AdditionalSupervisor]:
    """The requests to be additional supervisor that wait for the user's answer."""
    return _PENDING_REQUESTS.objects(user_id=user.pk) if user.is_authenticated else []


def _pending_requests(user_id: Any) -> QuerySet[AdditionalSupervisor]:
    return AdditionalSupervisor.objects.filter(
        supervisor_id=user_id, state=AdditionalSupervisor.State.PROPOSED
    )


def asked_to_supervise(on: datetime.date) -> Exists:
    """The request flag (`pmsystem.registry.register_request_flag`): a request waits for the
    user's answer, exactly when `pending_supervision_requests` finds one."""
    return Exists(_pending_requests(OuterRef("pk")))


# On every home page: compiled once per process and prepared (issue 14).
_PENDING_REQUESTS = PreparedQuery(
    lambda *, user_id: _pending_requests(user_id).select_related(
        "work_plan__staff__user", "work_plan__cycle"
    ),
    user_id=-2_000_000_191,
)


def own_work_plan(user: User, cycle: Cycle) -> WorkPlan | None:
    return (
        deadlines.with_extensions(WorkPlan.objects.filter(staff_id=user.pk, cycle=cycle))
        .select_related("midpoint", "cycle")
        .first()
    )


class _Unset(enum.Enum):
    """An argument the caller did not pass (None is a value: "there is none")."""

    UNSET = enum.auto()


_UNSET: Final = _Unset.UNSET


def work_plan_tasks(
    user: User,
    cycle: Cycle | None,
    *,
    staff: StaffMember | None | _Unset = _UNSET,
    own: WorkPlan | None | _Unset = _UNSET,
    acting: ActingDocuments | None = None,
) -> list[Task]:
    """What waits for the user on work plans and mid-point reviews, in a fixed number of
    queries. A caller that already read the user's staff profile and own document for the
    cycle passes them (`staff`, `own`: None when there is none), and the documents they act on
    (`acting`: `workplans.permissions.acting_documents`)."""
    if cycle is None or not user.is_authenticated:
        return []
    tasks: list[Task] = []
    if staff is _UNSET:
        staff = getattr(user, "staff", None)
    if staff is not None:
        plan = own_work_plan(user, cycle) if own is _UNSET else own
        tasks.extend(_own_tasks(plan, staff, cycle))
    if acting is None:
        acting = acting_documents(user)
    fro_ids = acting.ids("fro", cycle.pk)
    fro_plans = _FRO_PLANS.objects(ids=list(fro_ids)) if fro_ids else ()
    for plan in fro_plans:
        if plan.state == WorkPlan.State.SUBMITTED:
            tasks.append(
                Task(
                    interpolate(
                        gettext("Approve the work plan of %(name)s"), {"name": plan.staff.user}
                    ),
                    "workplans:document",
                    (plan.pk,),
                    deadlines.row_due(plan, "work_plan", cycle.workplan_due_for(plan.staff)),
                    gettext("FRO"),
                )
            )
        else:
            tasks.append(
                Task(
                    interpolate(
                        gettext("Comment on and finalise the mid-point review of %(name)s"),
                        {"name": plan.staff.user},
                    ),
                    "workplans:midpoint",
                    (plan.pk,),
                    deadlines.row_due(plan, "midpoint", cycle.midpoint_due),
                    gettext("FRO"),
                )
            )
    # Not asked of the signed-in user whose request flags say nothing waits for them.
    asked = not flags_rule_out(user, "asked_to_supervise")
    for request in pending_supervision_requests(user) if asked else ():
        tasks.append(
            Task(
                interpolate(
                    gettext("Answer %(name)s's request to be an additional supervisor"),
                    {"name": request.work_plan.staff.user},
                ),
                "workplans:supervision-requests",
                (),
                None,
                gettext("Additional supervisor"),
            )
        )
    return tasks


# The documents whose work plan or mid-point review waits for their FRO, of `ids` (those the
# user acts on as FRO): compiled once per process and prepared (issue 14).
_FRO_PLANS = PreparedQuery(
    lambda *, ids: deadlines.with_extensions(
        WorkPlan.objects.filter(InValues("pk", ids))
        .filter(
            Q(state=WorkPlan.State.SUBMITTED)
            | Q(midpoint__state=MidpointReview.State.STAFF_SUBMITTED)
        )
        .select_related("staff__user", "midpoint")
    ),
    ids=[-2_000_000_157],
)


def _own_tasks(plan: WorkPlan | None, staff: StaffMember, cycle: Cycle) -> list[Task]:
    """The staff member's own next step; its due date extended by HR where it was
    (`org.deadlines`: annotated on the document, or on the staff profile when there is none,
    else asked in one query)."""
    if plan is None:
        if hasattr(staff, "work_plan_extended"):  # annotated by the caller (My tasks)
            due = deadlines.row_due(staff, "work_plan", cycle.workplan_due_for(staff))
        else:
            due = deadlines.due_for(cycle, staff, "work_plan")
        return [
            Task(
                gettext("Create your work plan"), "workplans:mine", (), due, gettext("Staff member")
            )
        ]
    due = deadlines.row_due(plan, "work_plan", cycle.workplan_due_for(staff))
    if plan.state == WorkPlan.State.DRAFT:
        return [
            Task(
                gettext("Draft and submit your work plan"),
                "workplans:edit",
                (plan.pk,),
                due,
                gettext("Staff member"),
            )
        ]
    if plan.state == WorkPlan.State.RETURNED:
        return [
            Task(
                gettext("Your FRO returned your work plan: revise and resubmit"),
                "workplans:edit",
                (plan.pk,),
                due,
                gettext("Staff member"),
            )
        ]
    if plan.state == WorkPlan.State.APPROVED and cycle.midpoint_required:
        midpoint = midpoint_of(plan)
        if midpoint.state in {MidpointReview.State.NOT_STARTED, MidpointReview.State.OPEN}:
            return [
                Task(
                    gettext("Enter your mid-point review comments"),
                    "workplans:midpoint",
                    (plan.pk,),
                    deadlines.row_due(plan, "midpoint", cycle.midpoint_due),
                    gettext("Staff member"),
                )
            ]
    return []


# --- unit work plans -----------------------------------------------------------------------


def entity_goal_tree(entity: OrgUnit, cycle: Cycle) -> dict[str, Any]:
    """Unit goals of the entity with how many staff goals align to each, and how many staff
    goals align to nothing. Three queries whatever the size of the entity."""
    unit_goals = list(
        Goal.objects.filter(cycle=cycle, owner_unit__entity=entity, is_current=True)
        .select_related("owner_unit")
        .annotate(
            staff_goal_count=Count(
                "aligned_goals",
                filter=Q(aligned_goals__work_plan__isnull=False, aligned_goals__is_current=True),
            ),
            unit_goal_count=Count(
                "aligned_goals",
                filter=Q(aligned_goals__owner_unit__isnull=False, aligned_goals__is_current=True),
            ),
        )
        .order_by("owner_unit__code", "position", "pk")
    )
    children: dict[int | None, list[Goal]] = {}
    for goal in unit_goals:
        children.setdefault(goal.aligned_to_id, []).append(goal)
    known = {g.pk for g in unit_goals}
    roots = [g for g in unit_goals if g.aligned_to_id is None or g.aligned_to_id not in known]

    def walk(goal: Goal, depth: int) -> list[tuple[Goal, int]]:
        rows = [(goal, depth)]
        for child in children.get(goal.pk, []):
            rows.extend(walk(child, depth + 1))
        return rows

    rows: list[tuple[Goal, int]] = []
    for root in roots:
        rows.extend(walk(root, 0))
    unaligned = Goal.objects.filter(
        cycle=cycle,
        work_plan__staff__unit__entity=entity,
        is_current=True,
        aligned_to__isnull=True,
    ).count()
    units = list(
        OrgUnit.objects.filter(entity=entity).order_by("code").values("pk", "code", "name", "kind")
    )
    return {"rows": rows, "unaligned_staff_goals": unaligned, "units": units}


def unit_goals(unit: OrgUnit, cycle: Cycle) -> list[Goal]:
    return list(
        Goal.objects.filter(cycle=cycle, owner_unit=unit, is_current=True).select_related(
            "aligned_to__owner_unit"
        )
    )


def unit_alignment_choices(unit: OrgUnit, cycle: Cycle) -> QuerySet[Goal]:
    """A unit goal aligns to a goal of a unit above it."""
    above = [u.pk for u in unit.ancestors()[1:]]
    return (
        Goal.objects.filter(cycle=cycle, owner_unit_id__in=above, is_current=True)
        .select_related("owner_unit")
        .order_by("owner_unit__code", "position")
    )

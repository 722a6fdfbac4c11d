"""A document at any stage in one call, written by the demo seed's writer (`demo.documents`).

`build_document("sro_review")` gives the same document as
`tests.appraisals.helpers.make_document_at("sro_review")`, with the same people, goals, texts
and ratings, the same states and stage, signatures that verify and the same timeline: the
rows the services would have written, planned as a `demo.documents.DocumentPlan` and written
at once (COPY on PostgreSQL) instead of through 10-15 service calls. One timeline detail is
worded as the demo seed words it, not as the services do: the "Draft saved" event does not add
"competencies changed; development goals changed" (nor those changes in its data).
tests/test_builders.py compares the two ways stage by stage.

Use it where a test needs a document at some stage: selectors, pages, permissions, exports.
A test of a step of the workflow itself (its rules, refusals, signatures, emails, security
log) builds the document up to that step through the services (`tests/*/helpers.py`), then
takes the step through the service or the page; a builder document takes any later step
through the services like any other. No email is sent and no security-log line written while
building.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from types import SimpleNamespace

from django.utils import timezone

from demo.documents import (
    STAGE_NAMES,
    Content,
    CycleView,
    DevelopmentView,
    DocumentPlan,
    DocumentWriter,
    EvaluationPlan,
    GoalView,
    MidpointPlan,
    Rating,
    StaffView,
    SupervisionPlan,
    document_steps,
    evaluated_competencies,
)
from org.models import Cycle, RatingLevel, StaffMember, User
from org.relations import line_in_effect
from tests.appraisals.helpers import fresh
from tests.factories import CycleFactory, ReportingLineFactory, StaffMemberFactory, UnitGoalFactory
from workplans.models import AdditionalSupervisor, Competency, MidpointReview, WorkPlan

# The stages `build_document` builds, in order: the demo's (where a work plan or mid-point
# review stands, then the evaluation stages of `pmsystem.stages.Stage`), and "not_started" as
# `make_document_at` names it (the evaluation may start: the mid-point review finalised, or
# the work plan approved when the cycle has no mid-point review).
STAGES = [name for name in STAGE_NAMES if name not in ("none", "changed")]
STAGES.insert(STAGES.index("self_assessment"), "not_started")
AMBIGUOUS = {
    "work_plan": "draft, submitted, returned or approved",
    "midpoint": "midpoint_open, midpoint_submitted or midpoint_finalised",
}
MIDPOINT_STATES = {
    "midpoint_open": MidpointReview.State.OPEN,
    "midpoint_submitted": MidpointReview.State.STAFF_SUBMITTED,
}
WORK_PLAN_STEPS = ("created", "saved", "submitted", "returned", "resubmitted", "approved")
# What the people write, as tests/workplans/helpers.py and tests/appraisals/helpers.py write it.
MIDPOINT_STAFF = "Half of the outputs are delivered."
MIDPOINT_FRO = "On track; keep the pace."
SELF_OVERALL = "I delivered my goals."
FRO_OVERALL = "A solid year."
SRO_COMMENT = "Agreed with the FRO."
FINAL_COMMENT = "Thank you."


def build_document(
    stage: str,
    *,
    staff: StaffMember | None = None,
    cycle: Cycle | None = None,
    fro: StaffMember | None = None,
    sro: StaffMember | None = None,
    created_by: User | None = None,
    overall: str | None = "SM",
    competency: str | None = "FC",
    goal: str | None = "SM",
    supervisors: Iterable[User] = (),
    goals: int = 3,
    competencies: int = 3,
    development_goals: int = 1,
    weights: list[int] | None = None,
    return_comment: str = "Please make goal 2 measurable.",
    moments: dict[str, datetime.datetime] | None = None,
    **factory_kwargs,
) -> WorkPlan:
    """The document of `staff` (a new staff member by default) for `cycle` (a new open cycle)
    at `stage` (one of STAGES), as `make_document_at` and the work-plan helpers build it.

    A reporting line is made for `fro` and `sro` (new staff members of the unit by default)
    unless the staff member has one in effect, as `WorkPlanFactory` does; `cycle__...` and
    `staff__...` keyword arguments go to the factories (`cycle__midpoint_required=False`).
    The work plan: `goals` goals aligned to a new goal of the staff member's unit (`weights`
    for their weights), `competencies` chosen competencies, `development_goals` development
    goals, created by `created_by` (the staff member, or their FRO on their behalf).
    `supervisors` are additional supervisors who accepted once the work plan was approved.
    The mid-point review is held when the cycle requires it (or the stage is one of its own).
    The FRO rates every goal `goal`, every competency `competency` and overall `overall`
    (level codes; None leaves that rating empty).

    Every step happens now, as under a clock held still, unless `moments` says when: a step
    named there (one of `demo.documents.document_steps`: "created", "saved", "submitted",
    "returned", "approved", "midpoint_started", "midpoint_submitted", "midpoint_finalised",
    "evaluation_started", "self_submitted", "fro_signed", "sro_signed", "acknowledged")
    happens then, and each step after it at the same moment unless named too."""
    if stage in AMBIGUOUS:
        raise ValueError(f"{stage!r}: say where the document stands: {AMBIGUOUS[stage]}")
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}: one of {STAGES}")
    unknown = [k for k in factory_kwargs if not k.startswith(("cycle__", "staff__"))]
    if unknown:
        raise TypeError(f"build_document() got unexpected keyword arguments {unknown}")
    cycle = cycle or CycleFactory(**_prefixed(factory_kwargs, "cycle__"))
    staff = staff or StaffMemberFactory(**_prefixed(factory_kwargs, "staff__"))
    line = line_in_effect(staff.pk, cycle.pk)
    if line is None:
        officers = {"fro": fro, "sro": sro}
        ReportingLineFactory(
            staff=staff, cycle=cycle, **{k: v for k, v in officers.items() if v is not None}
        )
        line = line_in_effect(staff.pk, cycle.pk)
    if stage == "not_started":
        stage = "midpoint_finalised" if cycle.midpoint_required else "approved"
    rank = STAGE_NAMES.index(stage)
    evaluation = stage in STAGE_NAMES[STAGE_NAMES.index("self_assessment") :]
    midpoint_state = MIDPOINT_STATES.get(stage)
    if rank >= STAGE_NAMES.index("midpoint_finalised") and (
        cycle.midpoint_required or not evaluation
    ):
        midpoint_state = MidpointReview.State.FINALISED

    fro_user = line.fro.user
    supervisors = list(supervisors)
    creator = created_by or staff.user
    steps = document_steps(stage, midpoint_state=midpoint_state)
    moments = moments or {}
    unknown = set(moments) - set(steps)
    if unknown:
        raise ValueError(f"{sorted(unknown)}: not steps of a document at {stage}: {steps}")
    at, moment = {}, timezone.now()
    for step in steps:
        at[step] = moment = moments.get(step, moment)
    view = _cycle_view(cycle, staff, line)
    content = _content(staff, cycle, view, goals, competencies, development_goals, weights)
    writer = DocumentWriter(
        names={user.pk: str(user) for user in (fro_user, creator, *supervisors)}
    )
    for each in content.goals:
        each.pk = writer.new_goal_id()
    plan = DocumentPlan(
        staff=StaffView(
            staff.pk,
            staff.unit_id,
            staff.grade,
            staff.entry_on_duty,
            staff.index_number,
            staff.user.first_name,
            str(staff.user),
        ),
        cycle=view,
        stage=stage,
        at=at,
        creator=creator.pk,
        return_comment=return_comment if "returned" in at else "",
        content=content,
        # The services save the work plan's row at its own steps only.
        updated=max(at[step] for step in WORK_PLAN_STEPS if step in at),
    )
    if rank >= STAGE_NAMES.index("approved"):
        approved = at["approved"]
        plan.supervisors = [
            SupervisionPlan(user.pk, AdditionalSupervisor.State.ACCEPTED, approved, approved)
            for user in supervisors
        ]
    if midpoint_state is not None:
        plan.midpoint = MidpointPlan(
            midpoint_state,
            started_by=staff.pk,
            staff_comments="" if midpoint_state == MidpointReview.State.OPEN else MIDPOINT_STAFF,
            fro_comments=MIDPOINT_FRO if "midpoint_finalised" in at else "",
        )
    if evaluation:
        plan.evaluation = _evaluation(plan, view, content, overall, competency, goal)
    (pk,) = writer.write([plan])
    return fresh(WorkPlan(pk=pk))


def _prefixed(kwargs: dict, prefix: str) -> dict:
    return {k.removeprefix(prefix): v for k, v in kwargs.items() if k.startswith(prefix)}


def _cycle_view(cycle: Cycle, staff: StaffMember, line) -> CycleView:
    """The cycle as the writer reads it: the staff member's line in effect (whose officers
    sign, as the services find them), the rating levels and the core values."""
    levels = {
        (kind, code): SimpleNamespace(pk=pk, code=code, label=label)
        for pk, kind, code, label in RatingLevel.objects.filter(scale__cycle=cycle).values_list(
            "pk", "scale__kind", "code", "label"
        )
    }
    core_values = [
        SimpleNamespace(pk=pk, code=code, name=name)
        for pk, code, name in Competency.objects.filter(
            framework=cycle.competency_framework, kind__in=Competency.ALWAYS_INCLUDED
        )
        .order_by("pk")
        .values_list("pk", "code", "name")
    ]
    lines = {staff.pk: [(line.effective_from, line.effective_to, line.fro_id, line.sro_id)]}
    return CycleView(cycle, lines=lines, levels=levels, core_values=core_values)


def _content(
    staff: StaffMember,
    cycle: Cycle,
    view: CycleView,
    goals: int,
    competencies: int,
    development_goals: int,
    weights: list[int] | None,
) -> Content:
    """What `tests.workplans.helpers.make_complete_work_plan` saves."""
    unit_goal = UnitGoalFactory(owner_unit=staff.unit, cycle=cycle)
    chosen = [
        SimpleNamespace(pk=pk, code=code, name=name)
        for pk, code, name in Competency.objects.filter(framework=cycle.competency_framework)
        .exclude(kind__in=Competency.ALWAYS_INCLUDED)
        .order_by("position")
        .values_list("pk", "code", "name")[:competencies]
    ]
    return Content(
        goals=[
            GoalView(
                None,
                f"Goal {n}",
                f"Deliver output {n}.",
                f"Output {n} delivered and accepted.",
                cycle.end - datetime.timedelta(days=30 * n),
                weights[n - 1] if weights else None,
                unit_goal.pk,
            )
            for n in range(1, goals + 1)
        ],
        competencies=chosen,
        development=[
            DevelopmentView(f"Learn skill {n}", "Course and coaching.", None)
            for n in range(1, development_goals + 1)
        ],
    )


def _evaluation(
    plan: DocumentPlan,
    view: CycleView,
    content: Content,
    overall: str | None,
    competency: str | None,
    goal: str | None,
) -> EvaluationPlan:
    """What `tests.appraisals.helpers.make_document_at` writes at each step."""
    at = plan.at
    rated = evaluated_competencies(view, content)
    evaluation = EvaluationPlan(
        started_by=plan.staff.pk,
        overall=overall,
        self_goals=[""] * len(content.goals),
        self_competencies=[""] * len(rated),
    )
    if "self_submitted" in at:
        evaluation.self_overall = SELF_OVERALL
        evaluation.self_goals = [f"Self: {g.title}" for g in content.goals]
        evaluation.self_competencies = [f"Self: {c.name}" for c in rated]
    if "fro_signed" in at:
        evaluation.rated_at = at["fro_signed"]
        evaluation.goal_ratings = [Rating(goal, f"FRO on goal {g.pk}.") for g in content.goals]
        evaluation.competency_ratings = [
            Rating(competency, f"FRO on competency {c.pk}.") for c in rated
        ]
        evaluation.overall_comment = FRO_OVERALL
    if "sro_signed" in at:
        evaluation.sro_comment = SRO_COMMENT
    if "acknowledged" in at:
        evaluation.final_comment = FINAL_COMMENT
    return evaluation

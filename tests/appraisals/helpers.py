"""Building blocks for end-of-cycle tests: documents at every stage, built through the real
services (work plan approved, mid-point finalised when the cycle requires it, evaluation
started, self-evaluation submitted, rated and signed, approved, acknowledged)."""

from __future__ import annotations

from appraisals import services
from appraisals.models import Appraisal
from appraisals.services import Assessment
from org.models import DepartmentRole, RatingLevel, RatingScale, User
from tests.factories import AdditionalSupervisorFactory, DepartmentRoleFactory
from tests.workplans.helpers import fro_of, make_approved_work_plan, sro_of
from workplans import services as workplan_services
from workplans.models import WorkPlan

# The end-of-cycle stages, in order, that `make_document_at` can stop at.
STAGES = ["not_started", "self_assessment", "fro_evaluation", "sro_review", "acknowledgement"]
STAGES += ["completed"]


def fresh(document: WorkPlan) -> WorkPlan:
    """The document as the database holds it now (no cached evaluation or mid-point)."""
    return WorkPlan.objects.select_related("cycle", "staff__user", "staff__unit").get(
        pk=document.pk
    )


def appraisal_of(document: WorkPlan) -> Appraisal:
    return Appraisal.objects.get(pk=document.pk)


def level(document: WorkPlan, kind: str, code: str) -> RatingLevel:
    """The level `code` of the document's cycle scale `kind` (overall, competency, goal)."""
    return RatingLevel.objects.get(scale__cycle=document.cycle_id, scale__kind=kind, code=code)


def hr_focal_point(document: WorkPlan, user: User | None = None) -> User:
    """An HR focal point of the document's entity."""
    role = DepartmentRoleFactory(
        entity=document.staff.unit.entity,
        role=DepartmentRole.Role.HR_FOCAL_POINT,
        **({"user": user} if user else {}),
    )
    return role.user


def finalise_midpoint(document: WorkPlan) -> WorkPlan:
    """Steps 3-5: the staff member starts and submits, the FRO finalises."""
    staff, fro = document.staff.user, fro_of(document)
    workplan_services.start_midpoint(work_plan=document, actor=staff)
    workplan_services.submit_midpoint(
        work_plan=document, actor=staff, comments="Half of the outputs are delivered."
    )
    workplan_services.finalise_midpoint(
        work_plan=document, actor=fro, comments="On track; keep the pace."
    )
    return fresh(document)


def fill_self_evaluation(document: WorkPlan, overall: str = "I delivered my goals.") -> Appraisal:
    appraisal = appraisal_of(document)
    return services.save_self_evaluation(
        document=document,
        actor=document.staff.user,
        overall=overall,
        goals={row.pk: f"Self: {row.goal}" for row in appraisal.goal_rows.select_related("goal")},
        competencies={
            row.pk: f"Self: {row.competency}"
            for row in appraisal.competency_rows.select_related("competency")
        },
    )


def rate_everything(
    document: WorkPlan,
    *,
    actor: User | None = None,
    overall: str | None = "SM",
    competency: str | None = "FC",
    goal: str | None = "SM",
    comment: str = "A solid year.",
) -> Appraisal:
    """The FRO rates every goal and competency and gives the overall rating, with real
    levels of the cycle's scales (None leaves that rating empty)."""
    appraisal = appraisal_of(document)

    def level_id(kind: str, code: str | None) -> int | None:
        return level(document, kind, code).pk if code else None

    goal_id = level_id(RatingScale.Kind.GOAL, goal)
    competency_id = level_id(RatingScale.Kind.COMPETENCY, competency)
    return services.save_ratings(
        document=document,
        actor=actor or fro_of(document),
        goals={
            row.pk: Assessment(comment=f"FRO on goal {row.goal_id}.", rating_id=goal_id)
            for row in appraisal.goal_rows.all()
        },
        competencies={
            row.pk: Assessment(
                comment=f"FRO on competency {row.competency_id}.", rating_id=competency_id
            )
            for row in appraisal.competency_rows.all()
        },
        overall_rating_id=level_id(RatingScale.Kind.OVERALL, overall),
        overall_comment=comment,
    )


def make_document_at(
    stage: str, *, overall: str = "SM", supervisors: tuple[User, ...] = (), **work_plan_kwargs
) -> WorkPlan:
    """A document whose evaluation is at `stage` (one of STAGES), built through the services.

    `overall` is the code of the FRO's overall rating (UN defaults: EX, SM, PM, DN);
    `supervisors` are proposed and accept as additional supervisors once the work plan is
    approved (later, the work plan's additional supervisors are frozen); the rest goes to
    `make_approved_work_plan` (e.g. `cycle=CycleFactory(midpoint_required=False)`)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}: one of {STAGES}")
    reached = STAGES.index(stage)
    document = make_approved_work_plan(**work_plan_kwargs)
    for supervisor in supervisors:
        AdditionalSupervisorFactory(work_plan=document, supervisor=supervisor, state="accepted")
    if document.cycle.midpoint_required:
        document = finalise_midpoint(document)
    if reached >= STAGES.index("self_assessment"):
        services.start_evaluation(document=document, actor=document.staff.user)
    if reached >= STAGES.index("fro_evaluation"):
        fill_self_evaluation(document)
        services.submit_self_evaluation(document=document, actor=document.staff.user)
    if reached >= STAGES.index("sro_review"):
        rate_everything(document, overall=overall)
        services.sign_evaluation(document=document, actor=fro_of(document))
    if reached >= STAGES.index("acknowledgement"):
        services.approve_evaluation(
            document=document, actor=sro_of(document), comment="Agreed with the FRO."
        )
    if reached >= STAGES.index("completed"):
        services.acknowledge_evaluation(
            document=document, actor=document.staff.user, comment="Thank you."
        )
    return fresh(document)

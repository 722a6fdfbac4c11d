"""Reads for the end-of-cycle evaluation."""

from __future__ import annotations

import datetime
import enum
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from org import deadlines
from org.models import AccountabilityQuestion, Cycle, RatingLevel, RatingScale, User
from org.relations import lines_in_effect
from pmsystem.dates import add_months
from pmsystem.db import InValues, PreparedQuery, raw_day
from pmsystem.freeze import closed_cycle_refusal
from pmsystem.i18n import interpolate
from pmsystem.stages import ORDER, Stage, stage_from
from workplans.models import MidpointReview, WorkPlan
from workplans.permissions import ActingDocuments, acting_documents, documents_where

from .models import (
    AccountabilityAnswer,
    Appraisal,
    CompetencyAssessment,
    GoalAssessment,
    ImprovementPlan,
    ImprovementPlanMeeting,
    RollBack,
    SupervisorComment,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from pmsystem.pending import Task

# The document's stages in order, for roll-back: a stage reached later than the target
# is undone.
DOCUMENT_ORDER = ORDER


def appraisal_of(document: WorkPlan) -> Appraisal:
    try:
        return document.appraisal
    except Appraisal.DoesNotExist:
        return Appraisal(document=document)


def document_stage(document: WorkPlan) -> str:
    """Where the document is, worked out from the states of its stages (what `WorkPlan.stage`
    must always say: `stage_drift` compares them)."""
    midpoint = getattr(document, "midpoint", None)
    return stage_from(
        midpoint_state=midpoint.state if midpoint is not None else None,
        evaluation_state=appraisal_of(document).state,
    )


def rollback_refusal(document: WorkPlan) -> str | None:
    """Why the document cannot be rolled back at all now: its cycle is closed, or it is
    complete (unless the cycle allows rolling back completed documents)."""
    closed = closed_cycle_refusal(document.cycle)
    if closed:
        return closed
    if document.stage == Stage.COMPLETED and not document.cycle.rollback_completed_allowed:
        return gettext("A completed document cannot be rolled back.")
    return None


def rollback_targets(document: WorkPlan) -> list[tuple[str, StrOrPromise]]:
    """The earlier stages the document can be returned to now, as (stage, label)."""
    if rollback_refusal(document):
        return []
    current = DOCUMENT_ORDER.index(document.stage)
    targets: list[tuple[str, StrOrPromise]] = []
    for stage, label in RollBack.Stage.choices:
        position = DOCUMENT_ORDER.index(stage)
        if stage == "midpoint" and not document.cycle.midpoint_required:
            continue
        if position < current:
            targets.append((stage, label))
        elif stage == "work_plan" and current == 0 and document.state != WorkPlan.State.DRAFT:
            targets.append((stage, label))
        elif stage == "midpoint" and current == position:
            midpoint = getattr(document, "midpoint", None)
            if midpoint is not None and midpoint.state != MidpointReview.State.OPEN:
                targets.append((stage, label))
    return targets


# --- the managerial-accountability section (ILO) ---------------------------------------------


@dataclass(frozen=True)
class AccountabilityItem:
    """A question of the section with the staff member's answer ("" when none)."""

    question: AccountabilityQuestion
    answer: str


@dataclass(frozen=True)
class AccountabilitySection:
    """The managerial-accountability section of a document: the cycle's questions with the
    staff member's answers; `required` when the staff member has supervisory responsibilities
    in the cycle (`supervises_in_cycle`) and so answers before submitting."""

    items: list[AccountabilityItem]
    required: bool

    @property
    def unanswered(self) -> list[AccountabilityQuestion]:
        return [item.question for item in self.items if not item.answer.strip()]


def supervises_in_cycle(staff_id: int, cycle_id: int) -> Exists:
    """SQL for "the staff member has supervisory responsibilities in the cycle": they are the
    FRO of someone through a reporting line of the cycle in effect today (`org.relations`:
    the same lines that make them FRO of a document, and the feedback app's responsible
    chiefs)."""
    return Exists(lines_in_effect().filter(cycle_id=cycle_id, fro_id=staff_id))


def accountability_section(document: WorkPlan) -> AccountabilitySection | None:
    """The document's managerial-accountability section, in one query whatever the number of
    questions: None when the cycle has no questions (UN cycles), or when the staff member has
    no supervisory responsibilities in the cycle and answered nothing (answers written while
    they had some stay on the record)."""
    questions = list(
        AccountabilityQuestion.objects.filter(cycle_id=document.cycle_id)
        .annotate(
            answer=Coalesce(
                Subquery(
                    AccountabilityAnswer.objects.filter(
                        appraisal_id=document.pk, question_id=OuterRef("pk")
                    ).values("text")[:1]
                ),
                Value(""),
                output_field=TextField(),
            ),
            required=supervises_in_cycle(document.staff_id, document.cycle_id),
        )
        .order_by("position")
    )
    if not questions:
        return None
    section = AccountabilitySection(
        items=[AccountabilityItem(question, question.answer) for question in questions],
        required=questions[0].required,
    )
    if not section.required and all(not item.answer.strip() for item in section.items):
        return None
    return section


def unanswered_accountability(appraisal: Appraisal) -> str | None:
    """Why the self-evaluation cannot be submitted yet for want of answers (None when every
    question the staff member must answer is answered)."""
    section = accountability_section(appraisal.document)
    if section is None or not section.required or not section.unanswered:
        return None
    return gettext(
        "Answer every question of the managerial-accountability section before submitting."
    )


def scale_levels(cycle_id: int, kind: str) -> list[RatingLevel]:
    return list(
        RatingLevel.objects.filter(scale__cycle_id=cycle_id, scale__kind=kind).order_by("rank")
    )


def evaluation_context(document: WorkPlan) -> dict[str, Any]:
    """What the evaluation page shows, in a fixed number of queries."""
    appraisal = appraisal_of(document)
    started = not (appraisal.pk is None or appraisal._state.adding)
    if not started:
        goal_rows, competency_rows, comments = [], [], []
    else:
        goal_rows = list(
            GoalAssessment.objects.filter(appraisal=appraisal).select_related(
                "goal__aligned_to", "rating"
            )
        )
        competency_rows = list(
            CompetencyAssessment.objects.filter(appraisal=appraisal).select_related(
                "competency", "rating"
            )
        )
        comments = list(
            SupervisorComment.objects.filter(appraisal=appraisal, is_current=True).select_related(
                "supervisor"
            )
        )
    cycle_id = document.cycle_id
    return {
        "appraisal": appraisal,
        "accountability": accountability_section(document) if started else None,
        "goal_rows": goal_rows,
        "competency_rows": competency_rows,
        "supervisor_comments": comments,
        "overall_levels": scale_levels(cycle_id, RatingScale.Kind.OVERALL),
        "competency_levels": scale_levels(cycle_id, RatingScale.Kind.COMPETENCY),
        "goal_levels": scale_levels(cycle_id, RatingScale.Kind.GOAL),
        "pips": list(
            ImprovementPlan.objects.filter(document=document).prefetch_related(Prefetch("meetings"))
        ),
        "rollbacks": list(
            RollBack.objects.filter(document=document).select_related(
                "requested_by", "performed_by"
            )
        ),
    }


def missing_ratings(appraisal: Appraisal) -> list[str]:
    """What the FRO still has to give before signing."""
    problems = []
    cycle = appraisal.document.cycle
    rows = appraisal.goal_rows.select_related("goal")
    if cycle.goal_ratings_enabled and rows.filter(rating__isnull=True).exists():
        problems.append(gettext("Rate every goal."))
    if appraisal.competency_rows.filter(rating__isnull=True).exists():
        problems.append(gettext("Rate every value and competency."))
    if appraisal.overall_rating_id is None:
        problems.append(gettext("Give the overall rating."))
    if not appraisal.fro_overall_comment.strip():
        problems.append(gettext("Write the overall comments."))
    return problems


def documents_awaiting_sro(user: User, cycle_id: int) -> list[WorkPlan]:
    """Evaluations waiting for this SRO's approval (own or as acting SRO): one query."""
    if not user.is_authenticated:
        return []
    return _AWAITING_SRO.objects(user_id=user.pk, on=timezone.localdate(), cycle_id=cycle_id)


# Compiled once per process and prepared (issue 14).
_AWAITING_SRO = PreparedQuery(
    lambda *, user_id, on, cycle_id: (
        documents_where(User(pk=user_id), "sro", on)
        .filter(cycle_id=cycle_id, appraisal__state=Appraisal.State.SRO_REVIEW)
        .select_related("staff__user", "staff__unit", "appraisal__overall_rating")
        .order_by("staff__user__last_name", "staff__user__first_name", "pk")
    ),
    user_id=-2_000_000_173,
    on=datetime.date(1901, 3, 22),
    cycle_id=-2_000_000_179,
)


# The evaluation states in which a document waits for someone who acts on it, by relation
# (`evaluation_tasks`), and all of them (`_acted_on`).
_WAITING_FOR = {
    "fro": {Appraisal.State.FRO_EVALUATION},
    "sro": {Appraisal.State.SRO_REVIEW},
    "additional_supervisor": {Appraisal.State.SELF_ASSESSMENT, Appraisal.State.FRO_EVALUATION},
}
_WAITING_STATES = sorted(set().union(*_WAITING_FOR.values()))


def _acted_on(*, ids: list[int], user_id: int) -> QuerySet[WorkPlan]:
    """The documents `ids` (those the user acts on) while their evaluation waits for someone,
    with its state and whether the user commented as additional supervisor."""
    return deadlines.with_extensions(
        WorkPlan.objects.filter(InValues("pk", ids), appraisal__state__in=_WAITING_STATES)
        .annotate(
            evaluation_state=F("appraisal__state"),
            commented=Exists(
                SupervisorComment.objects.filter(
                    appraisal__document_id=OuterRef("pk"), supervisor_id=user_id
                )
            ),
        )
        .select_related("staff__user")
    )


def with_last_meeting(plans: QuerySet[ImprovementPlan]) -> QuerySet[ImprovementPlan]:
    """`plans` with the day of each one's latest review meeting (`last_meeting`, None before
    the first): all `pip_next_step` needs of its meetings, so `next_steps` asks no more."""
    latest = ImprovementPlanMeeting.objects.filter(plan_id=OuterRef("pk")).order_by("-held_on")
    return plans.annotate(last_meeting=Subquery(latest.values("held_on")[:1]))


def _open_plans(*, ids: list[int]) -> QuerySet[ImprovementPlan]:
    return with_last_meeting(
        ImprovementPlan.objects.filter(
            InValues("document_id", ids), state=ImprovementPlan.State.OPEN
        )
        .select_related("document__staff__user")
        .order_by("end", "pk")
    )


# A manager's My tasks: compiled once per process and prepared (issue 14).
_ACTED_ON = PreparedQuery(_acted_on, ids=[-2_000_000_139], user_id=-2_000_000_149)
_OPEN_PLANS = PreparedQuery(_open_plans, ids=[-2_000_000_151])


def _own_document_query(*, user_id: int, cycle_id: int) -> QuerySet[WorkPlan]:
    return (
        deadlines.with_extensions(WorkPlan.objects.filter(staff_id=user_id, cycle_id=cycle_id))
        .select_related("cycle", "staff", "midpoint", "appraisal")
        .order_by("pk")[:1]
    )


# On every home page: compiled once per process (its joins and six extension subqueries took
# a tenth of a staff member's home page to compile, issue 14).
_OWN_DOCUMENT = PreparedQuery(_own_document_query, user_id=-2_000_000_113, cycle_id=-2_000_000_093)


def own_document(user: User, cycle: Cycle) -> WorkPlan | None:
    """The user's own document for the cycle with every stage (one query)."""
    found = _OWN_DOCUMENT.objects(user_id=user.pk, cycle_id=cycle.pk)
    return found[0] if found else None


class _Unset(enum.Enum):
    """An argument the caller did not pass (None is a value: "there is none")."""

    UNSET = enum.auto()


_UNSET: Final = _Unset.UNSET


def evaluation_tasks(
    user: User,
    cycle: Cycle | None,
    *,
    own: WorkPlan | None | _Unset = _UNSET,
    acting: ActingDocuments | None = None,
) -> list[Task]:
    """What waits for the user at the end of the cycle, in at most three queries whatever the
    size (one fewer when the caller passes the user's own document, or None, and another when
    it passes the documents they act on, `acting`; none more when they act on none)."""
    from pmsystem.pending import Task

    if cycle is None or not user.is_authenticated:
        return []
    due = cycle.end_of_cycle_due
    tasks: list[Task] = []
    if own is _UNSET:
        own = own_document(user, cycle)
    if own is not None and own.state == WorkPlan.State.APPROVED:
        state = appraisal_of(own).state
        midpoint_done = not cycle.midpoint_required or (
            getattr(own, "midpoint", None) is not None
            and own.midpoint.state == MidpointReview.State.FINALISED
        )
        labels: dict[str, str] = {
            Appraisal.State.SELF_ASSESSMENT: gettext("Complete and sign your self-evaluation"),
            Appraisal.State.ACKNOWLEDGEMENT: gettext("Read and acknowledge your evaluation"),
        }
        label = labels.get(state)
        if state == Appraisal.State.NOT_STARTED and midpoint_done:
            label = gettext("Start your self-evaluation")
        if label:
            own_due = deadlines.row_due(own, "end_of_cycle", due)
            tasks.append(
                Task(label, "appraisals:evaluation", (own.pk,), own_due, gettext("Staff member"))
            )
    # relation: (evaluation states, label, role)
    waiting = {
        "fro": (
            _WAITING_FOR["fro"],
            gettext("Evaluate and rate %(name)s"),
            gettext("FRO"),
        ),
        "sro": (
            _WAITING_FOR["sro"],
            gettext("Approve the evaluation of %(name)s"),
            gettext("SRO"),
        ),
        "additional_supervisor": (
            _WAITING_FOR["additional_supervisor"],
            gettext("Give your comments on %(name)s's year"),
            gettext("Additional supervisor"),
        ),
    }
    if acting is None:
        acting = acting_documents(user)
    relation_of = {pk: relation for relation in waiting for pk in acting.ids(relation, cycle.pk)}
    if not relation_of:
        return tasks
    # The documents the user acts on are known by id (one query for every relation): their
    # evaluations' states, and whether the user already commented as additional supervisor,
    # with the staff member, in one query by primary key.
    documents = _ACTED_ON.objects(ids=list(relation_of), user_id=user.pk)
    order = list(waiting)
    found = []
    for document in documents:
        relation = relation_of[document.pk]
        states, label, role = waiting[relation]
        if document.evaluation_state not in states:
            continue
        if relation == "additional_supervisor" and document.commented:
            continue
        found.append((order.index(relation), document, label, role))
    for _, document, label, role in sorted(found, key=lambda item: item[0]):
        tasks.append(
            Task(
                interpolate(label, {"name": document.staff.user}),
                "appraisals:evaluation",
                (document.pk,),
                deadlines.row_due(document, "end_of_cycle", due),
                role,
            )
        )
    return tasks


# --- performance improvement plans: what the FRO owes next ----------------------------------

# docs/rules.md §10: a PIP that runs six months or longer has its six-month review.
SIX_MONTHS = 6
# A step of an open PIP: the next review meeting (the plan's `review_every_days` after its
# start or its last meeting), the six-month review (the first meeting held on or after six
# months), and the outcome once the plan ends. Same-day steps in this order.
PIP_STEPS: dict[str, tuple[StrOrPromise, StrOrPromise]] = {
    # (what My tasks asks of the FRO, what the step is called in a column)
    "six_month_review": (
        gettext_lazy("Hold the six-month review of the PIP of %(name)s"),
        gettext_lazy("Six-month review"),
    ),
    "meeting": (
        gettext_lazy("Hold a PIP review meeting with %(name)s"),
        gettext_lazy("Review meeting"),
    ),
    "outcome": (
        gettext_lazy("Close the PIP of %(name)s with its outcome"),
        gettext_lazy("Outcome"),
    ),
}


def six_month_review_date(plan: ImprovementPlan) -> datetime.date | None:
    """When the plan's six-month review falls due; None for a plan shorter than six months."""
    day = add_months(plan.start, SIX_MONTHS)
    return day if day <= plan.end else None


@dataclass(frozen=True)
class PipStep:
    """What the FRO owes next on an open PIP, and by when."""

    kind: str
    due: datetime.date

    @property
    def name(self) -> StrOrPromise:
        return PIP_STEPS[self.kind][1]

    @property
    def overdue(self) -> bool:
        return self.due < timezone.localdate()


def pip_next_step(plan: ImprovementPlan, meetings: Iterable[datetime.date]) -> PipStep:
    """The next step of the open `plan` whose review meetings were held on `meetings`: the
    earliest of the next review meeting (due `review_every_days` after the start or the last
    meeting, while the plan runs), the six-month review (until a meeting is held on or after
    its date) and the outcome (due when the plan ends)."""
    held = sorted(meetings)
    steps = [PipStep("outcome", plan.end)]
    following = (held[-1] if held else plan.start) + datetime.timedelta(days=plan.review_every_days)
    if following < plan.end:
        steps.append(PipStep("meeting", following))
    six = six_month_review_date(plan)
    if six is not None and not any(day >= six for day in held):
        steps.append(PipStep("six_month_review", six))
    order = list(PIP_STEPS)
    return min(steps, key=lambda step: (step.due, order.index(step.kind)))


def meeting_dates(plan_ids: Collection[int]) -> dict[int, list[datetime.date]]:
    """The review meetings held on each plan (one query)."""
    dates: dict[int, list[datetime.date]] = defaultdict(list)
    if plan_ids:
        for plan_id, held_on in _MEETING_DATES.rows(ids=list(plan_ids)):
            dates[plan_id].append(cast(datetime.date, raw_day(held_on)))  # a required field
    return dates


def next_steps(plans: Sequence[ImprovementPlan]) -> dict[int, PipStep]:
    """The next step of each open plan: from their `last_meeting` when they were read with it
    (`with_last_meeting`: no query; the step depends on the latest meeting only), else one
    query for their meetings."""
    dates: dict[int, list[datetime.date]]
    if all(hasattr(plan, "last_meeting") for plan in plans):
        latest = {plan.pk: raw_day(getattr(plan, "last_meeting")) for plan in plans}  # noqa: B009
        dates = {pk: [day] for pk, day in latest.items() if day is not None}
    else:
        dates = meeting_dates([plan.pk for plan in plans])
    return {
        plan.pk: pip_next_step(plan, dates.get(plan.pk, ()))
        for plan in plans
        if plan.state == ImprovementPlan.State.OPEN
    }


def open_plans_as_fro(
    user: User, *, acting: ActingDocuments | None = None
) -> list[ImprovementPlan]:
    """The open PIPs of documents in an open cycle on which `user` acts as FRO today (own or
    acting): those they can still hold meetings on and close. The documents come from
    `workplans.permissions.acting_documents` (passed by My tasks, which reads it once), then
    their open plans by document id: none more when the user is FRO of no one."""
    if not user.is_authenticated:
        return []
    if acting is None:
        acting = acting_documents(user)
    documents = acting.ids("fro")
    if not documents:
        return []
    return _OPEN_PLANS.objects(ids=list(documents))


def pip_tasks(user: User, *, acting: ActingDocuments | None = None) -> list[Task]:
    """What the FRO owes on open PIPs: the next step of each (one query whatever the size,
    none when they are FRO of no one and the caller passed `acting`)."""
    from pmsystem.pending import Task

    plans = open_plans_as_fro(user, acting=acting)
    steps = next_steps(plans) if plans else {}
    return [
        Task(
            interpolate(str(PIP_STEPS[steps[plan.pk].kind][0]), {"name": plan.document.staff.user}),
            "appraisals:pips",
            (plan.document_id,),
            steps[plan.pk].due,
            gettext("FRO"),
        )
        for plan in plans
    ]


# My team's: compiled once per process and prepared (issue 14).
_TEAM_PLANS = PreparedQuery(
    lambda *, ids: with_last_meeting(
        ImprovementPlan.objects.filter(
            InValues("document_id", ids), state=ImprovementPlan.State.OPEN
        ).order_by("start", "pk")
    ),
    ids=[-2_000_000_193],
)
_MEETING_DATES = PreparedQuery(
    lambda *, ids: (
        ImprovementPlanMeeting.objects.filter(InValues("plan_id", ids))
        .order_by("plan_id", "held_on", "pk")
        .values_list("plan_id", "held_on")
    ),
    ids=[-2_000_000_197],
)


def team_extra(document_ids: Collection[int]) -> dict[int, dict[str, Any]]:
    """What My team shows of the open PIP of each document (`pmsystem.registry`): the plan and
    its next step, the earliest due when a document holds several. One query."""
    plans = _TEAM_PLANS.objects(ids=list(document_ids))
    steps = next_steps(plans)
    extras: dict[int, dict[str, Any]] = {}
    for plan in sorted(plans, key=lambda plan: steps[plan.pk].due):
        extras.setdefault(plan.document_id, {"pip": plan, "pip_step": steps[plan.pk]})
    return extras

"""The freeze table (docs/rules.md §3 and §8, `pmsystem/freeze.py`): every part of a document, at
every stage, for every role, through the services and through the pages.

The expectation is written here from the rules, apart from the table it checks: a change to
`pmsystem.freeze` that opens or closes a part where the rules do not is caught. Each attempt
runs in a savepoint of one document per stage, and a refused attempt must change nothing.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from appraisals import services as appraisal_services
from appraisals.models import Appraisal, ImprovementPlan, SupervisorComment
from appraisals.permissions import allowed_actions
from org.models import Cycle, DepartmentRole, RatingLevel, User
from pmsystem.errors import ApplicationError
from tests.appraisals.helpers import fresh, make_document_at
from tests.factories import AdditionalSupervisorFactory, DepartmentRoleFactory, StaffMemberFactory
from tests.workplans.helpers import (
    chosen_competency_ids,
    current_goal_inputs,
    fro_of,
    make_approved_work_plan,
    make_complete_work_plan,
    make_submitted_work_plan,
    sro_of,
)
from tests.worlds import built_once
from workplans import services as workplan_services
from workplans.models import (
    AdditionalSupervisor,
    CheckIn,
    DevelopmentGoal,
    Goal,
    MidpointReview,
    WorkPlan,
)
from workplans.services import DevelopmentGoalInput

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ROLES = ["staff", "fro", "sro", "supervisor", "hod", "hr", "other"]

# The stages a document goes through, as the tests build them. "midpoint_finalised" is the
# document with its mid-point review finalised and the evaluation not started.
STAGES = [
    "draft",
    "submitted",
    "approved",
    "midpoint_open",
    "midpoint_submitted",
    "midpoint_finalised",
    "self_assessment",
    "fro_evaluation",
    "sro_review",
    "acknowledgement",
    "completed",
    "closed_cycle",
]
WORK_PLAN_OPEN = {"draft", "approved", "midpoint_open", "midpoint_submitted", "midpoint_finalised"}
BEFORE_EVALUATION = {"draft", "submitted", "approved", *WORK_PLAN_OPEN}
EVERY_OPEN_STAGE = set(STAGES) - {"closed_cycle"}

# part -> {(stage, role) allowed}: the rules of docs/rules.md §3, written out.
EXPECTED: dict[str, set[tuple[str, str]]] = {
    # The staff member drafts, then changes the approved plan (with history) until the
    # evaluation starts; never while it waits for the FRO's approval.
    "goals": {(stage, "staff") for stage in WORK_PLAN_OPEN},
    "competencies": {(stage, "staff") for stage in WORK_PLAN_OPEN},
    "development_goals": {(stage, "staff") for stage in WORK_PLAN_OPEN},
    # Additional supervisors are proposed until the FRO signs the evaluation.
    "additional_supervisors": {
        (stage, "staff") for stage in BEFORE_EVALUATION | {"self_assessment", "fro_evaluation"}
    },
    # Check-ins, between the staff member and the FRO, until the document is complete.
    "check_ins": {
        (stage, role) for stage in EVERY_OPEN_STAGE - {"completed"} for role in ("staff", "fro")
    },
    "midpoint_staff": {("midpoint_open", "staff")},
    "midpoint_fro": {("midpoint_open", "fro"), ("midpoint_submitted", "fro")},
    "self_evaluation": {("self_assessment", "staff")},
    "supervisor_comments": {
        ("self_assessment", "supervisor"),
        ("fro_evaluation", "supervisor"),
    },
    "ratings": {("fro_evaluation", "fro")},
    "sro_comments": {("sro_review", "sro")},
    "final_comments": {("acknowledgement", "staff")},
    "improvement_plans": {(stage, "fro") for stage in EVERY_OPEN_STAGE},
}


def build(stage: str) -> tuple[WorkPlan, dict]:
    """A document at `stage` with an accepted additional supervisor, and the cast."""
    supervisor = StaffMemberFactory().user
    if stage == "draft":
        document = make_complete_work_plan()
    elif stage == "submitted":
        document = make_submitted_work_plan()
    elif stage in ("approved", "midpoint_open", "midpoint_submitted"):
        document = make_approved_work_plan()
        if stage != "approved":
            workplan_services.start_midpoint(work_plan=document, actor=document.staff.user)
        if stage == "midpoint_submitted":
            workplan_services.submit_midpoint(
                work_plan=document, actor=document.staff.user, comments="Half done."
            )
    else:
        evaluation = {"midpoint_finalised": "not_started", "closed_cycle": "completed"}
        document = make_document_at(evaluation.get(stage, stage), supervisors=[supervisor])
    if not document.additional_supervisors.filter(supervisor=supervisor).exists():
        AdditionalSupervisorFactory(work_plan=document, supervisor=supervisor, state="accepted")
    entity = document.staff.unit.entity
    cast = {
        "staff": document.staff.user,
        "fro": fro_of(document),
        "sro": sro_of(document),
        "supervisor": supervisor,
        "hod": DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HOD).user,
        "hr": DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HR_FOCAL_POINT).user,
        "other": StaffMemberFactory().user,
    }
    if stage == "closed_cycle":
        Cycle.objects.filter(pk=document.cycle_id).update(status=Cycle.Status.CLOSED)
    return fresh(document), cast


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> dict[str, tuple[int, dict[str, int]]]:
    """One document per stage, built once for the module (in a transaction rolled back at the
    end; each test runs in a savepoint of it): stage -> (document id, {role: user id})."""
    with built_once(django_db_blocker):
        built = {}
        for stage in STAGES:
            document, cast = build(stage)
            built[stage] = (document.pk, {role: user.pk for role, user in cast.items()})
        cycles = WorkPlan.objects.filter(pk__in=[pk for pk, _ in built.values()])
        # Each document has a cycle of its own: closing one closes no other.
        assert cycles.values("cycle_id").distinct().count() == len(STAGES)
        yield built


def at(world, stage: str) -> tuple[WorkPlan, dict]:
    pk, cast = world[stage]
    users = User.objects.in_bulk(cast.values())
    return fresh(WorkPlan(pk=pk)), {role: users[user_id] for role, user_id in cast.items()}


def snapshot(document: WorkPlan) -> tuple:
    """Everything a part's change could write."""
    pk = document.pk
    appraisal = Appraisal.objects.filter(pk=pk).values().first()
    return (
        list(Goal.objects.filter(work_plan_id=pk).order_by("pk").values()),
        sorted(document.competencies.values_list("pk", flat=True)),
        list(DevelopmentGoal.objects.filter(work_plan_id=pk).values("title", "activities")),
        list(AdditionalSupervisor.objects.filter(work_plan_id=pk).values("supervisor", "state")),
        list(CheckIn.objects.filter(work_plan_id=pk).values("note")),
        MidpointReview.objects.filter(work_plan_id=pk).values().first(),
        appraisal,
        list(SupervisorComment.objects.filter(appraisal_id=pk).values("comment")),
        list(ImprovementPlan.objects.filter(document_id=pk).values("pk")),
        sorted(
            (r.pk, r.rating_id, r.fro_comment, r.self_comment)
            for rows in ("goal_rows", "competency_rows")
            for r in (getattr(Appraisal.objects.get(pk=pk), rows).all() if appraisal else [])
        ),
    )


def _save_plan(document, actor, *, goals=None, competencies=None, development=None):
    return workplan_services.save_work_plan(
        work_plan=document,
        actor=actor,
        goals=goals or current_goal_inputs(document),
        development_goals=development
        or [
            DevelopmentGoalInput(title=d.title, activities=d.activities)
            for d in document.development_goals.all()
        ],
        competency_ids=competencies
        or list(
            document.competencies.exclude(kind__in=("core_value", "value")).values_list(
                "pk", flat=True
            )
        ),
    )


def change_goals(document, actor):
    goals = current_goal_inputs(document)
    goals[0].title = "Changed goal"
    _save_plan(document, actor, goals=goals)


def change_competencies(document, actor):
    _save_plan(document, actor, competencies=chosen_competency_ids(document, 4))


def change_development(document, actor):
    _save_plan(
        document, actor, development=[DevelopmentGoalInput(title="New skill", activities="X")]
    )


def rows_of(document, name):
    appraisal = Appraisal.objects.filter(pk=document.pk).first()
    return list(getattr(appraisal, name).all()) if appraisal else []


def save_ratings(document, actor):
    cycle_id = document.cycle_id
    levels = {
        kind: RatingLevel.objects.get(scale__cycle_id=cycle_id, scale__kind=kind, rank=1).pk
        for kind in ("goal", "competency", "overall")
    }
    appraisal_services.save_ratings(
        document=document,
        actor=actor,
        goals={
            r.pk: appraisal_services.Assessment("Re-rated.", levels["goal"])
            for r in rows_of(document, "goal_rows")
        },
        competencies={
            r.pk: appraisal_services.Assessment("Re-rated.", levels["competency"])
            for r in rows_of(document, "competency_rows")
        },
        overall_rating_id=levels["overall"],
        overall_comment="Re-rated overall.",
    )


ATTEMPTS = {
    "goals": change_goals,
    "competencies": change_competencies,
    "development_goals": change_development,
    "additional_supervisors": lambda d, a: workplan_services.propose_additional_supervisor(
        work_plan=d, actor=a, supervisor=StaffMemberFactory().user
    ),
    "check_ins": lambda d, a: workplan_services.add_check_in(
        work_plan=d, actor=a, held_on=timezone.localdate(), note="We met."
    ),
    "midpoint_staff": lambda d, a: (
        workplan_services.save_midpoint_comments(
            work_plan=d, actor=a, comments="New staff comments."
        )
        if a.pk == d.staff_id
        else _refused()
    ),
    "midpoint_fro": lambda d, a: (
        workplan_services.save_midpoint_comments(work_plan=d, actor=a, comments="New FRO comments.")
        if a.pk != d.staff_id
        else _refused()
    ),
    "self_evaluation": lambda d, a: appraisal_services.save_self_evaluation(
        document=d,
        actor=a,
        overall="Rewritten.",
        goals={r.pk: "Rewritten." for r in rows_of(d, "goal_rows")},
        competencies={},
    ),
    "supervisor_comments": lambda d, a: appraisal_services.save_supervisor_comment(
        document=d, actor=a, comment="My view."
    ),
    "ratings": save_ratings,
    "sro_comments": lambda d, a: appraisal_services.save_sro_comment(
        document=d, actor=a, comment="An SRO's view."
    ),
    "final_comments": lambda d, a: appraisal_services.acknowledge_evaluation(
        document=d, actor=a, comment="My final comments."
    ),
    "improvement_plans": lambda d, a: appraisal_services.open_improvement_plan(
        document=d,
        actor=a,
        objectives="Deliver on time.",
        support="Coaching.",
        start=timezone.localdate(),
        end=timezone.localdate() + datetime.timedelta(days=90),
    ),
}
assert set(ATTEMPTS) == set(EXPECTED)


def _refused():
    raise ApplicationError("not this side's part")


def test_the_table_names_every_part():
    from pmsystem.freeze import PARTS

    assert set(PARTS) == set(EXPECTED)


@pytest.mark.parametrize("stage", STAGES)
def test_every_part_at_every_stage_for_every_role_through_the_services(world, stage):
    document, cast = at(world, stage)
    outcomes = {}
    before = snapshot(document)  # each attempt is rolled back: the same before every one
    for part, attempt in ATTEMPTS.items():
        for role in ROLES:
            actor = cast[role]
            with transaction.atomic():
                try:
                    attempt(fresh(document), actor)
                except ApplicationError as error:
                    assert snapshot(document) == before, (part, role, error.message)
                    outcomes[(part, role)] = False
                else:
                    assert snapshot(document) != before, (part, role)
                    outcomes[(part, role)] = True
                transaction.set_rollback(True)
    allowed = {key for key, ok in outcomes.items() if ok}
    expected = {(part, role) for part, cells in EXPECTED.items() for s, role in cells if s == stage}
    assert allowed == expected


PART_ACTION = {
    "goals": ("edit", "change_goals"),
    "additional_supervisors": ("propose_additional_supervisor",),
    "check_ins": ("add_check_in",),
    "midpoint_staff": ("edit_midpoint_staff",),
    "midpoint_fro": ("edit_midpoint_fro",),
    "self_evaluation": ("edit_self_evaluation",),
    "supervisor_comments": ("supervisor_comment",),
    "ratings": ("edit_ratings",),
    "sro_comments": ("edit_sro_comment",),
    "final_comments": ("edit_final_comment",),
    "improvement_plans": ("open_pip",),
}


@pytest.mark.parametrize("stage", STAGES)
def test_the_pages_offer_exactly_the_open_parts_and_refuse_the_rest(world, client, stage):
    """What the pages offer (`allowed_actions`, which the templates read) is the table, and a
    post to a closed part's page changes nothing."""
    document, cast = at(world, stage)
    for role in ROLES:
        actions = allowed_actions(cast[role], document)
        for part, names in PART_ACTION.items():
            offered = bool(actions.intersection(names))
            assert offered == ((stage, role) in EXPECTED[part]), (stage, role, part)
    posts = {
        "goals": ("workplans:edit", {"goals-TOTAL_FORMS": "0", "goals-INITIAL_FORMS": "0"}),
        "check_ins": ("workplans:check-ins", {"held_on": "2026-11-02", "note": "Met."}),
        "self_evaluation": ("appraisals:self-evaluation", {"overall": "Rewritten."}),
        "supervisor_comments": ("appraisals:supervisor-comment", {"comment": "Late view."}),
        "ratings": ("appraisals:ratings", {"overall_comment": "Rewritten."}),
        "sro_comments": ("appraisals:sro", {"comment": "Rewritten.", "save": "1"}),
        "improvement_plans": (
            "appraisals:pips",
            {
                "objectives": "Deliver.",
                "support": "Coaching.",
                "start": "2026-11-02",
                "end": "2027-01-31",
            },
        ),
    }
    before = snapshot(document)
    for part, (url_name, data) in posts.items():
        for role in ROLES:
            if (stage, role) in EXPECTED[part]:
                continue
            client.force_login(cast[role])
            response = client.post(reverse(url_name, args=[document.pk]), data)
            assert response.status_code in (200, 302, 403, 404), (part, role)
            assert snapshot(document) == before, (stage, part, role)
